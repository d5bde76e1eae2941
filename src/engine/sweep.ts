import { K, RATIO, SMOOTH_BAND } from './constants.js'
import { type Level, forwardLevel, level } from './differences.js'
import type { Check } from './drive.js'
import { type Estimate, extrapolate } from './extrapolate.js'
import { kinkDistance, kinkEvidence } from './kinks.js'
import type { Coordinate } from './scale.js'
import { agree, coarse } from './tolerance.js'

/** Round-off bound of a one-sided gap: two one-sided differences, each 2ε over s. */
export const gapNoise = (l: Level): number => 4 * l.noise

/** Between two levels of the sweep, f is smooth when the larger gap is what the smaller one predicts (×RATIO), within noise. */
export function smooth(bigger: Level, smaller: Level): boolean {
  if (!bigger.finite || !smaller.finite) return false
  const [bigLo, bigHi] = [bigger.gap - K.KINK_EVIDENCE * gapNoise(bigger), bigger.gap + K.KINK_EVIDENCE * gapNoise(bigger)]
  const [smallLo, smallHi] = [smaller.gap - K.KINK_EVIDENCE * gapNoise(smaller), smaller.gap + K.KINK_EVIDENCE * gapNoise(smaller)]
  return bigHi >= SMOOTH_BAND[0] * smallLo && bigLo <= SMOOTH_BAND[1] * smallHi
}

/**
 * A gap that holds at the next smaller step (same sign, within KINK_GROWTH either way) is a kink's J at
 * x, not noise: round-off's share of a gap grows 4× per level (4ε/s), and a staircase's gap is 0 or
 * ±q/s, never the same at two steps.
 */
function holds(lower: Level | undefined, l: Level): boolean {
  if (lower === undefined || !lower.finite) return false
  return sameGapSign(lower, l) && lower.gap <= K.KINK_GROWTH * l.gap && l.gap <= K.KINK_GROWTH * lower.gap
}

/** D₊ − D₋ has the same sign at both levels, as a kink's jump keeps it. */
export const sameGapSign = (a: Level, b: Level): boolean => Math.sign(a.forward - a.backward) === Math.sign(b.forward - b.backward)

/**
 * The noise the levels themselves show (the probe's tiny moves may not see the round-off of a large
 * intermediate: its staircase can be wider than the whole probe). Three witnesses, each a floor under
 * the noise ε of every level (the third, ties, in `tieStair`):
 * - the gaps: smooth, a gap shrinks with the step (≈ |f″|·s); at a kink it stays or shrinks
 *   (J·(1 − d/s)); only noise makes it grow as the step shrinks: ε ≥ (gap − predicted gap)·s/4;
 * - the central differences at the bottom of the ladder: smooth, D(s) − D(4s) is 1/16 of
 *   D(4s) − D(16s) (truncation ∝ s²); a bottom pair that moves more than a quarter of the pair above
 *   where the two larger levels are smooth, or STAIRCASE times more where they are not (a kink
 *   straddled by the larger steps moves it about as much: not counted; nor anywhere three levels show
 *   a kink), is round-off, and what it
 *   moves beyond a quarter of the pair above is at most ε/s + ε/(4s):
 *   ε ≥ (|D(s) − D(4s)| − |D(4s) − D(16s)|/RATIO)·s·RATIO/(RATIO + 1).
 */
function audited(levels: Level[]): Level[] {
  let eps = 0
  for (let j = 0; j + 1 < levels.length; j++) {
    const smaller = levels[j]!
    const bigger = levels[j + 1]!
    if (smaller.finite && bigger.finite && smaller.gap > K.STAIRCASE * bigger.gap && !holds(levels[j - 1], smaller)) eps = Math.max(eps, ((smaller.gap - bigger.gap) * smaller.s) / 4)
  }
  const [s, mid, large] = levels
  // Not where three consecutive levels show a kink (the one detector, on the levels' own noise): a kink
  // at distance d that the steps straddle moves D(s) by J·d/(2s), ∝ 1/s exactly as round-off does (with
  // the gaps J·(1 − d/s) to show it), and a bottom step that has gone below it moves D by the rest of J/2.
  const kink = levels.some((l, j) => j + 2 < levels.length && kinkEvidence(l, levels[j + 1]!, levels[j + 2]!))
  if (s && mid && large && s.finite && mid.finite && large.finite && !kink) {
    const moved = Math.abs(s.central - mid.central)
    const above = Math.abs(mid.central - large.central)
    if (moved > (smooth(large, mid) ? above / RATIO : K.STAIRCASE * above)) eps = Math.max(eps, ((moved - above / RATIO) * s.s * RATIO) / (RATIO + 1))
  }
  eps = Math.max(eps, tieStair(levels))
  return levels.map((l) => ({ ...l, noise: Math.max(l.noise, eps / l.s) }))
}

/**
 * The third witness: a level where the loss did not change at all (f(x ± s) = f(x), bit for bit) while
 * another level's central change f(x + s) − f(x − s) is not 0. The loss moves in stairs there (a large
 * intermediate that absorbs the move), and the smallest change seen is at least one stair q; each value
 * is then within q/2 of the smooth f, so ε ≥ q/2. Where no level changed at all there is no stair to see
 * (a weight the loss ignores): 0.
 */
function tieStair(levels: readonly Level[]): number {
  if (!levels.some((l) => l.finite && l.forward === 0 && l.backward === 0)) return 0
  const changes = levels.filter((l) => l.finite && l.central !== 0).map((l) => Math.abs(l.central) * 2 * l.s)
  return changes.length === 0 ? 0 : Math.min(...changes) / 2
}

/**
 * Three consecutive levels (steps s, 4s, 16s) whose lower pair differs by more than a quarter of the
 * upper: truncation (∝ s²) would make it 16× less, so the lower pair differs by round-off.
 */
export function unlikeTruncation(small: Level, mid: Level, large: Level): boolean {
  return Math.abs(small.central - mid.central) > Math.abs(mid.central - large.central) / RATIO
}

/**
 * Every two neighbouring finite levels agree within their round-off (`agree`): nothing the ladder shows
 * is truncation, so what its bound holds beside its round-off, differences between levels, is round-off
 * too (a step below the loss's resolution, where x ± s give tied values and D(s) = 0).
 */
function inRoundoff(ladder: readonly Level[]): boolean {
  const finite = ladder.filter((l) => l.finite)
  return finite.length > 1 && finite.every((l, j) => j === 0 || agree(l.central, l.noise, finite[j - 1]!.central, finite[j - 1]!.noise))
}

/** A level added above the ladder carries the noise the ladder has shown: one loss value's noise ε does not depend on the step. */
function withLadderNoise(next: Level, ladder: readonly Level[]): Level {
  const eps = ladder.reduce((m, l) => Math.max(m, l.noise * l.s), 0)
  return { ...next, noise: Math.max(next.noise, eps / next.s) }
}

/** The first difference of a coordinate: central at its step h, or forward (with f(x + h) kept for the sweep). */
export function* firstLevel(c: Coordinate): Check<{ level: Level; up?: { x: number; f: number } }> {
  if (c.options.method === 'forward') return yield* forwardLevel(c)
  return { level: yield* level(c, c.h) }
}

/**
 * The levels of the sweep, by increasing step: h/4, h, 4h (one of them `known` already), and below h/4 while the smallest two are
 * not yet where f is smooth — their gaps do not scale with the step, because f changes on a scale
 * finer than h (a fast oscillation) or a kink lies near x — and round-off has not taken over. Not for
 * a kink at x itself, which no step resolves.
 */
export function* sweep(c: Coordinate, first: { level: Level; up?: { x: number; f: number } }, known?: { step: number; level: Level }): Check<Level[]> {
  const atH = first.up === undefined ? first.level : yield* level(c, c.h, first.up)
  const below = known?.step === c.h / RATIO ? known.level : yield* level(c, c.h / RATIO)
  const above = known?.step === c.h * RATIO ? known.level : yield* level(c, c.h * RATIO)
  let ladder = audited([below, atH, above])
  for (let s = c.h / RATIO, k = 0; k < K.MAX_DESCENT; k++) {
    const [small, mid, large] = ladder as [Level, Level, Level, ...Level[]]
    // Settled: smooth, or down in the noise (a gap within its noise, or one that grows as the step
    // shrinks), or nothing to gain (no step moves x, f is not finite on either side). Next to a domain
    // edge, where one side is not finite, smaller steps may stay inside the domain: go on down.
    const settled = !small.moved || (small.finite
      ? smooth(mid, small) || small.gap <= K.KINK_EVIDENCE * gapNoise(small) || small.gap > mid.gap
      : !(small.forwardOk || small.backwardOk))
    if (settled || (kinkEvidence(small, mid, large) && kinkDistance(mid, small) === 0)) break
    s /= RATIO
    ladder = audited([yield* level(c, s), ...ladder])
  }
  return ladder
}

/**
 * The Richardson estimate over the sweep, and where the bound is still a sizeable part of the
 * derivative (round-off from a step too small for how slowly f changes), the same over larger steps,
 * added for as long as the levels stay smooth and the error bound keeps falling (FiniteDifferences.jl's
 * step search, upwards; 2 calls a level). Only round-off is cured by a larger step: where truncation or
 * a kink dominates, it would trade one error for a worse one. Round-off shows as a bound made of noise,
 * as differences between levels that do not shrink 16× per level like truncation's, or as levels that
 * all agree within their round-off (`inRoundoff`). A climbed
 * estimate must also agree with the one below it.
 */
export function* climb(c: Coordinate, ladder: Level[]): Check<Estimate> {
  const [small, mid, large] = ladder as [Level, Level, Level, ...Level[]]
  const ignore = c.options.kinks === 'ignore'
  let estimate = extrapolate(ladder, ignore)
  const noisy = estimate.roundoff >= estimate.err / 2 || unlikeTruncation(small, mid, large) || inRoundoff(ladder)
  // From above the levels climbed already: a ladder judged again (with more noise, `verdictOf`) has climbed before.
  const above = ladder.filter((l) => l.s > 2 * RATIO * c.h).length
  for (let climbed = 0, step = c.h * RATIO ** (2 + above); coarse(c, estimate.numeric, estimate.err) && noisy && climbed < K.MAX_CLIMB && step <= c.L; climbed++, step *= RATIO) {
    const top = ladder[ladder.length - 1]!
    const next = withLadderNoise(yield* level(c, step), ladder)
    ladder.push(next)
    if (!top.finite || !smooth(next, top)) break
    const better = extrapolate(ladder, ignore)
    if (!(better.err < estimate.err) || !agree(better.numeric, better.err, estimate.numeric, estimate.err)) break
    estimate = better
  }
  return estimate
}
