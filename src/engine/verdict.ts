import type { Reason, Step, Trend, Verdict } from '../report/types.js'
import { K, NEGLIGIBLE, RATIO } from './constants.js'
import type { Level } from './differences.js'
import { type Estimate, extrapolateOneSided } from './extrapolate.js'
import { blurredKink, judgeKinkAt, kinkBase, kinkEvidence } from './kinks.js'
import type { Coordinate } from './scale.js'
import { smooth } from './sweep.js'
import { bound, coarse, share, weak } from './tolerance.js'

/** The verdict on one coordinate, with its evidence. */
export interface Judged {
  numeric: number
  estimatedError: number
  tolerance: number
  verdict: Verdict
  failed: boolean
  kink: boolean
  slopes?: [number, number]
  reason: Reason
  steps: Step[]
}

export type Verdictless = Omit<Judged, 'steps'>

/** The levels as evidence, largest step first. */
export const stepsOf = (levels: readonly Level[]): Step[] =>
  [...levels].sort((x, y) => y.s - x.s).map((l) => ({ kind: l.kind, h: l.s, central: l.central, forward: l.forward, backward: l.backward, noise: l.noise, finite: l.finite, moved: l.moved }))

/**
 * One difference clears a weight when the disagreement is within a prior bound and that bound is
 * small beside the derivative. Truncation f‴h²/6 is unknown from one difference: the prior allows
 * TRUNCATION_PRIOR times gap·(h/L)/6, what the measured gap |f″|·h gives with f‴ of the size f″/L,
 * plus the relative accuracy of the optimal step, (3r)^(2/3), of the derivative, or of PRIOR_FLOOR of
 * the gradient scale G for an entry far below it (where f″ vanishes and f‴ does not, as for x³ near 0).
 * Returns undefined when the weight must be swept.
 */
export function clearedByFirst(c: Coordinate, first: Level, negligible: number = NEGLIGIBLE.clear): Verdictless | undefined {
  if (!first.finite || c.options.method === 'richardson') return undefined
  const { n, err, tolerance } = quickBound(c, first)
  // Not when its whole bound, prior included, is coarse (where f curves faster than its scale says, the
  // gap term alone allows a 10% error), or when the bound is half the derivative or more (down to
  // derivatives `negligible` of the gradient scale: NEGLIGIBLE.clear, 1e-3, a feature 1000× smaller than the
  // others is judged on its own; at the trial step NEGLIGIBLE.weak, as a sweep's verdict judges it).
  const cleared = Math.abs(c.a - n) <= tolerance && !coarse(c, n, err) && share(c, n, err, negligible) < K.WEAK
  if (!cleared) return undefined
  return { numeric: n, estimatedError: err, tolerance, verdict: 'ok', failed: false, kink: false, reason: { kind: 'first-difference' } }
}

/** One difference disagrees with a beyond its quick bound, which is not weak: evidence against a that a sweep must weigh. */
export function disagrees(c: Coordinate, l: Level): boolean {
  if (!l.finite) return false
  const { n, err, tolerance } = quickBound(c, l)
  return Math.abs(c.a - n) > tolerance && !weak(c, n, err)
}

/** One finite difference's bound before a sweep: its round-off, its truncation prior, and what |a − n| may be. */
function quickBound(c: Coordinate, l: Level): { n: number; noise: number; prior: number; err: number; tolerance: number } {
  const n = l.central
  const m = Math.max(Math.abs(c.a), Math.abs(n))
  const prior = c.options.method === 'forward' ? Math.sqrt(c.r) * Math.max(m, c.G) : centralPrior(c, l, m)
  const err = l.noise + prior
  return { n, noise: l.noise, prior, err, tolerance: bound(c, err, m) }
}

/**
 * The truncation prior of one central difference at step s: TRUNCATION_PRIOR times what the gap
 * predicts, gap·(s/L)/6, and what f‴ of the size of the derivative over L² gives: (3r)^(2/3) of the
 * derivative (the relative accuracy of the optimal step) at the optimal step, scaling with s² from there.
 */
export function centralPrior(c: Coordinate, l: Level, m: number): number {
  return K.TRUNCATION_PRIOR * ((l.gap * (l.s / c.L)) / 6 + Math.cbrt(3 * c.r) ** 2 * (l.s / c.optimal) ** 2 * Math.max(m, K.PRIOR_FLOOR * c.G))
}

/**
 * Where one difference did not clear a weight, the step that would tighten its bound most: a quarter
 * of it where the truncation prior outweighs the round-off (f curves faster than its scale says), four
 * times it where round-off does (a loss noisier than its size says, a derivative small beside the
 * gradient scale). Either is a level of the sweep that follows if it does not clear the weight either,
 * so it costs no call the sweep would not make. Only with the automatic step of a central difference;
 * undefined where neither side of the bound is to blame (the disagreement itself is beyond it).
 */
export function secondStep(c: Coordinate, first: Level): number | undefined {
  if (!first.finite || c.options.method !== 'central' || c.options.step !== 'auto') return undefined
  const { n, noise, prior, tolerance } = quickBound(c, first)
  if (Math.abs(c.a - n) > tolerance) return undefined
  return prior > noise ? c.h / RATIO : c.h * RATIO
}

/** How |a − D(s)| moves as the step shrinks over the finite levels: stays (a bug), falls like h² (truncation), grows (round-off). */
export function trendOf(a: number, ladder: readonly Level[]): Trend | undefined {
  const usable = [...ladder].reverse().filter((l) => l.finite)
  if (usable.length < 2) return undefined
  const first = Math.abs(a - usable[0]!.central)
  const last = Math.abs(a - usable[usable.length - 1]!.central)
  if (last < first / K.TREND_FALLS) return 'falls'
  if (last > first * K.TREND_GROWS) return 'grows'
  return 'flat'
}

/**
 * Where no central difference could be formed: steps that never moved x (below its resolution) can
 * tell nothing; next to a domain edge, the finite side's one-sided differences decide, like any
 * estimate with its bound.
 */
function judgeUnusable(c: Coordinate, ladder: readonly Level[]): Verdictless {
  const unknown = { numeric: Number.NaN, estimatedError: Infinity, tolerance: Infinity, verdict: 'inconclusive', failed: false, kink: false } as const
  if (ladder.every((l) => !l.moved)) return { ...unknown, reason: { kind: 'unmoved', step: c.h } }
  for (const side of ['backward', 'forward'] as const) {
    const e = extrapolateOneSided(ladder, side)
    if (!Number.isFinite(e.numeric)) continue
    const m = Math.max(Math.abs(c.a), Math.abs(e.numeric))
    const tolerance = bound(c, e.err, m)
    const base = { numeric: e.numeric, estimatedError: e.err, tolerance, kink: false, reason: { kind: 'one-sided', side } } as const
    if (Math.abs(c.a - e.numeric) > tolerance) return { ...base, verdict: c.loss.deterministic ? 'bug' : 'nondeterministic', failed: true }
    return weak(c, e.numeric, e.err) ? { ...base, verdict: 'inconclusive', failed: false } : { ...base, verdict: 'ok', failed: false }
  }
  const edge = ladder.find((l) => l.moved && !l.finite) ?? ladder[0]!
  return { ...unknown, reason: { kind: 'not-finite', step: edge.s } }
}

/**
 * The disagreement |a − D| still falling at the smallest steps the sweep reached, so the data do not
 * show its limit: at a level where f is not smooth, or at each of the last two levels by more than
 * STILL_FALLING and at the upper one by less than truncation's h² would (TREND_FALLS) — a bug leaves a
 * constant, and truncation over a bug (|β + T·s²|) cannot fall ≥ STILL_FALLING twice in a row without
 * falling ≥ TREND_FALLS at the upper level (kinks at distances of the steps, dropping out one by one
 * as the step shrinks, can).
 */
function stillFalling(c: Coordinate, small: Level, mid: Level, large: Level | undefined): boolean {
  // Only as two finite levels show it: beside a level that is not finite, `smooth` is false for want of
  // evidence, and its central difference (any number, or ±∞) would excuse any disagreement.
  if (!small.finite || !mid.finite) return false
  const a = c.a
  const [ds, dm] = [Math.abs(a - small.central), Math.abs(a - mid.central)]
  if (!(ds < dm / K.STILL_FALLING)) return false
  if (!smooth(mid, small)) return true
  // The h² argument needs steps on f's own scale, which only the automatic step is chosen to be: a fixed
  // step far beyond it (1 on Σ sin x) falls slower than h² with a bug, through higher-order terms.
  if (large === undefined || !large.finite || c.options.step !== 'auto') return false
  const dl = Math.abs(a - large.central)
  return dm < dl / K.STILL_FALLING && dm > dl / K.TREND_FALLS
}

/**
 * The verdict of a swept coordinate. At a kink (evidence at the smallest steps that show one), the
 * one-sided slopes decide; else the Richardson estimate and its bound: within it, ok (or inconclusive
 * where the bound is as large as the derivative); beyond it, a bug.
 */
export function judge(c: Coordinate, ladder: readonly Level[], estimate: Estimate): Verdictless {
  const at = kinkBase(ladder)
  const [small, mid, large] = ladder.slice(at) as [Level, Level, Level, ...Level[]]
  const { numeric, err } = estimate
  const base = { numeric, estimatedError: err, kink: false }
  if (!Number.isFinite(numeric)) return judgeUnusable(c, ladder)
  // An analytic derivative that is NaN or ±∞ (a JVP's: a gradient is checked finite up front) is wrong whatever n is.
  if (!Number.isFinite(c.a)) return { ...base, tolerance: bound(c, err, Math.abs(numeric)), verdict: 'bug', failed: true, reason: { kind: 'analytic-not-finite' } }
  const m = Math.max(Math.abs(c.a), Math.abs(numeric))
  if (c.options.kinks !== 'ignore' && kinkEvidence(small, mid, large)) return judgeKinkAt(c, ladder, at, err, m)
  const tolerance = bound(c, err, m)
  const trend = trendOf(c.a, ladder)
  const swept: Reason = trend === undefined ? { kind: 'sweep' } : { kind: 'sweep', trend }
  if (Math.abs(c.a - numeric) <= tolerance) {
    return weak(c, numeric, err)
      ? { ...base, tolerance, verdict: 'inconclusive', failed: false, reason: { kind: 'weak', error: err } }
      : { ...base, tolerance, verdict: 'ok', failed: false, reason: swept }
  }
  if (c.options.kinks !== 'ignore') {
    const blurred = blurredKink(c, ladder, err, m)
    if (blurred !== undefined) return blurred
  }
  // The sweep's own story must not contradict the verdict: a disagreement that falls like h² to
  // within the bound at the smallest step is truncation, and one that is within it at the largest
  // step and grows as the step shrinks is round-off. Either way a step resolves a, and that is the estimate.
  // Round-off only where the growth is: every smaller step's disagreement within its own noise bound.
  const finite = ladder.filter((l) => l.finite)
  const noiseOnly = finite.slice(0, -1).every((l) => Math.abs(c.a - l.central) <= bound(c, l.noise, m))
  const resolved = trend === 'falls' ? finite[0] : trend === 'grows' && noiseOnly ? finite[finite.length - 1] : undefined
  if (resolved !== undefined && Math.abs(c.a - resolved.central) <= tolerance && !weak(c, resolved.central, err)) {
    // Falling to within the bound resolves a only at a step whose own noise is within the bound too. A fall
    // into a level noisier than that is as much the noise as truncation: the larger steps may alias f (an
    // oscillation they step over, test/limits.test.ts) or the smaller one may agree with a wrong a by chance
    // (float32 tiny 764, out of sample: a missing term's 5 % passed at a level whose noise was 7× the
    // tolerance). Neither ok nor a bug.
    if (trend === 'falls' && bound(c, resolved.noise, m) > tolerance) {
      return { ...base, tolerance, verdict: 'inconclusive', failed: false, reason: { kind: 'not-smooth', trend } }
    }
    return { ...base, numeric: resolved.central, tolerance, verdict: 'ok', failed: false, reason: swept }
  }
  // Still falling at the smallest step the descent reached: f changes faster than any step tried
  // resolves, which says nothing about the gradient.
  if (stillFalling(c, small, mid, large)) {
    return { ...base, tolerance, verdict: 'inconclusive', failed: false, reason: trend === undefined ? { kind: 'not-smooth' } : { kind: 'not-smooth', trend } }
  }
  return { ...base, tolerance, verdict: c.loss.deterministic ? 'bug' : 'nondeterministic', failed: true, reason: swept }
}
