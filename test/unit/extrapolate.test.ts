import { describe, expect, it } from 'vitest'
import { EXTRAPOLATED_ROUNDOFF, RATIO, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import type { Level } from '../../src/engine/differences.js'
import { extrapolate, extrapolateOneSided } from '../../src/engine/extrapolate.js'
import { levelOf as syntheticLevel } from './weight.js'

// Richardson extrapolation over difference tables built two ways: synthetic levels whose truncation is
// known term by term (steps and values chosen in binary so the arithmetic is exact), and levels of
// real functions with the round-off of a float64 loss of size ~1. Each assertion is a property of
// the extrapolation (numerics.md §5), not a recorded output.
const u = UNIT_ROUNDOFF.float64
type F = (x: number) => number

const lvl = syntheticLevel
/** Levels at steps s₀·4ʲ with D(s) = d + c₂s² + c₄s⁴ and a smooth gap |f″|·s (f″ = 1), round-off ε/s. */
const table = (d: number, c2: number, c4: number, s0: number, n: number, eps: number): Level[] =>
  Array.from({ length: n }, (_, j) => {
    const s = s0 * RATIO ** j
    return lvl(s, d + c2 * s * s + c4 * s ** 4, s, eps / s)
  })
const levelOf = (f: F, x: number, s: number): Level => {
  const [up, f0, down] = [f(x + s), f(x), f(x - s)]
  const [forward, backward] = [(up - f0) / s, (f0 - down) / s]
  const finite = [up, f0, down].every(Number.isFinite)
  const eps = u * Math.max(Math.abs(up), Math.abs(down), Number.MIN_VALUE)
  return { kind: 'central', s, central: (up - down) / (2 * s), forward, backward, gap: Math.abs(forward - backward), noise: eps / s, finite, moved: true, forwardOk: Number.isFinite(forward), backwardOk: Number.isFinite(backward) }
}
const ladderOf = (f: F, x: number, s0: number, n: number): Level[] => Array.from({ length: n }, (_, j) => levelOf(f, x, s0 * RATIO ** j))

describe('extrapolate: Richardson over the smooth bottom of the sweep', () => {
  it('removes an h² truncation exactly: R = D(s) + (D(s) − D(4s))/15 with 15 = 4² − 1', () => {
    // D(s) = 1 + s² at s = 2⁻⁴, 2⁻², 1: 1 + 2⁻⁸, 1 + 2⁻⁴, 2. Every step of R is exact in binary.
    const e = extrapolate(table(1, 1, 0, 2 ** -4, 3, 1e-12))
    expect(e.numeric).toBe(1)
    // R moves not at all with the step, so only the round-off of the smallest step is left,
    // amplified by the extrapolation (16/15 + a little).
    expect(e.roundoff).toBe(EXTRAPOLATED_ROUNDOFF * (1e-12 / 2 ** -4))
    expect(e.err).toBe(e.roundoff)
  })

  it('leaves an h⁴ term as −16·c₄s⁴: the factor 15 cancels the h² term only', () => {
    const s = 2 ** -3
    const e = extrapolate(table(2, 0, 1, s, 3, 1e-15))
    const r = 2 + s ** 4 + (s ** 4 - (RATIO * s) ** 4) / 15
    expect(r).toBeCloseTo(2 - 16 * s ** 4, 14)
    expect(e.numeric).toBe(r)
    // Its bound covers what is left: the truncation 16·c₄s⁴ and the round-off.
    expect(e.err).toBeGreaterThanOrEqual(16 * s ** 4)
  })

  it('with two levels only, R is bounded by the truncation left in D(s): |D(s) − D(4s)|/15', () => {
    const eps = 1e-13
    const [a, b] = table(1, 1, 0, 2 ** -4, 2, eps) as [Level, Level]
    const e = extrapolate([a, b])
    expect(e.numeric).toBe(1)
    expect(e.err).toBeCloseTo(Math.abs(a.central - b.central) / 15 + EXTRAPOLATED_ROUNDOFF * a.noise, 15)
  })

  it('one level alone: its truncation bounded by a quarter of its gap (|f″|·s/4), plus its round-off', () => {
    const l = lvl(2 ** -4, 1.5, 2 ** -4, 1e-10)
    const e = extrapolate([l])
    expect(e.numeric).toBe(1.5)
    expect(e.err).toBe(2 ** -4 / 4 + 1e-10)
    expect(e.roundoff).toBe(1e-10)
  })

  it('where round-off dominates, a larger step alone can win, its truncation bounded by its distance to the level below', () => {
    // ε/s = 1 at s, 1/4 at 4s; D differs by 0.01. R's bound carries 1.1× the smaller step's round-off, D(4s)
    // alone a quarter of it plus |D(4s) − D(s)| (the top level has no level above to be compared with).
    const e = extrapolate([lvl(2 ** -4, 1, 0, 1), lvl(2 ** -2, 1.01, 0, 0.25)])
    expect(e.numeric).toBe(1.01)
    expect(e.err).toBeCloseTo(0.01 + 0.25, 14)
    expect(e.roundoff).toBe(0.25)
  })

  it('the top level’s bound includes its distance from the level below, or it would claim its round-off alone', () => {
    // D(s) = 1 with round-off 0.5, D(4s) = 2 with none. R(s) = 1 − 1/15 with bound 1/15 + 0.55; D(4s) alone
    // is bounded by |2 − 1| = 1: more, so R(s) is kept. Without the distance, D(4s) would claim 1e-12 and
    // (just) agree with R(s).
    const e = extrapolate([lvl(2 ** -4, 1, 0, 0.5), lvl(2 ** -2, 2, 0, 1e-12)])
    expect(e.numeric).toBe(1 - 1 / 15)
    expect(e.err).toBeCloseTo(1 / 15 + EXTRAPOLATED_ROUNDOFF * 0.5, 14)
  })

  it.each([
    { name: 'sin at 1', f: Math.sin, x: 1, d: Math.cos(1) },
    { name: 'exp at −0.3', f: Math.exp, x: -0.3, d: Math.exp(-0.3) },
    { name: 'x³ at 0 (f″ = 0: only the neighbour sees f‴)', f: (x: number) => x ** 3, x: 0, d: 0 },
    { name: 'log at 2', f: Math.log, x: 2, d: 0.5 },
  ])('on a real f its bound holds and is tight: $name', ({ f, x, d }) => {
    const e = extrapolate(ladderOf(f, x, 1e-4, 3))
    expect(Math.abs(e.numeric - d)).toBeLessThanOrEqual(e.err)
    // A plain central difference at 1e-4 errs by ~f‴s²/6 ≈ 2e-9; Richardson must do far better.
    expect(e.err).toBeLessThan(1e-9)
    expect(e.err).toBeGreaterThan(0)
  })

  it('the levels start at the smallest finite one', () => {
    const good = table(1, 1, 0, 2 ** -4, 3, 1e-12)
    const broken = lvl(2 ** -6, Number.NaN, Number.NaN, 1, { finite: false })
    expect(extrapolate([broken, ...good])).toEqual(extrapolate(good))
    const none = extrapolate([broken, { ...broken, s: 2 ** -4 }])
    expect(none.numeric).toBeNaN()
    expect(none.err).toBe(Infinity)
  })

  it('stops at the first pair that is not smooth: above a kink, larger steps are not estimates of f′(x)', () => {
    // Three levels of D(s) = 1 + s², the third with a gap 40× the one below instead of 4× (a kink
    // between 4s and 16s): the gaps decide, so it is left out even though its central difference looks
    // smooth, and the bound is that of two levels; with `kinks: 'ignore'` it counts.
    const eps = 1e-12
    const third = table(1, 1, 0, 2 ** -4, 3, eps)
    const two = third.slice(0, 2)
    const crossed = { ...third[2]!, gap: 40 * third[1]!.gap, forward: third[2]!.central + 20 * third[1]!.gap, backward: third[2]!.central - 20 * third[1]!.gap }
    const levels = [...two, crossed]
    expect(extrapolate(levels)).toEqual(extrapolate(two))
    expect(extrapolate(levels).err).toBeCloseTo(Math.abs(two[0]!.central - two[1]!.central) / 15 + EXTRAPOLATED_ROUNDOFF * two[0]!.noise, 15)
    expect(extrapolate(levels, true)).toEqual(extrapolate(third))
    // The negative control: with the smooth gap the third level is used, and R(s) moving not at all
    // with the step leaves only the round-off.
    expect(extrapolate(third).err).toBe(EXTRAPOLATED_ROUNDOFF * third[0]!.noise)
    // trustAll still skips a level that is not finite.
    expect(extrapolate([...two, { ...crossed, finite: false }], true)).toEqual(extrapolate(two))
  })

  it('a candidate with a smaller bound that contradicts the smaller steps is not taken', () => {
    // D(s) = 1, then D(4s) = D(16s) = 2 with no gap: alone, D(4s) claims a bound of its round-off only
    // (its neighbour agrees with it), far below R(s)'s, but it lies 16/15 of |Δ| from R(s).
    const n = 1e-12
    const levels = [lvl(2 ** -4, 1, 0, n), lvl(2 ** -2, 2, 0, n / 4), lvl(1, 2, 0, n / 16)]
    const e = extrapolate(levels)
    expect(e.numeric).toBe(1 + (1 - 2) / 15)
    expect(e.err).toBeCloseTo(1 / 15 + EXTRAPOLATED_ROUNDOFF * n, 15)
    // Taken alone, the upper two levels do give that small bound (the premise of the test).
    expect(extrapolate(levels.slice(1)).err).toBeLessThan(1e-9)
  })
})

describe('extrapolateOneSided: one side of a domain edge', () => {
  // Forward differences v(s) = f′ + f″s/2: first order, so over s and 4s Richardson divides by 3.
  const side = (v: (s: number) => number, s0: number, n: number, eps: number, which: 'forward' | 'backward' = 'forward'): Level[] =>
    Array.from({ length: n }, (_, j) => {
      const s = s0 * RATIO ** j
      const other = which === 'forward' ? { backward: Number.NaN, backwardOk: false, forward: v(s) } : { forward: Number.NaN, forwardOk: false, backward: v(s) }
      return lvl(s, Number.NaN, Number.NaN, eps / s, { finite: false, ...other })
    })

  it('removes a first-order error exactly: R = D(s) + (D(s) − D(4s))/3, round-off 2ε/s × 5/3', () => {
    const eps = 1e-14
    const e = extrapolateOneSided(side((s) => 1 + s, 2 ** -6, 3, eps), 'forward')
    expect(e.numeric).toBe(1)
    expect(e.roundoff).toBeCloseTo((5 / 3) * 2 * (eps / 2 ** -6), 20)
    expect(e.err).toBe(e.roundoff)
  })

  it('reads the side it is asked for', () => {
    const levels = side((s) => 1 - s, 2 ** -6, 3, 1e-14, 'backward')
    expect(extrapolateOneSided(levels, 'backward').numeric).toBe(1)
    const none = extrapolateOneSided(levels, 'forward')
    expect(none.numeric).toBeNaN()
    expect(none.err).toBe(Infinity)
  })

  it('needs three usable levels, starting at the first usable one', () => {
    const two = side((s) => 1 + s, 2 ** -6, 2, 1e-14)
    expect(extrapolateOneSided(two, 'forward').err).toBe(Infinity)
    expect(extrapolateOneSided(two, 'forward').numeric).toBeNaN()
    const three = side((s) => 1 + s, 2 ** -6, 3, 1e-14)
    const unusable = lvl(2 ** -8, Number.NaN, Number.NaN, 1, { finite: false, forwardOk: false, backwardOk: false })
    expect(extrapolateOneSided([unusable, ...three], 'forward')).toEqual(extrapolateOneSided(three, 'forward'))
    // A gap in the usable levels ends the ladder there: two below it are not enough.
    const gapped = [...two, unusable, ...side((s) => 1 + s, 2 ** -2, 2, 1e-14)]
    expect(extrapolateOneSided(gapped, 'forward').err).toBe(Infinity)
    // Two usable levels after two unusable ones are still two.
    expect(extrapolateOneSided([unusable, unusable, ...two], 'forward').err).toBe(Infinity)
  })

  it('a level alone is bounded by |D(s) − D(4s)|/3, the first-order error it has left, plus 2ε/s', () => {
    // v(s) = 1 + s, round-off 0.02 at s = 2⁻⁶: D(s)'s bound 2⁻⁶ + 0.04 beats R's 5/3 · 0.04 and D(4s)'s 2⁻⁴ + 0.01.
    const eps = 0.02 * 2 ** -6
    const e = extrapolateOneSided(side((s) => 1 + s, 2 ** -6, 3, eps), 'forward')
    expect(e.numeric).toBe(1 + 2 ** -6)
    expect(e.err).toBeCloseTo(2 ** -6 + 0.04, 14)
    expect(e.roundoff).toBeCloseTo(0.04, 14)
  })

  it('two levels give D(s) with |D(s) − D(4s)|/3 as its bound when R has no neighbour to be checked against', () => {
    // Three levels where R(4s) moves a lot (a second-order term at the top): R(s) is then bounded by
    // how far it moves, and D(s) alone by |D(s) − D(4s)|/3; the smaller of the two that agree is kept.
    const levels = side((s) => 1 + s + 0.5 * s * s, 2 ** -6, 3, 1e-14)
    const e = extrapolateOneSided(levels, 'forward')
    const [a, b, c] = levels.map((l) => l.forward) as [number, number, number]
    const R = (x: number, y: number): number => x + (x - y) / 3
    const rr = (5 / 3) * 2 * levels[0]!.noise
    const candidates = [Math.abs(a - b) / 3 + 2 * levels[0]!.noise, Math.abs(R(a, b) - R(b, c)) + rr]
    expect(e.err).toBeCloseTo(Math.min(...candidates), 15)
    expect(Math.abs(e.numeric - 1)).toBeLessThanOrEqual(e.err)
  })

  it('ends the ladder where the differences stop changing 4× per level (beyond the scale of f)', () => {
    // v(s) = 1 + s at s = 2⁻⁶, 2⁻⁴, 2⁻², then flat at s = 1 (f stops changing: the edge is nearer than
    // that step). Round-off 0.1 at the smallest step, ε/s above. The flat top level's D(16s) would claim
    // a bound of its round-off alone (0.0125) and agree with D(4s) within their bounds, yet it is 1/4
    // off: the change test must end the ladder below it.
    const eps = 0.1 * 2 ** -6
    const three = side((s) => 1 + s, 2 ** -6, 3, eps)
    const flat = { ...three[2]!, s: 1, noise: eps }
    const four = [...three, flat]
    expect(extrapolateOneSided(four, 'forward')).toEqual(extrapolateOneSided(three, 'forward'))
    expect(extrapolateOneSided(four, 'forward').numeric).toBe(1 + 2 ** -4)
    // Negative control: a fourth level that goes on changing 4× is kept, and its R(4s), with a quarter
    // of the round-off, is the better estimate: exactly 1.
    const consistent = side((s) => 1 + s, 2 ** -6, 4, eps)
    const e = extrapolateOneSided(consistent, 'forward')
    expect(e.numeric).toBe(1)
    expect(e.err).toBeCloseTo((5 / 3) * 2 * (eps / 2 ** -4), 15)
  })

  it('log next to 0: the forward side alone recovers 1/x within its bound', () => {
    const x = 1e-3
    const levels = Array.from({ length: 4 }, (_, j) => {
      const s = 2e-6 * RATIO ** j
      return levelOf(Math.log, x, s)
    })
    // The premise: the far side is past the edge only at the top; use the forward differences of all.
    const e = extrapolateOneSided(levels, 'forward')
    expect(Math.abs(e.numeric - 1 / x)).toBeLessThanOrEqual(e.err)
    expect(e.err).toBeLessThan(1e-3 * (1 / x))
  })
})
