import { describe, expect, it } from 'vitest'
import { K, RATIO, SMALLEST, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import type { Point } from '../../src/engine/point.js'
import { type Coordinate, blockMax, coordinate, coordinateScale, relativeNoise, scalarScale, type Spread, tensorScale, tensorScales, trialStep } from '../../src/engine/scale.js'
import type { Block, Precision } from '../../src/params/flatten.js'

// The step for each coordinate (docs/numerics.md §3), function by function.
const u = UNIT_ROUNDOFF.float64
const u32 = UNIT_ROUNDOFF.float32
const block = (values: number[], precision: Precision = 'float64'): Block => ({
  name: 'w',
  shape: [values.length],
  size: values.length,
  precision,
  get: (i) => values[i]!,
  set: (i, v) => void (values[i] = v),
})
const unit: Spread = { centre: 0, scale: 1 }

describe('coordinateScale: L = max(min(max(|x − centre|, T), |f/a|), ∛u·|x|)', () => {
  it('a weight near its tensor’s centre moves on the tensor’s spread; an outlier on its own distance from the centre', () => {
    const t = { centre: 1, scale: 0.5 }
    expect(coordinateScale(1.1, 1, 1e6, t, u)).toBe(0.5)
    expect(coordinateScale(11, 1, 1e6, t, u)).toBe(10)
    expect(coordinateScale(-9, 1, 1e6, t, u)).toBe(10)
    // A scalar at 0 or beyond 1 (centre 0, T = 1): numdifftools' max(|x|, 1).
    expect(coordinateScale(0, 1, 1e6, unit, u)).toBe(1)
    expect(coordinateScale(-30, 1, 1e6, unit, u)).toBe(30)
  })

  it('|f/a| narrows it where the loss says the coordinate is finer: a capacitance of 1e-8 beside a resistance of 1e3', () => {
    const t = { centre: 500, scale: 500 }
    expect(coordinateScale(1e-8, 1e8, 1, t, u)).toBeCloseTo(1e-8, 22)
    expect(coordinateScale(1e-8, -1e8, -1, t, u)).toBeCloseTo(1e-8, 22)
    // Only narrows: |f/a| beyond the spread leaves the spread.
    expect(coordinateScale(500, 1, 1e9, t, u)).toBe(500)
  })

  it('never below ∛u·|x|, so x ± h is resolved even where f(at) = 0 collapses |f/a|', () => {
    expect(coordinateScale(1e6, 1, 0, unit, u)).toBe(Math.cbrt(u) * 1e6)
    expect(coordinateScale(-1e6, 1, 0, unit, u32)).toBe(Math.cbrt(u32) * 1e6)
    // Above the floor, the narrowed scale stands.
    expect(coordinateScale(1, 1, 1e-3, unit, u)).toBe(1e-3)
  })

  it('falls back to the tensor’s scale where L is not positive and finite', () => {
    const t = { centre: 0, scale: 0.25 }
    expect(coordinateScale(0, 1, 0, t, u)).toBe(0.25) // |f/a| = 0 and x = 0: L = 0
    expect(coordinateScale(0, 0, 0, t, u)).toBe(0.25) // 0/0
    expect(coordinateScale(Infinity, 1, Infinity, t, u)).toBe(0.25)
    // a = 0 with f ≠ 0: |f/a| = ∞ does not narrow.
    expect(coordinateScale(0.1, 0, 3, t, u)).toBe(0.25)
  })
})

describe('scalarScale: |x|^(2/3) for 3u ≤ |x| < 1, else the unit scale', () => {
  it('|x|^(2/3) between the two readings of a one-element tensor, whatever the sign', () => {
    expect(scalarScale(1e-3, u)).toBeCloseTo(1e-2, 15)
    expect(scalarScale(-8e-3, u)).toBeCloseTo(4e-2, 15)
    expect(scalarScale(0.999, u)).toBe(0.999 ** (2 / 3))
    // It meets max(|x|, 1) at |x| = 1: no jump there.
    expect(scalarScale(1 - 2 ** -40, u)).toBeCloseTo(1, 10)
  })

  it('the unit scale from |x| = 1 on (coordinateScale widens it by |x|), and within 3 ulps of 0', () => {
    expect(scalarScale(1, u)).toBe(1)
    expect(scalarScale(-5, u)).toBe(1)
    expect(scalarScale(0, u)).toBe(1)
    expect(scalarScale(3 * u, u)).toBe((3 * u) ** (2 / 3))
    expect(scalarScale(3 * u * (1 - 2 ** -52), u)).toBe(1)
    expect(scalarScale(-3 * u * (1 - 2 ** -52), u)).toBe(1)
  })

  it('3u is that of the precision the value is stored in', () => {
    expect(scalarScale(1e-7, u)).toBeCloseTo(1e-7 ** (2 / 3), 18)
    expect(scalarScale(1e-7, u32)).toBe(1) // below 3·2⁻²⁴ = 1.8e-7
    expect(scalarScale(3 * u32, u32)).toBe((3 * u32) ** (2 / 3))
  })
})

describe('tensorScales: the centre and spread of each tensor', () => {
  it('mean and (population) standard deviation: positions near 6.4e6 that differ by metres move by metres', () => {
    expect(tensorScales([block([1, 2, 3, 4])])).toEqual([{ centre: 2.5, scale: Math.sqrt(1.25) }])
    const [p] = tensorScales([block([6.4e6, 6.4e6 + 1, 6.4e6 + 2])])
    expect(p!.centre).toBe(6.4e6 + 1)
    expect(p!.scale).toBeCloseTo(Math.sqrt(2 / 3), 6)
  })

  it('equal values have no spread: centre 0 and their RMS', () => {
    expect(tensorScales([block([3, 3, 3])])).toEqual([{ centre: 0, scale: 3 }])
    expect(tensorScales([block([-2, -2])])).toEqual([{ centre: 0, scale: 2 }])
  })

  it('a spread of 64 ulps of the mean or less is none (a last-bit difference); beyond it, a spread', () => {
    // 1 ± d: mean 1 and standard deviation d exactly; 64·ε·1 = 2⁻⁴⁶.
    expect(tensorScales([block([1 - 2 ** -46, 1 + 2 ** -46])])).toEqual([{ centre: 0, scale: 1 }])
    expect(tensorScales([block([1 - 2 ** -45, 1 + 2 ** -45])])).toEqual([{ centre: 1, scale: 2 ** -45 }])
    // Of the mean's size: the same spread about −1 as about 1.
    expect(tensorScales([block([-1 - 2 ** -46, -1 + 2 ** -46])])[0]!.centre).toBe(0)
    expect(tensorScales([block([-1 - 2 ** -45, -1 + 2 ** -45])])[0]!.centre).toBe(-1)
    // 64 ulps of the mean: about 1024 the threshold is 1024× larger, 2⁻³⁶.
    expect(tensorScales([block([1024 - 2 ** -36, 1024 + 2 ** -36])])).toEqual([{ centre: 0, scale: 1024 }])
    expect(tensorScales([block([1024 - 2 ** -35, 1024 + 2 ** -35])])).toEqual([{ centre: 1024, scale: 2 ** -35 }])
  })

  it('an all-zero tensor takes the RMS of all parameters; with every parameter 0, the unit scale', () => {
    // total = √(Σ x² / N) over every tensor: (0 + 0 + 9 + 9 + 0) / 5, the scalar 0 counted too.
    const scales = tensorScales([block([0, 0]), block([3, -3]), block([0])])
    expect(scales[0]).toEqual({ centre: 0, scale: Math.sqrt(18 / 5) })
    expect(scales[1]).toEqual({ centre: 0, scale: 3 })
    expect(tensorScales([block([0, 0]), block([0, 0, 0])])).toEqual([unit, unit])
    // An empty tensor adds nothing to the total (and gets it: it has no values of its own).
    expect(tensorScales([block([]), block([0, 0]), block([4, 4])])).toEqual([
      { centre: 0, scale: Math.sqrt(32 / 4) },
      { centre: 0, scale: Math.sqrt(32 / 4) },
      { centre: 0, scale: 4 },
    ])
    expect(tensorScales([block([])])).toEqual([unit])
  })

  it('a scalar has no neighbours: centre 0 and scalarScale with u of its own precision', () => {
    expect(tensorScales([block([1e-7])])).toEqual([{ centre: 0, scale: scalarScale(1e-7, u) }])
    expect(tensorScales([block([1e-7], 'float32')])).toEqual([unit])
    expect(tensorScales([block([5]), block([1, 2])])).toEqual([unit, { centre: 1.5, scale: 0.5 }])
  })
})

describe('blockMax and tensorScale: the gradient scale a coordinate is judged against', () => {
  it('blockMax is the largest |aⱼ|, 0 for an empty tensor', () => {
    expect(blockMax(new Float64Array([-3, 2, 1]))).toBe(3)
    expect(blockMax(new Float64Array([]))).toBe(0)
  })

  it('change is max |aⱼ|·Lⱼ: the coordinate whose move across its own scale changes f most', () => {
    // L₀ = 1 (the spread), L₁ = 10 (an outlier): |a|·L = 2 and 10, though |a₀| is the larger gradient.
    const t = tensorScale(block([0, 10]), new Float64Array([2, -1]), unit, 1e9, u)
    expect(t).toEqual({ value: unit, gradient: 2, change: 10 })
    // f(at) narrows each L as coordinateScale does: |f/a| = 0.5 and 1.
    expect(tensorScale(block([0, 10]), new Float64Array([2, -1]), unit, 1, u).change).toBe(1)
    expect(tensorScale(block([0, 0]), new Float64Array([0, 0]), unit, 1, u)).toEqual({ value: unit, gradient: 0, change: 0 })
  })
})

describe('relativeNoise: r = ε / max(|f|, max(|a|, G)·L), within [u, 1]', () => {
  it('over |f(at)|, or over how much f changes across the scale where that is larger', () => {
    expect(relativeNoise({ value: -100, noise: 1e-10 } as never, 1, 1, 1, u)).toBeCloseTo(1e-12, 25)
    expect(relativeNoise({ value: 1, noise: 1e-10 } as never, -5, 1, 100, u)).toBeCloseTo(1e-10 / 500, 25)
    expect(relativeNoise({ value: 1, noise: 1e-10 } as never, 1, 1000, 100, u)).toBeCloseTo(1e-15, 28)
  })

  it('at least the unit round-off, at most 1', () => {
    expect(relativeNoise({ value: 1, noise: 0 } as never, 1, 1, 1, u)).toBe(u)
    expect(relativeNoise({ value: 1, noise: 1e-20 } as never, 1, 1, 1, u32)).toBe(u32)
    expect(relativeNoise({ value: 1, noise: 5 } as never, 1, 1, 1, u)).toBe(1)
  })

  it('the unit round-off where f and the whole gradient are 0 (nothing to scale by)', () => {
    expect(relativeNoise({ value: 0, noise: 1e-3 } as never, 0, 0, 1, u)).toBe(u)
    // Any one of them non-zero is something to scale by.
    expect(relativeNoise({ value: 0, noise: 1e-3 } as never, 0, 1e-2, 1, u)).toBeCloseTo(0.1, 15)
  })
})

describe('coordinate: the first step, (3r)^(1/3)·L central, 2√r·L forward, capped at MAX_RELATIVE_STEP·L', () => {
  const point = (x: number, a: number, method: 'central' | 'forward' | 'richardson' = 'central', step: 'auto' | number = 'auto', precision: Precision = 'float64'): Point =>
    ({ at: { original: (k: number, i: number) => (k === 0 && i === 1 ? x : Number.NaN) }, analytic: [new Float64Array([Number.NaN, a])], precision, options: { method, step } }) as unknown as Point
  const t = { value: unit, gradient: 0.7, change: 3 }
  const loss = (value: number, noise: number) => ({ value, noise, deterministic: true }) as never

  it('central: h = h* = (3r)^(1/3)·L, with G = change/L and r over the size of f', () => {
    const c = coordinate(point(0, 0.5), loss(10, 1e-9), t, 0, 1)
    expect(c).toMatchObject({ k: 0, i: 1, x: 0, a: 0.5, L: 1, G: 3, u, tiny: SMALLEST.float64 })
    expect(c.r).toBeCloseTo(1e-10, 24)
    expect(c.h).toBe(Math.cbrt(3 * c.r))
    expect(c.optimal).toBe(c.h)
    // On a scale of 4 (an outlier at x = 4): L = 4, G = 3/4, h and h* four times the relative step.
    const far = coordinate(point(4, 0.5), loss(10, 1e-9), t, 0, 1)
    expect(far).toMatchObject({ L: 4, G: 0.75 })
    expect(far.h).toBe(Math.cbrt(3 * far.r) * 4)
    expect(coordinate(point(0, 0.5, 'richardson'), loss(10, 1e-9), t, 0, 1).h).toBe(c.h)
  })

  it('forward: h = 2√r·L, the optimum of f″h/2 + 2ε/h with f″ of the size f/L²', () => {
    const c = coordinate(point(0, 0.5, 'forward'), loss(10, 1e-9), t, 0, 1)
    expect(c.h).toBe(2 * Math.sqrt(c.r))
  })

  it('capped at 10 % of the scale for a loss so noisy the optimal step would not be local', () => {
    // r = 1e-3: (3r)^(1/3) = 0.14 and 2√r = 0.063: central capped, forward not; r = 5e-3: both capped.
    expect(coordinate(point(0, 0.5), loss(10, 1e-2), t, 0, 1).h).toBe(K.MAX_RELATIVE_STEP)
    expect(coordinate(point(0, 0.5, 'forward'), loss(10, 1e-2), t, 0, 1).h).toBeCloseTo(2 * Math.sqrt(1e-3), 15)
    expect(coordinate(point(0, 0.5, 'forward'), loss(10, 5e-2), t, 0, 1).h).toBe(K.MAX_RELATIVE_STEP)
    expect(coordinate(point(4, 0.5, 'forward'), loss(10, 5e-2), t, 0, 1).h).toBe(K.MAX_RELATIVE_STEP * 4)
  })

  it('a fixed step replaces h only: the optimal step is still what the noise model says', () => {
    const c = coordinate(point(0, 0.5, 'central', 1e-3), loss(10, 1e-9), t, 0, 1)
    expect(c.h).toBe(1e-3)
    expect(c.optimal).toBe(Math.cbrt(3 * c.r))
  })

  it('without a change (a zero gradient), G is the tensor’s largest |a|; u and the smallest value of its precision', () => {
    const c = coordinate(point(0, 0, 'central', 'auto', 'float32'), loss(10, 1e-9), { value: unit, gradient: 0.7, change: 0 }, 0, 1)
    expect(c).toMatchObject({ G: 0.7, u: u32, tiny: SMALLEST.float32 })
    expect(c.r).toBe(u32)
  })
})

describe('trialStep: the ladder level h·RATIOᵏ above h where the quick bound ε/s + prior·(s/h*)²·m is least', () => {
  // A coordinate of f with noise ε: h = h* = (3r)^(1/3)·L for r = ε/|f|, prior m = max(|a|, PRIOR_FLOOR·G).
  const at = (o: { noise: number; value?: number; a?: number; G?: number; L?: number; h?: number; step?: 'auto' | number; method?: 'central' | 'forward' }): Coordinate => {
    const value = o.value ?? 1
    const L = o.L ?? 1
    const r = Math.max(o.noise / Math.abs(value), u)
    const optimal = Math.cbrt(3 * r) * L
    return {
      a: o.a ?? 1, G: o.G ?? 1, r, L, h: o.h ?? optimal, optimal, u, tiny: SMALLEST.float64,
      loss: { value, noise: o.noise }, options: { step: o.step ?? 'auto', method: o.method ?? 'central' },
    } as unknown as Coordinate
  }
  const bound = (c: Coordinate, s: number): number =>
    Math.max(c.loss.noise, u * Math.abs(c.loss.value)) / s + K.TRUNCATION_PRIOR * Math.cbrt(3 * c.r) ** 2 * (s / c.optimal) ** 2 * Math.max(Math.abs(c.a), K.PRIOR_FLOOR * c.G)
  it('is h/RATIO where the prior outweighs the round-off at h more than 16/5 times: noise in proportion to f (1/24 of it)', () => {
    // B(h/4) = 4N + P/16 < B(h) = N + P exactly when N < 5P/16.
    const c = at({ noise: u })
    expect(trialStep(c)).toBe(c.h / RATIO)
    expect(bound(c, c.h / RATIO)).toBeLessThan(bound(c, c.h) / 4)
  })
  it('is undefined where the bound is least at h itself: round-off between 5/16 and 20 times the prior', () => {
    // N/P = 2 at h: neither h/4 (8N + P/16) nor 4h (N/4 + 16P) is tighter. P = 8·(3r)^(2/3)·|a| with r = u.
    const P = K.TRUNCATION_PRIOR * Math.cbrt(3 * u) ** 2
    const c = at({ noise: u, a: 1, G: 1 })
    const N = (2 * P * c.h)
    const two = at({ noise: N, value: N / u, a: 1, G: 1, h: c.h })
    expect(trialStep({ ...two, r: u, optimal: c.h } as Coordinate)).toBeUndefined()
  })
  it('goes up the ladder, as far as the bound falls, where round-off swamps it (a loss 1e7× its variation)', () => {
    const c = at({ noise: 1e7 * u, value: 1e7, a: 1, G: 1 })
    const s = trialStep(c)!
    const k = Math.log(s / c.h) / Math.log(RATIO)
    expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9)
    expect(Math.round(k)).toBeGreaterThanOrEqual(1)
    // least among its neighbours on the ladder
    expect(bound(c, s)).toBeLessThan(bound(c, s / RATIO))
    if (s * RATIO <= K.MAX_RELATIVE_STEP * c.L) expect(bound(c, s)).toBeLessThanOrEqual(bound(c, s * RATIO))
  })
  it('takes ε as at least u·|f|: a loss of 1e7 whose measured noise is 0 goes up as one whose noise is u·|f|', () => {
    const measured = at({ noise: 1e7 * u, value: 1e7 })
    const silent = { ...measured, loss: { value: 1e7, noise: 0 } } as Coordinate
    expect(trialStep(silent)).toBe(trialStep(measured))
    expect(trialStep(silent)!).toBeGreaterThan(silent.h)
  })
  it('never beyond MAX_RELATIVE_STEP of the scale', () => {
    // next to no truncation prior: the bound falls all the way up (on a scale of 3, so that L counts)
    const c = at({ noise: 1e-6, a: 1e-12, G: 0, L: 3, h: (3 * K.MAX_RELATIVE_STEP) / 100 })
    const s = trialStep(c)!
    expect(s).toBeLessThanOrEqual(K.MAX_RELATIVE_STEP * c.L * (1 + 1e-12))
    expect(s * RATIO).toBeGreaterThan(K.MAX_RELATIVE_STEP * c.L)
  })
  it('is undefined for a fixed step, a forward difference, a step of 0, an infinite scale', () => {
    const big = { noise: 1e7 * u, value: 1e7 }
    expect(trialStep(at(big))).toBeDefined()
    expect(trialStep(at({ ...big, step: 1e-3 }))).toBeUndefined()
    expect(trialStep(at({ ...big, method: 'forward' }))).toBeUndefined()
    // these ran the ladder forever
    expect(trialStep(at({ ...big, h: 0 }))).toBeUndefined()
    expect(trialStep(at({ ...big, L: Infinity }))).toBeUndefined()
  })
})
