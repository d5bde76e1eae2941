import type { ResolvedOptions } from '../options.js'
import type { Block } from '../params/flatten.js'
import { K, RATIO, SMALLEST, UNIT_ROUNDOFF } from './constants.js'
import { noiseAt } from './differences.js'
import type { LossStats } from './noise.js'
import type { Point } from './point.js'

/** Where a tensor's values sit, and how far apart: the scale its coordinates move on. */
export interface Spread {
  centre: number
  scale: number
}

/**
 * The scale a coordinate moves on: its tensor's spread, or its own distance from the tensor's centre
 * where that is larger (a weight near the centre of a layer is not a finer quantity than its
 * neighbours; an outlier moves on its own scale) — unless the loss says it is finer: |f/a| is how far
 * the coordinate goes before f changes by all of itself. That tells a capacitance of 1e-8 packed beside
 * a resistance of 1e3. Never so fine that x ± h is not resolved: ∛u·|x|.
 */
export function coordinateScale(x: number, a: number, f: number, t: Spread, u: number): number {
  const L = Math.max(Math.min(Math.max(Math.abs(x - t.centre), t.scale), Math.abs(f / a)), Math.cbrt(u) * Math.abs(x))
  return L > 0 && Number.isFinite(L) ? L : t.scale
}

/**
 * The scale of a one-element tensor (centre 0), which has no neighbours to take a spread from. Two
 * readings of its value x compete: f varies on the unit scale (the max(|x|, 1) of numdifftools and
 * scipy), or on |x| itself (as a tensor of equal values does: its RMS). A step on a scale λ× too large
 * errs by ≈ λ²/3 times the optimal error (truncation), on one λ× too small by ≈ 2λ/3 (round-off); for
 * 0 < |x| < 1, L = |x|^α is λ = |x|^(α−1) too large under the one and |x|^(−α) too small under the other,
 * and the worst of the two is least where 2(α − 1) = −α: L = |x|^(2/3), off by |x|^(−1/3) and |x|^(−2/3)
 * at most. Its step (3r)^(1/3)·|x|^(2/3) stays within |x| while |x| ≥ 3r; below 3u no reading of |x| is
 * served, and x is within 3 ulps of the unit scale's 0: it moves as 0 does, on the unit scale
 * (`coordinateScale` narrows that by |f/a| and widens it by |x|).
 */
export function scalarScale(x: number, u: number): number {
  const v = Math.abs(x)
  return v >= 3 * u && v < 1 ? v ** (2 / 3) : 1
}

/**
 * Centre and spread of each tensor: its mean and standard deviation, so a tensor of positions near
 * 6.4e6 m that differ by metres moves by metres, not by its magnitude. A tensor whose values are all
 * equal has no spread to take: it is centred at 0 with its RMS as scale, else the RMS of all
 * parameters, else 1 (all-zero biases still need a step). A scalar has no neighbours either: centre 0
 * and `scalarScale`, with u of the precision it is stored in.
 */
export function tensorScales(blocks: readonly Block[]): Spread[] {
  const moments = blocks.map((b) => {
    let s = 0
    let s2 = 0
    for (let i = 0; i < b.size; i++) {
      const v = b.get(i)
      s += v
      s2 += v * v
    }
    const mean = b.size > 0 ? s / b.size : 0
    let dev = 0
    for (let i = 0; i < b.size; i++) dev += (b.get(i) - mean) ** 2
    return { mean, std: b.size > 1 ? Math.sqrt(dev / b.size) : 0, rms: b.size > 0 ? Math.sqrt(s2 / b.size) : 0 }
  })
  const total = Math.sqrt(moments.reduce((s, m, k) => s + m.rms * m.rms * blocks[k]!.size, 0) / Math.max(1, blocks.reduce((s, b) => s + b.size, 0)))
  return moments.map((m, k) => {
    if (blocks[k]!.size === 1) return { centre: 0, scale: scalarScale(blocks[k]!.get(0), UNIT_ROUNDOFF[blocks[k]!.precision]) }
    // A spread within round-off of the values is no spread: equal values stored with a last-bit difference.
    if (m.std > 64 * Number.EPSILON * Math.abs(m.mean)) return { centre: m.mean, scale: m.std }
    return { centre: 0, scale: m.rms > 0 ? m.rms : total > 0 ? total : 1 }
  })
}

export const blockMax = (g: Float64Array): number => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)

/** Per tensor: where its values sit and how far apart (for steps), and the largest |analytic| (the floor of small entries). */
export interface TensorScale {
  value: Spread
  gradient: number
  /**
   * max |aⱼ|·Lⱼ over the tensor: how much the loss changes when a coordinate moves across its scale.
   * Over Lᵢ, it is the gradient scale coordinate i is judged against: the tensor's largest gradient
   * where all coordinates share a scale, and the right one where units differ within a vector.
   */
  change: number
}

/** The scales of a tensor, once the loss at `at` is known. */
export function tensorScale(b: Block, analytic: Float64Array, value: Spread, f0: number, u: number): TensorScale {
  let change = 0
  for (let i = 0; i < b.size; i++) change = Math.max(change, Math.abs(analytic[i]!) * coordinateScale(b.get(i), analytic[i]!, f0, value, u))
  return { value, gradient: blockMax(analytic), change }
}

/** What judging one coordinate needs to know, worked out once. */
export interface Coordinate {
  p: Point
  k: number
  i: number
  x: number
  /** The analytic derivative. */
  a: number
  /** The gradient scale it is judged against (see TensorScale.change). */
  G: number
  /** Noise of the loss relative to its size: at least the precision's unit round-off. */
  r: number
  /** The scale the coordinate moves on, and the first step. */
  L: number
  h: number
  /**
   * The step the noise model calls optimal, (3r)^(1/3)·L (capped at MAX_RELATIVE_STEP·L): f‴ of the
   * size of the derivative over L². With `step: 'auto'`, h is this, or RATIO times it where round-off
   * swamps the quick path's bound there (`firstStep`); the truncation prior scales from it.
   */
  optimal: number
  u: number
  tiny: number
  loss: LossStats
  options: ResolvedOptions
}

/**
 * Relative noise of the loss along a coordinate (or a direction, direction.ts): its noise over the
 * size of the function, taken as the larger of |f(x)| and max(|a|, G)·L, how much f changes across the
 * coordinate's scale (a loss of 1e9 + something small gets steps too small here; the sweep climbs out
 * of that). Where f and the whole gradient are 0 there is nothing to scale by: the precision's own round-off.
 */
export function relativeNoise(loss: LossStats, a: number, G: number, L: number, u: number): number {
  const size = Math.max(Math.abs(loss.value), Math.max(Math.abs(a), G) * L)
  return size > 0 ? Math.min(1, Math.max(u, loss.noise / size)) : u
}

/** The first step of coordinate `i` of tensor `k`: the optimal step for the measured noise, on the coordinate's scale. */
export function coordinate(p: Point, loss: LossStats, t: TensorScale, k: number, i: number): Coordinate {
  const a = p.analytic[k]![i]!
  const x = p.at.original(k, i)
  const o = p.options
  const u = UNIT_ROUNDOFF[p.precision]
  const L = coordinateScale(x, a, loss.value, t.value, u)
  const G = t.change > 0 ? t.change / L : t.gradient
  const r = relativeNoise(loss, a, G, L, u)
  // Optimal steps (docs/numerics.md, "The error of one difference"): central h* = (3ε/|f‴|)^(1/3),
  // forward h* = 2(ε/|f″|)^(1/2), with f's derivatives of the size f/Lⁿ.
  const relStep = Math.min(K.MAX_RELATIVE_STEP, o.method === 'forward' ? 2 * Math.sqrt(r) : Math.cbrt(3 * r))
  const optimal = relStep * L
  const h = o.step !== 'auto' ? o.step : o.method === 'central' ? firstStep(optimal, Math.max(loss.noise, u * Math.abs(loss.value), SMALLEST[p.precision]), r, L, Math.max(Math.abs(a), G)) : optimal
  return { p, k, i, x, a, G, r, L, h, optimal, u, tiny: SMALLEST[p.precision], loss, options: o }
}

/**
 * The first step of an automatic central difference: the optimal step h*, or one level of the sweep up,
 * RATIO·h*, where the quick path's bound is smaller there. Where f is a large constant plus a small
 * variation (a loss of 1e9 + something), the noise ε ≈ u·|f| is large beside how much f changes along the
 * coordinate while r = ε/|f| stays ≈ u, so h* is the step for a loss with no offset and its round-off ε/h*
 * swamps the bound. That bound (`quickBound` in verdict.ts), before the measured gap is known, is
 * B(s) = ε/s + TRUNCATION_PRIOR·(3r)^(2/3)·(s/h*)²·m, here with m = max(|a|, G): judged on the gradient
 * scale, so that a derivative far below it (where f″, or a ReLU's jump of slope, dominates a) does not
 * grow the step. B(RATIO·h*) < B(h*) where the round-off at h* is more than RATIO·(RATIO + 1) = 20 times the
 * prior there, i.e. where B is least beyond 10^(1/3)·h* = 2.15·h*. One level and no further: the smallest
 * level of the ladder is then h* itself, so a kink h* does not straddle is not straddled at that level either.
 */
export function firstStep(optimal: number, eps: number, r: number, L: number, m: number): number {
  const up = Math.min(RATIO * optimal, K.MAX_RELATIVE_STEP * L)
  const bound = priorBound(optimal, eps, r, m)
  return bound(up) < bound(optimal) ? up : optimal
}

/** The quick path's bound at step s before any gap is measured: round-off ε/s plus the truncation prior, which scales with s² from h*. */
const priorBound = (optimal: number, eps: number, r: number, m: number) => (s: number): number =>
  eps / s + K.TRUNCATION_PRIOR * Math.cbrt(3 * r) ** 2 * (s / optimal) ** 2 * m

/**
 * A step to try before the first: the level of the ladder h·RATIOᵏ (k = −1 or k ≥ 1, at most
 * MAX_RELATIVE_STEP·L) where the quick path's bound is least, with the derivative judged as the quick
 * path judges it, m = max(|a|, PRIOR_FLOOR·G). One level below h where the truncation prior outweighs the
 * round-off there more than 16/5 times (most weights); above h where round-off swamps the bound (a
 * derivative small beside the gradient scale in float32, a loss far larger than its variation). What
 * checkCoordinate does with the trial's difference: src/modes/coordinates.ts. Undefined where h itself
 * is that level, and for anything but an automatic central difference.
 */
export function trialStep(c: Coordinate): number | undefined {
  const o = c.options
  if (o.step !== 'auto' || o.method !== 'central') return undefined
  const bound = priorBound(c.optimal, noiseAt(c, c.loss.value), c.r, Math.max(Math.abs(c.a), K.PRIOR_FLOOR * c.G))
  const top = K.MAX_RELATIVE_STEP * c.L
  if (!(c.h > 0 && c.h < top && Number.isFinite(top))) return undefined
  let best = bound(c.h / RATIO) < bound(c.h) ? c.h / RATIO : c.h
  for (let s = c.h * RATIO; s <= top * (1 + 1e-12); s *= RATIO) if (bound(s) < bound(best)) best = s
  return best !== c.h ? best : undefined
}
