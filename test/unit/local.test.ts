import { describe, expect, it } from 'vitest'
import { LOCAL_POSITIONS, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import { localNoise, withNoise } from '../../src/engine/local.js'
import { firstLevel, sweep } from '../../src/engine/sweep.js'
import { noiseFit } from '../../src/engine/noise.js'
import { level } from '../../src/engine/differences.js'
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

describe('withNoise', () => {
  it('raises each level’s round-off bound to ε/s, and keeps the levels already above it', () => {
    const ladder = [levelOf(1, 0, 0, 0.5), levelOf(4, 0, 0, 0.01)]
    const raised = withNoise(ladder, 1)
    expect(raised.map((l) => l.noise)).toEqual([1, 0.25])
    expect(withNoise(ladder, 0.01)).toEqual(ladder)
    expect(withNoise(ladder, 0.01)[0]).toBe(ladder[0])
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
