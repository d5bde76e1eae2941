import { describe, expect, it } from 'vitest'
import { Perturbation } from '../../src/engine/calls.js'
import { K, PROBE_CALLS, PROBE_GROWTH, PROBE_POINTS, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import { type Check, drive } from '../../src/engine/drive.js'
import { type LossStats, declaredPrecision, measureLoss, noiseFit, remeasure, tensorNoise } from '../../src/engine/noise.js'
import type { Point } from '../../src/engine/point.js'
import type { Spread } from '../../src/engine/scale.js'
import { LossValueError, NonFiniteError } from '../../src/errors.js'
import { resolveOptions } from '../../src/options.js'
import type { Block, Precision } from '../../src/params/flatten.js'
import { random } from '../../src/random.js'

// The loss-noise probe (src/engine/noise.ts, docs/numerics.md §4), driven as a check drives it: the
// generators yield 'loss' and the loss reads the tensors from their storage, as a model reads its weights.
// The truths the tests hold it to are the losses' own: round-off of a known amplitude injected into a smooth
// loss, a staircase of a known stair, values that are float32 by construction.
const u64 = UNIT_ROUNDOFF.float64
const u32 = UNIT_ROUNDOFF.float32

type Tensor = Float64Array | Float32Array
/** A loss of the tensors; `call` counts from 1 (1 and 2 are at `at`, 3–8 the + side, 9–14 the − side, 15 the repeated point). */
type Loss = (xs: readonly Tensor[], call: number) => number

interface Setup {
  p: Point
  run: <T>(check: Check<T>) => T
  /** Every loss call: what the tensors held and what the loss returned. */
  calls: { xs: Float64Array[]; f: number }[]
  x0: Float64Array[]
}

function setup(tensors: Tensor[], loss: Loss, o: { precision?: 'auto' | Precision; seed?: number; analytic?: number[][] } = {}): Setup {
  const blocks: Block[] = tensors.map((data, k) => ({
    name: `t${k}`,
    shape: [data.length],
    size: data.length,
    precision: data instanceof Float32Array ? 'float32' : 'float64',
    get: (i) => data[i]!,
    set: (i, v) => void (data[i] = v),
  }))
  const options = resolveOptions({ at: {}, precision: o.precision ?? 'auto', seed: o.seed ?? 1849 })
  const analytic = tensors.map((t, k) => Float64Array.from(o.analytic?.[k] ?? Array.from(t, () => 0)))
  const p: Point = { at: new Perturbation(blocks), analytic, precision: declaredPrecision(options.precision, blocks), options }
  const calls: Setup['calls'] = []
  const run = <T>(check: Check<T>): T =>
    drive(check, (c) => {
      if (c !== 'loss') throw new Error(`unexpected call ${String(c)}`)
      const f = loss(tensors, calls.length + 1)
      calls.push({ xs: tensors.map((t) => Float64Array.from(t)), f })
      return f
    }) as T
  return { p, run, calls, x0: tensors.map((t) => Float64Array.from(t)) }
}

/** Spreads of centre 0 and scale 1: with a zero analytic gradient every coordinate in (−1, 1) moves on L = 1. */
const unit = (n: number): Spread[] => Array.from({ length: n }, () => ({ centre: 0, scale: 1 }))

/** A deterministic "random" value in [−1, 1) of the tensors' bits and a salt: round-off that repeats at a point, as real round-off does. */
const bits = new Float64Array(1)
const words = new Uint32Array(bits.buffer)
function hash(xs: readonly ArrayLike<number>[], salt: number): number {
  let h = Math.imul(salt ^ 0x2545f491, 0x9e3779b1)
  for (const t of xs) {
    for (let i = 0; i < t.length; i++) {
      bits[0] = t[i]!
      h = Math.imul(h ^ words[0]!, 0x85ebca77)
      h ^= h >>> 13
      h = Math.imul(h ^ words[1]!, 0xc2b2ae3d)
      h ^= h >>> 16
    }
  }
  return ((h >>> 0) / 2 ** 32) * 2 - 1
}
/** Uniform noise of standard deviation σ (half-width σ√3), repeatable at a point. */
const noiseOf = (xs: readonly ArrayLike<number>[], sigma: number, salt = 0): number => sigma * Math.sqrt(3) * hash(xs, salt)

const smooth = (xs: readonly ArrayLike<number>[]): number => {
  let s = 1
  for (const t of xs) for (let i = 0; i < t.length; i++) s += 0.5 * Math.sin(t[i]!) + 0.1 * t[i]! * t[i]!
  return s
}

/** The position t of a probe call along tensor k's moves m_i = v_i·PROBE·L/√n, read from coordinate 0 (signed by v_0). */
const displacement = (s: Setup, call: number, k: number, i = 0): number => s.calls[call - 1]!.xs[k]![i]! - s.x0[k]![i]!

describe('declaredPrecision', () => {
  const block = (precision: Precision): Block => ({ name: 'w', shape: [1], size: 1, precision, get: () => 0, set: () => undefined })
  it('takes the option as it is when it names a precision, whatever the storage', () => {
    expect(declaredPrecision('float64', [block('float32')])).toBe('float64')
    expect(declaredPrecision('float32', [block('float64')])).toBe('float32')
  })
  it("'auto': float32 when any tensor is stored in float32, else float64", () => {
    expect(declaredPrecision('auto', [block('float64'), block('float32')])).toBe('float32')
    expect(declaredPrecision('auto', [block('float64'), block('float64')])).toBe('float64')
    expect(declaredPrecision('auto', [])).toBe('float64')
  })
})

describe('measureLoss: where it calls the loss', () => {
  it('calls PROBE_CALLS − 1 times whatever the size of `at`, first twice at `at` itself, and leaves `at` as it was', () => {
    for (const n of [1, 3, 200]) {
      const x = Float64Array.from({ length: n }, (_, i) => 0.9 * Math.sin(i + 1))
      const s = setup([x], smooth)
      s.run(measureLoss(s.p, unit(1)))
      expect(s.calls).toHaveLength(PROBE_CALLS - 1)
      expect(s.calls[0]!.xs[0]).toEqual(s.x0[0])
      expect(s.calls[1]!.xs[0]).toEqual(s.x0[0])
      expect(x).toEqual(s.x0[0])
    }
  })

  it('moves every coordinate by ±t·PROBE·L/√n along one random ±1 direction, at six jittered positions on each side, and repeats the fourth of the + side', () => {
    const n = 4
    const x = Float64Array.from([0.3, -0.7, 0.1, 0.55])
    const s = setup([x], smooth)
    s.run(measureLoss(s.p, unit(1)))
    const m = K.PROBE.float64 / Math.sqrt(n) // L = 1 for every coordinate (spread 1 about 0, no gradient)
    const v = Array.from({ length: n }, (_, i) => Math.sign(displacement(s, 3, 0, i)))
    const ts = s.calls.slice(2).map((_, j) => displacement(s, j + 3, 0, 0) / (v[0]! * m))
    for (let j = 0; j < ts.length; j++) {
      for (let i = 0; i < n; i++) expect(displacement(s, j + 3, 0, i) / (v[i]! * m)).toBeCloseTo(ts[j]!, 6)
    }
    const plus = ts.slice(0, PROBE_POINTS)
    const minus = ts.slice(PROBE_POINTS, 2 * PROBE_POINTS)
    plus.forEach((t, j) => {
      expect(t).toBeGreaterThanOrEqual(j + 1 - 0.35)
      expect(t).toBeLessThanOrEqual(j + 1 + 0.35)
    })
    minus.forEach((t, j) => {
      expect(-t).toBeGreaterThanOrEqual(j + 1 - 0.35)
      expect(-t).toBeLessThanOrEqual(j + 1 + 0.35)
    })
    // Irregular: no two gaps alike (the jitter is drawn, not fixed).
    const gaps = plus.slice(1).map((t, j) => t - plus[j]!)
    expect(new Set(gaps.map((g) => g.toFixed(6))).size).toBe(gaps.length)
    // Not all signs alike for these four coordinates with this seed is not promised; the direction is ±1 in each.
    expect(v.every((sign) => sign === 1 || sign === -1)).toBe(true)
    // The last call is the fourth point of the + side again, bit for bit.
    expect(s.calls[PROBE_CALLS - 2]!.xs[0]).toEqual(s.calls[2 + 3]!.xs[0])
  })

  it('draws each coordinate’s sign at random: both occur, about half each', () => {
    const n = 400
    const s = setup([Float64Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i))], smooth)
    s.run(measureLoss(s.p, unit(1)))
    const minus = Array.from({ length: n }, (_, i) => displacement(s, 3, 0, i) < 0).filter(Boolean).length
    // Binomial(400, ½): standard deviation 10.
    expect(minus).toBeGreaterThan(150)
    expect(minus).toBeLessThan(250)
  })

  it('draws its direction and positions from the seed: the same seed moves alike, another differently', () => {
    const moves = (seed: number): number[] => {
      const s = setup([Float64Array.from([0.3, -0.7, 0.1])], smooth, { seed })
      s.run(measureLoss(s.p, unit(1)))
      return s.calls.map((c) => c.xs[0]![1]!)
    }
    expect(moves(7)).toEqual(moves(7))
    expect(moves(8)).not.toEqual(moves(7))
  })

  it('moves each coordinate on its own scale: the spread, |x − centre| beyond it, |f/a| where the loss says it is finer', () => {
    // Tensor 0: centre 1, scale 0.5; x = 1.2 (within the spread: L = 0.5) and x = 3 (an outlier: L = 2).
    // Tensor 1: spread 1, x = 0.4 with a = 100 at f ≈ 1: |f/a| ≈ 0.01 is finer than the spread.
    const s = setup([Float64Array.from([1.2, 3]), Float64Array.from([0.4, -0.2])], smooth, { analytic: [[0, 0], [100, 0]] })
    s.run(measureLoss(s.p, [{ centre: 1, scale: 0.5 }, { centre: 0, scale: 1 }]))
    const m = K.PROBE.float64 / Math.sqrt(4)
    const f0 = s.calls[0]!.f
    const t = Math.abs(displacement(s, 3, 1, 1)) / m // coordinate 1 of tensor 1 moves on L = 1
    expect(t).toBeGreaterThan(0.65)
    expect(t).toBeLessThan(1.35)
    expect(Math.abs(displacement(s, 3, 0, 0)) / (m * t)).toBeCloseTo(0.5, 6)
    expect(Math.abs(displacement(s, 3, 0, 1)) / (m * t)).toBeCloseTo(2, 6)
    expect(Math.abs(displacement(s, 3, 1, 0)) / (m * t)).toBeCloseTo(f0 / 100, 6)
  })

  it('moves a one-element tensor whose scale hedges below 1 on |x|, the smaller reading; one on the unit scale, on it', () => {
    const x = 0.3
    const hedged = setup([Float64Array.from([x]), Float64Array.from([0.2, -0.2])], smooth)
    hedged.run(measureLoss(hedged.p, [{ centre: 0, scale: x ** (2 / 3) }, { centre: 0, scale: 1 }]))
    // Tensor 1's coordinates move on L = 1; the scalar on |x| = 0.3, not on 0.3^(2/3) = 0.45.
    const ratio = (s: Setup): number => Math.abs(displacement(s, 3, 0) / displacement(s, 3, 1))
    expect(ratio(hedged)).toBeCloseTo(x, 9)
    const plain = setup([Float64Array.from([x]), Float64Array.from([0.2, -0.2])], smooth)
    plain.run(measureLoss(plain.p, [{ centre: 0, scale: 1 }, { centre: 0, scale: 1 }]))
    expect(ratio(plain)).toBeCloseTo(1, 9)
    // A tensor of two elements is not hedged: it moves on its spread of 0.5, not on |x|.
    const pair = setup([Float64Array.from([x, 0.1]), Float64Array.from([0.2, -0.2])], smooth)
    pair.run(measureLoss(pair.p, [{ centre: 0, scale: 0.5 }, { centre: 0, scale: 1 }]))
    expect(ratio(pair)).toBeCloseTo(0.5, 9)
  })

  it('moves by PROBE of the precision the point runs in, with its ∛u floor: float32 moves 1e-3 of the scale', () => {
    // a = 1e9 at f ≈ 1: |f/a| = 1e-9 is below ∛u·|x| in either precision, so L = ∛u·|x|.
    const x = 0.5
    for (const precision of ['float64', 'float32'] as const) {
      const s = setup([Float64Array.from([x])], smooth, { precision, analytic: [[1e9]] })
      s.run(measureLoss(s.p, unit(1)))
      const ts = s.calls.slice(2, 2 + PROBE_POINTS).map((_, j) => Math.abs(displacement(s, j + 3, 0)) / (K.PROBE[precision] * Math.cbrt(UNIT_ROUNDOFF[precision]) * x))
      ts.forEach((t, j) => expect(Math.abs(t - (j + 1))).toBeLessThanOrEqual(0.35 + 1e-6))
    }
  })

  it('throws a NonFiniteError naming the value when the loss at `at` is not finite, after that one call', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const s = setup([Float64Array.from([0.3, 0.4])], () => bad)
      expect(() => s.run(measureLoss(s.p, unit(1)))).toThrow(NonFiniteError)
      const again = setup([Float64Array.from([0.3, 0.4])], () => bad)
      expect(() => again.run(measureLoss(again.p, unit(1)))).toThrow(`Expected the loss at \`at\` to be finite, got \`${bad}\``)
      expect(again.calls).toHaveLength(1)
      const hint = setup([Float64Array.from([0.3, 0.4])], () => bad)
      expect(() => hint.run(measureLoss(hint.p, unit(1)))).toThrow('check `at` (e.g. log of 0, a division by 0) or move it.')
    }
  })

  it('names the call that returned something other than a number: at `at`, the second call, the probe, its repeated point, its wider moves', () => {
    // A loss that returns a string at one call; the wider moves only happen where a side ties (a constant loss).
    const cases: [number, Loss, string][] = [
      [1, smooth, 'at `at`.'],
      [2, smooth, 'at `at` (second call).'],
      [5, smooth, 'near `at` (noise probe).'],
      [PROBE_CALLS - 1, smooth, 'near `at` (noise probe, repeated).'],
      [PROBE_CALLS + 1, () => 2, 'near `at` (noise probe, wider: its values tied).'],
    ]
    for (const [bad, loss, where] of cases) {
      const s = setup([Float64Array.from([0.3, 0.4])], (xs, call) => (call === bad ? ('oops' as unknown as number) : loss(xs, call)))
      expect(() => s.run(measureLoss(s.p, unit(1)))).toThrow(LossValueError)
      const again = setup([Float64Array.from([0.3, 0.4])], (xs, call) => (call === bad ? ('oops' as unknown as number) : loss(xs, call)))
      expect(() => again.run(measureLoss(again.p, unit(1)))).toThrow(where)
      // Restored bit for bit, whichever call threw.
      expect([0, 1].map((i) => again.p.at.blocks[0]!.get(i))).toEqual([0.3, 0.4])
    }
  })
})

describe('measureLoss: the noise', () => {
  it('of a smooth float64 loss is its own rounding: at least u·|f|, within 4× of it', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const s = setup([Float64Array.from([0.3, -0.7, 0.1]), Float64Array.from([1.1, 0.2])], smooth, { seed })
      const stats = s.run(measureLoss(s.p, unit(2)))
      const f = smooth(s.x0)
      expect(stats.value).toBe(f)
      expect(stats.noise).toBeGreaterThanOrEqual(u64 * Math.abs(f))
      expect(stats.noise).toBeLessThan(4 * u64 * Math.abs(f))
      expect(stats).toMatchObject({ spread: 0, deterministic: true, precision: 'float64', nonFinite: 0 })
    }
  })

  it('of a loss with injected round-off of standard deviation σ is σ within 10× at every seed, within 2× in the median', () => {
    // Seven values a side leave a cubic 3 degrees of freedom: one side's estimate runs 5× low about 1 time in 100
    // (χ²₃/3 < 1/25), and where the two sides disagree the lower is kept; 10× low is 1 in 1000 a side.
    const sigma = 1e-10
    const estimates: number[] = []
    for (let seed = 1; seed <= 24; seed++) {
      const s = setup([Float64Array.from([0.3, -0.7, 0.1, 0.9])], (xs) => smooth(xs) + noiseOf(xs, sigma), { seed })
      const stats = s.run(measureLoss(s.p, unit(1)))
      expect(stats.noise, `seed ${seed}`).toBeGreaterThan(sigma / 10)
      expect(stats.noise, `seed ${seed}`).toBeLessThan(5 * sigma)
      expect(stats.deterministic).toBe(true)
      estimates.push(stats.noise)
    }
    const median = estimates.sort((a, b) => a - b)[estimates.length >> 1]!
    expect(median).toBeGreaterThan(sigma / 2)
    expect(median).toBeLessThan(2 * sigma)
  })

  it('keeps the larger side where the two agree within PROBE_SIDES×, the quieter where they do not', () => {
    // Each side's noise is its cubic fit's (noiseFit of its 7 values, `at` included, at its positions); the
    // sides are given different amplitudes so that both cases occur over the seeds.
    let agreed = 0
    let disagreed = 0
    for (let seed = 1; seed <= 30; seed++) {
      const x = Float64Array.from([0.35])
      const x0 = x[0]!
      const amp = [1e-9, 1e-9 * (1 + (seed % 6))]
      const s = setup([x], (xs) => smooth(xs) + noiseOf(xs, xs[0]![0]! > x0 ? amp[0]! : amp[1]!), { seed })
      const stats = s.run(measureLoss(s.p, unit(1)))
      const m = displacement(s, 3, 0) // t₁ of the + side times the move; the positions are relative to it
      const side = (from: number): number => {
        const calls = s.calls.slice(from - 1, from - 1 + PROBE_POINTS)
        return noiseFit([0, ...calls.map((c) => (c.xs[0]![0]! - x0) / m)], [s.calls[0]!.f, ...calls.map((c) => c.f)])
      }
      const [one, other] = [side(3), side(3 + PROBE_POINTS)]
      const hi = Math.max(one, other)
      const lo = Math.min(one, other)
      const agree = hi <= K.PROBE_SIDES * lo
      if (agree) agreed++
      else disagreed++
      expect(stats.noise / (agree ? hi : lo), `seed ${seed}`).toBeCloseTo(1, 6)
    }
    expect(agreed).toBeGreaterThan(3)
    expect(disagreed).toBeGreaterThan(3)
  })

  it('does not take a kink just beside `at`, crossed by one side only, for noise: the quieter side is kept', () => {
    // A ReLU-like bend 2.5 probe moves from `at` on the side where x grows: that side's cubic leaves a large residual.
    for (let seed = 1; seed <= 5; seed++) {
      const x0 = 0.3
      const bend = x0 + 2.5e-6
      const s = setup([Float64Array.from([x0])], (xs) => smooth(xs) + 100 * Math.max(0, xs[0]![0]! - bend), { seed })
      const stats = s.run(measureLoss(s.p, unit(1)))
      expect(stats.noise).toBeLessThan(4 * u64 * stats.value)
    }
  })

  // Both: every value is off by up to q/2 and the differences to f(at) are multiples of q; a cubic's scatter
  // through seven values of a staircase is about q/√12 < q/2.
  for (const [what, offset, q] of [
    // (A + ℓ) − A keeps ℓ to a grid q = ulp(2³²) = 2⁻²⁰, ~6 stairs over the probe.
    ['keeps at least half the grain of the values: a loss rounded to a grid q, whatever a fit of seven values says', 2 ** 32, 2 ** -20],
    // (2²² + x) − 2²²: stairs of q = 2⁻³⁰ ≈ 9.3e-10, the probe's moves up to 6.35e-6 cross thousands of them, and
    // the differences are odd and even multiples of q alike, so the grain is q.
    ['reads the grain of a fine staircase, whose differences are many stairs (few of them a power of two)', 2 ** 22, 2 ** -30],
  ] as const) {
    it(what, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const s = setup([Float64Array.from([0.3])], (xs) => offset + xs[0]![0]! - offset + 1, { seed })
        const stats = s.run(measureLoss(s.p, unit(1)))
        expect(stats.noise, `seed ${seed}`).toBeGreaterThanOrEqual(q / 2)
        expect(stats.noise, `seed ${seed}`).toBeLessThan(2 * q)
      }
    })
  }

  it('reads the grain as the largest power of two dividing every difference, not the first one', () => {
    // Values 1 + k·2⁻³⁰ with k in 3, 6, 12, …: every difference is a multiple of 2⁻³⁰ and one is an odd multiple,
    // so the grain is 2⁻³⁰ and the noise at least 2⁻³¹. The values lie on no cubic, and their fits are read below.
    const ks = [0, 0, 3, 6, 12, 20, 18, 6, 24, 40, 12, 36, 48, 8, 20]
    const s = setup([Float64Array.from([0.3])], (_, call) => 1 + ks[call - 1]! * 2 ** -30)
    const stats = s.run(measureLoss(s.p, unit(1)))
    expect(stats.noise).toBeGreaterThanOrEqual(2 ** -31)
    // Doubled values of the same shape (all differences even multiples of 2⁻³⁰, the grain 2⁻²⁹) keep at least 2⁻³⁰.
    const doubled = setup([Float64Array.from([0.3])], (_, call) => 1 + 2 * ks[call - 1]! * 2 ** -30)
    expect(doubled.run(measureLoss(doubled.p, unit(1))).noise).toBeGreaterThanOrEqual(2 ** -30)
  })

  it('of a loss that is the same at every point is its rounding u·|f| exactly: equal values show no grain', () => {
    for (const f of [3, 0.1, -7.25]) {
      const s = setup([Float64Array.from([0.3, 0.5])], () => f)
      const stats = s.run(measureLoss(s.p, unit(1)))
      expect(stats.noise).toBe(u64 * Math.abs(f))
      expect(stats).toMatchObject({ value: f, spread: 0, deterministic: true, nonFinite: 0, precision: 'float64' })
    }
    const zero = setup([Float64Array.from([0.3])], () => 0)
    expect(zero.run(measureLoss(zero.p, unit(1))).noise).toBe(0)
  })
})

describe('measureLoss: ties and the wider retry', () => {
  // (2³⁶ + x) − 2³⁶ keeps x to multiples of 2⁻¹⁶ ≈ 1.5e-5: the probe's moves (up to 6.35e-6) cross a stair at most
  // once a side, so each side's values tie; at PROBE_GROWTH× (35.8 in float64) they cross ~15 stairs.
  const stair = 2 ** -16
  const coarse: Loss = (xs) => 2 ** 36 + xs[0]![0]! - 2 ** 36 + 2

  it('measures a tying side again at PROBE_GROWTH× its positions, and sees the stairs there', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const s = setup([Float64Array.from([0.3])], coarse, { seed })
      const stats = s.run(measureLoss(s.p, unit(1)))
      expect(s.calls).toHaveLength(PROBE_CALLS - 1 + 2 * PROBE_POINTS)
      // The wider calls of the + side, then of the − side, each at 100× a position of the near probe.
      for (let j = 0; j < 2 * PROBE_POINTS; j++) {
        const near = displacement(s, 3 + j, 0)
        const wide = displacement(s, PROBE_CALLS + j, 0)
        expect(wide / near).toBeCloseTo(PROBE_GROWTH.float64, 5)
      }
      // A staircase of stairs q scatters about a cubic by about q/√12; seven values may read it 3× low.
      expect(stats.noise, `seed ${seed}`).toBeGreaterThan(stair / 12)
      expect(stats.noise, `seed ${seed}`).toBeLessThan(2 * stair)
    }
  })

  it('a side ties at three distinct values or fewer (PROBE_TIE), not at four', () => {
    // Call-indexed values: the + side (calls 3–8) takes the values listed, the − side is smooth and distinct.
    const run = (plus: number[]): number => {
      const s = setup([Float64Array.from([0.3])], (xs, call) => (call >= 3 && call <= 8 ? plus[call - 3]! : smooth(xs)))
      s.run(measureLoss(s.p, unit(1)))
      return s.calls.length
    }
    const f0 = smooth([Float64Array.from([0.3])])
    const a = f0 + 2 ** -40
    const b = f0 + 2 ** -39
    const c = f0 + 3 * 2 ** -40
    expect(run([f0, a, a, b, b, b])).toBe(PROBE_CALLS - 1 + PROBE_POINTS)
    expect(run([f0, a, b, c, c, c])).toBe(PROBE_CALLS - 1)
  })

  it('a side whose wider values take three distinct values ties there too: nothing is read from them', () => {
    // Near `at` every value is f(at); the wider calls (15 + 1 … 15 + 12) take f(at) + q and f(at) + 2q only, with
    // f(at) itself 3 distinct values a side. With four (f(at) + 3q once a side) the wider fits are read.
    const f0 = 3
    const q = 2 ** -40
    const run = (pattern: number[]): LossStats => {
      const s = setup([Float64Array.from([0.3])], (_, call) => (call < PROBE_CALLS ? f0 : f0 + pattern[call - PROBE_CALLS]! * q))
      const stats = s.run(measureLoss(s.p, unit(1)))
      expect(s.calls).toHaveLength(PROBE_CALLS - 1 + 2 * PROBE_POINTS)
      return stats
    }
    expect(run([1, 1, 2, 2, 2, 1, 1, 2, 2, 1, 1, 2]).noise).toBe(u64 * f0)
    expect(run([1, 1, 2, 3, 2, 1, 1, 2, 3, 1, 1, 2]).noise).toBeGreaterThan(q / 10)
  })

  it('a loss that ties at both spacings measures its floor; a side with NaN at the wider moves is counted and measures nothing', () => {
    const flat = setup([Float64Array.from([0.3])], () => 2.5)
    const stats = flat.run(measureLoss(flat.p, unit(1)))
    expect(flat.calls).toHaveLength(PROBE_CALLS - 1 + 2 * PROBE_POINTS)
    expect(stats.noise).toBe(u64 * 2.5)
    // Flat near `at`, NaN beyond 1e-4 (only the wider moves reach it: 100 × up to 6.35e-6).
    let nans = 0
    const edge = setup([Float64Array.from([0.3])], (xs, call) => {
      if (Math.abs(xs[0]![0]! - 0.3) < 1e-4) return 2.5
      if (call > 1) nans++
      return Number.NaN
    })
    const e = edge.run(measureLoss(edge.p, unit(1)))
    expect(nans).toBeGreaterThan(0)
    expect(e.nonFinite).toBe(nans)
    expect(e.noise).toBe(u64 * 2.5)
  })

  it('a tying side keeps the larger of its near and its wider fit, and the sides combine as ever', () => {
    // Recomputed from the calls: each side's noise is max(near fit, wider fit), the two sides the larger where they
    // agree within PROBE_SIDES×, else the smaller; the noise is at least that and half the near values' grain (a
    // near value one stair off f(at) makes it stair/2), and nothing else (floor u·|f| and spread 0 are far below).
    let crossed = 0
    for (let seed = 1; seed <= 8; seed++) {
      const s = setup([Float64Array.from([0.3])], coarse, { seed })
      const stats = s.run(measureLoss(s.p, unit(1)))
      const m = displacement(s, 3, 0)
      const fit = (from: number): number => {
        const calls = s.calls.slice(from - 1, from - 1 + PROBE_POINTS)
        return noiseFit([0, ...calls.map((c) => (c.xs[0]![0]! - 0.3) / m)], [s.calls[0]!.f, ...calls.map((c) => c.f)])
      }
      const sides = [Math.max(fit(3), fit(PROBE_CALLS)), Math.max(fit(3 + PROBE_POINTS), fit(PROBE_CALLS + PROBE_POINTS))]
      const hi = Math.max(...sides)
      const lo = Math.min(...sides)
      const combined = hi <= K.PROBE_SIDES * lo ? hi : lo
      const near = s.calls.slice(2, 2 + 2 * PROBE_POINTS).map((c) => c.f)
      const grain = near.some((f) => f !== s.calls[0]!.f) ? stair : 0
      if (grain > 0) crossed++
      expect(stats.noise / Math.max(combined, grain / 2), `seed ${seed}`).toBeCloseTo(1, 9)
    }
    expect(crossed).toBeGreaterThan(0)
  })
})

describe('measureLoss: repeated calls and values that are not finite', () => {
  const x = (): Float64Array => Float64Array.from([0.3, -0.4])

  it('folds a second call at `at` that differs into the spread and the noise; beyond √u·|f| it is not deterministic', () => {
    for (const [delta, deterministic] of [[1e-12, true], [1e-6, false]] as const) {
      const s = setup([x()], (xs, call) => smooth(xs) + (call === 2 ? delta : 0))
      const stats = s.run(measureLoss(s.p, unit(1)))
      const f = smooth([x()])
      expect(stats.spread).toBe(Math.abs(f + delta - f))
      expect(stats.noise).toBeGreaterThanOrEqual(stats.spread)
      expect(stats.deterministic).toBe(deterministic)
    }
  })

  it('judges the difference relative to |f|: 1e-3 is repeatable at f = 1e6 (√u·|f| = 0.015), 1e-10 is not at f = 1e-6', () => {
    for (const [f, delta, deterministic] of [[1e6, 1e-3, true], [1e-6, 1e-10, false], [-1e6, 1e-3, true]] as const) {
      const s = setup([x()], (_, call) => (call === 2 ? f + delta : f))
      expect(s.run(measureLoss(s.p, unit(1))).deterministic, `${f}`).toBe(deterministic)
    }
  })

  it('allows a difference of exactly √u·|f| (2⁻¹² in float32) and not one ulp more', () => {
    for (const [delta, deterministic] of [[2 ** -12, true], [2 ** -12 + 2 ** -52, false]] as const) {
      const s = setup([x()], (_, call) => (call === 2 ? 1 + delta : 1), { precision: 'float32' })
      const stats = s.run(measureLoss(s.p, unit(1)))
      expect(stats.precision).toBe('float32')
      expect(stats.spread).toBe(delta)
      expect(stats.deterministic).toBe(deterministic)
    }
  })

  it('compares the repeated probe point with its first value: a loss that changes only away from `at` is not deterministic', () => {
    const s = setup([x()], (xs, call) => smooth(xs) + (call === PROBE_CALLS - 1 ? 1e-3 : 0))
    const stats = s.run(measureLoss(s.p, unit(1)))
    expect(stats.spread).toBeCloseTo(1e-3, 9)
    expect(stats.noise).toBeGreaterThanOrEqual(stats.spread)
    expect(stats.deterministic).toBe(false)
    // A change within √u·|f| there is repeatable.
    const quiet = setup([x()], (xs, call) => smooth(xs) + (call === PROBE_CALLS - 1 ? 1e-12 : 0))
    const q = quiet.run(measureLoss(quiet.p, unit(1)))
    expect(q.spread).toBeCloseTo(1e-12, 15)
    expect(q.deterministic).toBe(true)
  })

  it('a NaN once and a number the other time at the repeated point is not deterministic; the same non-finite value twice is', () => {
    const at = (first: number, repeated: number): LossStats => {
      const s = setup([x()], (xs, call) => (call === 3 + 3 ? first : call === PROBE_CALLS - 1 ? repeated : smooth(xs)))
      return s.run(measureLoss(s.p, unit(1)))
    }
    const f = 1.5
    expect(at(Number.NaN, f)).toMatchObject({ spread: Number.POSITIVE_INFINITY, deterministic: false, nonFinite: 1 })
    expect(at(f, Number.NaN)).toMatchObject({ spread: Number.POSITIVE_INFINITY, deterministic: false, nonFinite: 1 })
    expect(at(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY)).toMatchObject({ spread: Number.POSITIVE_INFINITY, deterministic: false, nonFinite: 2 })
    expect(at(Number.NaN, Number.NaN)).toMatchObject({ spread: 0, deterministic: true, nonFinite: 2 })
    expect(at(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)).toMatchObject({ spread: 0, deterministic: true, nonFinite: 2 })
  })

  it('counts every non-finite value besides the first call: the second call, the probe, its repeated point', () => {
    for (const bad of [[2], [4], [9, 14], [3, 8, 10]]) {
      const s = setup([x()], (xs, call) => (bad.includes(call) ? Number.NaN : smooth(xs)))
      expect(s.run(measureLoss(s.p, unit(1))).nonFinite).toBe(bad.length)
    }
  })

  it('a side with a non-finite value measures no noise, and the quieter side is kept', () => {
    const sigma = 1e-10
    for (let seed = 1; seed <= 4; seed++) {
      const s = setup([x()], (xs, call) => (call === 4 ? Number.NaN : smooth(xs) + noiseOf(xs, sigma)), { seed })
      const stats = s.run(measureLoss(s.p, unit(1)))
      expect(stats.nonFinite).toBe(1)
      expect(stats.noise).toBeLessThan(sigma / 100)
    }
  })
})

describe('measureLoss: float32 detection', () => {
  const x = (): Float64Array => Float64Array.from([0.3, -0.4, 0.25])
  const f32: Loss = (xs) => Math.fround(smooth(xs))

  it('a loss whose every value is a float32 with a long mantissa runs in float32, with float32’s floor and repeatability', () => {
    const s = setup([x()], f32)
    const stats = s.run(measureLoss(s.p, unit(1)))
    expect(stats.precision).toBe('float32')
    expect(stats.noise).toBeGreaterThanOrEqual(u32 * Math.abs(stats.value))
    expect(stats.noise).toBeLessThan(4 * u32 * Math.abs(stats.value))
    // A second call 1e-5 off (relative) is beyond float64's √u (1.5e-8) but within float32's (2.4e-4).
    const drifting = setup([x()], (xs, call) => Math.fround(smooth(xs) * (call === 2 ? 1 + 1e-5 : 1)))
    expect(drifting.run(measureLoss(drifting.p, unit(1)))).toMatchObject({ precision: 'float32', deterministic: true })
  })

  it('not when the precision is declared float64, nor when one value is not a float32', () => {
    const declared = setup([x()], f32, { precision: 'float64' })
    expect(declared.run(measureLoss(declared.p, unit(1))).precision).toBe('float64')
    const one = setup([x()], (xs, call) => (call === 2 + 2 * PROBE_POINTS ? smooth(xs) : Math.fround(smooth(xs))))
    expect(one.run(measureLoss(one.p, unit(1))).precision).toBe('float64')
  })

  it('not from round numbers: values of 21 significant bits or fewer, 0, ±∞ are float32 by nature, not evidence', () => {
    const valued = (values: (call: number) => number): Precision => {
      const s = setup([x()], (_, call) => values(call))
      return s.run(measureLoss(s.p, unit(1))).precision
    }
    // 1 + k·2⁻²⁰ needs 21 bits, 1 + (2k + 1)·2⁻²¹ needs 22: only the latter are long.
    expect(valued((call) => 1 + call * 2 ** -20)).toBe('float64')
    expect(valued((call) => 1 + (2 * call + 1) * 2 ** -21)).toBe('float32')
    expect(valued(() => 0)).toBe('float64')
    expect(valued((call) => (call === 1 ? 0.5 : call % 2 === 0 ? 0 : 3))).toBe('float64')
    expect(valued((call) => (call <= 2 ? 3 : call % 2 === 0 ? Number.POSITIVE_INFINITY : 0.75))).toBe('float64')
  })

  it('a point declared float32 (stored in a Float32Array) runs in float32 whatever the loss returns', () => {
    const s = setup([Float32Array.from([0.3, -0.4])], smooth)
    expect(s.p.precision).toBe('float32')
    const stats = s.run(measureLoss(s.p, unit(1)))
    expect(stats.precision).toBe('float32')
    expect(stats.noise).toBeGreaterThanOrEqual(u32 * Math.abs(stats.value))
  })
})

describe('remeasure', () => {
  const stats = (o: Partial<LossStats> = {}): LossStats => ({ value: 1, noise: 1e-15, spread: 0, deterministic: true, precision: 'float64', nonFinite: 0, ...o })
  const last = (f: number, s: LossStats): { out: LossStats; calls: number } => {
    let calls = 0
    const out = drive(remeasure(s), () => (calls++, f)) as LossStats
    return { out, calls }
  }

  it('one call at `at`: the same value changes nothing but the object', () => {
    const s = stats({ spread: 1e-17, nonFinite: 2 })
    const { out, calls } = last(1, s)
    expect(calls).toBe(1)
    expect(out).toEqual(s)
  })

  it('a last value that differs widens the spread; beyond √u·|f| the loss is not deterministic', () => {
    expect(last(1 + 1e-12, stats()).out).toMatchObject({ spread: 1 + 1e-12 - 1, deterministic: true, noise: 1e-15 })
    expect(last(1 + 1e-6, stats()).out).toMatchObject({ spread: 1 + 1e-6 - 1, deterministic: false })
    expect(last(1 - 1e-6, stats({ value: 1 })).out.deterministic).toBe(false)
    // The spread already measured stays when the last value is nearer.
    expect(last(1 + 1e-12, stats({ spread: 1e-10 })).out.spread).toBe(1e-10)
    // Not deterministic before stays so.
    expect(last(1, stats({ deterministic: false })).out.deterministic).toBe(false)
  })

  it('judges the last difference relative to |f|', () => {
    expect(last(1e6 + 1e-3, stats({ value: 1e6 })).out.deterministic).toBe(true)
    expect(last(1e-6 + 1e-10, stats({ value: 1e-6 })).out.deterministic).toBe(false)
  })

  it('is repeatable at exactly √u·|f| (float32: 2⁻¹²), at its own precision', () => {
    expect(last(1 + 2 ** -12, stats({ precision: 'float32' })).out.deterministic).toBe(true)
    expect(last(1 + 2 ** -12 + 2 ** -52, stats({ precision: 'float32' })).out.deterministic).toBe(false)
    expect(last(1 + 2 ** -12, stats({ precision: 'float64' })).out.deterministic).toBe(false)
  })

  it('names the last call when the loss returns something other than a number', () => {
    expect(() => drive(remeasure(stats()), () => 'oops')).toThrow('at `at` (last call).')
  })

  it('a NaN last counts as non-finite and as not deterministic', () => {
    const { out } = last(Number.NaN, stats({ nonFinite: 1 }))
    expect(out.nonFinite).toBe(2)
    expect(out.deterministic).toBe(false)
    expect(last(Number.POSITIVE_INFINITY, stats()).out.nonFinite).toBe(1)
  })
})

describe('tensorNoise', () => {
  // Tensor a: (x + C) − C keeps each a[i] to the grid of C = 1e8 (ulp 1.5e-8), a staircase the probe sees
  // (moves of ~1e-6 cross ~100 stairs); tensor b is plain. The probe's noise is a's staircase, ~1e-8.
  const C = 1e8
  const stairs = (xs: readonly ArrayLike<number>[]): number => {
    let s = 1
    for (let i = 0; i < xs[0]!.length; i++) s += (xs[0]![i]! + C - C) ** 2
    return s
  }
  const plainB = (xs: readonly ArrayLike<number>[]): number => {
    let s = 0
    for (let i = 0; i < xs[1]!.length; i++) s += 0.5 * Math.sin(xs[1]![i]!)
    return s
  }
  const tensors = (): Tensor[] => [Float64Array.from([0.3, -1.2, 0.7]), Float64Array.from([0.2, 0.9, -0.5, 1.3])]
  const scales = unit(2)
  const probed = (loss: Loss, seed = 1849): { s: Setup; stats: LossStats } => {
    const s = setup(tensors(), loss, { seed })
    const stats = s.run(measureLoss(s.p, scales))
    return { s, stats }
  }

  it("lowers the noise to the tensor's own where another tensor's staircase raised the probe's; never for the tensor whose staircase it is", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const { s, stats } = probed((xs) => stairs(xs) + plainB(xs), seed)
      expect(stats.noise).toBeGreaterThan(1e-10)
      const before = s.calls.length
      const b = s.run(tensorNoise(s.p, scales, stats, 1))
      expect(s.calls.length - before).toBe(PROBE_CALLS - 4)
      expect(b.nonFinite).toBe(0)
      expect(b.stats.noise, `seed ${seed}`).toBeLessThan(8 * u64 * Math.abs(stats.value))
      expect(b.stats.noise).toBeGreaterThanOrEqual(u64 * Math.abs(stats.value))
      expect(b.stats).toEqual({ ...stats, noise: b.stats.noise })
      const a = s.run(tensorNoise(s.p, scales, stats, 0))
      expect(a.stats.noise, `seed ${seed}`).toBeGreaterThan(stats.noise / 10)
      expect(a.stats.noise).toBeLessThanOrEqual(stats.noise)
    }
  })

  it('never raises the noise: where its own probe reads more, the stats stay as they are', () => {
    // b's own round-off (σ = 1e-9) is far above what the probe measured for the whole loss with the (given, low) noise.
    const { s, stats } = probed((xs) => smooth(xs) + noiseOf([xs[1]!], 1e-9))
    const low = { ...stats, noise: 1e-12 }
    const out = s.run(tensorNoise(s.p, scales, low, 1))
    expect(out.stats).toBe(low)
  })

  it('moves tensor k alone, by ±t·PROBE·L/√n with n its own size, at the probe’s positions (no repeated point)', () => {
    const { s, stats } = probed((xs) => stairs(xs) + plainB(xs))
    const before = s.calls.length
    s.run(tensorNoise(s.p, scales, stats, 1))
    const mine = s.calls.slice(before)
    expect(mine).toHaveLength(2 * PROBE_POINTS)
    const m = K.PROBE.float64 / Math.sqrt(4)
    mine.forEach((c, j) => {
      expect(c.xs[0]).toEqual(s.x0[0])
      const t = Math.abs(c.xs[1]![0]! - s.x0[1]![0]!) / m
      expect(Math.abs(t - ((j % PROBE_POINTS) + 1))).toBeLessThanOrEqual(0.35 + 1e-6)
      // b = [0.2, 0.9, −0.5, 1.3] on spread 1 about 0: L = 1, 1, 1 and |1.3| (beyond the spread).
      for (let i = 1; i < 4; i++) expect(Math.abs(c.xs[1]![i]! - s.x0[1]![i]!) / m).toBeCloseTo(i === 3 ? 1.3 * t : t, 6)
    })
    // The + side first, then the − side: opposite displacements.
    expect(Math.sign(mine[0]!.xs[1]![0]! - s.x0[1]![0]!)).toBe(-Math.sign(mine[PROBE_POINTS]!.xs[1]![0]! - s.x0[1]![0]!))
  })

  it('names its probe and the tensor when the loss returns something other than a number', () => {
    const stats: LossStats = { value: 1, noise: 1e-3, spread: 0, deterministic: true, precision: 'float64', nonFinite: 0 }
    const s = setup(tensors(), (xs, call) => (call === 3 ? ('oops' as unknown as number) : smooth(xs)))
    expect(() => s.run(tensorNoise(s.p, scales, stats, 1))).toThrow('near `at` (noise probe of t1).')
    expect([0, 1, 2, 3].map((i) => s.p.at.blocks[1]!.get(i))).toEqual(Array.from(tensors()[1]!))
  })

  it('costs no call with a single tensor (the probe moved it alone already), nor where the noise is within 2× the floor u·|f|', () => {
    const one = setup([Float64Array.from([0.3, 0.2])], smooth)
    const stats: LossStats = { value: 1, noise: 1e-9, spread: 0, deterministic: true, precision: 'float64', nonFinite: 0 }
    expect(one.run(tensorNoise(one.p, unit(1), stats, 0))).toEqual({ stats, nonFinite: 0 })
    expect(one.calls).toHaveLength(0)
    const two = setup(tensors(), smooth)
    const atFloor = { ...stats, noise: 2 * u64 }
    expect(two.run(tensorNoise(two.p, scales, atFloor, 1)).stats).toBe(atFloor)
    expect(two.calls).toHaveLength(0)
    const f32 = { ...stats, precision: 'float32' as const, noise: 1.5 * u32 }
    expect(two.run(tensorNoise(two.p, scales, f32, 1)).stats).toBe(f32)
    expect(two.calls).toHaveLength(0)
    // Just above 2·u·|f|, it measures.
    two.run(tensorNoise(two.p, scales, { ...stats, noise: 2 * u64 * (1 + 2 ** -52) }, 1))
    expect(two.calls).toHaveLength(PROBE_CALLS - 4)
  })

  it('with `on`, measures a single tensor too, its moves scaled by that spread', () => {
    const x = 0.3
    const s = setup([Float64Array.from([x])], (xs) => smooth(xs) + noiseOf(xs, 1e-6))
    const stats = s.run(measureLoss(s.p, [{ centre: 0, scale: x ** (2 / 3) }]))
    const before = s.calls.length
    const out = s.run(tensorNoise(s.p, [{ centre: 0, scale: x ** (2 / 3) }], stats, 0, { centre: 0, scale: 2 }))
    const mine = s.calls.slice(before)
    expect(mine).toHaveLength(2 * PROBE_POINTS)
    mine.slice(0, PROBE_POINTS).forEach((c, j) => {
      const t = Math.abs(c.xs[0]![0]! - x) / (K.PROBE.float64 * 2)
      expect(Math.abs(t - (j + 1))).toBeLessThanOrEqual(0.35 + 1e-6)
    })
    expect(out.stats.noise).toBeLessThanOrEqual(stats.noise)
  })

  it("lowers to a tensor's own staircase where the near moves tie and the wider ones do not", () => {
    // b enters through (2³⁵ + b₀) − 2³⁵: stairs of 2⁻¹⁷ ≈ 7.6e-6, which b's near moves (up to 6.35e-6/√4) cross at most
    // once, and its wider ones (35.8×) about 15 times.
    const coarseB = (xs: readonly ArrayLike<number>[]): number => 2 ** 35 + xs[1]![0]! - 2 ** 35
    for (let seed = 1; seed <= 4; seed++) {
      const { s, stats } = probed((xs) => 1e4 * stairs(xs) + coarseB(xs), seed)
      const before = s.calls.length
      const b = s.run(tensorNoise(s.p, scales, stats, 1))
      expect(s.calls.length - before).toBe(PROBE_CALLS - 4 + 2 * PROBE_POINTS)
      expect(b.stats.noise, `seed ${seed}`).toBeLessThan(stats.noise)
      expect(b.stats.noise).toBeGreaterThan(2 ** -17 / 12)
    }
  })

  it('keeps half the grain of its own values: a tensor behind a fine staircase is lowered to at least half a stair, not more', () => {
    // b enters through (2³⁰ + b₀) − 2³⁰: stairs of q = 2⁻²², which b's moves cross ~13 times: its values' differences
    // are multiples of q (f itself has an ulp of 2⁻³⁸ or finer), a cubic's scatter about q/√12 below q/2.
    const q = 2 ** -22
    let lowered = 0
    for (let seed = 1; seed <= 8; seed++) {
      const { s, stats } = probed((xs) => 1e4 * stairs(xs) + (2 ** 30 + xs[1]![0]! - 2 ** 30), seed)
      const b = s.run(tensorNoise(s.p, scales, stats, 1))
      if (b.stats === stats) continue
      lowered++
      expect(b.stats.noise, `seed ${seed}`).toBeGreaterThanOrEqual(q / 2)
      expect(b.stats.noise, `seed ${seed}`).toBeLessThan(q)
    }
    expect(lowered).toBeGreaterThan(4)
  })

  describe('lowers only on consistent evidence', () => {
    it('not where one side tied at both spacings, even when the two sides agree', () => {
      // Call-indexed values of tensor 1's probe (12 near calls, then 6 wider ones for the tying + side): the + side
      // takes 3 distinct values near and wide (f, f + q, f + 2q) in a step that no cubic fits; the − side 5 distinct.
      const q = 2 ** -30
      const plus = [0, 1, 1, 2, 2, 2]
      const minus = [0, 1, 1, 2, 3, 4]
      const wide = [1, 1, 2, 2, 2, 1]
      const s = setup(tensors(), (_, call) => 1 + q * (call <= 6 ? plus[call - 1]! : call <= 12 ? minus[call - 7]! : wide[call - 13]!))
      const stats: LossStats = { value: 1, noise: 1e-3, spread: 0, deterministic: true, precision: 'float64', nonFinite: 0 }
      const out = s.run(tensorNoise(s.p, scales, stats, 1))
      expect(s.calls).toHaveLength(2 * PROBE_POINTS + PROBE_POINTS)
      // The two sides' near fits agree within PROBE_SIDES× (recomputed from the calls), so only the tie stops it.
      const m = s.calls[0]!.xs[1]![0]! - s.x0[1]![0]!
      const fit = (from: number): number => {
        const calls = s.calls.slice(from, from + PROBE_POINTS)
        return noiseFit([0, ...calls.map((c) => (c.xs[1]![0]! - s.x0[1]![0]!) / m)], [1, ...calls.map((c) => c.f)])
      }
      const [one, other] = [fit(0), fit(PROBE_POINTS)]
      expect(Math.max(one, other)).toBeLessThanOrEqual(K.PROBE_SIDES * Math.min(one, other))
      expect(Math.min(one, other)).toBeGreaterThan(0)
      expect(out.stats).toBe(stats)
    })

    it('not where its values tie at both spacings (the loss absorbs the tensor’s moves whole)', () => {
      // b's part, 1e-14·Σb, moves f by at most ~1e-17 even at the wider moves: below half an ulp of f ≈ 1.
      const { s, stats } = probed((xs) => stairs(xs) + 1e-14 * (xs[1]![0]! + xs[1]![1]!))
      const out = s.run(tensorNoise(s.p, scales, stats, 1))
      expect(out.stats).toBe(stats)
      expect(out.nonFinite).toBe(0)
    })

    it('not where a value of its probe is not finite, and those values are counted', () => {
      let nans = 0
      const b0 = tensors()[1]![0]!
      const { s, stats } = probed((xs) => {
        if (Math.abs(xs[1]![0]! - b0) > 2.5e-6) {
          nans++
          return Number.NaN
        }
        return stairs(xs) + plainB(xs)
      })
      expect(nans).toBe(0) // the whole-loss probe moves b[0] by 1e-6/√7 per unit of t: never that far
      const out = s.run(tensorNoise(s.p, scales, stats, 1))
      expect(nans).toBeGreaterThan(0)
      expect(out.nonFinite).toBe(nans)
      expect(out.stats).toBe(stats)
    })

    it('counts the wider moves’ non-finite values too', () => {
      let nans = 0
      const b0 = tensors()[1]![0]!
      const { s, stats } = probed((xs) => {
        if (Math.abs(xs[1]![0]! - b0) > 2e-5) {
          nans++
          return Number.NaN
        }
        return stairs(xs)
      })
      const out = s.run(tensorNoise(s.p, scales, stats, 1))
      // b[0]'s near moves reach 3.2e-6, its wider ones (35.8×) up to 1.1e-4: only some of the wider are NaN.
      expect(nans).toBeGreaterThan(0)
      expect(nans).toBeLessThan(2 * PROBE_POINTS)
      expect(out.nonFinite).toBe(nans)
      expect(out.stats).toBe(stats)
    })

    it('not where its two sides disagree: one side quiet, the other noisy, is no reading of the noise', () => {
      for (let seed = 1; seed <= 4; seed++) {
        const b0 = tensors()[1]![0]!
        const { s, stats } = probed((xs) => stairs(xs) + plainB(xs) + (xs[1]![0]! > b0 ? noiseOf([xs[1]!], 1e-9) : 0), seed)
        const out = s.run(tensorNoise(s.p, scales, stats, 1))
        expect(out.stats, `seed ${seed}`).toBe(stats)
      }
    })
  })
})

describe('noiseFit', () => {
  // The probe's fit: the scatter of values about their least-squares cubic, √(RSS / (n − 4)).
  const sample = (ts: readonly number[], sigma: number, seed: number): number[] => {
    const next = random(seed)
    return ts.map((t) => 1 + 2 * t - 3 * t * t + 0.5 * t ** 3 + sigma * Math.sqrt(3) * (2 * next() - 1))
  }
  const spaced = (n: number, d = 1e-3): number[] => Array.from({ length: n }, (_, i) => 0.3 + i * d + 0.3 * d * Math.sin(7 * i))

  it('estimates σ from 41 values within a factor 2', () => {
    for (let seed = 1; seed <= 10; seed++) {
      for (const sigma of [1e-9, 1e-5]) {
        const est = noiseFit(spaced(41), sample(spaced(41), sigma, seed))
        expect(est).toBeGreaterThan(sigma / 2)
        expect(est).toBeLessThan(2 * sigma)
      }
    }
  })

  it('leaves a cubic nothing but the rounding of its values, wherever and however widely the positions lie', () => {
    const cubic = (t: number): number => 1 + 0.2 * t - 0.3 * t * t + 0.05 * t ** 3
    const base = [0, 1.2, 1.9, 3.1, 4.05, 4.8, 6.3]
    for (const [offset, width] of [[0, 1], [1000, 1], [-5, 1e-9], [3, 1e6]] as const) {
      const ts = base.map((t) => offset + t * width)
      const x = ts.map((t) => (t - ts[0]!) / (ts[6]! - ts[0]!)) // the cubic in a variable of order 1, its values of order 1
      expect(noiseFit(ts, x.map(cubic)), `${offset} ${width}`).toBeLessThan(8 * u64)
    }
    // A quartic term is seen: it is not a cubic.
    expect(noiseFit(base, base.map((t) => cubic(t) + 1e-3 * t ** 4))).toBeGreaterThan(1e-4)
  })

  it('is the same for values shifted by a constant or scaled: it fits values relative to the first', () => {
    const ts = spaced(9)
    const v = sample(ts, 1e-6, 3)
    const est = noiseFit(ts, v)
    expect(noiseFit(ts, v.map((x) => x + 0.5))).toBeCloseTo(est, 12)
    expect(noiseFit(ts, v.map((x) => x * 4))).toBeCloseTo(4 * est, 12)
    // Positions in any order give the same fit.
    const order = [3, 0, 8, 1, 7, 2, 6, 4, 5]
    expect(noiseFit(order.map((i) => ts[i]!), order.map((i) => v[i]!))).toBeCloseTo(est, 12)
  })

  it('is √(RSS / (n − 4)) about the cubic: residuals orthogonal to every cubic are read whole', () => {
    // r = the 5th Legendre-like pattern at 6 equally spaced points: orthogonal to 1, t, t², t³ (a 4th difference
    // pattern (1, −5, 10, −10, 5, −1) is orthogonal to polynomials of degree < 5). RSS = Σr², n − 4 = 2.
    const ts = [0, 1, 2, 3, 4, 5]
    const r = [1, -5, 10, -10, 5, -1].map((v) => v * 1e-6)
    const values = ts.map((t, i) => 2 + t * 0.1 + r[i]!)
    expect(noiseFit(ts, values)).toBeCloseTo(Math.sqrt(r.reduce((s, v) => s + v * v, 0) / 2), 12)
  })

  it('is 0 with a value that is not finite, and with too few values to leave a degree of freedom', () => {
    const ts = spaced(7)
    expect(noiseFit(ts, [1, 2, Number.NaN, 4, 5, 6, 7])).toBe(0)
    expect(noiseFit(ts, [1, 2, Number.POSITIVE_INFINITY, 4, 5, 6, 7])).toBe(0)
    expect(noiseFit([0, 1, 2, 3], [0, 1, 0, 1])).toBe(0)
    expect(noiseFit([0, 1, 2, 3, 4], [0, 1, 0, 1, 0])).toBeGreaterThan(0.1)
    expect(noiseFit([0, 1, 2], [0, 1, 0], 1)).toBeGreaterThan(0.1)
    expect(noiseFit([0, 1], [0, 1], 0)).toBeCloseTo(Math.SQRT1_2, 12)
  })

  it('positions that coincide take no degree of freedom', () => {
    // Three distinct positions, two values each: a quadratic through them leaves the pairs' scatter (±0.1), 3 dof.
    const ts = [0, 0, 1, 1, 2, 2]
    const fs = [0, 0.2, 1, 1.2, 4, 4.2]
    expect(noiseFit(ts, fs)).toBeCloseTo(Math.sqrt((6 * 0.01) / 3), 12)
    expect(noiseFit(ts, fs, 4)).toBeCloseTo(Math.sqrt((6 * 0.01) / 3), 12)
  })
})
