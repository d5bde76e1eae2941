import { describe, expect, it } from 'vitest'
import { UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import { type Level, forwardLevel, level } from '../../src/engine/differences.js'
import { type F, weight } from './weight.js'

// One difference level of differences.ts, measured on a real one-weight tensor (./weight.ts). Every
// number asserted is a property of the arithmetic: a central difference of a quadratic is exact, its
// one-sided halves err by ±f″·s/2, and every step is the one the storage actually took.
const setup = weight
/** Which parts of a level are usable. */
const flags = (l: Level): Pick<Level, 'moved' | 'finite' | 'forwardOk' | 'backwardOk'> => ({ moved: l.moved, finite: l.finite, forwardOk: l.forwardOk, backwardOk: l.backwardOk })
const quad: F = (x) => 3 * x * x - 2 * x + 1 // f′ = 6x − 2, f″ = 6

describe('level: a central difference and its one-sided halves', () => {
  it('is exact for a quadratic, and its halves err by ±f″·s/2, so the gap is |f″|·s', () => {
    const x = 0.5
    const s = 2 ** -10 // a power of two: x ± s and every quotient are exact in binary
    const S = setup(quad, x)
    const l = S.run(level(S.c, s))
    expect(l.kind).toBe('central')
    expect(l.s).toBe(s)
    expect(l.central).toBe(6 * x - 2)
    expect(l.forward).toBeCloseTo(6 * x - 2 + 3 * s, 12)
    expect(l.backward).toBeCloseTo(6 * x - 2 - 3 * s, 12)
    expect(l.gap).toBeCloseTo(6 * s, 12)
    expect(l.finite && l.moved && l.forwardOk && l.backwardOk).toBe(true)
    expect(S.calls()).toBe(2)
  })

  it('a known f(x + s) is reused: one call instead of two, the same level', () => {
    const s = 2 ** -10
    const S = setup(quad, 0.5)
    const fresh = S.run(level(S.c, s))
    const up = { x: 0.5 + s, f: quad(0.5 + s) }
    const T = setup(quad, 0.5)
    const reused = T.run(level(T.c, s, up))
    expect(T.calls()).toBe(1)
    expect(reused).toEqual(fresh)
  })

  it('the coordinate is restored after each call', () => {
    const S = setup(quad, 0.3)
    S.run(level(S.c, 1e-3))
    expect(S.data[0]).toBe(0.3)
  })

  it('divides by the steps a Float32Array actually took, not by the nominal s', () => {
    // x = 1 in float32: x + s rounds to a multiple of 2⁻²³, x − s to one of 2⁻²⁴. With s = 1.25e-6 the
    // two stored steps (10·2⁻²³ and 21·2⁻²⁴) differ from s and from each other; a linear f then gives its slope exactly
    // only when each difference divides by its own stored step.
    const slope = 2.5
    const lin: F = (x) => slope * (x - 1)
    const S = setup(lin, 1, { storage: 'float32' })
    const s = 1.25e-6
    const l = S.run(level(S.c, s))
    const up = Math.fround(1 + s) - 1
    const down = 1 - Math.fround(1 - s)
    expect(up).not.toBe(down) // the premise: the storage took two different steps
    expect(l.forward).toBeCloseTo(slope, 12)
    expect(l.backward).toBeCloseTo(slope, 12)
    expect(l.central).toBeCloseTo(slope, 12)
    expect(l.gap).toBeLessThan(1e-9)
    // The level's step is the mean of the two taken: the one its round-off ε/s is judged at.
    expect(l.s).toBe((up + down) / 2)
  })

  it('an asymmetric stored step still gives the central difference over x₊ − x₋', () => {
    const lin: F = (x) => 4 * x
    const S = setup(lin, 1, { storage: 'float32' })
    const l = S.run(level(S.c, 1.25e-6))
    const [xp, xm] = [Math.fround(1 + 1.25e-6), Math.fround(1 - 1.25e-6)]
    expect(l.central).toBe((4 * xp - 4 * xm) / (xp - xm))
  })

  it('a step below the ulp of x moves nothing: not moved, not finite, neither side usable', () => {
    const S = setup(quad, 1)
    const l = S.run(level(S.c, 1e-17))
    expect(flags(l)).toEqual({ moved: false, finite: false, forwardOk: false, backwardOk: false })
  })

  it('a step that moves x one way only is not moved: both steps must move it', () => {
    // Below a power of two the doubles are twice as dense: at x = 1 a step of 0.7·2⁻⁵³ rounds x + s
    // back to 1 (under half the ulp 2⁻⁵² above) but moves x − s (over half the spacing 2⁻⁵³ below);
    // at x = −1 it is the other way round.
    const s = 0.7 * 2 ** -53
    const D = setup(quad, 1)
    const down = D.run(level(D.c, s))
    expect(flags(down)).toEqual({ moved: false, finite: false, forwardOk: false, backwardOk: true })
    const U = setup(quad, -1)
    const up = U.run(level(U.c, s))
    expect(flags(up)).toEqual({ moved: false, finite: false, forwardOk: true, backwardOk: false })
  })

  it('next to a domain edge the far side is not usable and the near side is', () => {
    // log at x = 1e-3 with s = 2e-3: x − s < 0, log is NaN there.
    const S = setup(Math.log, 1e-3)
    const l = S.run(level(S.c, 2e-3))
    expect(flags(l)).toEqual({ moved: true, finite: false, forwardOk: true, backwardOk: false })
    expect(l.forward).toBeCloseTo((Math.log(3e-3) - Math.log(1e-3)) / 2e-3, 6)
    // The noise comes from the finite value alone: a NaN side must not make it NaN.
    expect(Number.isFinite(l.noise)).toBe(true)
    expect(l.noise).toBeCloseTo((UNIT_ROUNDOFF.float64 * Math.abs(Math.log(3e-3))) / l.s, 20)
    const M = setup((x) => -Math.log(-x), -1e-3)
    const m = M.run(level(M.c, 2e-3))
    expect(m.backwardOk).toBe(true)
    expect(m.forwardOk).toBe(false)
    expect(m.finite).toBe(false)
  })

  it('any non-finite difference makes the level unusable, even when both steps moved', () => {
    const blowUp: F = (x) => (x > 0.5 ? Infinity : x)
    const S = setup(blowUp, 0.5)
    const l = S.run(level(S.c, 1e-3))
    expect(flags(l)).toEqual({ moved: true, finite: false, forwardOk: false, backwardOk: true })
  })
})

describe('level: its round-off bound, ε/s with ε the noise of one loss value', () => {
  const s = 2 ** -10
  it('the measured noise, when it is the largest: 2ε over 2s', () => {
    const S = setup(quad, 0.5, { noise: 1e-9 })
    expect(S.run(level(S.c, s)).noise).toBe(1e-9 / s)
  })
  it('at least one unit round-off of the largest value seen at x ± s', () => {
    // f(0.5 ± s) ≈ 0.75; with no measured noise, ε = u·max|f±|, u = 2⁻⁵³.
    const S = setup(quad, 0.5, { noise: 0 })
    const l = S.run(level(S.c, s))
    const eps = UNIT_ROUNDOFF.float64 * Math.max(Math.abs(quad(0.5 + s)), Math.abs(quad(0.5 - s)))
    expect(l.noise).toBe(eps / s)
    // The larger of the two sides counts, whichever it is: for 100·x at −0.5, f(x − s) is the larger.
    const lin: F = (x) => 100 * x
    const D = setup(lin, -0.5, { noise: 0 })
    expect(D.run(level(D.c, s)).noise).toBe((UNIT_ROUNDOFF.float64 * Math.abs(lin(-0.5 - s))) / s)
  })
  it('a loss that is 0 everywhere still has the smallest subnormal as its noise', () => {
    const S = setup(() => 0, 0.5, { noise: 0 })
    const l = S.run(level(S.c, s))
    expect(l.noise).toBe(Number.MIN_VALUE / s)
    expect(l.noise).toBeGreaterThan(0)
  })
  it('float32 rounds at 2⁻²⁴ of the value', () => {
    const S = setup(() => 1, 0.5, { storage: 'float32', noise: 0 })
    const l = S.run(level(S.c, 2 ** -8))
    expect(l.noise).toBe(2 ** -24 / l.s)
  })
})

describe('forwardLevel: one forward difference', () => {
  it('errs by f″·h/2 on a quadratic, has no backward half, and keeps f(x + h)', () => {
    const h = 2 ** -10
    const S = setup(quad, 0.5, { h })
    const { level: l, up } = S.run(forwardLevel(S.c))
    expect(S.calls()).toBe(1)
    expect(l.kind).toBe('forward')
    expect(l.s).toBe(h)
    expect(l.central).toBeCloseTo(6 * 0.5 - 2 + 3 * h, 12)
    expect(l.forward).toBe(l.central)
    expect(l.backward).toBe(l.central)
    expect(l.gap).toBe(0)
    expect(l.finite && l.moved && l.forwardOk).toBe(true)
    expect(l.backwardOk).toBe(false)
    expect(up).toEqual({ x: 0.5 + h, f: quad(0.5 + h) })
  })

  it('its round-off is 2ε/h: twice a central difference’s at the same step', () => {
    const h = 2 ** -10
    const S = setup(quad, 0.5, { h, noise: 1e-9 })
    expect(S.run(forwardLevel(S.c)).level.noise).toBe((2 * 1e-9) / h)
    // Unit round-off of the larger of f(x) and f(x + h) when the loss shows no noise: for 100·x,
    // f(x) at x = −0.5 (|−50| > |−50 + 100h|), f(x + h) at x = 0.5.
    const lin: F = (x) => 100 * x
    const D = setup(lin, -0.5, { h, noise: 0 })
    expect(D.run(forwardLevel(D.c)).level.noise).toBe((2 * UNIT_ROUNDOFF.float64 * 50) / h)
    const I = setup(lin, 0.5, { h, noise: 0 })
    expect(I.run(forwardLevel(I.c)).level.noise).toBe((2 * UNIT_ROUNDOFF.float64 * lin(0.5 + h)) / h)
  })

  it('divides by the step the storage took', () => {
    const S = setup((x) => 2.5 * x, 1, { storage: 'float32', h: 1.25e-6 })
    const { level: l } = S.run(forwardLevel(S.c))
    expect(l.s).toBe(Math.fround(1 + 1.25e-6) - 1)
    expect(l.central).toBeCloseTo(2.5, 12)
  })

  it('a step that does not move x, or a non-finite value, is not usable', () => {
    const S = setup(quad, 1, { h: 1e-17 })
    const { level: l } = S.run(forwardLevel(S.c))
    expect(l.moved).toBe(false)
    expect(l.finite).toBe(false)
    expect(l.forwardOk).toBe(false)
    const N = setup((x) => (x > 0.5 ? Number.NaN : x), 0.5)
    const { level: n } = N.run(forwardLevel(N.c))
    expect(n.moved).toBe(true)
    expect(n.finite).toBe(false)
    expect(n.forwardOk).toBe(false)
  })
})
