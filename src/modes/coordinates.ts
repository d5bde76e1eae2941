import { lossAt } from '../engine/calls.js'
import { type LossStats, measureLoss, remeasure, tensorNoise } from '../engine/noise.js'
import type { Check } from '../engine/drive.js'
import type { Point } from '../engine/point.js'
import { type Coordinate, type TensorScale, coordinate, tensorScale, tensorScales, trialStep } from '../engine/scale.js'
import { localNoise, withNoise } from '../engine/local.js'
import { climb, firstLevel, sweep } from '../engine/sweep.js'
import { NEGLIGIBLE, RATIO, SCALAR_RETRIES, UNIT_ROUNDOFF } from '../engine/constants.js'
import { type Judged, type Verdictless, clearedByFirst, disagrees, judge, secondStep, stepsOf } from '../engine/verdict.js'
import { type Level, level } from '../engine/differences.js'
import { multiIndex, pathOf } from '../params/flatten.js'
import { random, sampleIndices } from '../random.js'
import type { Entry } from '../report/types.js'

/**
 * Checks coordinate `i` of tensor `k`: one difference (at the trial step, where the quick bound is
 * tightest, then at h), and where its disagreement is not clearly within the prior bound, a sweep over
 * steps 4h, h, h/4 (and larger where round-off dominates) that yields a Richardson estimate, its error,
 * kink evidence and the trend of the disagreement.
 */
export function* checkCoordinate(p: Point, loss: LossStats, t: TensorScale, k: number, i: number): Check<Judged & { step: number }> {
  const c = coordinate(p, loss, t, k, i)
  const tried = trialStep(c)
  const trial = tried === undefined ? undefined : yield* level(c, tried)
  const cleared = trial && clearedByFirst(c, trial, NEGLIGIBLE.weak)
  if (trial && cleared) return { ...cleared, step: trial.s, steps: stepsOf([trial]) }
  let before = trial ? [trial] : []
  const against = trial !== undefined && disagrees(c, trial)
  // A trial above h disagrees beyond its bound, which is tighter than any the first step can reach: a bug
  // smaller than the round-off at h would pass there. The trial's own sweep decides whether f is
  // smooth on its scale; only a bug found there stands, anything else is judged from h as without it.
  if (trial && against && trial.s > c.h) {
    const ct = { ...c, h: trial.s }
    const { judged, evidence } = yield* verdictOf(ct, yield* sweep(ct, { level: trial }))
    if (judged.failed) return { ...judged, step: trial.s, steps: stepsOf(evidence) }
    before = evidence
  }
  // A trial below h that disagrees is evidence h's looser bound must not clear: the sweep from h, with the
  // trial as its level below, weighs it.
  const below = trial !== undefined && against && trial.s < c.h
  const first = yield* firstLevel(c)
  const step = first.level.s
  const atH = clearedByFirst(c, first.level)
  const quick = below ? undefined : atH
  if (quick !== undefined) return { ...quick, step, steps: stepsOf([...before, first.level]) }
  // The steps as asked, not as the storage achieved them: the sweep reuses a level it is given at h/4 (or 4h)
  // only where the step is that one exactly, and would otherwise call the loss there again.
  const s = below ? tried : secondStep(c, first.level)
  const second = s === undefined ? undefined : { step: s, level: trial !== undefined && s === tried ? trial : yield* level(c, s) }
  const again = second && !below && clearedByFirst(c, second.level)
  if (second && again) return { ...again, step: second.level.s, steps: stepsOf([...before, first.level, second.level].filter(unique)) }
  const { judged, evidence } = yield* verdictOf(c, yield* sweep(c, first, second))
  const levels = first.up === undefined ? evidence : [first.level, ...evidence]
  const steps = stepsOf([...before, ...levels].filter(unique))
  // A disagreement that grows as the step shrinks is round-off's story, not a bug's: where the trial below
  // h alone stood against h's own clearance, h's bound decides, as without the trial.
  if (below && atH !== undefined && judged.failed && judged.reason.kind === 'sweep' && judged.reason.trend === 'grows') return { ...atH, step, steps }
  return { ...judged, step, steps }
}

/**
 * The verdict on a swept ladder, and the levels it rests on. A bug the sweep finds is weighed once more
 * against the coordinate's own noise (`localNoise`, 2·LOCAL_POSITIONS.length calls): where the loss is
 * noisier along it than the probe measured, the ladder is judged again with that noise, climbing where
 * round-off now dominates.
 */
function* verdictOf(c: Coordinate, swept: Level[]): Check<{ judged: Verdictless; evidence: Level[] }> {
  const ladder = [...swept]
  const judged = judge(c, ladder, yield* climb(c, ladder))
  if (!(judged.verdict === 'bug' && judged.reason.kind === 'sweep')) return { judged, evidence: ladder }
  const own = yield* localNoise(c, ladder)
  // Its pairs are off the sweep's ladder and not shown, except where one met a NaN or ±∞: that is
  // evidence the entry keeps, and the warning counts.
  const odd = own.levels.filter((l) => !l.finite)
  const noisier = withNoise(ladder, own.noise)
  if (noisier.every((l, j) => l === ladder[j])) return { judged, evidence: [...ladder, ...odd] }
  return { judged: judge(c, noisier, yield* climb(c, noisier)), evidence: [...noisier, ...odd] }
}

/**
 * Each step once: as last seen (the trial may be the sweep's level above h, which the audit may have given
 * more noise), or as first seen where that met a NaN or ±∞, so the entry keeps the evidence and the warning counts it.
 */
const unique = (l: Level, j: number, all: Level[]): boolean => {
  const same = all.filter((m) => m.s === l.s)
  return (same.find((m) => !m.finite) ?? same[same.length - 1]) === l && all.indexOf(l) === j
}

export function entryOf(p: Point, k: number, i: number, j: Judged & { step: number }): Entry {
  const b = p.at.blocks[k]!
  const a = p.analytic[k]![i]!
  const n = j.numeric
  const absoluteError = Math.abs(a - n)
  const m = Math.max(Math.abs(a), Math.abs(n))
  return {
    path: pathOf(b.name, b.shape, i),
    name: b.name,
    index: multiIndex(b.shape, i),
    value: p.at.original(k, i),
    analytic: a,
    ...j,
    absoluteError,
    relativeError: m === 0 ? 0 : absoluteError / m,
    sign: a * n < 0,
    digits: digitsOf(absoluteError, j.tolerance, m),
  }
}

/** Significant digits: agreeing, and resolvable by the bound; 17 stands for all a float64 has. */
function digitsOf(error: number, tolerance: number, m: number): { agree: number; resolvable: number } {
  const digits = (ratio: number): number => (ratio === 0 ? 17 : Number.isFinite(ratio) ? Math.max(0, Math.min(17, Math.floor(-Math.log10(ratio)))) : 0)
  return m === 0 ? { agree: 17, resolvable: 0 } : { agree: digits(error / m), resolvable: digits(tolerance / m) }
}

/** What the per-coordinate mode found: the entries, the tensors' scales, and the loss measured before and after. */
export interface Coordinates {
  point: Point
  entries: Entry[]
  scales: TensorScale[]
  loss: LossStats
}

/**
 * What every mode starts with: the loss measured at `at` (its noise, and the precision it runs in,
 * which the point then carries), and each tensor's scales once the loss at `at` is known.
 */
export function* measured(declared: Point): Check<{ p: Point; stats: LossStats; scales: TensorScale[] }> {
  const values = tensorScales(declared.at.blocks)
  const stats = yield* measureLoss(declared, values)
  const p: Point = { ...declared, precision: stats.precision }
  const scales = p.at.blocks.map((b, k) => tensorScale(b, p.analytic[k]!, values[k]!, stats.value, UNIT_ROUNDOFF[p.precision]))
  return { p, stats, scales }
}

/** The loss's noise as each tensor alone moves, measured where it may matter: `perTensor`. */
export interface PerTensor {
  /** The stats tensor k is judged with: its own noise (`tensorNoise`), measured at its first use. */
  of(k: number): Check<LossStats>
  /**
   * Coordinate i of tensor k, checked with the probe's noise; checked again with the tensor's own where
   * that could change the verdict: the disagreement is beyond its estimated error (what the estimate
   * says a right gradient stays within; the tolerance is SAFETY times it) and nothing failed, so a
   * bound loosened by another tensor's round-off may be hiding a bug. Only there are its 12 calls spent.
   */
  check(k: number, i: number): Check<Judged & { step: number }>
  /** The stats the report gets, with the NaNs and ±∞ the tensors' probes met. */
  closed(last: LossStats): LossStats
}

/** Every difference exactly 0 at every step tried: the loss did not move at all. */
const flat = (j: Judged): boolean => j.steps.length > 0 && j.steps.every((l) => l.finite && l.forward === 0 && l.backward === 0)

export function perTensor(p: Point, scales: readonly TensorScale[], stats: LossStats): PerTensor {
  const own: LossStats[] = []
  const values = scales.map((t) => t.value)
  let nonFinite = 0
  function* of(k: number): Check<LossStats> {
    if (own[k] === undefined) {
      const measured = yield* tensorNoise(p, values, stats, k)
      own[k] = measured.stats
      nonFinite += measured.nonFinite
    }
    return own[k]!
  }
  function* check(k: number, i: number): Check<Judged & { step: number }> {
    const first = yield* narrowed(k, i, stats)
    const j = first.failed && flat(first) ? yield* coarser(k, i, first) : first
    if (j.failed || !(Math.abs(p.analytic[k]![i]! - j.numeric) > j.estimatedError)) return j
    const mine = yield* of(k)
    return mine === stats ? j : yield* narrowed(k, i, mine)
  }
  // Every step left the loss exactly as it was, and a ≠ 0 convicts: either the loss ignores x (a bug) or its grain is
  // coarser than the noise measured (a staircase: float32 cancel-affine 8102, out of sample, a loss of −2048 whose big
  // intermediate rounds it to steps the probe's moves never crossed; every weight a "bug" at numeric 0). Larger steps
  // tell them apart: where the loss first moves, within the coordinate's scale L, that change is its grain, and the
  // coordinate is checked again with the noise raised to it; a loss that never moves there keeps the conviction.
  function* coarser(k: number, i: number, j: Judged & { step: number }): Check<Judged & { step: number }> {
    const c = coordinate(p, stats, scales[k]!, k, i)
    let s = Math.max(...j.steps.map((l) => l.h))
    // Up to the coordinate's scale, however far: from a first step of (3u)^⅓·L that is 8 calls at most in float64.
    while (Number.isFinite(c.L) && (s *= RATIO) <= c.L) {
      const { f } = yield* lossAt(p.at, k, i, c.x + s)
      // A NaN or ±∞ here is in no entry's steps: counted with the probes' for the report's warning.
      if (!Number.isFinite(f)) return (nonFinite++, j)
      if (f !== stats.value) return yield* narrowed(k, i, { ...stats, noise: Math.max(stats.noise, Math.abs(f - stats.value)) })
    }
    return j
  }
  // A one-element tensor's scale is a hedge between its value and the unit scale (`scalarScale`), which
  // |f/a| narrows where the loss varies on less; an analytic derivative of exactly 0 narrows nothing, and
  // where the loss varies on far less than the hedge the steps see only its far field: a weak estimate, or
  // a kink at distance 0 with 0 between the far field's slopes. There the scale, centred on the value (so
  // |x| does not set it), shrinks by RATIO³ (three sweep levels) up to SCALAR_RETRIES times, until a verdict
  // is conclusive and not a kink; a real kink stays one at every scale, and the first verdict stands.
  function* narrowed(k: number, i: number, loss: LossStats): Check<Judged & { step: number }> {
    let t = scales[k]!
    const j = yield* checkCoordinate(p, loss, t, k, i)
    // Or a difference of exactly 0 as well: a far field that saturates (f(x + h) = f(x − h) bit for bit at a step
    // of 1774 on a scalar at −30709, float64 far-centred 31192, out of sample) says 0 as a loss that ignores x does.
    const farField = (v: Judged): boolean => (v.verdict === 'inconclusive' && v.reason.kind === 'weak') || v.kink || v.numeric === 0
    if (!(p.at.blocks[k]!.size === 1 && p.analytic[k]![i] === 0 && farField(j))) return j.kink ? yield* besideKink(k, i, loss, j, t) : j
    const x = p.at.original(k, i)
    for (let n = 0; n < SCALAR_RETRIES; n++) {
      t = { ...t, value: { centre: x, scale: t.value.scale / RATIO ** 3 } }
      // The probe moved it on the old scale, where its cubic may have read f's shape as noise: the noise
      // as it alone moves on the new one, where that is lower (`tensorNoise`).
      const measured = yield* tensorNoise(p, values, loss, k, t.value)
      nonFinite += measured.nonFinite
      const again = yield* checkCoordinate(p, measured.stats, t, k, i)
      if (!farField(again) && again.verdict !== 'inconclusive') return again
    }
    return j
  }
  // A kink the steps straddle at a distance d > 0 from x is not at x: f is differentiable there, with the near
  // side's slope, and the slopes the straddling steps read mix both sides (their slack grows with the jump,
  // so a value well outside both sides was accepted). On a scale centred on x of d itself the steps stay
  // on x's side: a conclusive verdict there that sees no kink, with a bound no looser, replaces the kink's;
  // anything else (round-off that cannot resolve d, a nearer kink the new steps straddle) leaves it as it was.
  function* besideKink(k: number, i: number, loss: LossStats, j: Judged & { step: number }, t: TensorScale): Check<Judged & { step: number }> {
    if (j.reason.kind !== 'kink' || !(j.reason.distance > 0) || p.options.step !== 'auto') return j
    const x = p.at.original(k, i)
    // The gradient scale stays the one x was judged on: G = change/L would grow as the scale narrows and make
    // every derivative negligible beside it (float32 hinge seed 30: a first difference with 11 % of slack cleared).
    const { G } = coordinate(p, loss, t, k, i)
    const again = yield* checkCoordinate(p, loss, { ...t, value: { centre: x, scale: j.reason.distance / RATIO }, change: 0, gradient: G }, k, i)
    // No looser than the kink's own judgement: steps on d may be too small for the precision to resolve anything
    // (float32 demo CNN seed 18: at 1.3e-7 the loss did not move, a first difference of 0 within a bound of 18).
    return !again.kink && (again.verdict === 'ok' || again.verdict === 'bug') && again.tolerance <= j.tolerance ? again : j
  }
  return { of, check, closed: (last) => ({ ...last, nonFinite: last.nonFinite + nonFinite }) }
}

/**
 * The per-coordinate mode: measures the loss, then checks `sample` coordinates of every tensor (all
 * of a smaller one) one by one, drawn with `seed`, and calls the loss once more at `at`.
 */
export function* checkCoordinates(declared: Point): Check<Coordinates> {
  const { p, stats, scales } = yield* measured(declared)
  const { blocks } = p.at
  const next = random(p.options.seed)
  const entries: Entry[] = []
  p.progress?.enter('coordinates', 2 * blocks.reduce((s, b) => s + Math.min(b.size, p.options.sample === 'all' ? b.size : p.options.sample), 0) + 1)
  const own = perTensor(p, scales, stats)
  for (let k = 0; k < blocks.length; k++) {
    const b = blocks[k]!
    const indices = sampleIndices(b.size, p.options.sample === 'all' ? b.size : p.options.sample, next)
    for (const i of indices) entries.push(entryOf(p, k, i, yield* own.check(k, i)))
  }
  return { point: p, entries, scales, loss: own.closed(yield* remeasure(stats)) }
}
