import { describe, expect, it } from 'vitest'
import { checkGradients } from '../../src/check.js'
import { band, exp, formatReport, headline, hintText, reasonText, val, verdictText, warningText } from '../../src/render/text.js'
import type { Entry, Hint, Warning } from '../../src/report/types.js'
import { block, bug, direction, entry, options, report, step } from './render-report.js'

// The failure message (src/render/text.ts), from hand-built reports: every figure, word and column the
// message prints is a function of the report alone, so each test builds the few fields it reads.

describe('the figure formats shared with the HTML page', () => {
  it('exp prints one decimal of a finite number in exponent form, and names a non-finite one', () => {
    expect(exp(1.5)).toBe('1.5e+0')
    expect(exp(0.000123)).toBe('1.2e-4')
    expect(exp(0)).toBe('0.0e+0')
    expect(exp(Infinity)).toBe('Infinity')
    expect(exp(-Infinity)).toBe('-Infinity')
    expect(exp(NaN)).toBe('NaN')
  })

  it('val keeps six significant digits without trailing zeros, and names a non-finite one', () => {
    expect(val(1 / 3)).toBe('0.333333')
    expect(val(2)).toBe('2')
    expect(val(1234567.89)).toBe('1234570')
    expect(val(-0.5)).toBe('-0.5')
    expect(val(NaN)).toBe('NaN')
    expect(val(-Infinity)).toBe('-Infinity')
  })
})

describe('band: the cs231n relative-error labels', () => {
  it('labels each band up to and including its upper edge', () => {
    expect(band(0.5)).toBe('probably wrong')
    expect(band(1.0001e-2)).toBe('probably wrong')
    expect(band(1e-2)).toBe('uncomfortable')
    expect(band(1.0001e-4)).toBe('uncomfortable')
    expect(band(1e-4)).toBe('ok for kinks or float32')
    expect(band(1.0001e-7)).toBe('ok for kinks or float32')
    expect(band(1e-7)).toBe('happy')
    expect(band(0)).toBe('happy')
  })

  it('calls a NaN relative error probably wrong, not happy', () => {
    expect(band(NaN)).toBe('probably wrong')
  })
})

describe('reasonText: why an entry got its verdict', () => {
  const swept = (trend: 'falls' | 'grows' | 'flat', ds: number[], extra: Partial<Entry> = {}): Entry =>
    entry({ analytic: 1, reason: { kind: 'sweep', trend }, steps: ds.map((d, i) => step(10 ** -(3 + i), 1 + d)), ...extra })

  it('says nothing for a first difference, or for a sweep without a trend', () => {
    expect(reasonText(entry())).toBe('')
    expect(reasonText(entry({ reason: { kind: 'sweep' } }))).toBe('')
    expect(reasonText(entry({ reason: { kind: 'sweep', trend: undefined } }))).toBe('')
  })

  it('tells a falling sweep as truncation, with |a − D(h)| of each step and the step range', () => {
    expect(reasonText(swept('falls', [1e-4, 1e-6, 1e-8]))).toBe('falls like h² (1.0e-4, 1.0e-6, 1.0e-8) as the step shrinks 1.0e-3 → 1.0e-5: truncation')
  })

  it('tells a growing sweep as round-off', () => {
    expect(reasonText(swept('grows', [1e-9, 1e-8]))).toBe('grows (1.0e-9, 1.0e-8) as the step shrinks 1.0e-3 → 1.0e-4: round-off')
  })

  it('tells a flat sweep as staying at its last value, or as falling slower than h² when it fell by more than STILL_FALLING (2)', () => {
    expect(reasonText(swept('flat', [0.5, 0.5, 0.5]))).toBe('stays at 5.0e-1 as the step shrinks 1.0e-3 → 1.0e-5')
    // Exactly twice the last: not more than twice, so it stays.
    expect(reasonText(swept('flat', [0.5, 0.25]))).toBe('stays at 2.5e-1 as the step shrinks 1.0e-3 → 1.0e-4')
    expect(reasonText(swept('flat', [0.5, 0.2]))).toBe('falls, but slower than h² (5.0e-1, 2.0e-1), as the step shrinks 1.0e-3 → 1.0e-4')
  })

  it('reads only the finite central differences: a forward step or a non-finite one is left out of the story', () => {
    const e = entry({
      analytic: 1,
      reason: { kind: 'sweep', trend: 'flat' },
      steps: [step(1, 9, { finite: false }), step(1e-1, 1.5), step(1e-3, 1.5), step(1e-4, 7, { kind: 'forward' }), step(1e-5, 3, { finite: false })],
    })
    expect(reasonText(e)).toBe('stays at 5.0e-1 as the step shrinks 1.0e-1 → 1.0e-3')
  })

  it('gives the inconclusive and edge reasons with their figures', () => {
    expect(reasonText(entry({ reason: { kind: 'weak', error: 0.03 } }))).toBe('the numerical error (≈3.0e-2) is as large as the derivative itself')
    expect(reasonText(entry({ reason: { kind: 'not-finite', step: 1e-5 } }))).toBe('the loss is not finite at x ± 1.0e-5: the step crosses the edge of its domain')
    expect(reasonText(entry({ reason: { kind: 'unmoved', step: 1e-20 } }))).toBe("x ± 1.0e-20 rounds back to x: the step is below the parameter's resolution")
  })

  it('names the side where f is not finite: backward differences mean the upper side failed', () => {
    expect(reasonText(entry({ reason: { kind: 'one-sided', side: 'backward' } }))).toBe(
      'f is not finite on the upper side (a domain edge): judged from backward differences',
    )
    expect(reasonText(entry({ reason: { kind: 'one-sided', side: 'forward' } }))).toBe(
      'f is not finite on the lower side (a domain edge): judged from forward differences',
    )
  })

  it('adds the advice to a sweep that is not yet smooth, after its trend', () => {
    const e = swept('grows', [1e-9, 1e-8], { reason: { kind: 'not-smooth', trend: 'grows' } })
    expect(reasonText(e)).toBe('grows (1.0e-9, 1.0e-8) as the step shrinks 1.0e-3 → 1.0e-4: round-off, and f is not yet smooth at the smallest step: pass a smaller `step`')
  })

  it('prints the non-finite analytic value itself', () => {
    expect(reasonText(entry({ analytic: NaN, reason: { kind: 'analytic-not-finite' } }))).toBe(
      'the analytic derivative is NaN: look for a division by 0, log of 0 or an overflow in the backward pass',
    )
  })

  it('tells each kink outcome with where it was straddled, the slopes to three digits and the tolerance', () => {
    const kink = (distance: number, outcome: 'accepted' | 'skipped' | 'failed' | 'outside'): Entry =>
      entry({ slopes: [-1.23456, 2], tolerance: 1e-6, reason: { kind: 'kink', distance, step: 1e-3, outcome } })
    expect(reasonText(kink(0, 'accepted'))).toBe('straddled at x itself (step 1.0e-3); accepted as a subgradient in [-1.23, 2.00] ± 1.0e-6')
    expect(reasonText(kink(2e-4, 'skipped'))).toBe('straddled at ≈2.0e-4 from x (step 1.0e-3); skipped (slopes [-1.23, 2.00] ± 1.0e-6)')
    expect(reasonText(kink(2e-4, 'failed'))).toBe('straddled at ≈2.0e-4 from x (step 1.0e-3); slopes [-1.23, 2.00] ± 1.0e-6')
    expect(reasonText(kink(0, 'outside'))).toBe('a kink straddled at x itself (step 1.0e-3), but outside the one-sided slopes [-1.23, 2.00] ± 1.0e-6')
  })
})

describe('hintText: the hints in words', () => {
  const factor = (c: number): string => hintText({ kind: 'factor', name: 'w', names: ['w', 'b'], factor: c, count: 6 })

  it('names a factor hint by the ratio people recognise, with the tensors and the count', () => {
    expect(factor(2)).toBe('w, b: analytic = ×2 numeric on all 6 significant checked entries — an extra factor, e.g. a sum where the loss takes a mean, or a 2 from a square counted twice.')
    expect(factor(-1)).toContain('analytic = ×−1 numeric')
    expect(factor(-3)).toContain('analytic = ×−3 numeric')
    expect(factor(0.25)).toContain('analytic = ×1/4 numeric')
    expect(factor(-0.5)).toContain('analytic = ×−1/2 numeric')
    expect(factor(1.5)).toContain('analytic = ×1.5 numeric')
    expect(factor(1.23456)).toContain('analytic = ×1.235 numeric')
  })

  it('rounds a ratio to a whole number or a unit fraction only within 1e-3 relative of it', () => {
    expect(factor(2.001)).toContain('= ×2 numeric')
    expect(factor(2.003)).toContain('= ×2.003 numeric')
    expect(factor(1 / 3.001)).toContain('= ×1/3 numeric')
    expect(factor(1 / 3.01)).toContain('= ×0.3322 numeric')
    expect(factor(-1.0009)).toContain('= ×−1 numeric')
  })

  // Finding: a negative ratio that is neither −1, a whole number nor a unit fraction prints an ASCII hyphen
  // (×-1.002) where the others print the minus sign U+2212 (×−1, ×−3, ×−1/2).
  it('writes a negative ratio that is not whole with the same minus sign as the whole ones (×−1.002; was ×-1.002)', () => {
    expect(factor(-1.002)).toContain('= ×−1.002 numeric')
    expect(factor(-1.5)).toContain('= ×−1.5 numeric')
  })

  it('says how far from 1 a ratio close to 1 is, since ×1.00001 would read as ×1', () => {
    expect(factor(1.00001)).toContain('= ×(1 + 1.0e-5) numeric')
    expect(factor(0.99999)).toContain('= ×(1 − 1.0e-5) numeric')
    expect(factor(1.0011)).toContain('= ×1.001 numeric')
  })

  it('explains a factor near −1 as a sign flip, below 1 as a missing factor, above as an extra one', () => {
    expect(factor(-0.99)).toMatch(/— a sign flip \(gradient ascent vs descent, or a − dropped\)\.$/)
    expect(factor(-1.019)).toContain('a sign flip')
    expect(factor(-1.03)).toContain('an extra factor')
    expect(factor(0.5)).toMatch(/— a missing factor, e\.g\. the mean over the batch taken twice or a 2 from a square\.$/)
    expect(factor(-0.5)).toContain('a missing factor')
    expect(factor(1)).toContain('an extra factor')
  })

  it('words the hints about a tensor the loss does not read, a zero gradient and a transpose', () => {
    expect(hintText({ kind: 'unread', name: 'b', moves: 4, path: 'b[1]', analytic: 0.5 })).toBe(
      'b: the loss returned exactly the same value for all 4 moves of b, yet its gradient is not 0 (b[1]: 0.5). ' +
        'If the loss reads a copy of the parameters, pass the very arrays it reads as `at`; if b really does not matter here, its gradient must be 0.',
    )
    expect(hintText({ kind: 'zero', name: 'w', count: 1, path: 'w[2]', numeric: 0.004 })).toBe(
      'w: the analytic gradient is 0 where the numeric one is not (1 weight, e.g. w[2]: numeric 4.00e-3) — a missing term, or a parameter the backward pass never reaches.',
    )
    expect(hintText({ kind: 'zero', name: 'w', count: 3, path: 'w[2]', numeric: 2 })).toContain('(3 weights, e.g. w[2]: numeric 2)')
    expect(hintText({ kind: 'transposed', name: 'W', pairs: 6 })).toBe(
      "W: the analytic gradient matches the numeric one transposed (6 entries) — the backward pass returns Wᵀ's gradient, or a row-major/column-major mix-up.",
    )
  })

  it('prints small figures in a hint with three digits between 0.01 and 1000, in exponent form outside', () => {
    const unread = (analytic: number): string => hintText({ kind: 'unread', name: 'b', moves: 2, path: 'b[0]', analytic })
    expect(unread(0.01)).toContain('(b[0]: 0.01)')
    expect(unread(0.00999)).toContain('(b[0]: 9.99e-3)')
    expect(unread(-0.0123456)).toContain('(b[0]: -0.0123)')
    expect(unread(999.4)).toContain('(b[0]: 999)')
    expect(unread(1000)).toContain('(b[0]: 1.00e+3)')
    expect(unread(-2000)).toContain('(b[0]: -2.00e+3)')
  })

  it('places a slice hint at its axis, the other axes as `:`, and says when it is a border', () => {
    expect(hintText({ kind: 'slice', name: 'W', shape: [3, 4, 5], axis: 1, indices: [0, 3], border: true })).toBe(
      'W: the failures are all in W[:,0|3,:]; every other index along axis 1 passes (a border: padding or an off-by-one at the edge?).',
    )
    expect(hintText({ kind: 'slice', name: 'W', shape: [3, 4], axis: 0, indices: [1], border: false })).toBe(
      'W: the failures are all in W[1,:]; every other index along axis 0 passes.',
    )
  })

  it('tells a missing L2 term (λ > 0) from an extra one (λ < 0), with λ positive in both', () => {
    expect(hintText({ kind: 'l2', name: 'w', lambda: 0.01 })).toBe(
      'w: numeric − analytic = 0.01·w on every failing weight — the L2 term λ‖w‖²/2 with λ ≈ 0.01 is missing from the gradient.',
    )
    expect(hintText({ kind: 'l2', name: 'w', lambda: -0.5 })).toBe(
      'w: analytic − numeric = 0.5·w on every failing weight — the gradient adds an L2 term (λ ≈ 0.5) the loss does not have.',
    )
    // λ = 0 is not a missing term: it takes the second wording.
    expect(hintText({ kind: 'l2', name: 'w', lambda: 0 })).toContain('analytic − numeric')
  })

  it('words a single off weight alone or within its tensor, with its factor when there is one', () => {
    expect(hintText({ kind: 'single', name: 'w', path: 'w[1]', alone: true, factor: 2 })).toBe(
      'only w[1] is off, by a factor 2 — look at how that one weight is accumulated.',
    )
    expect(hintText({ kind: 'single', name: 'w', path: 'w[1]', alone: false })).toBe(
      'w[1] is the only weight of w that is off — look at how that one weight is accumulated.',
    )
    expect(hintText({ kind: 'single', name: 'w', path: 'w[1]', alone: true, factor: 1.00001 })).toContain('by a factor (1 + 1.0e-5)')
  })

  it('words the step, resolution, float32 and nondeterminism hints', () => {
    expect(hintText({ kind: 'step', count: 1, step: 0.1 })).toBe(
      "1 failing weight approach the analytic value as the step shrinks: the step 0.1 is too large; try `step: 'auto'`.",
    )
    expect(hintText({ kind: 'step', count: 2, step: 0.1 })).toContain('2 failing weights approach')
    expect(hintText({ kind: 'step-too-small', step: 1e-20 })).toBe(
      "the step 1e-20 is below the parameters' resolution: x ± 1e-20 rounds back to x, so nothing was measured; use `step: 'auto'`.",
    )
    expect(hintText({ kind: 'float32' })).toBe('float32 round-off is as large as some derivatives: check a float64 copy of the model to decide them.')
    expect(hintText({ kind: 'nondeterministic', spread: 0.002 })).toBe(
      'the loss is not deterministic: two calls at the same point differ by 2.0e-3 — dropout or sampling is on; turn it off or pass `beforeEvaluation` to reset its seed.',
    )
  })
})

describe('warningText: the warnings in words', () => {
  const kinked = [
    entry({ path: 'w[0]', index: [0], analytic: 0.5, kink: true, verdict: 'kink', slopes: [0, 1] }),
    entry({ path: 'w[1]', index: [1], analytic: 1, kink: true, verdict: 'kink', slopes: [0.123456, 1.5] }),
  ]
  const r = report({ entries: kinked })
  const text = (w: Warning): string => warningText(w, r)

  it('lists the kinked weights found with their slopes and analytic value, … when more were found', () => {
    expect(text({ kind: 'kinks', count: 1, policy: 'subgradient', paths: ['w[1]'] })).toBe(
      '1 weight moves a ReLU/max-like input across a kink within the step; their analytic values lie between the one-sided slopes (within their error) and were accepted (w[1]: [0.123, 1.50], analytic 1.00)',
    )
    expect(text({ kind: 'kinks', count: 3, policy: 'skip', paths: ['w[0]', 'w[1]'] })).toBe(
      '3 weights move a ReLU/max-like input across a kink within the step; they were skipped (w[0]: [0.00, 1.00], analytic 0.500; w[1]: [0.123, 1.50], analytic 1.00; …)',
    )
    expect(text({ kind: 'kinks', count: 2, policy: 'skip', paths: ['w[0]', 'w[1]'] })).not.toContain('…')
  })

  it('joins the non-finite counts it has, perturbed points, the probe and directions, and leaves out those at 0', () => {
    expect(text({ kind: 'non-finite', count: 3, paths: ['w[0]', 'w[1]'], probe: 2, directions: 1 })).toBe(
      '3 weights saw a NaN or ±∞ at a perturbed point (w[0], w[1], …); 2 of the loss values at and around `at` that measure its noise were NaN or ±∞; ' +
        '1 of the loss values along directional tests were NaN or ±∞: a domain edge, or a loss that fails at some inputs',
    )
    expect(text({ kind: 'non-finite', count: 1, paths: ['w[0]'], probe: 0 })).toBe(
      '1 weight saw a NaN or ±∞ at a perturbed point (w[0]): a domain edge, or a loss that fails at some inputs',
    )
    expect(text({ kind: 'non-finite', count: 0, paths: [], probe: 4, directions: 0 })).toBe(
      '4 of the loss values at and around `at` that measure its noise were NaN or ±∞: a domain edge, or a loss that fails at some inputs',
    )
  })

  it('gives the first undecided weight with its reason', () => {
    const undecided = report({ entries: [entry({ path: 'w[0]', verdict: 'inconclusive', reason: { kind: 'weak', error: 2 } })] })
    expect(warningText({ kind: 'inconclusive', count: 2, path: 'w[0]' }, undecided)).toBe(
      '2 weights could not be decided (w[0]: the numerical error (≈2.0e+0) is as large as the derivative itself)',
    )
  })

  it('words the spread, float32-loss, sampling and coverage warnings with their figures', () => {
    expect(text({ kind: 'spread', spread: 3e-16 })).toBe('calls at `at` differ by 3.0e-16 (within √u of the loss: a reordered sum?); counted as noise')
    expect(text({ kind: 'float32-loss' })).toContain("pass `precision: 'float64'` to override")
    expect(text({ kind: 'sampled', name: 'W', checked: 512, size: 10000, seed: 7 })).toBe('W: 512 of 10000 coordinates checked, drawn with seed 7')
    expect(text({ kind: 'covered', name: 'W', checked: 1200, size: 50000, covered: 48800, directions: 1 })).toBe(
      'W: 1,200 of 50,000 coordinates checked one by one, the other 48,800 by 1 directional test',
    )
    expect(text({ kind: 'covered', name: 'W', checked: 1, size: 3, covered: 2, directions: 2 })).toContain('by 2 directional tests')
  })

  it('words the localisation warnings', () => {
    expect(text({ kind: 'localisation-capped', name: 'W', atLeast: 1500, shown: 12 })).toBe(
      'at least 1,500 coordinates of W disagree; the 12 found are shown (localisation stopped at its call budget)',
    )
    expect(text({ kind: 'whole-tensor', name: 'W', parts: 8 })).toBe('W is wrong as a whole: all 8 parts of a failing direction fail too; a few of its coordinates are shown')
    expect(text({ kind: 'unlocalised', name: 'W', direction: 'gradient', relativeError: 1e-6 })).toBe(
      "W disagrees along its gradient by 1.0e-6 relative, yet no single coordinate does: an error spread over the tensor, below one weight's noise",
    )
    expect(text({ kind: 'unlocalised', name: 'W', direction: 'random', relativeError: 1e-6 })).toContain('W disagrees along a random direction by')
    expect(text({ kind: 'direction-kink', name: 'W', count: 2 })).toBe('a direction over W crosses kinks; its coordinates, checked one by one, agree')
  })

  it('names a non-finite directional derivative, its direction and the coordinate found where there is one', () => {
    expect(text({ kind: 'analytic-not-finite', name: 'W', value: NaN, direction: 'gradient' })).toMatch(
      /^the analytic gradient of W is not finite: NaN along its gradient — look for a division by 0/,
    )
    expect(text({ kind: 'analytic-not-finite', name: 'W', value: Infinity, direction: 'part', path: 'W[3]' })).toMatch(
      /^the analytic gradient of W is not finite: Infinity along a part direction, and at W\[3\] on its own — look/,
    )
  })
})

describe('verdictText: the verdict with its reasons', () => {
  it('is the bare verdict when there is nothing to add', () => {
    expect(verdictText(entry())).toBe('ok')
  })

  it('says the sign differs on an entry that is not ok, but not on one that is', () => {
    expect(verdictText(bug({ sign: true, reason: { kind: 'first-difference' } }))).toBe('bug: sign differs')
    expect(verdictText(entry({ sign: true }))).toBe('ok')
    expect(verdictText(bug({ sign: true, reason: { kind: 'weak', error: 1 } }))).toBe(
      'bug: sign differs; the numerical error (≈1.0e+0) is as large as the derivative itself',
    )
  })
})

describe('headline: the verdict line', () => {
  const ok = (n: number): Entry[] => Array.from({ length: n }, (_, i) => entry({ path: `w[${i}]`, index: [i] }))

  it('says all checked weights agree, with the setting: precision, method and step', () => {
    expect(headline(report({ entries: ok(3) }))).toBe('✓ all 3 checked weights agree within what the numerics explain (float64, central differences, auto step)')
    expect(headline(report({ entries: ok(1), precision: 'float32', options: options({ method: 'richardson', step: 0.001 }) }))).toBe(
      '✓ all 1 checked weight agree within what the numerics explain (float32, Richardson extrapolation, step 0.001)',
    )
    expect(headline(report({ options: options({ method: 'forward' }) }))).toContain('(float64, forward differences, auto step)')
    expect(headline(report({ checked: 12345, entries: ok(1) }))).toContain('all 12,345 checked weights')
  })

  it('counts the weights covered only by directions, not the coordinate-checked ones', () => {
    const r = report({
      entries: ok(2),
      blocks: [block({ name: 'W', size: 10, checked: 2, coverage: 'directions' }), block({ name: 'b', size: 5, checked: 5, coverage: 'coordinates' }), block({ name: 'c', size: 4, checked: 4 })],
      directions: [direction({ tensor: 'W' })],
    })
    expect(headline(r)).toBe('✓ all 2 checked weights, and 8 more along 1 directional test agree within what the numerics explain (float64, central differences, auto step)')
    // A sampled tensor of mode 'full' (no coverage) or one checked one by one: nothing more was covered.
    const sampled = report({ entries: ok(2), blocks: [block({ size: 10, checked: 2 }), block({ name: 'b', size: 3, checked: 3, coverage: 'coordinates' })] })
    expect(headline(sampled)).toBe('✓ all 2 checked weights agree within what the numerics explain (float64, central differences, auto step)')
    const many = report({ entries: ok(1), blocks: [block({ size: 2001, checked: 1, coverage: 'sampled + directions' })], directions: [direction(), direction()] })
    expect(headline(many)).toContain('1 checked weight, and 2,000 more along 2 directional tests agree')
  })

  it('sets kinks and undecided weights aside from those that agree', () => {
    const one = report({ entries: [...ok(3), entry({ path: 'w[3]', verdict: 'kink' })] })
    expect(headline(one)).toBe('✓ 3 of 4 checked weights agree within what the numerics explain, 1 at a kink (float64, central differences, auto step)')
    const more = report({
      entries: [...ok(1), entry({ verdict: 'kink' }), entry({ verdict: 'kink' }), entry({ verdict: 'inconclusive' })],
    })
    expect(headline(more)).toBe('✓ 1 of 4 checked weights agree within what the numerics explain, 2 at kinks, 1 inconclusive (float64, central differences, auto step)')
    expect(headline(report({ entries: [...ok(2), entry({ verdict: 'inconclusive' })] }))).toContain('✓ 2 of 3 checked weights agree within what the numerics explain, 1 inconclusive (')
  })

  it('puts a nondeterministic loss first, before any count of disagreeing weights', () => {
    const r = report({ entries: [bug()], loss: { value: 1, noise: 1e-15, spread: 0.004, deterministic: false } })
    expect(headline(r)).toBe(
      '✗ the loss is not deterministic: two calls at the same point differ by 4.0e-3, so no verdict on the gradient can be trusted (1 of 1 checked weight disagree; float64, central differences, auto step)',
    )
  })

  it('fails a check that measured too little, naming the tensors with nothing measured', () => {
    const r = report({ pass: false, entries: ok(4), unverified: { tensors: ['W', 'b'], unmeasured: 3 } })
    expect(headline(r)).toBe(
      '✗ too little was measured to pass: no derivative could be estimated for 3 of 4 checked weights; nothing measured in W, b (float64, central differences, auto step)',
    )
    expect(headline(report({ pass: false, entries: ok(4), unverified: { tensors: [], unmeasured: 2 } }))).toBe(
      '✗ too little was measured to pass: no derivative could be estimated for 2 of 4 checked weights (float64, central differences, auto step)',
    )
  })

  it('counts the disagreeing weights first, even where too little was measured elsewhere', () => {
    const r = report({ entries: [bug(), ...ok(3)], unverified: { tensors: ['b'], unmeasured: 2 } })
    expect(headline(r)).toBe('✗ 1 of 4 checked weights disagrees beyond what the numerics explain (float64, central differences, auto step)')
  })

  it('says a direction disagrees when the only failing directions are kinks or parts', () => {
    const r = report({ pass: false, entries: ok(2), directions: [direction({ failed: true, kink: true }), direction({ kind: 'part', depth: 1, failed: true })] })
    // In the singular (was "a direction disagree": the verb agreed with the empty list of named directions).
    expect(headline(r)).toMatch(/^✗ a direction disagrees beyond what the numerics explain, though none of the 2 checked weights does \(/)
  })

  it('names the first directions that disagree when no single weight does, leaving out kinks and parts', () => {
    const r = (ds: ReturnType<typeof direction>[]) => report({ pass: false, entries: ok(2), directions: ds })
    expect(headline(r([direction({ tensor: 'W', kind: 'gradient', failed: true }), direction({ tensor: 'W', kind: 'part', depth: 1, failed: true })]))).toBe(
      '✗ W (along its gradient) disagrees beyond what the numerics explain, though none of the 2 checked weights does (float64, central differences, auto step)',
    )
    expect(headline(r([direction({ tensor: 'W', failed: true }), direction({ tensor: 'b', kind: 'gradient', failed: true }), direction({ tensor: 'c', failed: true, kink: true })]))).toContain(
      '✗ W (a random direction), b (along its gradient) disagree beyond',
    )
  })

  it('counts the disagreeing weights, with the tolerance rule when one is fixed', () => {
    const two = report({ entries: [bug(), bug(), entry()] })
    expect(headline(two)).toBe('✗ 2 of 3 checked weights disagree beyond what the numerics explain (float64, central differences, auto step)')
    expect(headline(report({ entries: [bug()] }))).toContain('✗ 1 of 1 checked weight disagrees beyond')
    expect(headline(report({ entries: [bug()], failed: 1234, checked: 5000 }))).toContain('✗ 1,234 of 5,000 checked weights disagree')
    expect(headline(report({ entries: [bug()], options: options({ atol: 0.001 }) }))).toContain('disagrees beyond atol 0.001 + round-off (')
    expect(headline(report({ entries: [bug()], options: options({ rtol: 0.01 }) }))).toContain('disagrees beyond the estimated error + rtol 0.01·max(|a|, |n|) (')
    expect(headline(report({ entries: [bug()], options: options({ rtol: 0.01, atol: 0 }) }))).toContain('disagrees beyond atol 0 + rtol 0.01·max(|a|, |n|) (')
  })
})

describe('formatReport: the whole message', () => {
  it('lays the worst weights out as a table: first column left-aligned, figures right-aligned, verdict free', () => {
    const lines = formatReport(report({ entries: [bug(), entry({ path: 'w[1]', index: [1] })], worst: [bug(), entry({ path: 'w[1]', index: [1] })] })).split('\n')
    const at = lines.indexOf('Worst weights')
    expect(lines.slice(at, at + 4)).toEqual([
      'Worst weights',
      '  path  analytic  numeric  abs. error  allowed  rel. error  digits  verdict',
      '  w[0]         2        1      1.0e+0   1.0e-9      5.0e-1  0 of 9  bug: stays at 1.0e+0 as the step shrinks 1.0e-3 → 6.0e-5',
      '  w[1]         1        1      0.0e+0   1.0e-9      0.0e+0  9 of 9  ok',
    ])
  })

  it('shows as digits the smaller of the agreeing and the resolvable counts', () => {
    const r = report({ entries: [bug({ digits: { agree: 3, resolvable: 10 } })] })
    expect(formatReport(r)).toContain('  3 of 10  ')
  })

  it('titles the table Largest disagreements when the check passes, and leaves it out when there is none', () => {
    expect(formatReport(report({ worst: [entry()] }))).toContain('\nLargest disagreements\n')
    const none = formatReport(report({ worst: [] }))
    expect(none).not.toContain('Largest disagreements')
    expect(none).not.toContain('Worst weights')
    expect(none.split('\n').slice(0, 3)).toEqual([headline(report({ worst: [] })), '', 'Per tensor'])
  })

  it('summarises each tensor with its band, flagging a failing one', () => {
    const r = report({
      entries: [bug()],
      blocks: [
        block({ name: 'W', checked: 4, failed: 1, maxRelativeError: 0.5, normRatio: 0.25 }),
        block({ name: 'bias', checked: 2, failed: 0, maxRelativeError: 1e-9, normRatio: 1e-10 }),
      ],
    })
    const lines = formatReport(r).split('\n')
    const at = lines.indexOf('Per tensor')
    expect(lines.slice(at, at + 4)).toEqual([
      'Per tensor',
      '  tensor  checked  failed  max rel. error  norm ratio  cs231n band',
      '  W             4       1          5.0e-1      2.5e-1  probably wrong  ←',
      '  bias          2       0          1.0e-9     1.0e-10  happy',
      ])
  })

  it('says where the textbook band and this check disagree', () => {
    const line = (b: Partial<ReturnType<typeof block>>): string => formatReport(report({ worst: [], blocks: [block(b)] })).split('\n')[4]!
    expect(line({ failed: 0, maxRelativeError: 0.5 })).toMatch(/probably wrong by the textbook; within the bounds here$/)
    expect(line({ failed: 0, maxRelativeError: 1e-3 })).toMatch(/uncomfortable by the textbook; within the bounds here$/)
    expect(line({ failed: 1, maxRelativeError: 1e-8 })).toMatch(/happy by the textbook; fails here {2}←$/)
    expect(line({ failed: 1, maxRelativeError: 1e-5 })).toMatch(/ok for kinks or float32 by the textbook; fails here {2}←$/)
    expect(line({ failed: 0, maxRelativeError: 1e-5 })).toMatch(/ {2}ok for kinks or float32$/)
  })

  it('adds a coverage column only when some tensor was not checked one by one', () => {
    const plain = formatReport(report({ worst: [], blocks: [block({ coverage: 'coordinates' }), block({ name: 'b' })] }))
    expect(plain).not.toContain('coverage')
    const r = report({
      worst: [],
      blocks: [
        block({ name: 'a' }),
        block({ name: 'b', coverage: 'coordinates' }),
        block({ name: 'c', coverage: 'sampled', checked: 64, size: 100 }),
        block({ name: 'd', coverage: 'sampled + directions', checked: 64, size: 1000 }),
        block({ name: 'e', coverage: 'directions', checked: 0, size: 1000 }),
        block({ name: 'f', coverage: 'directions', checked: 3, size: 1000 }),
      ],
      directions: [direction({ tensor: 'd' }), direction({ tensor: 'e' }), direction({ tensor: 'e', kind: 'gradient' }), direction({ tensor: 'f' })],
    })
    const lines = formatReport(r).split('\n')
    const at = lines.indexOf('Per tensor')
    const rows = lines.slice(at + 1, at + 8).map((l) => l.split(/ {2,}/).slice(1, 5))
    expect(rows).toEqual([
      ['tensor', 'checked', 'failed', 'coverage'],
      ['a', '1', '0', 'all one by one'],
      ['b', '1', '0', 'all one by one'],
      ['c', '64', '0', '64 sampled'],
      ['d', '64', '0', 'sample + 1 direction'],
      ['e', '0', '0', '2 directions'],
      ['f', '3', '0', '1 direction → 3 found'],
    ])
  })

  it('lists the directions that disagree, with the parts and calls spent localising them', () => {
    const r = report({
      pass: false,
      worst: [],
      directions: [
        direction({ tensor: 'W', kind: 'random', size: 100, analytic: 2, numeric: 1.5, bound: 1e-6, verdict: 'bug', failed: true }),
        direction({ tensor: 'W', kind: 'part', depth: 1, of: 'random', calls: 4, failed: true }),
        direction({ tensor: 'W', kind: 'part', depth: 2, of: 'random', calls: 6 }),
        direction({ tensor: 'W', kind: 'part', depth: 1, of: 'gradient', calls: 100 }),
        direction({ tensor: 'b', kind: 'gradient', size: 3, analytic: 1, numeric: 0, bound: 1e-8, verdict: 'bug', failed: true }),
        direction({ tensor: 'c', kind: 'gradient', failed: false }),
      ],
    })
    const lines = formatReport(r).split('\n')
    const at = lines.indexOf('Directions that disagree')
    expect(at).toBe(2)
    expect(lines.slice(at, at + 5)).toEqual([
      'Directions that disagree',
      '  tensor  direction  size  analytic  numeric  allowed  verdict',
      '  W          random   100         2      1.5   1.0e-6  bug; localised over 2 parts (10 loss calls)',
      '  b        gradient     3         1        0   1.0e-8  bug',
      '',
    ])
    expect(formatReport(report({ directions: [direction({ failed: true, depth: 1 })] }))).not.toContain('Directions that disagree')
  })

  it('paints failing rows with the failed colour and passing ones with the passed colour', () => {
    const colors = { failed: (s: string) => `<F>${s}</F>`, passed: (s: string) => `<P>${s}</P>` }
    const r = report({ entries: [bug(), entry({ path: 'w[1]', index: [1] })], worst: [bug(), entry({ path: 'w[1]', index: [1] })] })
    r.blocks = [block({ name: 'W', failed: 1 }), block({ name: 'b' })]
    const lines = formatReport(r, { colors }).split('\n')
    expect(lines.filter((l) => l.startsWith('<F>  w[0] '))).toHaveLength(1)
    expect(lines.filter((l) => l.startsWith('<P>  w[1] '))).toHaveLength(1)
    expect(lines.filter((l) => l.startsWith('<F>  W '))).toHaveLength(1)
    // A passing tensor row is left plain: contrast is for weights.
    expect(lines.filter((l) => l.startsWith('  b '))).toHaveLength(1)
    expect(lines.some((l) => l.startsWith('<') && l.includes('path'))).toBe(false)
    // Without a colour for passing rows, they stay plain.
    const only = formatReport(r, { colors: { failed: colors.failed } }).split('\n')
    expect(only.filter((l) => l.startsWith('  w[1] '))).toHaveLength(1)
  })

  it('ends with the warnings, the hints, then the Replay line with the seed, calls and loss', () => {
    const r = report({
      entries: [bug()],
      warnings: [{ kind: 'spread', spread: 1e-16 }, { kind: 'float32-loss' }],
      hints: [{ kind: 'float32' }],
      seed: 42,
      evaluations: 1234,
      loss: { value: 1 / 3, noise: 2e-16, spread: 0, deterministic: true },
    })
    const lines = formatReport(r).split('\n')
    // Each table is followed by a blank line: worst weights, then per tensor, then the warnings.
    expect(lines[lines.indexOf('Per tensor') - 1]).toBe('')
    expect(lines[lines.length - 5]).toBe('')
    expect(lines.slice(-4)).toEqual([
      `Warning: ${warningText({ kind: 'spread', spread: 1e-16 }, r)}`,
      `Warning: ${warningText({ kind: 'float32-loss' }, r)}`,
      `Hint: ${hintText({ kind: 'float32' } as Hint)}`,
      'Replay: { seed: 42 }  (1,234 loss calls; loss 0.333333 ± 2.0e-16)',
    ])
    expect(formatReport(report({ evaluations: 1 }), { received: { call: 'gradient call', value: 'grad[0]' } }).split('\n').at(-1)).toBe(
      'Replay: { seed: 1849 }  (1 gradient call; grad[0] 7 ± 1.0e-15)',
    )
  })

  it('renders a real check: the off weight is the first row and the hint names its factor', () => {
    const at = { w: new Float64Array([1, 2, 3]) }
    const r = checkGradients((p: typeof at) => p.w[0]! ** 2 + p.w[1]! * p.w[2]!, (p: typeof at) => ({ w: [2 * p.w[0]!, 1.5 * p.w[2]!, p.w[1]!] }), { at })
    const lines = formatReport(r).split('\n')
    expect(lines[0]).toBe('✗ 1 of 3 checked weights disagrees beyond what the numerics explain (float64, central differences, auto step)')
    expect(lines[4]).toMatch(/^ {2}w\[1\] +4\.5 +3 +1\.5e\+0 .* bug: stays at 1\.5e\+0 as the step shrinks/)
    expect(lines).toContain('Hint: only w[1] is off, by a factor 1.5 — look at how that one weight is accumulated.')
  })
})
