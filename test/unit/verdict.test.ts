import { describe, expect, it } from 'vitest'
import { K, NEGLIGIBLE, RATIO, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import type { Level } from '../../src/engine/differences.js'
import type { Estimate } from '../../src/engine/extrapolate.js'
import type { Coordinate } from '../../src/engine/scale.js'
import { bound } from '../../src/engine/tolerance.js'
import { centralPrior, clearedByFirst, judge, secondStep, stepsOf, trendOf } from '../../src/engine/verdict.js'
import { levelOf } from './weight.js'

// The quick path and the verdict of a sweep (docs/numerics.md §5), on synthetic levels: only the fields verdict.ts reads.
const u = UNIT_ROUNDOFF.float64
const hStar = Math.cbrt(3 * u)
interface Fields {
  a?: number
  G?: number
  r?: number
  L?: number
  h?: number
  optimal?: number
  method?: 'central' | 'forward' | 'richardson'
  step?: 'auto' | number
  kinks?: 'subgradient' | 'skip' | 'fail' | 'ignore'
  deterministic?: boolean
  rtol?: number | 'auto'
  atol?: number | 'auto'
}
const coordinate = (f: Fields = {}): Coordinate =>
  ({
    a: f.a ?? 1,
    G: f.G ?? 1,
    r: f.r ?? u,
    L: f.L ?? 1,
    h: f.h ?? hStar,
    optimal: f.optimal ?? hStar,
    u,
    loss: { value: 1, noise: 0, deterministic: f.deterministic ?? true },
    options: { method: f.method ?? 'central', step: f.step ?? 'auto', kinks: f.kinks ?? 'subgradient', atol: f.atol ?? 'auto', rtol: f.rtol ?? 'auto' },
  }) as unknown as Coordinate
const lvl = (s: number, central: number, gap = 0, noise = 0, extra: Partial<Level> = {}): Level => levelOf(s, central, gap, noise, extra)
const estimate = (numeric: number, err: number): Estimate => ({ numeric, err, roundoff: 0 })

describe('centralPrior: TRUNCATION_PRIOR·(gap·(s/L)/6 + (3r)^(2/3)·(s/h*)²·max(m, PRIOR_FLOOR·G))', () => {
  it('is the gap term alone where the derivative and the gradient scale are 0', () => {
    const c = coordinate({ G: 0, L: 2 })
    expect(centralPrior(c, lvl(0.5, 0, 3), 0)).toBeCloseTo(K.TRUNCATION_PRIOR * ((3 * (0.5 / 2)) / 6), 15)
  })

  it('allows (3r)^(2/3) of the derivative at the optimal step, and scales with s² from there', () => {
    const c = coordinate({ r: 1e-6, optimal: 0.01 })
    const atOptimal = centralPrior(c, lvl(0.01, 0), 2)
    expect(atOptimal).toBeCloseTo(K.TRUNCATION_PRIOR * Math.cbrt(3e-6) ** 2 * 2, 15)
    expect(centralPrior(c, lvl(0.04, 0), 2) / atOptimal).toBeCloseTo(16, 10)
  })

  it('is held to PRIOR_FLOOR of the gradient scale for a derivative far below it (x³ near 0: f″ = 0, f‴ is not)', () => {
    const c = coordinate({ r: 1e-6, optimal: 0.01, G: 10 })
    const floor = centralPrior(c, lvl(0.01, 0), 0)
    expect(floor).toBeCloseTo(K.TRUNCATION_PRIOR * Math.cbrt(3e-6) ** 2 * K.PRIOR_FLOOR * 10, 15)
    expect(centralPrior(c, lvl(0.01, 0), 1e-3)).toBe(floor)
    expect(centralPrior(c, lvl(0.01, 0), 1)).toBeGreaterThan(floor)
  })
})

describe('clearedByFirst: one central difference clears a weight within a prior bound that is small beside it', () => {
  const first = (n: number, noise: number, gap = 0): Level => lvl(hStar, n, gap, noise)

  it('clears an agreeing weight: numeric D(h), error ε/h + prior, tolerance the pass rule on them, reason first-difference', () => {
    const c = coordinate({ a: 1 })
    const l = first(1 + 1e-9, 1e-8, 1e-6)
    const judged = clearedByFirst(c, l)
    const err = 1e-8 + centralPrior(c, l, 1 + 1e-9)
    expect(judged).toEqual({ numeric: 1 + 1e-9, estimatedError: err, tolerance: bound(c, err, 1 + 1e-9), verdict: 'ok', failed: false, kink: false, reason: { kind: 'first-difference' } })
  })

  it('does not clear a disagreement beyond the bound (negative control: a gradient 1e-6 off)', () => {
    const c = coordinate({ a: 1 })
    expect(clearedByFirst(c, first(1 - 1e-6, 1e-8))).toBeUndefined()
    // Within the bound by a hair on either side of a: the rule is |a − n| ≤ tolerance, in both directions.
    const tol = bound(c, 1e-8 + centralPrior(c, first(1, 1e-8), 1), 1)
    expect(clearedByFirst(c, first(1 + tol / 2, 1e-8))).toBeDefined()
    expect(clearedByFirst(c, first(1 - tol / 2, 1e-8))).toBeDefined()
    expect(clearedByFirst(c, first(1 + 2 * tol, 1e-8))).toBeUndefined()
    expect(clearedByFirst(c, first(1 - 2 * tol, 1e-8))).toBeUndefined()
  })

  it('takes max(|a|, |n|) as the derivative, on either side; a sign error is never cleared', () => {
    // rtol 0.18: of 1.2 it allows the 0.2 between 1 and 1.2, of 1 it would not.
    const lenient = (a: number): Coordinate => coordinate({ a, rtol: 0.18 })
    expect(clearedByFirst(lenient(1), first(1.2, 1e-8))?.tolerance).toBeCloseTo(0.18 * 1.2, 6)
    expect(clearedByFirst(lenient(1.2), first(1, 1e-8))?.tolerance).toBeCloseTo(0.18 * 1.2, 6)
    expect(clearedByFirst(coordinate({ a: 1, rtol: 0.15 }), first(1.2, 1e-8))).toBeUndefined()
    expect(clearedByFirst(coordinate({ a: -1 }), first(1, 1e-8))).toBeUndefined()
  })

  it('never for a level that is not finite, nor with method richardson (it always sweeps)', () => {
    expect(clearedByFirst(coordinate(), first(1, 1e-8))).toBeDefined()
    expect(clearedByFirst(coordinate(), first(1, 1e-8, 0))).toBeDefined()
    expect(clearedByFirst(coordinate(), lvl(hStar, 1, 0, 1e-8, { finite: false }))).toBeUndefined()
    expect(clearedByFirst(coordinate({ method: 'richardson' }), first(1, 1e-8))).toBeUndefined()
  })

  it('forward: the prior is √r of max(|a|, |n|, G), the first-order error at the optimal forward step', () => {
    const r = 1e-10
    const big = clearedByFirst(coordinate({ method: 'forward', r, a: 1, G: 0.5 }), first(1, 1e-8))
    expect(big?.estimatedError).toBe(1e-8 + Math.sqrt(r) * 1)
    const scaled = clearedByFirst(coordinate({ method: 'forward', r, a: 1, G: 3 }), first(1, 1e-8))
    expect(scaled?.estimatedError).toBe(1e-8 + Math.sqrt(r) * 3)
    const byN = clearedByFirst(coordinate({ method: 'forward', r, a: 1, G: 0 }), first(1 + 1e-9, 1e-8))
    expect(byN?.estimatedError).toBe(1e-8 + Math.sqrt(r) * (1 + 1e-9))
  })

  it('not when the whole bound is coarse: SAFETY·E₀ ≥ COARSE of a derivative ≥ 10 % of G (a ×1.1 error must stand out)', () => {
    const c = coordinate({ a: 1 })
    // E₀ = ε/h here (the prior is ~1e-10): share SAFETY·E₀ = 0.08 is coarse, 0.02 is not.
    expect(clearedByFirst(c, first(1, 0.02))).toBeUndefined()
    expect(clearedByFirst(c, first(1, 0.005))).toBeDefined()
    // Just under the boundary E₀ = COARSE/SAFETY = 0.01, and just over it.
    expect(clearedByFirst(c, first(1, 0.0099))).toBeDefined()
    expect(clearedByFirst(c, first(1, 0.0101))).toBeUndefined()
  })

  it('not when SAFETY·E₀ is WEAK (half) of the derivative or more, down to derivatives 1e-3 of G', () => {
    // a = 0.01 of G = 1: below coarse's 10 %, so only the weak rule bites: SAFETY·E₀ ≥ 0.5·0.01 at E₀ = 1.25e-3.
    const c = coordinate({ a: 0.01, G: 1 })
    expect(clearedByFirst(c, first(0.01, 1.2e-3))).toBeDefined()
    expect(clearedByFirst(c, first(0.01, 1.3e-3))).toBeUndefined()
    // Below 1e-3 of G, the derivative is judged against the gradient scale: a bound wider than it still clears.
    const tiny = coordinate({ a: 1e-4, G: 1 })
    expect(clearedByFirst(tiny, first(1e-4, 1e-2))).toBeDefined()
    expect(clearedByFirst(coordinate({ a: 1e-3, G: 1 }), first(1e-3, 1e-2))).toBeUndefined()
  })

  it("at the trial step (negligible = NEGLIGIBLE.weak), derivatives below 1 % of G are judged against G, as a sweep's verdict judges them", () => {
    // a = 5e-3 of G: the weak rule refuses a bound of 1.2e-3 at the default 1e-3 and clears it at 1e-2,
    // where the sweep (`weak` in tolerance.ts) would call it ok with the same bound.
    const c = coordinate({ a: 5e-3, G: 1 })
    expect(clearedByFirst(c, first(5e-3, 1.2e-3))).toBeUndefined()
    expect(clearedByFirst(c, first(5e-3, 1.2e-3), NEGLIGIBLE.weak)).toBeDefined()
    // Negative control: a disagreement beyond the bound is not cleared either way (×2 on that weight).
    expect(clearedByFirst(c, first(1e-2, 1.2e-3), NEGLIGIBLE.weak)).toBeUndefined()
    // From 1 % of G up the derivative is judged on its own at the trial as well.
    expect(clearedByFirst(coordinate({ a: 0.011, G: 1 }), first(0.011, 1.5e-3), NEGLIGIBLE.weak)).toBeUndefined()
  })
})

describe('secondStep: h/4 where the truncation prior outweighs the round-off, 4h where round-off does', () => {
  const c = coordinate({ a: 1, h: hStar })
  it('h/RATIO when the prior is the larger part of the bound', () => {
    const l = lvl(hStar, 1, 1e-3, 1e-12)
    expect(centralPrior(c, l, 1)).toBeGreaterThan(1e-12)
    expect(secondStep(c, l)).toBe(hStar / RATIO)
  })

  it('h·RATIO when round-off is', () => {
    const l = lvl(hStar, 1, 0, 1e-3)
    expect(centralPrior(c, l, 1)).toBeLessThan(1e-3)
    expect(secondStep(c, l)).toBe(hStar * RATIO)
  })

  it('none where the disagreement is beyond the bound: neither side of it is to blame', () => {
    expect(secondStep(c, lvl(hStar, 1.1, 0, 1e-3))).toBeUndefined()
    expect(secondStep(c, lvl(hStar, 0.9, 0, 1e-3))).toBeUndefined()
    // The bound counts the prior too: a disagreement within ε/h + prior but beyond ε/h alone still gets a second step.
    const l = lvl(hStar, 1 + 1e-5, 1, 0)
    expect(bound(c, 0, 1 + 1e-5)).toBeLessThan(1e-5)
    expect(secondStep(c, l)).toBe(hStar / RATIO)
  })

  it('weighs the prior on the larger of |a| and |n|, as the quick path does', () => {
    // r = 0.01, G = 0: the prior is 8·(0.03)^(2/3)·m = 0.772 for m = max(0.9, 1), 0.695 for 0.9; round-off 0.73 between them.
    const noisy = coordinate({ a: 0.9, G: 0, r: 0.01, h: 1, optimal: 1 })
    const l = lvl(1, 1, 0, 0.73)
    expect(centralPrior(noisy, l, 1)).toBeGreaterThan(0.73)
    expect(centralPrior(noisy, l, 0.9)).toBeLessThan(0.73)
    expect(secondStep(noisy, l)).toBe(1 / RATIO)
  })

  it('only with the automatic step of a central difference, on a finite level', () => {
    const l = lvl(hStar, 1, 0, 1e-3)
    expect(secondStep(coordinate({ method: 'forward' }), l)).toBeUndefined()
    expect(secondStep(coordinate({ method: 'richardson' }), l)).toBeUndefined()
    expect(secondStep(coordinate({ step: 1e-3 }), l)).toBeUndefined()
    expect(secondStep(c, { ...l, finite: false })).toBeUndefined()
  })
})

describe('trendOf: |a − D(s)| from the largest to the smallest finite step', () => {
  // Ladders are smallest step first, as the sweep builds them.
  const ladder = (...dis: number[]): Level[] => dis.map((d, j) => lvl(RATIO ** j, 1 + d))
  it('falls when it shrinks more than TREND_FALLS (h² gives 16× per level), strictly', () => {
    expect(trendOf(1, ladder(1e-4, 1.6e-3, 2.56e-2))).toBe('falls')
    expect(trendOf(1, ladder(1 / 8 - 1e-9, 1))).toBe('falls')
    expect(trendOf(1, ladder(1 / K.TREND_FALLS, 1))).toBe('flat')
  })

  it('grows when it rises more than TREND_GROWS, strictly; flat otherwise (a bug: a − f′ does not depend on the step)', () => {
    expect(trendOf(1, ladder(1e-2, 1e-4))).toBe('grows')
    expect(trendOf(1, ladder(2 + 1e-9, 1))).toBe('grows')
    expect(trendOf(1, ladder(K.TREND_GROWS, 1))).toBe('flat')
    expect(trendOf(1, ladder(0.1, 0.1, 0.1))).toBe('flat')
  })

  it('compares only the two ends, whatever lies between, and the sign of a − D does not matter', () => {
    expect(trendOf(1, ladder(1e-4, 5, 1e-2))).toBe('falls')
    expect(trendOf(1, [lvl(1, 1 - 1e-4), lvl(4, 1 + 1e-2)])).toBe('falls')
  })

  it('skips levels that are not finite, and has no trend with fewer than two finite ones', () => {
    const withEdges = [lvl(0.25, 5, 0, 0, { finite: false }), ...ladder(1e-4, 1e-2), lvl(16, 1, 0, 0, { finite: false })]
    expect(trendOf(1, withEdges)).toBe('falls')
    expect(trendOf(1, [lvl(1, 1.1), lvl(4, 1.2, 0, 0, { finite: false })])).toBeUndefined()
    expect(trendOf(1, [lvl(1, 1.1)])).toBeUndefined()
  })
})

describe('stepsOf: the levels as evidence, largest step first', () => {
  it('sorts by step, descending, and keeps each level’s differences', () => {
    const steps = stepsOf([lvl(1, 1, 0.5, 0.1), lvl(16, 3), lvl(4, 2)])
    expect(steps.map((s) => s.h)).toEqual([16, 4, 1])
    expect(steps[2]).toEqual({ kind: 'central', h: 1, central: 1, forward: 1.25, backward: 0.75, noise: 0.1, finite: true, moved: true })
  })
})

describe('judge: the verdict of a swept coordinate', () => {
  // A smooth ladder: gaps |f″|·s grow 4× per level, so neither a kink nor a blurred kink is seen.
  const smoothLadder = (d: [number, number, number], noise: [number, number, number] = [0, 0, 0]): Level[] =>
    [0.25, 1, 4].map((s, j) => lvl(s, 1 + d[j]!, s, noise[j]!))

  it('within the bound: ok, with the estimate, its bound and the sweep’s trend', () => {
    const ladder = smoothLadder([1e-4, 1.6e-3, 2.56e-2])
    const j = judge(coordinate({ a: 1 }), ladder, estimate(1 + 1e-7, 1e-6))
    expect(j).toEqual({ numeric: 1 + 1e-7, estimatedError: 1e-6, tolerance: bound(coordinate({ a: 1 }), 1e-6, 1 + 1e-7), kink: false, verdict: 'ok', failed: false, reason: { kind: 'sweep', trend: 'falls' } })
  })

  it('without two finite levels there is no trend, and the reason carries none', () => {
    const one = [lvl(0.25, 1, 0.25), lvl(1, Number.NaN, Number.NaN, 0, { finite: false }), lvl(4, Number.NaN, Number.NaN, 0, { finite: false })]
    expect(judge(coordinate({ a: 1 }), one, estimate(1, 1e-6)).reason).toStrictEqual({ kind: 'sweep' })
  })

  it('within a bound as large as half the derivative: inconclusive (weak), neither cleared nor convicted', () => {
    const ladder = smoothLadder([0.1, 0.1, 0.1])
    const weakOne = judge(coordinate({ a: 1 }), ladder, estimate(1.1, 0.2))
    expect(weakOne.verdict).toBe('inconclusive')
    expect(weakOne.failed).toBe(false)
    expect(weakOne.reason).toEqual({ kind: 'weak', error: 0.2 })
    // Control: a bound under WEAK of the derivative is ok.
    expect(judge(coordinate({ a: 1 }), ladder, estimate(1.1, 0.1)).verdict).toBe('ok')
  })

  it('beyond the bound with a flat disagreement: a bug, or nondeterministic when the loss is not deterministic', () => {
    const ladder = smoothLadder([0.1, 0.1, 0.1])
    const bug = judge(coordinate({ a: 1 }), ladder, estimate(1.1, 1e-6))
    expect(bug).toMatchObject({ numeric: 1.1, verdict: 'bug', failed: true, kink: false, reason: { kind: 'sweep', trend: 'flat' } })
    expect(bug.tolerance).toBe(bound(coordinate({ a: 1 }), 1e-6, 1.1))
    expect(judge(coordinate({ a: 1, deterministic: false }), ladder, estimate(1.1, 1e-6))).toMatchObject({ verdict: 'nondeterministic', failed: true })
    // The derivative compared is max(|a|, |n|): a sign error is a bug however small a is.
    expect(judge(coordinate({ a: -1 }), smoothLadder([-2, -2, -2]), estimate(-1 + 2, 1e-6))).toMatchObject({ verdict: 'bug', failed: true })
  })

  it('a falling disagreement within the bound at the smallest step is truncation: ok with that step’s difference', () => {
    const ladder = smoothLadder([1e-7, 1.6e-3, 2.56e-2])
    const j = judge(coordinate({ a: 1 }), ladder, estimate(1.01, 1e-6))
    expect(j).toMatchObject({ numeric: 1 + 1e-7, verdict: 'ok', failed: false, reason: { kind: 'sweep', trend: 'falls' } })
    // The smallest finite step: a smaller level that is not finite (beside an edge) is passed over.
    const edged = [lvl(1 / 16, Number.NaN, Number.NaN, 0, { finite: false }), ...ladder]
    expect(judge(coordinate({ a: 1 }), edged, estimate(1.01, 1e-6))).toMatchObject({ numeric: 1 + 1e-7, verdict: 'ok' })
    // Negative control: the smallest step still 1e-5 off, beyond the bound 4e-6.
    expect(judge(coordinate({ a: 1 }), smoothLadder([1e-5, 1.6e-3, 2.56e-2]), estimate(1.01, 1e-6)).verdict).toBe('bug')
    // Nor when that estimate is weak: a resolving step does not make a weak bound strong.
    // a = 1e-5 resolved at the smallest step to 1e-9: with E = 1e-6, SAFETY·E is 0.4 of it (ok); with 2e-6, 0.8 (weak).
    const tiny = smoothLadder([-1 + 1e-5 + 1e-9, 0.01, 0.5])
    expect(judge(coordinate({ a: 1e-5, G: 0 }), tiny, estimate(1, 1e-6))).toMatchObject({ verdict: 'ok', reason: { kind: 'sweep', trend: 'falls' } })
    expect(judge(coordinate({ a: 1e-5, G: 0 }), tiny, estimate(1, 2e-6)).verdict).toBe('bug')
  })

  it('a fall into a level whose own noise exceeds the bound is no evidence either way: inconclusive, not ok', () => {
    // float32 tiny 764's shape (and an aliased oscillation's, test/limits.test.ts): |a − D| flat over the upper
    // levels, then within the bound at the smallest, whose noise alone allows SAFETY·5e-6, beyond the tolerance
    // of the estimate (SAFETY·1e-6).
    const noisy = smoothLadder([1e-7, 1.6e-3, 2.56e-2], [5e-6, 0, 0])
    expect(judge(coordinate({ a: 1 }), noisy, estimate(1.01, 1e-6))).toMatchObject({ numeric: 1.01, verdict: 'inconclusive', failed: false, reason: { kind: 'not-smooth', trend: 'falls' } })
    // Control: the same fall into a level whose noise is within the bound (SAFETY·1e-7) resolves a.
    const quiet = smoothLadder([1e-7, 1.6e-3, 2.56e-2], [1e-7, 0, 0])
    expect(judge(coordinate({ a: 1 }), quiet, estimate(1.01, 1e-6))).toMatchObject({ numeric: 1 + 1e-7, verdict: 'ok' })
  })

  it('a growing disagreement within the bound at the largest step, each smaller step within its own noise, is round-off', () => {
    const ladder = smoothLadder([1e-3, 1e-4, 1e-7], [1e-3, 1e-4, 0])
    const j = judge(coordinate({ a: 1 }), ladder, estimate(1.01, 1e-6))
    expect(j).toMatchObject({ numeric: 1 + 1e-7, verdict: 'ok', failed: false, reason: { kind: 'sweep', trend: 'grows' } })
    // Negative controls: one smaller step beyond its noise bound (so the growth is not round-off) …
    expect(judge(coordinate({ a: 1 }), smoothLadder([1e-3, 1e-4, 1e-7], [1e-3, 1e-6, 0]), estimate(1.01, 1e-6)).verdict).toBe('bug')
    expect(judge(coordinate({ a: 1 }), smoothLadder([1e-3, 1e-4, 1e-7], [1e-5, 1e-4, 0]), estimate(1.01, 1e-6)).verdict).toBe('bug')
    // … and the largest step itself beyond the bound.
    expect(judge(coordinate({ a: 1 }), smoothLadder([1e-3, 1e-4, 1e-5], [1e-3, 1e-4, 0]), estimate(1.01, 1e-6)).verdict).toBe('bug')
  })

  it('not smooth at the smallest steps and still falling by more than STILL_FALLING: inconclusive (not-smooth)', () => {
    // Gaps 0.25 and 4 (16×) are not smooth; the disagreement 1e-3 at s is below half of 1e-2 at 4s.
    const rough = (d0: number, d1: number, d2: number): Level[] => [lvl(0.25, 1 + d0, 0.25), lvl(1, 1 + d1, 4), lvl(4, 1 + d2, 16)]
    const j = judge(coordinate({ a: 1 }), rough(1e-3, 1e-2, 1e-2), estimate(1.01, 1e-6))
    expect(j).toMatchObject({ numeric: 1.01, verdict: 'inconclusive', failed: false, reason: { kind: 'not-smooth', trend: 'falls' } })
    // Strictly more than 2× per level, and from the two smallest steps: 6e-3 against 1e-2 is still a bug.
    expect(judge(coordinate({ a: 1 }), rough(6e-3, 1e-2, 1e-2), estimate(1.01, 1e-6))).toMatchObject({ verdict: 'bug', reason: { kind: 'sweep', trend: 'flat' } })
    // Smooth levels that fall as much are not excused: the estimate there is what f′ is.
    expect(judge(coordinate({ a: 1 }), smoothLadder([1e-3, 1e-2, 1e-2]), estimate(1.01, 1e-6)).verdict).toBe('bug')
    // Two finite levels are enough for the trend the reason carries (a third that is not finite is left out).
    const two = [lvl(0.25, 1 + 1e-3, 0.25), lvl(1, 1 + 1e-2, 4), lvl(4, 1, 16, 0, { finite: false })]
    expect(judge(coordinate({ a: 1 }), two, estimate(1.01, 1e-6)).reason).toStrictEqual({ kind: 'not-smooth', trend: 'falls' })
  })

  it('smooth by its gaps but falling ≥ STILL_FALLING at each of the last two levels and slower than TREND_FALLS at the upper: inconclusive', () => {
    // Kinks at distances of the steps drop out one by one as the step shrinks (float32 leaky MLP, bench:seeds 73): 6e-3, 2.5e-3, 1e-3.
    expect(judge(coordinate({ a: 1 }), smoothLadder([1e-3, 2.5e-3, 6e-3]), estimate(1.01, 1e-6))).toMatchObject({ verdict: 'inconclusive', failed: false, reason: { kind: 'not-smooth', trend: 'flat' } })
    // Negative controls. A bug β = 1e-3 under truncation T·s² (2e-3 at the middle step): 3.3e-2, 3e-3, 1.125e-3 — the upper fall is 11×, truncation's: a bug.
    expect(judge(coordinate({ a: 1 }), smoothLadder([1e-3 + 2e-3 / 16, 3e-3, 1e-3 + 3.2e-2]), estimate(1.01, 1e-6)).verdict).toBe('bug')
    // Falling ≥ STILL_FALLING only at the lower level, or only at the upper: a bug.
    expect(judge(coordinate({ a: 1 }), smoothLadder([1e-3, 3e-3, 5e-3]), estimate(1.01, 1e-6)).verdict).toBe('bug')
    expect(judge(coordinate({ a: 1 }), smoothLadder([2e-3, 3e-3, 9e-3]), estimate(1.01, 1e-6)).verdict).toBe('bug')
  })

  it('not smooth is read from two finite levels: beside a level that is not finite, a disagreement beyond the bound is a bug', () => {
    // The smallest level 1e-3 off, with a bound of 4e-6; the level above it not finite, its central
    // difference ±∞ (one side overflowed) or a number (one side did not move): no evidence that f is rough.
    for (const central of [Infinity, -Infinity, 1 + 1e-2]) {
      const ladder = [lvl(0.25, 1 + 1e-3, 0.25), lvl(1, central, Number.NaN, 0, { finite: false }), lvl(4, Number.NaN, Number.NaN, 0, { finite: false })]
      const j = judge(coordinate({ a: 1 }), ladder, estimate(1 + 1e-3, 1e-6))
      expect(j).toMatchObject({ verdict: 'bug', failed: true, reason: { kind: 'sweep' } })
      expect(j.tolerance).toBeCloseTo(4e-6, 12)
    }
    // Control: the same disagreement with a finite rough level above it is still excused.
    const rough = [lvl(0.25, 1 + 1e-3, 0.25), lvl(1, 1 + 1e-2, 4), lvl(4, Number.NaN, Number.NaN, 0, { finite: false })]
    expect(judge(coordinate({ a: 1 }), rough, estimate(1 + 1e-3, 1e-6))).toMatchObject({ verdict: 'inconclusive', reason: { kind: 'not-smooth' } })
  })

  it('an analytic derivative that is NaN or ±∞ is a bug whatever the estimate, named as such', () => {
    for (const a of [Number.NaN, Infinity, -Infinity]) {
      const j = judge(coordinate({ a }), smoothLadder([0, 0, 0]), estimate(1, 1e-6))
      expect(j).toMatchObject({ numeric: 1, verdict: 'bug', failed: true, kink: false, reason: { kind: 'analytic-not-finite' } })
    }
    // Control: a finite analytic value on the same ladder is judged as any other (ok here).
    expect(judge(coordinate({ a: 1 }), smoothLadder([0, 0, 0]), estimate(1, 1e-6))).toMatchObject({ verdict: 'ok' })
  })

  it('at a kink, the one-sided slopes decide (unless kinks: ignore): a value between them is a subgradient', () => {
    // |x| at 0: every level's gap is 2 (slopes −1 and 1), its central difference 0.
    const kink = [0.25, 1, 4].map((s) => lvl(s, 0, 2))
    const e = estimate(0, 1e-6)
    expect(judge(coordinate({ a: 0.5 }), kink, e)).toMatchObject({ verdict: 'kink', kink: true, failed: false, slopes: [-1, 1] })
    expect(judge(coordinate({ a: 3 }), kink, e)).toMatchObject({ verdict: 'bug', kink: true, failed: true })
    // kinks: 'ignore' judges the estimate as it is: 0.5 against 0 is a bug, 1e-7 is ok.
    expect(judge(coordinate({ a: 0.5, kinks: 'ignore' }), kink, e)).toMatchObject({ verdict: 'bug', kink: false })
    expect(judge(coordinate({ a: 1e-7, kinks: 'ignore' }), kink, e)).toMatchObject({ verdict: 'ok', kink: false })
  })

  it('a kink blurred by round-off is looked for before a bug is called, not with kinks: ignore', () => {
    // |x| at 0 (slopes ∓1) blurred by round-off: the smallest level's gap 0.5 is within its noise (8·0.1), and at h the
    // gap 2 is above its noise (8·0.15) but its excess over the smooth prediction, 2 − 3.8/4, is not (no kink evidence).
    // It grows 1.9× to 4h, not 4×, and the forward slope drifts (1.9 − 1)/3 = 0.3 ≤ BLUR_DRIFT·2: a kink still.
    const blurred = [lvl(0.25, 0, 0.5, 0.1), lvl(1, 0, 2, 0.15), lvl(4, 0, 3.8, 0)]
    const j = judge(coordinate({ a: 0.5 }), blurred, estimate(0, 1e-6))
    expect(j).toMatchObject({ verdict: 'kink', kink: true, failed: false, slopes: [-1, 1], reason: { kind: 'kink', step: 1, outcome: 'accepted' } })
    // Negative controls: outside the slopes and their slack (SAFETY·(2ε/s + drift) = 2.4) it is a bug; with kinks: 'ignore', 0.5 against 0 is a bug, not a kink.
    expect(judge(coordinate({ a: 5 }), blurred, estimate(0, 1e-6))).toMatchObject({ verdict: 'bug', failed: true, kink: false })
    expect(judge(coordinate({ a: 0.5, kinks: 'ignore' }), blurred, estimate(0, 1e-6))).toMatchObject({ verdict: 'bug', kink: false, failed: true })
  })

  it('with no finite estimate: unmoved steps tell nothing; beside a domain edge the finite side decides; else not-finite', () => {
    const nan = estimate(Number.NaN, Infinity)
    const unmoved = [0.25, 1, 4].map((s) => lvl(s, 0, 0, 0, { moved: false, finite: false }))
    expect(judge(coordinate({ h: 1 }), unmoved, nan)).toEqual({ numeric: Number.NaN, estimatedError: Infinity, tolerance: Infinity, verdict: 'inconclusive', failed: false, kink: false, reason: { kind: 'unmoved', step: 1 } })
    // A domain edge on the backward side: the forward differences of f = x² at 1 are 2 + s (exact in binary).
    const edge = (a: number, deterministic = true, rtol: number | 'auto' = 'auto'): ReturnType<typeof judge> =>
      judge(
        coordinate({ a, deterministic, rtol }),
        [0.25, 1, 4, 16].map((s) => ({ ...lvl(s, Number.NaN, Number.NaN, 1e-12, { finite: false, backwardOk: false }), forward: 2 + s })),
        nan,
      )
    expect(edge(2)).toMatchObject({ verdict: 'ok', failed: false, reason: { kind: 'one-sided', side: 'forward' } })
    expect(edge(2).numeric).toBeCloseTo(2, 10)
    expect(edge(2.5)).toMatchObject({ verdict: 'bug', failed: true, reason: { kind: 'one-sided', side: 'forward' } })
    expect(edge(2.5, false)).toMatchObject({ verdict: 'nondeterministic', failed: true })
    // The relative part of the bound is on max(|a|, |n|): rtol 0.22 of 2.5 allows the 0.5, of 2 it would not.
    expect(edge(2.5, true, 0.22)).toMatchObject({ verdict: 'ok', tolerance: expect.closeTo(0.22 * 2.5, 6) })
    expect(edge(2.5, true, 0.18)).toMatchObject({ verdict: 'bug' })
    // The backward side is tried first, where it is finite.
    const backward = judge(coordinate({ a: 2 }), [0.25, 1, 4, 16].map((s) => ({ ...lvl(s, Number.NaN, Number.NaN, 1e-12, { finite: false, forwardOk: false }), backward: 2 - s, forward: 7 })), nan)
    expect(backward).toMatchObject({ verdict: 'ok', reason: { kind: 'one-sided', side: 'backward' } })
    // A weak one-sided estimate (its bound half the derivative or more) is inconclusive.
    const wobbly = judge(coordinate({ a: 0.2, G: 0 }), [0.25, 1, 4, 16].map((s) => ({ ...lvl(s, Number.NaN, Number.NaN, 1e-12, { finite: false, backwardOk: false }), forward: 0.2 + 0.1 * s, noise: 0.05 })), nan)
    expect(wobbly).toMatchObject({ verdict: 'inconclusive', failed: false, reason: { kind: 'one-sided', side: 'forward' } })
    // Neither side usable: not-finite, at the first step that moved x without a finite value.
    const broken = [lvl(0.25, 0, 0, 0, { moved: false, finite: false, forwardOk: false, backwardOk: false }), lvl(1, 0, 0, 0, { finite: false, forwardOk: false, backwardOk: false }), lvl(4, 0, 0, 0, { finite: false, forwardOk: false, backwardOk: false })]
    expect(judge(coordinate(), broken, nan)).toMatchObject({ verdict: 'inconclusive', failed: false, reason: { kind: 'not-finite', step: 1 } })
    // None that moved and is not finite: the first level is named.
    const movedNone = broken.map((l) => ({ ...l, moved: false }))
    movedNone[2] = { ...movedNone[2]!, moved: true, finite: true }
    expect(judge(coordinate(), movedNone, nan)).toMatchObject({ reason: { kind: 'not-finite', step: 0.25 } })
  })
})


describe('the pass rule |a − n| ≤ tolerance is inclusive at every verdict (numerics.md §1)', () => {
  // atol 0.5 and rtol 0 make the tolerance exactly 0.5, and every difference below is exact in binary.
  const exact = (f: Fields = {}): Coordinate => coordinate({ atol: 0.5, rtol: 0, ...f })
  const smoothAt = (centrals: [number, number, number]): Level[] => [0.25, 1, 4].map((s, j) => lvl(s, centrals[j]!, s))

  it('the quick path and the second step take a disagreement of exactly the tolerance', () => {
    expect(clearedByFirst(exact(), lvl(hStar, 1.5, 0, 1e-12))).toMatchObject({ verdict: 'ok', tolerance: 0.5 })
    expect(clearedByFirst(exact(), lvl(hStar, 1.5 + 2 ** -52 * 2, 0, 1e-12))).toBeUndefined()
    expect(secondStep(exact(), lvl(hStar, 1.5, 0, 1e-3))).toBe(hStar * RATIO)
    expect(secondStep(exact(), lvl(hStar, 1.5 + 2 ** -52 * 2, 0, 1e-3))).toBeUndefined()
  })

  it('a swept estimate, the step a trend resolves, each smaller step within its noise bound, and a one-sided estimate', () => {
    expect(judge(exact(), smoothAt([1.5, 1.5, 1.5]), estimate(1.5, 1e-6)).verdict).toBe('ok')
    expect(judge(exact(), smoothAt([1.5, 1.5, 1.5]), estimate(1.5 + 2 ** -51, 1e-6)).verdict).toBe('bug')
    // Falls: 128 → 0.5, resolved at the smallest step, exactly on the tolerance.
    expect(judge(exact(), smoothAt([1.5, 9, 129]), estimate(3, 1e-6))).toMatchObject({ verdict: 'ok', numeric: 1.5 })
    // Grows: 0 at 4h, 0.25 and 0.5 below, each exactly within its own (here fixed) bound.
    expect(judge(exact(), smoothAt([1.5, 1.25, 1]), estimate(3, 1e-6))).toMatchObject({ verdict: 'ok', numeric: 1, reason: { kind: 'sweep', trend: 'grows' } })
    // One-sided beside an edge: forward differences 2 + s extrapolate to 2 exactly; a = 2.5 is on the tolerance.
    const edge = [0.25, 1, 4, 16].map((s) => ({ ...lvl(s, Number.NaN, Number.NaN, 1e-12, { finite: false, backwardOk: false }), forward: 2 + s }))
    expect(judge(exact({ a: 2.5 }), edge, estimate(Number.NaN, Infinity))).toMatchObject({ verdict: 'ok', numeric: 2, tolerance: 0.5 })
    expect(judge(exact({ a: 2.5 + 2 ** -51 }), edge, estimate(Number.NaN, Infinity)).verdict).toBe('bug')
  })
})
