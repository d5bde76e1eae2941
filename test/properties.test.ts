import fc from 'fast-check'
import { checkGradients, type Report } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { PROBE_CALLS } from '../src/engine/constants.js'

/**
 * Every property runs with a fixed seed so CI is reproducible; on a failure fast-check prints the seed
 * and the shrunk counterexample (a plain-data spec, below) to replay it.
 */
const SEED = 42

/** Rounding after every operation: the identity in float64, `Math.fround` in float32 (see engine.test.ts). */
type Round = (v: number) => number
type Precision = 'float64' | 'float32'
const rounding: Record<Precision, Round> = { float64: (v) => v, float32: Math.fround }

// ---------------------------------------------------------------------------------------------------
// Random smooth functions with known gradients, as plain data (so a counterexample prints readably).

interface Quadratic {
  kind: 'quadratic'
  /** ½ xᵀAx + bᵀx; A is not symmetric, so the gradient is ½(A + Aᵀ)x + b. */
  A: number[][]
  b: number[]
  x: number[]
}
interface Sines {
  kind: 'sines'
  /** Σ_k c_k sin(a_k·x + φ_k) */
  terms: { c: number; a: number[]; phi: number }[]
  x: number[]
}
interface Polynomial {
  kind: 'polynomial'
  /** Σ_k c_k Π_i x_i^(e_ki), exponents 0…3 */
  terms: { c: number; e: number[] }[]
  x: number[]
}
type Spec = Quadratic | Sines | Polynomial

/**
 * Coefficients and coordinates on a grid of 1e-3 (0 included): the magnitudes of real models. Plain
 * `fc.double` shrinks towards subnormals and 1e-160-sized points, where the step is bound to an absurd
 * parameter scale and a 1e-3 change is no longer "well above noise"; those edges have tests of their own
 * (below, in engine.test.ts and in regressions.test.ts).
 */
const grid = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min: Math.round(min * 1000), max: Math.round(max * 1000) }).map((k) => k / 1000)
const coef = grid(-2, 2)
type Points = (n: number) => fc.Arbitrary<number[]>
const anyPoint: Points = (n) => fc.array(grid(-2, 2), { minLength: n, maxLength: n })
/**
 * Every coordinate of the size of the tensor's RMS (|x_i| ∈ [0.25, 2]), where a coordinate's step and
 * its tensor's scale agree.
 */
const awayFromZero: Points = (n) =>
  fc.array(fc.tuple(grid(0.25, 2), fc.boolean()).map(([v, neg]) => (neg ? -v : v)), { minLength: n, maxLength: n })

const quadratic = (n: number, point: Points): fc.Arbitrary<Spec> =>
  fc.record({
    kind: fc.constant('quadratic' as const),
    A: fc.array(fc.array(coef, { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
    b: fc.array(coef, { minLength: n, maxLength: n }),
    x: point(n),
  })
const sines = (n: number, point: Points): fc.Arbitrary<Spec> =>
  fc.record({
    kind: fc.constant('sines' as const),
    terms: fc.array(
      fc.record({ c: coef, a: fc.array(grid(-1.5, 1.5), { minLength: n, maxLength: n }), phi: grid(0, 6.3) }),
      { minLength: 1, maxLength: 4 },
    ),
    x: point(n),
  })
const polynomial = (n: number, point: Points): fc.Arbitrary<Spec> =>
  fc.record({
    kind: fc.constant('polynomial' as const),
    terms: fc.array(fc.record({ c: coef, e: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }) }), { minLength: 1, maxLength: 5 }),
    x: point(n),
  })
const smooth = (maxN: number, minN = 1, point: Points = anyPoint): fc.Arbitrary<Spec> =>
  fc.integer({ min: minN, max: maxN }).chain((n) => fc.oneof(quadratic(n, point), sines(n, point), polynomial(n, point)))

const dot = (a: readonly number[], x: readonly number[], r: Round): number => a.reduce((s, v, i) => r(s + r(v * x[i]!)), 0)
const pow = (v: number, e: number, r: Round): number => {
  let p = 1
  for (let k = 0; k < e; k++) p = r(p * v)
  return p
}
const monomial = (x: readonly number[], e: readonly number[], r: Round, skip = -1, lower = 0): number =>
  x.reduce((p, v, i) => r(p * pow(v, i === skip ? e[i]! - lower : e[i]!, r)), 1)

function value(s: Spec, x: readonly number[], r: Round): number {
  switch (s.kind) {
    case 'quadratic':
      return r(r(0.5 * dot(x, s.A.map((row) => dot(row, x, r)), r)) + dot(s.b, x, r))
    case 'sines':
      return s.terms.reduce((f, t) => r(f + r(t.c * r(Math.sin(r(dot(t.a, x, r) + t.phi))))), 0)
    case 'polynomial':
      return s.terms.reduce((f, t) => r(f + r(t.c * monomial(x, t.e, r))), 0)
  }
}

function gradient(s: Spec, x: readonly number[], r: Round): number[] {
  switch (s.kind) {
    case 'quadratic': {
      const Ax = s.A.map((row) => dot(row, x, r))
      const ATx = x.map((_, j) => dot(s.A.map((row) => row[j]!), x, r))
      return x.map((_, i) => r(r(0.5 * r(Ax[i]! + ATx[i]!)) + s.b[i]!))
    }
    case 'sines':
      return x.map((_, i) =>
        s.terms.reduce((g, t) => r(g + r(r(t.c * r(Math.cos(r(dot(t.a, x, r) + t.phi)))) * t.a[i]!)), 0),
      )
    case 'polynomial':
      return x.map((_, i) => s.terms.reduce((g, t) => (t.e[i] === 0 ? g : r(g + r(r(t.c * t.e[i]!) * monomial(x, t.e, r, i, 1)))), 0))
  }
}

function run(s: Spec, p: Precision, g: (x: readonly number[]) => number[] = (x) => gradient(s, x, rounding[p])): Report {
  const r = rounding[p]
  const at = p === 'float64' ? Float64Array.from(s.x) : Float32Array.from(s.x)
  return checkGradients(
    (w: Float64Array | Float32Array) => value(s, [...w], r),
    (w: Float64Array | Float32Array) => g([...w]),
    { at },
  )
}

const maxAbs = (v: readonly number[]): number => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0)

// ---------------------------------------------------------------------------------------------------

/** The property: the exact gradient of random smooth functions passes. */
function exactPasses(precision: Precision): void {
  fc.assert(
    fc.property(smooth(8), (s) => {
      const report = run(s, precision)
      expect(report.failed, JSON.stringify(report.worst[0])).toBe(0)
      expect(report.pass).toBe(true)
    }),
    { seed: SEED, numRuns: 300 },
  )
}

/**
 * The property: one coordinate ×(1 + δ) fails, alone, as a bug, and is the worst entry. Only entries of at
 * least 10% of max|g| are perturbed, so that δ·g_i is visible against the tensor's scale.
 */
function perturbedFails(precision: Precision, delta: number, point: Points): void {
  fc.assert(
    fc.property(smooth(8, 1, point), fc.nat(), (s, pick) => {
      const r = rounding[precision]
      const exact = gradient(s, s.x.map(r), r)
      const G = maxAbs(exact)
      // A (near-)stationary point, where the whole gradient is lost in the loss's round-off, has no bug to see.
      fc.pre(G > 1e-6 * Math.max(1, Math.abs(value(s, s.x.map(r), r))))
      const eligible = exact.flatMap((g, i) => (Math.abs(g) >= 0.1 * G ? [i] : []))
      const i = eligible[pick % eligible.length]!
      const report = run(s, precision, (x) => gradient(s, x, r).map((g, j) => (j === i ? g * (1 + delta) : g)))
      expect(report.pass).toBe(false)
      expect(report.failed).toBe(1)
      expect(report.worst[0]!.path).toBe(`at[${i}]`)
      expect(report.worst[0]!.verdict).toBe('bug')
    }),
    { seed: SEED, numRuns: 300 },
  )
}

// float64: the numeric derivative is good to ~1e-10 relative, so 1e-3 is far above it. float32: ~1e-4…1e-3
// (docs/numerics.md §2, JAX's float32 tolerance 2e-3), so the change must be 10%.
const DELTA: Record<Precision, number> = { float64: 1e-3, float32: 0.1 }

describe.each(['float64', 'float32'] as const)('random smooth functions (%s)', (precision) => {
  it('the exact gradient passes', () => exactPasses(precision))

  // Guards coordinates far below their tensor's RMS (fast-check once found x₅ = 0.001 beside 1.7 in float32).
  it(`one coordinate ×(1 + ${DELTA[precision]}) fails, and the worst entry is that coordinate`, () =>
    perturbedFails(precision, DELTA[precision], anyPoint),
  )

  // The same property at points away from 0 (every |x_i| within 8× of the tensor's RMS).
  it(`one coordinate ×(1 + ${DELTA[precision]}) fails at points away from 0, and the worst entry is that coordinate`, () =>
    perturbedFails(precision, DELTA[precision], awayFromZero),
  )
})

// ---------------------------------------------------------------------------------------------------
// Parameters are restored bit for bit: whatever the check does, and however it ends.

/** Finite doubles including ±0, subnormals and huge values (x ± h can overflow to ±Infinity). */
const f64 = fc.oneof(fc.constantFrom(0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, 1e-310, Number.MAX_VALUE), fc.double({ noNaN: true, noDefaultInfinity: true }))
/** Finite float32 values including ±0 and subnormals. */
const f32 = fc.oneof(fc.constantFrom(0, -0, 2 ** -149, -(2 ** -149), 3.4028234663852886e38), fc.float({ noNaN: true, noDefaultInfinity: true }))

const vector = (a: fc.Arbitrary<number>, min = 1, max = 6): fc.Arbitrary<number[]> => fc.array(a, { minLength: min, maxLength: max })

/** A tensor in one of the forms `at` accepts (number[][] is rectangular; a number is a property written back). */
const tensor: fc.Arbitrary<unknown> = fc.oneof(
  f64,
  vector(f64).map((v) => Float64Array.from(v)),
  vector(f32).map((v) => Float32Array.from(v)),
  vector(f64),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([r, c]) => fc.array(vector(f64, c, c), { minLength: r, maxLength: r })),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })).chain(([r, c]) =>
    vector(f64, r * c, r * c).map((d) => ({ data: Float64Array.from(d), shape: [r, c] })),
  ),
)
const params: fc.Arbitrary<unknown> = fc.oneof(
  tensor,
  fc.record({ w: tensor, b: tensor }),
  fc.record({ conv1: fc.record({ weight: tensor, bias: tensor }), fc: tensor }),
  fc.array(tensor, { minLength: 1, maxLength: 3 }),
)

/** Every number of `p`, in `at`'s order, copied out of the caller's own storage. */
function numbers(p: unknown): number[] {
  if (typeof p === 'number') return [p]
  if (p instanceof Float64Array || p instanceof Float32Array) return [...p]
  if (Array.isArray(p)) return p.flatMap(numbers)
  if (typeof p === 'object' && p !== null) return Object.values(p).flatMap(numbers)
  return []
}

/** Object.is per element: −0 and 0 differ (=== would call them equal). */
function expectIdentical(after: readonly number[], before: readonly number[]): void {
  expect(after.length).toBe(before.length)
  for (let i = 0; i < before.length; i++) {
    if (!Object.is(after[i], before[i])) expect.fail(`element ${i}: ${String(after[i])} after the check, ${String(before[i])} before (Object.is)`)
  }
}

/** Builds `p`'s structure again with `fn` of each number (in the order of `numbers`, which is `at`'s order). */
function mapNumbers(p: unknown, fn: (v: number, i: number) => number, counter = { i: 0 }): unknown {
  if (typeof p === 'number') return fn(p, counter.i++)
  if (p instanceof Float64Array || p instanceof Float32Array) return Float64Array.from(p, (v) => fn(v, counter.i++))
  if (Array.isArray(p)) return p.map((q) => mapNumbers(q, fn, counter))
  if (typeof p === 'object' && p !== null) {
    return Object.fromEntries(Object.entries(p).map(([k, q]) => [k, k === 'shape' ? q : mapNumbers(q, fn, counter)]))
  }
  return p
}

/** A loss reading every parameter, finite for every finite value (x ± h may still overflow to ±Infinity → NaN). */
const lossOf = (p: unknown): number => numbers(p).reduce((s, v, i) => s + Math.sin(v) * (1 + i * 1e-3) + Math.atan(v), 0)
/** Its gradient, mirroring `at`; `×factor` makes it wrong, so that the step sweep runs too. */
const gradOf = (p: unknown, factor: number): unknown => mapNumbers(p, (v, i) => factor * (Math.cos(v) * (1 + i * 1e-3) + 1 / (1 + v * v)))

/**
 * How the check is cut short (or not): the loss throws / returns NaN / rejects at call k; resolves every
 * call; turns async at call k and then throws synchronously at call k + 2; or the gradient function throws.
 */
type Mode = 'none' | 'throw' | 'nan' | 'reject' | 'resolve' | 'late-async-throw' | 'grad-throws'

describe('parameters are bit-identical after every check', () => {
  const modes: Mode[] = ['none', 'throw', 'nan', 'reject', 'resolve', 'late-async-throw', 'grad-throws']
  it.each(modes)('when the loss / gradient: %s', async (mode) => {
    await fc.assert(
      fc.asyncProperty(params, fc.integer({ min: 1, max: 60 }), fc.constantFrom(1, 2), async (at, k, factor) => {
        const before = numbers(at)
        let calls = 0
        const loss = (p: unknown): number | Promise<number> => {
          calls++
          const v = lossOf(p)
          if (calls === k && mode === 'throw') throw new Error(`loss call ${k}`)
          if (calls === k && mode === 'nan') return NaN
          if (mode === 'reject') return calls === k ? Promise.reject(new Error(`loss call ${k}`)) : Promise.resolve(v)
          if (mode === 'resolve') return Promise.resolve(v)
          if (mode === 'late-async-throw' && calls === k + 2) throw new Error(`loss call ${k + 2}`)
          if (mode === 'late-async-throw' && calls >= k) return Promise.resolve(v)
          return v
        }
        const grad = (p: unknown): unknown => {
          if (mode === 'grad-throws') throw new Error('backward')
          return gradOf(p, factor)
        }
        try {
          await checkGradients(loss, grad, { at, sample: 4 })
        } catch {
          // Wrong usage or a failing loss throws; either way nothing of `at` may have changed.
        }
        expectIdentical(numbers(at), before)
      }),
      { seed: SEED, numRuns: 150 },
    )
  })
})

// ---------------------------------------------------------------------------------------------------
// Cost: loss calls per checked coordinate, counted (not timed).

/**
 * `measureLoss` spends PROBE_CALLS per check whatever the size of `at` (src/engine.ts). The rest is the
 * per-coordinate cost: 2 for one central difference, 4 more for a sweep.
 */

/**
 * Loosened in float32 from 2.1, on purpose: these functions curve up to 8× faster than their tensor's
 * spread, and one difference used to clear such a coordinate within a bound of 10–24 % of its derivative,
 * passing ×1.1 bugs (test/quick-path.test.ts: 13 of 650 coordinates). It now takes a second difference
 * at h/4 there (2 calls). Measured over the 20 batches of each test below: at most 2.219 and 2.159 per
 * coordinate, mean 2.04 and 2.02 (before: at most 2.095 and 2.075). Models are measured in `npm run bench`.
 */
const LIMIT: Record<Precision, number> = { float64: 2.1, float32: 2.25 }

/** Over a batch of checks: loss calls beyond the noise probe, per checked coordinate. */
function callsPerCoordinate(precision: Precision, point: Points): void {
  fc.assert(
    fc.property(fc.array(smooth(24, 8, point), { minLength: 10, maxLength: 20 }), (batch) => {
      let calls = 0
      let checked = 0
      for (const s of batch) {
        const report = run(s, precision)
        expect(report.pass).toBe(true)
        expect(report.evaluations).toBeGreaterThanOrEqual(PROBE_CALLS + 2 * report.checked)
        calls += report.evaluations - PROBE_CALLS
        checked += report.checked
      }
      expect(calls / checked).toBeLessThanOrEqual(LIMIT[precision])
    }),
    { seed: SEED, numRuns: 20 },
  )
}

describe('loss calls', () => {
  // Guards the cost at coordinates far below their tensor's RMS (x³ there once always paid the 4-call sweep).
  it.each(['float64', 'float32'] as const)('are ≤ 2.1 (float64) or 2.25 (float32) per checked coordinate on average over a batch of correct smooth functions (%s)', (precision) =>
    callsPerCoordinate(precision, anyPoint),
  )

  // The same at points away from 0.
  it.each(['float64', 'float32'] as const)('are ≤ 2.1 (float64) or 2.25 (float32) per checked coordinate on average over a batch at points away from 0 (%s)', (precision) =>
    callsPerCoordinate(precision, awayFromZero),
  )

  it('cost 2 per coordinate beyond the noise probe, for x³ at a coordinate the size of its tensor', () => {
    // The repro's control: the same cubic term, x₁ = 0.7 in [1, 0.7], needs no sweep.
    const report = checkGradients((w: Float64Array) => w[1]! ** 3, (w: Float64Array) => [0, 3 * w[1]! ** 2], { at: Float64Array.from([1, 0.7]) })
    expect(report.pass).toBe(true)
    expect(report.evaluations).toBe(PROBE_CALLS + 2 * 2)
  })

  it('are ≤ 2.1 per checked coordinate including the noise probe for a tensor of 200', () => {
    const n = 200
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i))
    const report = checkGradients(
      (w: Float64Array) => w.reduce((s, v, i) => s + Math.cos(v) * (1 + i / n), 0),
      (w: Float64Array) => w.map((v, i) => -Math.sin(v) * (1 + i / n)),
      { at: x },
    )
    expect(report.pass).toBe(true)
    expect(report.evaluations / report.checked).toBeLessThanOrEqual(2.1)
  })
})
