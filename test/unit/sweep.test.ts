import { describe, expect, it } from 'vitest'
import { K, RATIO, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import type { Level } from '../../src/engine/differences.js'
import { extrapolate } from '../../src/engine/extrapolate.js'
import { climb, firstLevel, gapNoise, smooth, sweep, unlikeTruncation } from '../../src/engine/sweep.js'
import { kinkEvidence } from '../../src/engine/kinks.js'
import { type F, levelOf, weight } from './weight.js'

// The sweep's stages (numerics.md §5) on synthetic levels and on one-weight tensors (./weight.ts).
const lvl = (s: number, gap: number, noise = 0, central = 0, extra: Partial<Level> = {}): Level => levelOf(s, central, gap, noise, extra)
const u = UNIT_ROUNDOFF.float64

describe('gapNoise and smooth: the larger gap is RATIO× the smaller within noise', () => {
  it('a one-sided gap carries two one-sided differences’ round-off, 2ε/s each: 4× the level’s ε/s', () => {
    expect(gapNoise(lvl(1, 0, 0.25))).toBe(1)
  })

  it('accepts gap ratios in [3, 6] (4 expected) and nothing outside, without noise', () => {
    for (const r of [3, 4, 6]) expect(smooth(lvl(4, r), lvl(1, 1))).toBe(true)
    for (const r of [2.9, 6.1, 1, 0.25, 16]) expect(smooth(lvl(4, r), lvl(1, 1))).toBe(false)
  })

  it('widens each gap by KINK_EVIDENCE × its round-off bound', () => {
    // Ratio 2: outside the band, unless the noise covers it. bigHi = 2 + 8n ≥ 3·(1 − 8n) needs n ≥ 1/32.
    expect(smooth(lvl(4, 2, 0.04), lvl(1, 1, 0.04))).toBe(true)
    expect(smooth(lvl(4, 2, 0.01), lvl(1, 1, 0.01))).toBe(false)
    // Either level's noise alone is enough when it is large enough on its own.
    expect(smooth(lvl(4, 2, 0.15), lvl(1, 1, 0))).toBe(true)
    expect(smooth(lvl(4, 2, 0), lvl(1, 1, 0.1))).toBe(true)
    // Ratio 8, above the band: covered the other way, bigLo = 8 − 8n ≤ 6·(1 + 8n).
    expect(smooth(lvl(4, 8, 0.3), lvl(1, 1, 0))).toBe(true)
    expect(smooth(lvl(4, 8, 0), lvl(1, 1, 0.05))).toBe(true)
    expect(smooth(lvl(4, 8, 0.01), lvl(1, 1, 0.01))).toBe(false)
  })

  it('is false when either level is not finite', () => {
    expect(smooth(lvl(4, 4, 0, 0, { finite: false }), lvl(1, 1))).toBe(false)
    expect(smooth(lvl(4, 4), lvl(1, 1, 0, 0, { finite: false }))).toBe(false)
  })
})

describe('unlikeTruncation: the lower pair of three levels moves more than a quarter of the upper', () => {
  it('truncation (∝ s²) moves the lower pair 16× less: not round-off', () => {
    const D = (s: number): number => 1 + s * s
    expect(unlikeTruncation(lvl(1, 0, 0, D(1)), lvl(4, 0, 0, D(4)), lvl(16, 0, 0, D(16)))).toBe(false)
  })
  it('a lower pair that moves as much as the upper is round-off; a quarter exactly is not yet', () => {
    expect(unlikeTruncation(lvl(1, 0, 0, 1), lvl(4, 0, 0, 2), lvl(16, 0, 0, 3))).toBe(true)
    expect(unlikeTruncation(lvl(1, 0, 0, 1.25), lvl(4, 0, 0, 1), lvl(16, 0, 0, 2))).toBe(false)
    expect(unlikeTruncation(lvl(1, 0, 0, 0.4), lvl(4, 0, 0, 1), lvl(16, 0, 0, 3))).toBe(true)
  })
})

describe('firstLevel: central at h, or forward with f(x + h) kept', () => {
  const quad: F = (x) => x * x
  it('central: two calls, a central level at h', () => {
    const W = weight(quad, 0.5, { h: 2 ** -8 })
    const { level, up } = W.run(firstLevel(W.c))
    expect(W.calls()).toBe(2)
    expect(level.kind).toBe('central')
    expect(level.s).toBe(2 ** -8)
    expect(up).toBeUndefined()
  })
  it('forward: one call, and the sweep then reuses f(x + h) for its level at h', () => {
    const W = weight(quad, 0.5, { h: 2 ** -8, method: 'forward' })
    const first = W.run(firstLevel(W.c))
    expect(W.calls()).toBe(1)
    expect(first.level.kind).toBe('forward')
    expect(first.up).toEqual({ x: 0.5 + 2 ** -8, f: quad(0.5 + 2 ** -8) })
    const ladder = W.run(sweep(W.c, first))
    // h/4 and 4h take two calls each; h only its missing f(x − h).
    expect(W.calls()).toBe(1 + 1 + 4)
    expect(ladder[1]!.kind).toBe('central')
    expect(ladder[1]!.central).toBe(1)
  })
})

describe('sweep: h/4, h, 4h, and lower while f is not yet smooth', () => {
  const ladderFor = (f: F, x: number, h: number): { ladder: Level[]; calls: number } => {
    const W = weight(f, x, { h })
    const first = W.run(firstLevel(W.c))
    const ladder = W.run(sweep(W.c, first))
    return { ladder, calls: W.calls() }
  }

  it('a smooth f: three levels by increasing step, 4 more calls after the first', () => {
    const { ladder, calls } = ladderFor(Math.sin, 1, 1e-3)
    expect(ladder).toHaveLength(3)
    for (const [j, s] of [1e-3 / 4, 1e-3, 4e-3].entries()) expect(ladder[j]!.s).toBeCloseTo(s, 15)
    expect(calls).toBe(2 + 4)
  })

  it('descends below h/4 while the smallest pair straddles a kink near x, RATIO× per level', () => {
    // |x − 3e-5| at 0 with h = 1e-3: h/4 and h straddle the kink, their gaps 1.76 and 1.94 (2·(1 − d/s)),
    // nowhere near the 4× of a smooth f; so does h/16 (gap 1.04), and h/64 = 1.6e-5 is below the kink.
    const { ladder, calls } = ladderFor((x) => Math.abs(x - 3e-5), 0, 1e-3)
    expect(ladder).toHaveLength(5)
    expect(ladder[0]!.s).toBeCloseTo(1e-3 / RATIO ** 3, 15)
    expect(ladder[0]!.central).toBeCloseTo(-1, 12)
    expect(calls).toBe(2 + 4 + 2 + 2)
    // Negative control: the kink beyond h/4 (at 6e-4) leaves the two smallest levels smooth: no descent.
    expect(ladderFor((x) => Math.abs(x - 6e-4), 0, 1e-3).ladder).toHaveLength(3)
  })

  it('a kink at x itself: no step resolves it, no descent', () => {
    const { ladder } = ladderFor(Math.abs, 0, 1e-3)
    expect(ladder).toHaveLength(3)
  })

  it('next to a domain edge it goes on down past a level finite on one side only', () => {
    // log at 1e-3 with h = 8e-3: h/4 = 2e-3 reaches below 0 on the left, h/16 = 5e-4 does not.
    const { ladder } = ladderFor(Math.log, 1e-3, 8e-3)
    expect(ladder[0]!.finite).toBe(true)
    expect(ladder.some((l) => !l.finite && l.forwardOk)).toBe(true)
    expect(ladder[0]!.s).toBeLessThan(1e-3)
  })

  it('a step that does not move x settles the sweep at once', () => {
    const { ladder } = ladderFor((x) => x * x, 1, 1e-17)
    expect(ladder).toHaveLength(3)
    expect(ladder[0]!.moved).toBe(false)
  })

  it('the levels carry the noise their own gaps show: a staircase loss gets ε from the levels, not only the probe', () => {
    // f rounded to a grid of 2⁻²⁰ (a float32-like staircase far coarser than the double's ulp) with a
    // probe that saw no noise: the gaps grow as the step shrinks, which only noise does.
    const grid = 2 ** -20
    const stair: F = (x) => Math.round((x * x) / grid) * grid
    const W = weight(stair, 0.7, { h: 1e-5 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    const eps = ladder.map((l) => l.noise * l.s)
    // One ε for every level (it does not depend on the step), far above the double round-off of f.
    for (const e of eps) expect(e).toBeCloseTo(eps[0]!, 20)
    expect(eps[0]).toBeGreaterThan(1000 * u)
    // Negative control: a smooth f keeps the round-off of its values.
    const S = weight((x) => x * x, 0.7, { h: 1e-5 })
    const smoothLadder = S.run(sweep(S.c, S.run(firstLevel(S.c))))
    for (const l of smoothLadder) expect(l.noise * l.s).toBeLessThan(4 * u)
  })
})

describe('climb: larger steps while round-off makes the bound coarse', () => {
  // A loss of 1e6 + sin(x) at a step far below the optimal one: its round-off ε = u·1e6 ≈ 1.1e-10
  // over a step of 1e-9 is a tenth of f′ = cos(1), a coarse bound. Larger steps cure it.
  const big: F = (x) => 1e6 + Math.sin(x)
  const setup = (o: { L?: number; kinks?: 'ignore' | 'subgradient'; f?: F; h?: number } = {}) => {
    const W = weight(o.f ?? big, 1, { h: o.h ?? 1e-9, a: Math.cos(1), G: Math.cos(1), L: o.L ?? 1, kinks: o.kinks })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    const before = { ladder: [...ladder], calls: W.calls() }
    const estimate = W.run(climb(W.c, ladder))
    return { W, ladder, before, estimate }
  }

  it('climbs to 16h, 64h, … and lowers the bound, two calls a level, never contradicting the level below', () => {
    const { W, ladder, before, estimate } = setup()
    const start = extrapolate(before.ladder)
    expect(ladder.length).toBeGreaterThan(before.ladder.length)
    expect(W.calls() - before.calls).toBe(2 * (ladder.length - before.ladder.length))
    expect(ladder[before.ladder.length]!.s / (16 * 1e-9)).toBeCloseTo(1, 6)
    expect(estimate.err).toBeLessThan(start.err / 10)
    expect(Math.abs(estimate.numeric - Math.cos(1))).toBeLessThanOrEqual(estimate.err)
    expect(Math.abs(estimate.numeric - start.numeric)).toBeLessThanOrEqual(K.AGREE * (estimate.err + start.err))
    expect(ladder.length - before.ladder.length).toBeLessThanOrEqual(K.MAX_CLIMB)
  })

  it('a level added above carries the noise the ladder has shown (ε does not depend on the step)', () => {
    // x² rounded to a grid of 2⁻²⁰ at h = 1e-6: the audit finds ε ≈ 2.4e-7 in the ladder, while a climbed
    // level's own values show only their double round-off (~5e-17): it must carry the ladder's ε.
    const grid = 2 ** -20
    const W = weight((x) => Math.round((x * x) / grid) * grid, 0.7, { h: 1e-6, a: 1.4, G: 1.4, L: 1 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    const n = ladder.length
    const eps = ladder.reduce((m, l) => Math.max(m, l.noise * l.s), 0)
    expect(eps).toBeGreaterThan(1e6 * u)
    W.run(climb(W.c, ladder))
    expect(ladder.length).toBeGreaterThan(n)
    for (const l of ladder.slice(n)) expect(l.noise * l.s).toBeCloseTo(eps, 20)
  })

  it('never steps beyond the coordinate’s scale L', () => {
    const { ladder, before } = setup({ L: 16 * 1e-9 })
    expect(ladder.length - before.ladder.length).toBe(1)
    const none = setup({ L: 15 * 1e-9 })
    expect(none.ladder).toHaveLength(none.before.ladder.length)
    expect(none.estimate).toEqual(extrapolate(none.before.ladder))
  })

  it('a bound that is not coarse, or not made of round-off, is not climbed', () => {
    // sin at a good step: fine already.
    const fine = setup({ f: Math.sin, h: 1e-3 })
    expect(fine.ladder).toHaveLength(fine.before.ladder.length)
    expect(fine.estimate).toEqual(extrapolate(fine.before.ladder))
    // A coarse bound made of truncation (a fast oscillation at too large a step): a larger step makes it worse.
    const trunc = setup({ f: (x) => Math.sin(50 * x), h: 2e-2 })
    const e = extrapolate(trunc.before.ladder)
    expect(e.roundoff).toBeLessThan(e.err / 2)
    expect(trunc.ladder).toHaveLength(trunc.before.ladder.length)
  })
})

describe('the audit: the noise the levels themselves show', () => {
  // A loss given by its values at 0 and at ±s for s = 2⁻⁶, 2⁻⁴, 2⁻² (h = 2⁻⁴), each level designed
  // through its central difference D and its gap g: f(±s) = ±D·s + g·s/2, so forward − backward = g.
  const designed = (levels: readonly { D: number; g: number }[]): ((x: number) => number) => {
    const table = new Map<number, number>([[0, 0]])
    levels.forEach(({ D, g }, j) => {
      const s = 2 ** (-6 + 2 * j)
      table.set(s, D * s + (g * s) / 2)
      table.set(-s, -D * s + (g * s) / 2)
    })
    return (x) => table.get(x) ?? Number.NaN
  }
  const audited = (levels: readonly { D: number; g: number }[]): Level[] => {
    const W = weight(designed(levels), 0, { h: 2 ** -4 })
    return W.run(sweep(W.c, W.run(firstLevel(W.c))))
  }
  const epsOf = (ladder: readonly Level[]): number[] => ladder.map((l) => l.noise * l.s)

  it('a gap that grows more than STAIRCASE× as the step shrinks is noise: ε ≥ (gap − larger gap)·s/4, on every level', () => {
    const ladder = audited([{ D: 1, g: 1 }, { D: 1, g: 0.25 }, { D: 1, g: 1 }])
    expect(ladder).toHaveLength(3)
    const eps = ((1 - 0.25) * 2 ** -6) / 4
    for (const e of epsOf(ladder)) expect(e).toBeCloseTo(eps, 15)
    // Negative control: a gap that grows less than STAIRCASE× is not counted.
    const under = audited([{ D: 1, g: 0.45 }, { D: 1, g: 0.25 }, { D: 1, g: 1 }])
    for (const e of epsOf(under)) expect(e).toBeLessThan(1e-15)
  })

  it('a bottom pair that moves more than STAIRCASE× the pair above is round-off: ε ≥ (|ΔD| − |ΔD above|/4)·s·4/5', () => {
    // Smooth gaps (4× per level), D = 1.6, 1, 1.25: the bottom pair moves 0.6, more than 2 × 0.25.
    const ladder = audited([{ D: 1.6, g: 2 ** -6 }, { D: 1, g: 2 ** -4 }, { D: 1.25, g: 2 ** -2 }])
    const eps = ((0.6 - 0.25 / RATIO) * 2 ** -6 * RATIO) / (RATIO + 1)
    for (const e of epsOf(ladder)) expect(e).toBeCloseTo(eps, 15)
    // Negative control: a kink straddled by the larger steps (their gaps equal: not smooth) moves the
    // bottom pair about as much as the pair above (0.2 against 0.25): not counted below STAIRCASE×.
    const straddled = audited([{ D: 1.2, g: 2 ** -6 }, { D: 1, g: 2 ** -2 }, { D: 1.25, g: 2 ** -2 }])
    for (const e of epsOf(straddled)) expect(e).toBeLessThan(1e-15)
  })

  it('where the two larger levels are smooth, a bottom pair moving more than a quarter of the pair above is round-off', () => {
    // Smooth gaps (4× per level): truncation would move the bottom pair 1/16 of 0.25; it moves 0.2.
    const ladder = audited([{ D: 1.2, g: 2 ** -6 }, { D: 1, g: 2 ** -4 }, { D: 1.25, g: 2 ** -2 }])
    const eps = ((0.2 - 0.25 / RATIO) * 2 ** -6 * RATIO) / (RATIO + 1)
    for (const e of epsOf(ladder)) expect(e).toBeCloseTo(eps, 15)
    // Negative control: moving 1/16 of the pair above, as truncation does, is not counted.
    const truncation = audited([{ D: 1 - 0.25 / 16, g: 2 ** -6 }, { D: 1, g: 2 ** -4 }, { D: 1.25, g: 2 ** -2 }])
    for (const e of epsOf(truncation)) expect(e).toBeLessThan(1e-15)
  })

  it('a kink near x that the steps straddle moves D(s) ∝ 1/s as round-off does: not counted, and the descent goes below it', () => {
    // |x − d| at 0, d = 1e-4, h = 1e-3: D(s) = −d/s at every straddling step (−0.4, −0.1, −0.025), gaps
    // 2(1 − d/s). The bottom pair moves 4× the pair above, and the larger levels are not smooth: the
    // central witness alone would read ε ≈ 5.6e-5 (and then 2.6e-5 once the descent is below the kink).
    const d = 1e-4
    const W = weight((x) => Math.abs(x - d), 0, { h: 1e-3 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    // The premise: the three first levels straddle the kink and show it, their centrals moving as 1/s.
    expect(kinkEvidence(ladder[1]!, ladder[2]!, ladder[3]!)).toBe(true)
    expect(Math.abs(ladder[1]!.central - ladder[2]!.central)).toBeGreaterThan(K.STAIRCASE * Math.abs(ladder[2]!.central - ladder[3]!.central))
    // The descent went below the kink: the smallest step resolves f there, D = −1.
    expect(ladder[0]!.s).toBeLessThan(d)
    expect(ladder[0]!.central).toBeCloseTo(-1, 12)
    // Every level keeps the loss's own round-off (u·|f| ≤ 1.1e-16 × 4e-3), not the kink's move.
    for (const e of epsOf(ladder)) expect(e).toBeLessThan(1e-18)
  })

  it('control: the same move where no three levels show a kink is still round-off', () => {
    // The bottom pair moves 0.6, more than STAIRCASE × 0.25, the larger levels are not smooth (equal
    // gaps), but the bottom pair's gaps are a smooth f's (4×): no kink evidence, so the move is counted.
    const ladder = audited([{ D: 1.6, g: 2 ** -6 }, { D: 1, g: 2 ** -4 }, { D: 1.25, g: 2 ** -4 }])
    expect(kinkEvidence(ladder[0]!, ladder[1]!, ladder[2]!)).toBe(false)
    const eps = ((0.6 - 0.25 / RATIO) * 2 ** -6 * RATIO) / (RATIO + 1)
    for (const e of epsOf(ladder)) expect(e).toBeCloseTo(eps, 15)
  })

  it('a level that did not move x on both sides is no witness of the noise', () => {
    // At x = 1 a step of 0.7·2⁻⁵³ moves x down only: its central difference (f(x) − f(x₋))/(x − x₋) is
    // finite, here −5 against 1 above it, but the level is not usable and must not raise ε.
    const x1 = 1 - 2 ** -53
    const f = (x: number): number => (x === x1 ? 5 * 2 ** -53 : x - 1)
    const W = weight(f, 1, { h: 2.8 * 2 ** -53 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    expect(ladder[0]!.finite).toBe(false)
    expect(ladder[0]!.central).toBe(-5)
    for (const l of ladder.slice(1)) expect(l.noise * l.s).toBeLessThan(1e-20)
  })
})

describe('sweep: when the descent stops', () => {
  it('a gap that grows as the step shrinks (less than a staircase, no kink) settles it: no descent', () => {
    // Gaps 1.9 at h/4 and 1 at h: neither smooth, nor noise by the audit, nor a kink's (at most 1.5×).
    const table = new Map<number, number>([[0, 0]])
    for (const [s, g] of [[2 ** -6, 1.9], [2 ** -4, 1], [2 ** -2, 4]] as const) {
      table.set(s, s + (g * s) / 2)
      table.set(-s, -s + (g * s) / 2)
    }
    const W = weight((x) => table.get(x) ?? Number.NaN, 0, { h: 2 ** -4 })
    expect(W.run(sweep(W.c, W.run(firstLevel(W.c))))).toHaveLength(3)
  })

  it('a loss not finite on either side settles it: no step gains anything', () => {
    const W = weight((x) => (x === 0.5 ? 1 : Number.NaN), 0.5, { h: 1e-3 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    expect(ladder).toHaveLength(3)
    expect(W.calls()).toBe(6)
  })

  it('the descent adds at most MAX_DESCENT levels: log next to 0 with a step a million times too large', () => {
    const W = weight(Math.log, 1e-6, { h: 1 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    // The premise: every level is past the edge on the left, so nothing settles the descent but its cap.
    expect(ladder.every((l) => !l.finite && l.forwardOk)).toBe(true)
    expect(ladder).toHaveLength(3 + K.MAX_DESCENT)
  })
})

describe('climb: its caps and its conditions', () => {
  const climbed = (f: F, o: { h: number; a: number; L?: number }) => {
    const W = weight(f, 1, { h: o.h, a: o.a, G: Math.abs(o.a), L: o.L ?? 1 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    const before = extrapolate(ladder)
    const n = ladder.length
    const estimate = W.run(climb(W.c, ladder))
    return { added: ladder.length - n, before, estimate }
  }

  it('climbs at most MAX_CLIMB levels, even while the bound is still coarse', () => {
    // 1e9 + sin(x) at h = 1e-10: ε/s ≈ 1 at h, still 2e-4·… of f′ at 4096h.
    const { added, estimate } = climbed((x) => 1e9 + Math.sin(x), { h: 1e-10, a: Math.cos(1) })
    expect(added).toBe(K.MAX_CLIMB)
    expect((K.SAFETY * estimate.err) / Math.cos(1)).toBeGreaterThanOrEqual(K.COARSE)
  })

  it('levels that agree within their round-off are climbed, whatever part of the bound their differences make', () => {
    // 1e8 + sin(x) at h = 1e-8, below the ulp of 1e8 (1.5e-8): f(x ± h/4) and f(x ± h) tie, D = 0, and
    // D(4h) = 0.56. The bound, 0.84, is mostly |D(4h) − D(h)| (0.56), and the lower pair does not move at all.
    const a = Math.cos(1)
    const W = weight((x) => 1e8 + Math.sin(x), 1, { h: 1e-8, a, G: a, L: 1 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    const before = extrapolate(ladder)
    // (The tie witness of `audited` now sees this staircase: the lower pair tied, D(4h) moved one stair.)
    expect(ladder[0]!.forward === 0 && ladder[0]!.backward === 0).toBe(true)
    expect(unlikeTruncation(ladder[0]!, ladder[1]!, ladder[2]!)).toBe(false)
    expect((K.SAFETY * before.err) / a).toBeGreaterThan(K.WEAK)
    const n = ladder.length
    const estimate = W.run(climb(W.c, ladder))
    expect(ladder.length).toBeGreaterThan(n)
    expect((K.SAFETY * estimate.err) / a).toBeLessThan(K.COARSE)
    expect(Math.abs(estimate.numeric - a)).toBeLessThanOrEqual(estimate.err)
  })

  it('a coarse bound made of truncation is not climbed: a larger step only makes it worse', () => {
    const a = 50 * Math.cos(50)
    const { added, before } = climbed((x) => Math.sin(50 * x), { h: 2.4e-2, a })
    // The premise: coarse, and round-off far below half of it.
    expect((K.SAFETY * before.err) / Math.abs(a)).toBeGreaterThanOrEqual(K.COARSE)
    expect(before.roundoff).toBeLessThan(before.err / 2)
    expect(added).toBe(0)
  })
})

describe("climb: with kinks: 'ignore' every finite level counts", () => {
  // Designed values at ±2⁻⁶, ±2⁻⁴, ±2⁻² around 0: D(s) = 1 + s² at every level, gaps 4× per level up to
  // h and 40× at 4h (a kink between h and 4h). The bound is fine, so nothing is climbed.
  const table = new Map<number, number>([[0, 0]])
  for (const [s, g] of [[2 ** -6, 2 ** -6], [2 ** -4, 2 ** -4], [2 ** -2, 40 * 2 ** -4]] as const) {
    table.set(s, (1 + s * s) * s + (g * s) / 2)
    table.set(-s, -(1 + s * s) * s + (g * s) / 2)
  }
  const run = (kinks: 'subgradient' | 'ignore') => {
    const W = weight((x) => table.get(x) ?? Number.NaN, 0, { h: 2 ** -4, a: 1, G: 1, kinks })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    return { ladder, estimate: W.run(climb(W.c, ladder)) }
  }
  it('the level above the kink is left out unless kinks are ignored', () => {
    const sub = run('subgradient')
    expect(sub.ladder).toHaveLength(3)
    expect(sub.estimate).toEqual(extrapolate(sub.ladder))
    expect(sub.estimate).not.toEqual(extrapolate(sub.ladder, true))
    const ign = run('ignore')
    expect(ign.estimate).toEqual(extrapolate(ign.ladder, true))
  })
})

describe('the tie witness: a level where the loss did not move at all, beside one where it did, is a staircase', () => {
  // f = q·round(g/q), g = 0.5·x at x = 0.3 (mid-stair): x ± s stays on the stair for s < 1e-3, so the
  // levels h/4 = 1e-4 and h = 4e-4 tie bit for bit, and 4h = 1.6e-3 steps one stair each way.
  const q = 1e-3
  const ladderOf = (f: F) => {
    const W = weight(f, 0.3, { h: 4e-4, a: 0.5, G: 0.5 })
    return W.run(sweep(W.c, W.run(firstLevel(W.c))))
  }
  it('raises every level’s ε to half the smallest change seen (a stair at least)', () => {
    const ladder = ladderOf((x) => q * Math.round((0.5 * x) / q))
    expect(ladder.some((l) => l.forward === 0 && l.backward === 0)).toBe(true)
    for (const l of ladder) expect(l.noise * l.s).toBeGreaterThanOrEqual(q / 2)
  })
  it('controls: no raise on the smooth line, nor where no level moved (a weight the loss ignores)', () => {
    for (const l of ladderOf((x) => 0.5 * x)) expect(l.noise * l.s).toBeLessThan(1e-12)
    for (const l of ladderOf(() => 1)) expect(l.noise * l.s).toBeLessThan(1e-12)
  })
})
