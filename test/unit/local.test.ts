import { describe, expect, it } from 'vitest'
import { LOCAL_POSITIONS, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import { localNoise, withNoise } from '../../src/engine/local.js'
import { firstLevel, sweep } from '../../src/engine/sweep.js'
import { noiseFit } from '../../src/engine/noise.js'
import { type Level, level, levelOf as levelAt } from '../../src/engine/differences.js'
import { type F, levelOf, weight } from './weight.js'

// The coordinate's own noise (src/engine/local.ts): what the loss's round-off is along one coordinate,
// read at the sweep's window, when the probe (which moves every coordinate at once) did not see it.
const u = UNIT_ROUNDOFF.float64

/** The sweep's ladder for f at x (step h, probe noise 0), then localNoise over it: the noise and the calls it took. */
function local(f: F, x: number, h: number): { eps: number; calls: number } {
  const W = weight(f, x, { h })
  const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
  const before = W.calls()
  const eps = W.run(localNoise(W.c, ladder)).noise
  return { eps, calls: W.calls() - before }
}

describe('localNoise', () => {
  // A = 2⁴⁰: ℓ is kept in multiples of 2⁻¹² ≈ 2.4e-4. Over ±h = ±0.01 ℓ moves by 20 stairs, so the
  // values scatter about their quartic by about a stair/√12 = 7e-5.
  const A = 2 ** 40
  const stair: F = (x) => A + Math.sin(x) * 1.1 - A

  it('reads a staircase behind one coordinate: (A + ℓ(x)) − A rounds ℓ to the grid of A', () => {
    const { eps, calls } = local(stair, 0.4, 0.01)
    expect(eps).toBeGreaterThan(2 ** -12 / 10)
    expect(eps).toBeLessThan(2 ** -12)
    // Two calls for each of the positions, none for the points the ladder already has.
    expect(calls).toBe(2 * LOCAL_POSITIONS.length)
  })

  it('keeps its scale where the noise is large: (2⁷⁰ + 1e9·sin x) − 2⁷⁰, stairs of 2¹⁸', () => {
    // Over ±0.01 ℓ moves by ~40 stairs of 262144: a scatter of about a stair/√12 ≈ 7.6e4, not a fraction of 1.
    const big = 2 ** 70
    const { eps } = local((x) => big + 1e9 * Math.sin(x) - big, 0.4, 0.01)
    expect(eps).toBeGreaterThan(2 ** 18 / 10)
    expect(eps).toBeLessThan(2 ** 18)
  })

  it('negative control: a smooth f at its optimal step leaves only the round-off of its values', () => {
    // h = (3u)^(1/3) ≈ 1e-5 on sin's unit scale: the quartic's 5th-order term, h⁵/120, is far below u.
    const { eps } = local((x) => Math.sin(x) * 1.1, 0.4, 1e-5)
    expect(eps).toBeGreaterThan(0)
    expect(eps).toBeLessThan(4 * u)
  })

  it('is 0 where the window is on f’s own scale: its shape is not noise', () => {
    // sin(x/λ) over ±λ: a quartic leaves its 5th-order term, a 6th-degree fit a 40th of it.
    const lambda = 0.05
    const { eps } = local((x) => Math.sin(x / lambda), 0.3, lambda)
    expect(eps).toBe(0)
  })

  it('reads only the ladder’s values inside its window: a level far beyond it is f’s shape, not noise', () => {
    // sin(x/λ) at steps of 2e-4 λ is a quartic to far below u; a level at 4λ beside them (its values 4
    // wavelengths out) would leave a quartic or a sextic through all of them with residuals of O(1).
    const lambda = 0.05
    const W = weight((x) => Math.sin(x / lambda), 0.3, { h: 1e-5 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    const far = W.run(level(W.c, 4 * lambda))
    const eps = W.run(localNoise(W.c, [...ladder, far])).noise
    expect(eps).toBeGreaterThan(0)
    expect(eps).toBeLessThan(4 * u)
  })

  it('is 0 where a value in the window is not finite', () => {
    // The staircase above, with a hole at one of the window's own points (the ladder's levels never meet it).
    const hole = 0.4 - LOCAL_POSITIONS[1]! * 0.01
    const holed: F = (x) => (Math.abs(x - hole) < 1e-12 ? Number.NaN : stair(x))
    const W = weight(holed, 0.4, { h: 0.01 })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    expect(ladder.every((l) => l.finite)).toBe(true)
    const own = W.run(localNoise(W.c, ladder))
    expect(own.noise).toBe(0)
    // The pair that met the hole is evidence of its own: a level that is not finite.
    expect(own.levels.filter((l) => !l.finite).map((l) => l.s)).toEqual([expect.closeTo(LOCAL_POSITIONS[1]! * 0.01, 15)])
  })
})

describe('localNoise: the window ±w it reads (smoothReach)', () => {
  // Synthetic ladders around sin at 0.4 with h = 0.01: the window shows in where the 8 new points are, x ± t·w.
  const h = 0.01
  const windowOf = (ladder: Level[]): number[] => {
    const W = weight((x) => Math.sin(x) * 1.1, 0.4, { h })
    const { levels } = W.run(localNoise(W.c, ladder))
    expect(levels).toHaveLength(LOCAL_POSITIONS.length)
    return levels.map((l, j) => l.s / LOCAL_POSITIONS[j]!)
  }
  const g = 1e-3
  const at = (w: number) => LOCAL_POSITIONS.map(() => expect.closeTo(w, 12))

  it('a ladder smooth from its smallest level up to h: w = h, whatever lies above h', () => {
    // Gaps ×4 per level up to h; the level at 4h is not smooth with it (a kink beyond h), and not counted.
    expect(windowOf([levelOf(h / 4, 1, g, 0), levelOf(h, 1, 4 * g, 0), levelOf(4 * h, 1, 100 * g, 0)])).toEqual(at(h))
    // Smooth beyond h too: still h, the largest step it may read.
    expect(windowOf([levelOf(h / 4, 1, g, 0), levelOf(h, 1, 4 * g, 0), levelOf(4 * h, 1, 16 * g, 0)])).toEqual(at(h))
  })

  it('smooth only below h: the largest step up to which it is smooth from the bottom', () => {
    // h/16 → h/4 smooth (×4), h/4 → h not (×40): w = h/4.
    expect(windowOf([levelOf(h / 16, 1, g, 0), levelOf(h / 4, 1, 4 * g, 0), levelOf(h, 1, 160 * g, 0)])).toEqual(at(h / 4))
    // The smallest pair already not smooth: the smallest level.
    expect(windowOf([levelOf(h / 16, 1, g, 0), levelOf(h / 4, 1, 40 * g, 0), levelOf(h, 1, 160 * g, 0)])).toEqual(at(h / 16))
  })

  it('from the smallest finite level up: a level that is not finite is skipped', () => {
    const hole = levelOf(h / 64, Number.NaN, 0, 0, { finite: false })
    expect(windowOf([hole, levelOf(h / 4, 1, g, 0), levelOf(h, 1, 4 * g, 0)])).toEqual(at(h))
  })

  it('no finite level up to h: w = h', () => {
    expect(windowOf([])).toEqual(at(h))
    expect(windowOf([levelOf(h, Number.NaN, 0, 0, { finite: false }), levelOf(4 * h, 1, g, 0)])).toEqual(at(h))
  })

  it('a kink between h/4 and h: the sweep descends, the window stops below the kink, and only round-off is read', () => {
    // sin plus ½|x − (x₀ + h/2)|: the levels at h and 4h straddle the kink, h/4 and below do not.
    const W = weight((x) => Math.sin(x) * 1.1 + 0.5 * Math.abs(x - 0.4 - h / 2), 0.4, { h })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    expect(Math.min(...ladder.map((l) => l.s))).toBeLessThan(h / 4)
    const own = W.run(localNoise(W.c, ladder))
    for (const l of own.levels) expect(l.s).toBeLessThanOrEqual((h / 4) * (1 + 1e-9))
    // Over ±h the kink would be read: O(J·h) scatter about a quartic, or the guard's 0.
    expect(own.noise).toBeGreaterThan(0)
    expect(own.noise).toBeLessThan(4 * u)
  })
})

describe('localNoise: the ladder’s own values inside the window are in the fit', () => {
  // sin at h = 1e-3 is a quartic over ±h to far below u; its ladder's values are moved by δ at one level,
  // as a loss that rounded there (and only there) would: 2 of the 13 values, an RMS of δ·√(2/13) ≈ 0.4δ.
  const h = 1e-3
  const delta = 1e-9
  const bumped = (which: number, sign: number): number => {
    const W = weight((x) => Math.sin(x) * 1.1, 0.4, { h })
    const ladder = W.run(sweep(W.c, W.run(firstLevel(W.c))))
    expect(ladder).toHaveLength(3)
    const moved = ladder.map((l, j) => {
      if (j !== which) return l
      const [up, down] = l.samples!
      return levelAt(W.c, { ...up!, f: up!.f + delta }, { ...down!, f: down!.f + sign * delta })
    })
    return W.run(localNoise(W.c, moved)).noise
  }

  it('δ at x ± h/4: noise of the order of δ', () => {
    const eps = bumped(0, 1)
    expect(eps).toBeGreaterThan(delta / 4)
    expect(eps).toBeLessThan(delta)
  })

  it('δ at x ± h, the window’s own edge: read too (inside ±w, inclusive)', () => {
    const eps = bumped(1, -1)
    expect(eps).toBeGreaterThan(delta / 10)
    expect(eps).toBeLessThan(delta)
  })

  it('negative control: δ at x ± 4h, outside the window, is not read (round-off only)', () => {
    const eps = bumped(2, -1)
    expect(eps).toBeGreaterThan(0)
    expect(eps).toBeLessThan(4 * u)
  })
})

describe('withNoise', () => {
  it('raises each level’s round-off bound to ε/s, and keeps the levels already above it', () => {
    const ladder = [levelOf(1, 0, 0, 0.5), levelOf(4, 0, 0, 0.01)]
    const raised = withNoise(ladder, 1)
    expect(raised.map((l) => l.noise)).toEqual([1, 0.25])
    expect(withNoise(ladder, 0.01)).toEqual(ladder)
    expect(withNoise(ladder, 0.01)[0]).toBe(ladder[0])
  })
  it('a level whose bound is already exactly ε/s is kept as it is (nothing raised: checkDirection reads that from identity)', () => {
    const ladder = [levelOf(4, 0, 0, 0.25), levelOf(1, 0, 0, 0.5)]
    const raised = withNoise(ladder, 1)
    expect(raised[0]).toBe(ladder[0])
    expect(raised[1]).not.toBe(ladder[1])
    expect(raised[1]!.noise).toBe(1)
  })
})

describe('noiseFit of any degree', () => {
  it('fits a quartic exactly (degree 4) where a cubic leaves its 4th-order term', () => {
    const ts = [-1, -0.7, -0.4, -0.1, 0.2, 0.5, 0.8, 1]
    const q = ts.map((t) => 1 + t - t ** 2 + 0.5 * t ** 4)
    expect(noiseFit(ts, q, 4)).toBeLessThan(10 * u)
    expect(noiseFit(ts, q, 3)).toBeGreaterThan(1e-3)
  })

  it('positions that coincide take no degree of freedom, and too few distinct ones give 0', () => {
    // Three distinct positions, two values each: a quadratic through them leaves the pairs' scatter.
    const ts = [0, 0, 1, 1, 2, 2]
    const fs = [0, 0.2, 1, 1.2, 4, 4.2]
    expect(noiseFit(ts, fs, 4)).toBeCloseTo(Math.sqrt((6 * 0.01) / 3), 12)
    expect(noiseFit([0, 1, 2], [0, 1, 5], 4)).toBe(0)
  })
})
