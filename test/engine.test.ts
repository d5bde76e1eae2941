import { checkGradients, type Entry, type Report } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { UNIT_ROUNDOFF } from '../src/engine/constants.js'
import { noiseFit } from '../src/engine/noise.js'
import { random } from '../src/random.js'

/**
 * Rounding after every operation: the identity in float64, `Math.fround` in float32. Rounding each
 * +, −, ×, ÷, √ of float32 inputs computed in float64 to float32 gives the correctly rounded float32
 * result, so `r` turns a float64 formula into a faithful float32 one.
 */
type Round = (v: number) => number
const id: Round = (v) => v
const f32: Round = Math.fround

interface Case {
  name: string
  /** The loss, rounding after every operation with `r`. */
  f: (x: readonly number[], r: Round) => number
  /** Its exact gradient (evaluated with the same rounding as the loss, like a real backward pass). */
  df: (x: readonly number[], r: Round) => number[]
  x: number[]
  /**
   * Relative change δ of the "buggy" derivative (×(1 + δ)). Defaults: 1e-3 in float64, where the
   * numeric derivative is good to ~1e-10 relative (docs/numerics.md, §2), and 0.1 in float32, where it is
   * good to ~1e-4…1e-3 and a 1e-3 change is within what the numerics explain.
   */
  delta64?: number
  /** `null`: a bug cannot be seen in float32 at all (see the case). */
  delta32?: number | null
  /** `estimatedError × boundSlack ≥ true error` (default 1: the estimate is a bound). */
  boundSlack?: number
  /** `estimatedError ≤ upper × max(true error, ε_f/step)` (default UPPER). */
  upper?: number
}

const prod = (x: readonly number[], r: Round): number => x.reduce((p, v) => r(p * v), 1)
const PRODUCT_X = [0.9, 1.1, -0.8, 1.3, 0.7, 1.2, -1.05, 0.95, 1.15, 0.85, 1.02, -0.97, 1.08, 0.92, 1.01, 0.99]

const cases: Case[] = [
  { name: 'sin', f: ([x], r) => r(Math.sin(x!)), df: ([x], r) => [r(Math.cos(x!))], x: [0.7] },
  { name: 'cos', f: ([x], r) => r(Math.cos(x!)), df: ([x], r) => [r(-Math.sin(x!))], x: [1.3] },
  { name: 'exp', f: ([x], r) => r(Math.exp(x!)), df: ([x], r) => [r(Math.exp(x!))], x: [2.5] },
  { name: 'x²', f: ([x], r) => r(x! * x!), df: ([x], r) => [r(2 * x!)], x: [-1.7] },
  { name: 'x³ at 1e3', f: ([x], r) => r(r(x! * x!) * x!), df: ([x], r) => [r(3 * r(x! * x!))], x: [1e3] },
  { name: 'x³ at 1e5', f: ([x], r) => r(r(x! * x!) * x!), df: ([x], r) => [r(3 * r(x! * x!))], x: [1e5] },
  { name: 'log at 1e-3', f: ([x], r) => r(Math.log(x!)), df: ([x], r) => [r(1 / x!)], x: [1e-3] },
  {
    name: 'log at 1e-6',
    f: ([x], r) => r(Math.log(x!)),
    df: ([x], r) => [r(1 / x!)],
    x: [1e-6],
    // Loosened from 10: a scalar's step scales with |f/f′| = x·|log x| ≈ 14·x here, so the sweep's larger
    // steps see more of log's curvature and its bound is conservative by ×11.4 in float32 (measured).
    upper: 15,
  },
  { name: '1/x', f: ([x], r) => r(1 / x!), df: ([x], r) => [r(-1 / r(x! * x!))], x: [0.3] },
  { name: 'sqrt', f: ([x], r) => r(Math.sqrt(x!)), df: ([x], r) => [r(0.5 / r(Math.sqrt(x!)))], x: [2] },
  {
    name: 'tanh at 5',
    f: ([x], r) => r(Math.tanh(x!)),
    df: ([x], r) => [r(1 - r(Math.tanh(x!) ** 2))],
    x: [5],
    // Loosened from 10: in float32, tanh(5) sits 6e-5 below 1 on a grid of 6e-8, a staircase; the noise
    // probe keeps the larger of its two sides (a 7-point estimate runs low), so the bound is ×13 conservative.
    upper: 15,
  },
  {
    name: 'tanh at 10',
    f: ([x], r) => r(Math.tanh(x!)),
    // 1 − tanh² cancels catastrophically; 1/cosh² is the accurate form of the same derivative.
    df: ([x], r) => [r(1 / r(Math.cosh(x!) ** 2))],
    x: [10],
    // f′ = 8.2e-9 against f ≈ 1: the numeric derivative is only good to ~1e-4 relative (ε_f/h ≈ 1e-16/1e-5
    // against 8e-9), so 1e-3 would be within a factor 2 of the bound; 1e-2 is well above it.
    delta64: 1e-2,
    // tanh(10) rounds to exactly 1 in float32, and so does tanh(10 ± h) for every step: the float32 loss is
    // constant, and no finite difference can tell 8.2e-9 from ×1.1 of it. Not an engine matter.
    delta32: null,
  },
  {
    name: `product of ${PRODUCT_X.length} terms`,
    f: (x, r) => prod(x, r),
    df: (x, r) => x.map((_, i) => prod(x.filter((_, j) => j !== i), r)),
    x: PRODUCT_X,
    // In float64 the numeric error here is all round-off: 15 roundings per loss value, a few u·|f| of
    // noise, which the 7-value noise probe measures at about u·|f| (its floor; a 7-value estimate is
    // rough, see the noiseLevel tests). The estimate then falls short of the true error by up to ~1.6×
    // on some coordinates (seeds 1849, 1–5). The verdict multiplies it by SAFETY = 4, so it still holds.
    boundSlack: 2,
  },
]

const DELTA64 = 1e-3
const DELTA32 = 0.1

type Precision = 'float64' | 'float32'
const rounding: Record<Precision, Round> = { float64: id, float32: f32 }
const delta = (c: Case, p: Precision): number | null => (p === 'float64' ? c.delta64 ?? DELTA64 : c.delta32 === undefined ? DELTA32 : c.delta32)

function check(c: Case, p: Precision, options: { factor?: number; method?: 'central' | 'richardson' } = {}): Report {
  const r = rounding[p]
  const at = p === 'float64' ? Float64Array.from(c.x) : Float32Array.from(c.x)
  const factor = options.factor ?? 1
  return checkGradients(
    (w: Float64Array | Float32Array) => c.f([...w], r),
    (w: Float64Array | Float32Array) => Float64Array.from(c.df([...w], r), (g) => g * factor),
    { at, method: options.method ?? 'central' },
  )
}

/** Where float32 cannot resolve the derivative at all (`delta32: null`), 'inconclusive' is the honest verdict. */
const verdicts = (c: Case & { precision: Precision }): string[] =>
  c.precision === 'float32' && c.delta32 === null ? ['ok', 'inconclusive'] : ['ok']

const table = (p: Precision): (Case & { precision: Precision })[] => cases.map((c) => ({ ...c, precision: p }))
const both = [...table('float64'), ...table('float32')]

describe('known derivatives', () => {
  it.each(both)('$name ($precision): the exact derivative passes', (c) => {
    const report = check(c, c.precision)
    expect(report.precision).toBe(c.precision)
    expect(report.checked).toBe(c.x.length)
    expect(report.failed).toBe(0)
    for (const e of report.entries) expect(verdicts(c)).toContain(e.verdict)
    expect(report.pass).toBe(true)
  })

  it.each(both)('$name ($precision): the exact derivative passes with the full step sweep', (c) => {
    const report = check(c, c.precision, { method: 'richardson' })
    expect(report.failed).toBe(0)
    for (const e of report.entries) expect(verdicts(c)).toContain(e.verdict)
    expect(report.pass).toBe(true)
  })

  const buggy = both.filter((c) => delta(c, c.precision) !== null).map((c) => ({ ...c, delta: delta(c, c.precision)! }))
  it.each(buggy)('$name ($precision): a derivative ×(1 + $delta) fails as a bug', (c) => {
    for (const method of ['central', 'richardson'] as const) {
      const report = check(c, c.precision, { factor: 1 + c.delta, method })
      expect(report.pass, method).toBe(false)
      // Every coordinate is scaled, and each is a clear disagreement.
      expect(report.failed, method).toBe(c.x.length)
      expect(report.worst[0]!.verdict, method).toBe('bug')
      expect(report.entries.every((e) => e.failed && e.verdict === 'bug'), method).toBe(true)
    }
  })
})

/**
 * `estimatedError` of the numeric value against its true error |numeric − f′(x)|, with f′ evaluated in
 * float64 (the float32 loss's own derivative is f′ up to its rounding, which the estimate must cover).
 * It should be a bound, and not a vacuous one: at most `UPPER` times the true error or the round-off of
 * one difference at that step (ε_f/step), whichever is larger; the true error itself can be 0 by luck.
 * The estimate carries 1.1·ε_f/(step/4) ≈ 4.4·ε_f/step of round-off by construction (its smallest step is
 * step/4), so ~4–5 is its floor; measured at most 4.7 over this table.
 */
const UPPER = 10

describe('estimatedError of the step sweep', () => {
  const estimate = (c: Case & { precision: Precision }): { report: Report; rows: { e: Entry; trueError: number; floor: number }[] } => {
    const report = check(c, c.precision, { method: 'richardson' })
    const exact = c.df(c.x.map(rounding[c.precision]), id)
    const rows = report.entries.map((e) => ({
      e,
      trueError: Math.abs(e.numeric - exact[e.index[0]!]!),
      floor: report.loss.noise / e.step,
    }))
    return { report, rows }
  }

  it.each(both)('$name ($precision): estimatedError ≥ |numeric − exact|', (c) => {
    const { rows } = estimate(c)
    for (const { e, trueError } of rows) expect(e.estimatedError * (c.boundSlack ?? 1), e.path).toBeGreaterThanOrEqual(trueError)
  })

  it.each(both)('$name ($precision): estimatedError is within ×10 of max(true error, ε_f/step)', (c) => {
    const { rows } = estimate(c)
    for (const { e, trueError, floor } of rows) expect(e.estimatedError, e.path).toBeLessThanOrEqual((c.upper ?? UPPER) * Math.max(trueError, floor))
  })
})

describe('kinks', () => {
  const abs = (w: Float64Array | Float32Array): number => Math.abs(w[0]!)
  const max = (w: Float64Array | Float32Array): number => Math.max(w[0]!, w[1]!)
  const kinkCases = (['float64', 'float32'] as const).flatMap((precision) => [
    // |x| at 0: the one-sided slopes are −1 and 1, and any value between them is a subgradient.
    ...[0, 1, -1, 0.5, -0.25].map((g) => ({ name: '|x| at 0', precision, f: abs, x: [0], g: [g], pass: true })),
    // Outside [−1, 1] by 0.1 or more (5% outside in float32: regressions.test.ts).
    ...[1.1, -1.1, 2, -3].map((g) => ({ name: '|x| at 0', precision, f: abs, x: [0], g: [g], pass: false })),
    // max(x, y) at a tie: per coordinate the one-sided slopes are 0 and 1.
    ...[[1, 0], [0, 1], [0.5, 0.5], [0.25, 0.75]].map((g) => ({ name: 'max(x, y) at a tie', precision, f: max, x: [0.3, 0.3], g, pass: true })),
    ...[[1.1, 0], [-0.1, 1], [2, -1]].map((g) => ({ name: 'max(x, y) at a tie', precision, f: max, x: [0.3, 0.3], g, pass: false })),
  ])

  it.each(kinkCases.filter((c) => c.pass))('$name ($precision): the subgradient $g passes', (c) => {
    const at = c.precision === 'float64' ? Float64Array.from(c.x) : Float32Array.from(c.x)
    const report = checkGradients(c.f, () => c.g, { at })
    expect(report.pass).toBe(true)
    for (const e of report.entries) {
      expect(['ok', 'kink']).toContain(e.verdict)
      if (e.kink) {
        expect(e.slopes![0]).toBeLessThanOrEqual(e.analytic)
        expect(e.slopes![1]).toBeGreaterThanOrEqual(e.analytic)
      }
    }
  })

  it.each(kinkCases.filter((c) => !c.pass))('$name ($precision): $g, outside the one-sided slopes, fails as a bug', (c) => {
    const at = c.precision === 'float64' ? Float64Array.from(c.x) : Float32Array.from(c.x)
    const report = checkGradients(c.f, () => c.g, { at })
    expect(report.pass).toBe(false)
    expect(report.worst[0]!.verdict).toBe('bug')
    expect(report.worst[0]!.kink).toBe(true)
  })

  // |x₀| + sin(x₁) + x₂², with x₀ at the kink (0) or away from it (0.5). The probe crossing the kink once
  // read its jump in slope as noise and loosened every tolerance (regressions.test.ts has the verdicts).
  const smoothPlusKink = (precision: 'float64' | 'float32', x0: number, delta: number): Report => {
    const r = rounding[precision]
    const at = precision === 'float64' ? Float64Array.from([x0, 0.7, 1.3]) : Float32Array.from([x0, 0.7, 1.3])
    return checkGradients(
      (w: Float64Array | Float32Array) => r(r(Math.abs(w[0]!)) + r(r(Math.sin(w[1]!)) + r(w[2]! * w[2]!))),
      (w: Float64Array | Float32Array) => [Math.sign(w[0]!), Math.cos(w[1]!) * (1 + delta), 2 * w[2]!],
      { at },
    )
  }
  // |f| ≈ 2.3, computed in 3–5 rounded operations: its round-off is a few u·|f| (measured 1.7 u·|f| in float64,
  // 1.2 u·|f| in float32 without the kink), so 10 u·|f| is a generous ceiling.
  it.each(['float64', 'float32'] as const)('(control) %s: the noise of the loss is its round-off when no coordinate is at a kink', (precision) => {
    const report = smoothPlusKink(precision, 0.5, 0)
    expect(report.loss.noise).toBeLessThan(10 * UNIT_ROUNDOFF[precision] * Math.abs(report.loss.value))
  })

  // Guards the diagnosis: a kink crossed by the noise probe is not measured as noise.
  it.each(['float64', 'float32'] as const)('%s: a kink crossed by the noise probe is not measured as noise', (precision) => {
    const report = smoothPlusKink(precision, 0, 0)
    expect(report.loss.noise).toBeLessThan(10 * UNIT_ROUNDOFF[precision] * Math.abs(report.loss.value))
  })

  it('|x| at 0 reports the one-sided slopes [−1, 1]', () => {
    const report = checkGradients(abs, () => [1], { at: Float64Array.from([0]) })
    expect(report.kinks).toHaveLength(1)
    expect(report.kinks[0]!.slopes![0]).toBeCloseTo(-1, 6)
    expect(report.kinks[0]!.slopes![1]).toBeCloseTo(1, 6)
  })
})

describe('noiseFit', () => {
  /** A smooth quartic at spacing 1e-3 plus uniform noise of standard deviation σ (half-width σ√3). */
  const sample = (n: number, sigma: number, seed: number): number[] => {
    const next = random(seed)
    return Array.from({ length: n }, (_, i) => {
      const x = 0.3 + i * 1e-3
      return 1 + 2 * x - 3 * x * x + 0.5 * x ** 3 - x ** 4 + sigma * Math.sqrt(3) * (2 * next() - 1)
    })
  }
  const at = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
  const level = (values: number[]): number => noiseFit(at(values.length), values)

  it.each([
    { n: 31, sigma: 1e-6 },
    { n: 31, sigma: 1e-7 },
    { n: 101, sigma: 1e-6 },
    { n: 101, sigma: 1e-3 },
  ])('estimates σ = $sigma from $n values within a factor 3', ({ n, sigma }) => {
    for (let seed = 1; seed <= 20; seed++) {
      const est = level(sample(n, sigma, seed))
      expect(est, `seed ${seed}`).toBeGreaterThan(sigma / 3)
      expect(est, `seed ${seed}`).toBeLessThan(3 * sigma)
    }
  })

  it('estimates σ from the 7 values the engine measures: within a factor 3 in the median over draws', () => {
    // Seven values leave 3 degrees of freedom: one draw is a rough estimate (it can be 10× low), so
    // only the median over draws is held to the factor 3.
    const sigma = 1e-6
    const estimates = Array.from({ length: 101 }, (_, s) => level(sample(7, sigma, s + 1))).sort((a, b) => a - b)
    const median = estimates[50]!
    expect(median).toBeGreaterThan(sigma / 3)
    expect(median).toBeLessThan(3 * sigma)
  })

  it('sees only the signal of a noiseless polynomial: far below every σ above', () => {
    // Over the probe's 7 points the quartic leaves its 4th-order term, ~(3e-3)⁴/8 ≈ 1e-11, to the cubic.
    expect(level(sample(7, 0, 1))).toBeLessThan(1e-10)
    // A cubic leaves nothing but the rounding of the values themselves.
    const cubic = Array.from({ length: 7 }, (_, i) => {
      const x = 0.3 + i * 1e-3
      return 1 + 2 * x - 3 * x * x + 0.5 * x ** 3
    })
    expect(level(cubic)).toBeLessThan(10 * UNIT_ROUNDOFF.float64)
  })

  it('sees the staircase of a cancelling intermediate at irregular points, where a difference table sees a line', () => {
    // (A + L) − A with A = 1e8: L is rounded to multiples of ulp(1e8) = 2⁻²⁶ ≈ 1.5e-8. With L moving by
    // exactly 50.3 ulps per unit of t, equally spaced points round the same way every time: a line.
    const f = (t: number): number => (1e8 + (50.3 * t + 0.3) * 2 ** -26) - 1e8
    const ts = [0, 1.2, 1.9, 3.1, 4.05, 4.8, 6.3]
    expect(noiseFit(ts, ts.map(f))).toBeGreaterThan(2 ** -26 / 10)
    expect(level(at(10).map((t) => f(10 * t)))).toBeLessThan(1e-12)
  })

  it('is 0 when a value is not finite', () => {
    expect(level([1, 2, NaN, 4, 5, 6, 7])).toBe(0)
  })
})
