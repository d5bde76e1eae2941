import { lossAlong } from './calls.js'
import { DIRECTIONS, K, RATIO, SMALLEST, UNIT_ROUNDOFF } from './constants.js'
import { type Along, type Level, level } from './differences.js'
import { localNoise, withNoise } from './local.js'
import type { Call, Check } from './drive.js'
import type { LossStats } from './noise.js'
import type { Point } from './point.js'
import { type Coordinate, type TensorScale, coordinateScale, relativeNoise } from './scale.js'
import { type Estimate, extrapolate } from './extrapolate.js'
import { smooth, sweep, unlikeTruncation } from './sweep.js'
import { agree, bound } from './tolerance.js'
import { type Judged, judge, stepsOf } from './verdict.js'

/**
 * A unit vector over some coordinates of one tensor: a direction to difference the loss along. A
 * direction is per tensor, so a failure is blamed on a tensor at once.
 */
export interface Direction {
  k: number
  kind: 'random' | 'gradient' | 'part'
  /** The coordinates it moves (flat indices into tensor k), and its components there: Σ v² = 1. */
  indices: Int32Array
  v: Float64Array
  /** Halvings from the direction localisation started from (0 for a direction tested first). */
  depth: number
}

/**
 * A seeded Rademacher direction over `indices`: every component ±1/√m, none tiny, so a wrong weight
 * anywhere moves ∇f·v by its own error over √m — and the test is judged on the error of this one
 * difference, never on a tolerance grown with m (pytorch#59650).
 */
export function randomDirection(k: number, indices: Int32Array, next: () => number): Direction {
  const c = 1 / Math.sqrt(indices.length)
  const v = new Float64Array(indices.length)
  for (let j = 0; j < v.length; j++) v[j] = next() < 0.5 ? -c : c
  return { k, kind: 'random', indices, v, depth: 0 }
}

/**
 * The analytic gradient's own direction g/‖g‖ over `indices`: an error shared by the whole tensor,
 * a·(1 + δ), adds up coherently there to δ‖g‖, while one difference along it has the noise of one
 * coordinate's (docs/numerics.md §8). Undefined where g is 0 there.
 */
export function gradientDirection(k: number, indices: Int32Array, g: Float64Array): Direction | undefined {
  let norm = 0
  for (const i of indices) norm += g[i]! * g[i]!
  norm = Math.sqrt(norm)
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined
  const v = new Float64Array(indices.length)
  for (let j = 0; j < v.length; j++) v[j] = g[indices[j]!]! / norm
  return { k, kind: 'gradient', indices, v, depth: 0 }
}

/**
 * Positions [from, to) of direction `d` as a direction of its own, renormalised, and `weight`, the
 * length of that piece of d: d = Σ weight·part over its parts, so the directional derivatives add up
 * the same way (the derivative is linear in the direction, the loss along it is not).
 */
export function partOf(d: Direction, from: number, to: number): { part: Direction; weight: number } {
  const v = d.v.slice(from, to)
  let norm = 0
  for (const x of v) norm += x * x
  norm = Math.sqrt(norm)
  for (let j = 0; j < v.length; j++) v[j] = v[j]! / norm
  return { part: { k: d.k, kind: 'part', indices: d.indices.slice(from, to), v, depth: d.depth + 1 }, weight: norm }
}

/** The analytic directional derivative g·v. */
export function analyticAlong(g: Float64Array, d: Direction): number {
  let a = 0
  for (let j = 0; j < d.indices.length; j++) a += g[d.indices[j]!]! * d.v[j]!
  return a
}

/** The analytic derivative along d: g·v, or the point's own `along` (a JVP) where it has one. */
export function* analyticOf(p: Point, d: Direction): Check<number> {
  return p.along === undefined ? analyticAlong(p.analytic[d.k]!, d) : yield* p.along(d)
}

/**
 * Before coordinate i of tensor k is checked one by one: a point that derives along directions
 * learns its analytic entry there (the derivative along eᵢ), which the coordinate's check reads.
 */
export function* learnCoordinate(p: Point, k: number, i: number): Check<void> {
  if (p.along === undefined) return
  const g = p.analytic[k]! as Float64Array
  g[i] = yield* p.along({ k, kind: 'part', indices: Int32Array.of(i), v: Float64Array.of(1), depth: -1 })
}

const describeDirection = (name: string, d: Direction): string =>
  d.kind === 'gradient' ? `along the gradient of ${name}` : d.kind === 'random' ? `along a random direction over ${d.indices.length} coordinates of ${name}` : `along a part of ${d.indices.length} coordinates of ${name}`

/**
 * The direction as a coordinate: x is the step t along it (0 at `at`), a the analytic g·v, and the
 * scale it moves on the tensor's (a move of length L shifts each coordinate by L/√m at most: no more
 * than moving one coordinate across its scale), narrowed to |f/a| like a coordinate's. The gradient
 * scale G is the tensor's largest |gᵢ|: the round-off of g·v over a unit v is that of one entry.
 */
export function directionCoordinate(p: Point, loss: LossStats, t: TensorScale, d: Direction, a: number, start?: number): Coordinate & Along {
  const g = p.analytic[d.k]!
  const u = UNIT_ROUNDOFF[p.precision]
  const L = coordinateScale(0, a, loss.value, { centre: 0, scale: t.value.scale }, u)
  const G = t.gradient
  const r = relativeNoise(loss, a, G, L, u)
  const o = p.options
  const h = o.step !== 'auto' ? o.step : start ?? Math.min(K.MAX_RELATIVE_STEP, Math.cbrt(3 * r)) * L
  const b = p.at.blocks[d.k]!
  const where = describeDirection(b.name, d)
  const along = (s: number): Check<{ x: number; f: number }> => lossAlong(p.at, d.k, d.indices, d.v, s, g, `${where} (t = ${s})`)
  return { p, k: d.k, i: -1, x: 0, a, G, r, L, h, optimal: h, u, tiny: SMALLEST[p.precision], loss, options: o, along }
}

/** Runs `check`, counting the calls it yields. */
export function* counted<T>(check: Check<T>): Check<{ value: T; calls: number }> {
  let calls = 0
  let step = check.next()
  while (!step.done) {
    calls++
    let reply: unknown
    try {
      reply = yield step.value as Call
    } catch (error) {
      step = check.throw(error)
      continue
    }
    step = check.next(reply)
  }
  return { value: step.value, calls }
}

/** A direction's verdict with its evidence: the analytic and numeric derivatives along it and the bound. */
export interface DirectionResult extends Judged {
  direction: Direction
  analytic: number
  /** The first step along the direction. */
  step: number
  /** The largest step whose level the estimate kept: where its parts start (their loss along them is as smooth). */
  settled: number
  calls: number
}

/**
 * Round-off dominates the estimate: it is half the bound or more, or — the coordinate climb's second
 * test (`climb` in sweep.ts) — the top three levels' differences do not grow 16× per level as
 * truncation's would (a lower pair more than a quarter of the upper). The second is what a level's
 * bound needs in the noise: its truncation part, |D(s) − D(s/4)|, is then the round-off of the level
 * below (4× its own), so the first test alone stops the climb where it should start (a 10⁶-coordinate
 * loss summed in float64, whose noise is ~√n ulps of f).
 */
function roundoffDominates(ladder: readonly Level[], estimate: Estimate): boolean {
  if (estimate.roundoff >= estimate.err / 2) return true
  const [small, mid, large] = ladder.slice(-3)
  if (large === undefined || !small!.finite || !mid!.finite || !large.finite) return false
  return unlikeTruncation(small!, mid!, large)
}

/**
 * Larger steps while round-off dominates the bound, for as long as the levels stay smooth, the
 * bound falls and the estimates agree (the engine's climb, with the condition a direction needs: it
 * is there to see one weight's error over √m, far below the COARSE share of the derivative the
 * coordinate climb stops at). Up to `reach`: where no coordinate moves more than MAX_RELATIVE_STEP
 * of its tensor's scale, as a coordinate's own step never does (L itself where |f/a| narrowed it).
 */
function* climbAlong(c: Coordinate, swept: Level[], reach: number, enough?: (e: Estimate) => boolean): Check<{ ladder: Level[]; estimate: Estimate; settled: number; early: boolean }> {
  const ignore = c.options.kinks === 'ignore'
  let ladder = auditedAlong(swept)
  let estimate = extrapolate(ladder, ignore)
  let settled = c.h
  for (let climbed = 0; climbed < DIRECTIONS.MAX_CLIMB && roundoffDominates(ladder, estimate); climbed++) {
    if (enough?.(estimate)) return { ladder, estimate, settled, early: true }
    const top = ladder[ladder.length - 1]!
    const step = top.s * RATIO
    if (step > reach || !top.finite) break
    const next = auditedAlong([...ladder, yield* level(c, step)])
    if (!smooth(next[next.length - 1]!, next[next.length - 2]!)) break
    const better = extrapolate(next, ignore)
    if (!(better.err < estimate.err) || !agree(better.numeric, better.err, estimate.numeric, estimate.err)) break
    ladder = next
    estimate = better
    settled = step
  }
  return { ladder, estimate, settled, early: false }
}

/**
 * The round-off the central differences themselves show, as `audited` in sweep.ts reads it from the
 * gaps. Smooth, a lower pair of levels differs by truncation 16× less than the pair above it; a lower
 * pair that differs by more than a quarter of it (the test of `roundoffDominates`) differs by round-off,
 * |D(s) − D(4s)| ≤ ε/s + ε/4s, so ε ≥ |D(s) − D(4s)|·s/(1 + 1/RATIO), and every level's noise is raised
 * to at least that over its step. The probe can measure ε several times too low (its two sides
 * disagreeing, the quieter kept: 3 of 20 seeds of a 10⁴-term sum); a direction's lowest level then errs
 * beyond its bound, and with the estimate anchored there, `agree` refuses the climb that would cure it.
 */
function auditedAlong(levels: readonly Level[]): Level[] {
  let eps = 0
  for (let j = 0; j + 2 < levels.length; j++) {
    const [small, mid, large] = [levels[j]!, levels[j + 1]!, levels[j + 2]!]
    if (!small.finite || !mid.finite || !large.finite) continue
    if (unlikeTruncation(small, mid, large)) eps = Math.max(eps, (Math.abs(small.central - mid.central) * small.s) / (1 + 1 / RATIO))
  }
  return levels.map((l) => (eps / l.s > l.noise ? { ...l, noise: eps / l.s } : l))
}

/**
 * One directional test, judged with the same evidence as one coordinate: the measured noise, a step
 * sweep h/4, h, 4h (more where needed) with Richardson's error bound, `bound` and `agree`. Always
 * swept: a prior that clears one difference would admit 1e-3 of the derivative in float32, the very
 * tensor-wide error the gradient direction is there to see; a few calls per tensor buy the evidence.
 */
export function* checkDirection(p: Point, loss: LossStats, t: TensorScale, d: Direction, start?: number, weigh = true, resolution?: number): Check<DirectionResult> {
  const c = directionCoordinate(p, loss, t, d, yield* analyticOf(p, d), start)
  const run = function* (): Check<Judged & { settled: number }> {
    const first = yield* level(c, c.h)
    const ladder = yield* sweep(c, { level: first })
    let largest = 0
    let smallest = Infinity
    for (const x of d.v) {
      largest = Math.max(largest, Math.abs(x))
      smallest = Math.min(smallest, Math.abs(x))
    }
    // Not L itself where L is the scale: over few coordinates each moves by most of the step, and at a tensor's own
    // scale truncation can plateau between two levels, which Richardson's two-level bound reads as converged.
    const reach = c.L < t.value.scale ? c.L : (K.MAX_RELATIVE_STEP * t.value.scale) / largest
    // An error δ in coordinate j moves g·v by δ·vⱼ: once the estimate agrees within an error that resolves, in every
    // coordinate it moves, as small a δ as the tensor's coordinates checked one by one resolve (`resolution`, their
    // median estimated error), climbing on would only see errors no sampled weight could. A direction that does not
    // agree there climbs on as before: stopping early never convicts.
    const enough = resolution === undefined ? undefined : (e: Estimate): boolean => e.err <= resolution * smallest && Math.abs(c.a - e.numeric) <= bound(c, e.err, Math.max(Math.abs(c.a), Math.abs(e.numeric)))
    let climbed = yield* climbAlong(c, ladder, reach, enough)
    let judged = judge(c, climbed.ladder, climbed.estimate)
    if (climbed.early && judged.verdict !== 'ok') {
      const on = yield* climbAlong(c, climbed.ladder, reach)
      climbed = { ...on, settled: Math.max(climbed.settled, on.settled) }
      judged = judge(c, climbed.ladder, climbed.estimate)
    }
    // A bug the sweep finds is weighed again against the loss's own noise along the direction (local.ts),
    // unless `weigh` is false: localisation's parts, where a conviction only says where to look next (the
    // coordinate found is weighed by its own check), and 8 calls at each of ~20 levels would double the search.
    if (!(weigh && judged.verdict === 'bug' && judged.reason.kind === 'sweep')) return { ...judged, steps: stepsOf(climbed.ladder), settled: climbed.settled }
    const noisier = withNoise(climbed.ladder, (yield* localNoise(c, climbed.ladder)).noise)
    if (noisier.every((l, j) => l === climbed.ladder[j])) return { ...judged, steps: stepsOf(climbed.ladder), settled: climbed.settled }
    const again = yield* climbAlong(c, noisier, reach)
    return { ...judge(c, again.ladder, again.estimate), steps: stepsOf(again.ladder), settled: Math.max(climbed.settled, again.settled) }
  }
  const { value, calls } = yield* counted(run())
  return { ...value, direction: d, analytic: c.a, step: c.h, calls }
}
