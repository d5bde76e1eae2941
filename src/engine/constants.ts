/**
 * Every number the engine decides with, in one table. Each says what it is and where it comes from:
 * - derived: follows from the arithmetic (the derivation is in the comment, or in docs/numerics.md);
 * - cited: a published default or result (the source is named);
 * - tuned: chosen by measurement; `npm run bench` (section "Tuned constants") varies each one and
 *   prints what changes (false alarms on correct models, bugs missed), which is the justification.
 *
 * The engine reads them from `K`, so the benchmark can vary a tuned constant within one run;
 * nothing else writes to it.
 */
import type { Precision } from '../params/flatten.js'

/** Unit round-off, half an ulp of 1: 2⁻⁵³ (binary64), 2⁻²⁴ (binary32). Derived (IEEE 754). */
export const UNIT_ROUNDOFF: Readonly<Record<Precision, number>> = Object.freeze({ float64: 2 ** -53, float32: 2 ** -24 })

/** The smallest positive (subnormal) number of each precision: a loss value rounds to at least this. Derived (IEEE 754). */
export const SMALLEST: Readonly<Record<Precision, number>> = Object.freeze({ float64: Number.MIN_VALUE, float32: 2 ** -149 })

/**
 * Sweep ratio: steps 4h, h, h/4. Derived: truncation of a central difference falls 16× per level and
 * round-off grows 4×, so one level tells the two apart; Richardson's factor is then 4² − 1 = 15.
 */
export const RATIO = 4

/**
 * Richardson's extrapolation amplifies the round-off of the smaller step by (16 + 1)/15 ≈ 1.13 at
 * most when the two levels' round-off is independent; 1.1 is the 16/15 of the correlated case plus a
 * little. Derived.
 */
export const EXTRAPOLATED_ROUNDOFF = 1.1

export const K = {
  /**
   * The disagreement may be this many times the estimated error of the numeric derivative. Error
   * bounds from a step sweep are right within a small factor (Ridders' tableau; numdifftools reports
   * the same kind of bound); a bug is typically orders of magnitude above. Tuned.
   */
  SAFETY: 4,
  /**
   * Before a sweep, the truncation of one central difference is unknown; it is assumed to be at most
   * this many times (3r)^(2/3) of the derivative — the relative accuracy of the optimal step — and of
   * what the one-sided gap predicts. A prior, not an estimate: anything beyond it is swept. Tuned.
   */
  TRUNCATION_PRIOR: 8,
  /**
   * Round-off of the analytic gradient itself: this many ulps of the value, and of the tensor's
   * gradient scale (sums that cancel leave an error on the scale of their terms: Theano's
   * abs_tol AND rel_tol). Tuned.
   */
  ANALYTIC_ULPS: 64,
  /** A gap must exceed this many times its round-off bound to count as signal (kink evidence, smoothness band). Tuned. */
  KINK_EVIDENCE: 2,
  /** A kink's excess over the smooth prediction must be at least this share of its gap (a gap ratio below 3 where smooth f gives 4). Tuned. */
  KINK_SHARE: 0.25,
  /** Kink evidence this many times stronger than `KINK_EVIDENCE` needs no confirmation at the next larger step. Tuned. */
  STRONG_KINK: 4,
  /** Two estimates agree when they differ by at most this many times the sum of their bounds. Tuned. */
  AGREE: 2,
  /** Share of a derivative a bound may allow before the engine spends calls to tighten it (a 10% error must exceed bound + error). Tuned. */
  COARSE: 0.04,
  /** An estimate whose bound allows this share of the derivative or more can neither clear nor convict. Tuned. */
  WEAK: 0.5,
  /** The truncation prior is held to at least this share of the tensor's gradient scale. Tuned. */
  PRIOR_FLOOR: 0.01,
  /** Largest relative step `'auto'` takes: past 10% of a coordinate's scale a difference is not local. Tuned. */
  MAX_RELATIVE_STEP: 0.1,
  /** The noise probe moves by this fraction of the parameters' scale per point. Tuned. */
  PROBE: { float64: 1e-6, float32: 1e-3 } as Record<Precision, number>,
  /** The two sides of the probe agree when their noise levels are within this factor. Tuned. */
  PROBE_SIDES: 4,
  /** Levels the sweep may add below h/4 where f is not smooth yet, and above 4h where round-off drowns the derivative (cost caps). Tuned. */
  MAX_DESCENT: 5,
  MAX_CLIMB: 5,
  /** A kink's gap J·(1 − d/s) stays put or shrinks as the step shrinks; it may grow this much from h to h/4 within noise. Tuned. */
  KINK_GROWTH: 1.5,
  /** A kink within h/4 is within h too: its excess over the smooth prediction at h must be at least this share of the one at h/4. Tuned. */
  KINK_HOLD: 0.5,
  /** A kink nearer to x than this share of the step is reported as at x itself. Tuned. */
  KINK_AT_X: 0.05,
  /**
   * Round-off blurring a kink at x (float32): a gap above its noise that grows less than this much at
   * the next larger step (a smooth f's grows 4×), with one-sided slopes that drift less than
   * `BLUR_DRIFT` of the gap between the two steps, is a kink still. Tuned.
   */
  BLUR_GROWTH: 2,
  BLUR_DRIFT: 0.5,
  /** A gap this many times larger at a quarter of the step is round-off (a staircase): neither smooth f (¼×) nor a kink (≤ 1×) does that. Tuned. */
  STAIRCASE: 2,
  /** Not smooth at the smallest step and the disagreement still shrinking by this factor per level: f is finer than the steps, not the gradient wrong. Tuned. */
  STILL_FALLING: 2,
  /** |a − D(h)| "falls like h²" when it shrinks more than this over the sweep (h² alone gives 16× per level), "grows" when it rises more than `TREND_GROWS`. Tuned. */
  TREND_FALLS: 8,
  TREND_GROWS: 2,
}

/**
 * Where f is smooth, a level's one-sided gap is ≈ |f″|·s, so one level up (4× the step) it is 4×; a
 * straddled kink gives 1×–2.5× and noise ¼×. Two levels are smooth when the ratio of their gaps,
 * each within its noise, lies in [RATIO − 1, RATIO + 2]. Derived.
 */
export const SMOOTH_BAND: readonly [number, number] = Object.freeze([RATIO - 1, RATIO + 2]) as readonly [number, number]

/** Points on each side of `at` in the noise probe: with `at`, 7 values and 3 degrees of freedom left by a cubic fit (ECnoise uses 7–9 values). Cited. */
export const PROBE_POINTS = 6

/**
 * A probe side whose values tie (a staircase coarser than its moves, ECnoise's "spacing too small") is
 * measured again with its moves grown by this factor: at most 100 (ECnoise's retry), and at most what keeps
 * the cubic's truncation out of the fit. A cubic through moves up to t = 6.35·PROBE·G of the scale (the farthest
 * position, jitter included) leaves the 4th-order term |F|·t⁴/24; holding it to u·|F| gives
 * G ≤ (24u)^¼ / (6.35·PROBE): 35.8 in float64, 5.4 in float32 (both under the cap). Derived.
 */
export const PROBE_GROWTH: Record<Precision, number> = {
  float64: Math.min(100, (24 * UNIT_ROUNDOFF.float64) ** 0.25 / ((PROBE_POINTS + 0.35) * K.PROBE.float64)),
  float32: Math.min(100, (24 * UNIT_ROUNDOFF.float32) ** 0.25 / ((PROBE_POINTS + 0.35) * K.PROBE.float32)),
}

/** A side of the probe "ties" when its 1 + PROBE_POINTS values take at most this many distinct values: fewer than the cubic's 4 coefficients, so the fit sees no noise in them by construction. Derived. */
export const PROBE_TIE = 3

/** Loss calls made whatever the size of `at`: two at `at`, the probe on both sides, one probe point again, one more at `at` at the end (and PROBE_POINTS more per probe side that ties). Derived. */
export const PROBE_CALLS = 4 + 2 * PROBE_POINTS

/**
 * Derivatives below these shares of the tensor's gradient scale are judged against that scale, not
 * against themselves (`share` in tolerance.ts): 1% for "weak", 10% for "coarse" (a weight among the
 * larger ones), 0.1% for clearing on a first difference (a feature 1000× smaller than the others is
 * still judged on its own). Tuned.
 */
export const NEGLIGIBLE = Object.freeze({ weak: 0.01, coarse: 0.1, clear: 1e-3 })

/**
 * Directional tests and their localisation (src/modes/directional.ts, localise.ts).
 * - WHOLE_DEPTH: when every one of the 2^WHOLE_DEPTH parts of a failing direction fails too, the
 *   error is spread over the whole tensor (×2, transposed, zero): it is named as a whole instead of
 *   bisected to the end. 2 (four quarters) is the smallest depth where a few scattered bad weights
 *   rarely fill every part (two bad weights fill all four with probability 1/8 at most). Tuned.
 * - LOCALISE_CALLS: loss calls localisation may spend per check, about what `sample: 'auto'` spends on
 *   one large tensor (2 × 512): a bisection costs ~3 calls per halving, so ~15 bad weights of a 10⁶
 *   tensor are found before it. A cost cap, tuned.
 */
/* - MAX_CLIMB: levels a direction may climb above 4h while round-off dominates its bound: from the
 *   smallest automatic step, (3u)^(1/3)·L = 6.9e-6·L in float64, 16h·4⁷ = 2.6e5·h reaches L. Derived
 *   (a reach, not a budget: the parts of a direction start where it settled, so it is paid once). */
export const DIRECTIONS = Object.freeze({ WHOLE_DEPTH: 2, LOCALISE_CALLS: 1024, MAX_CLIMB: 8 })

/**
 * The coordinate's own noise (local.ts): the fractions of the window ±h where the loss is read on each
 * side, beside the ladder's own points at h/4 and h — irregular and never a ratio of small integers, so
 * that no stair of a staircase repeats at them. With x itself and the ladder's four points, 13 values
 * about a quartic leave 8 degrees of freedom (the probe's fit has 3 on each side). Derived.
 */
export const LOCAL_POSITIONS: readonly number[] = Object.freeze([0.131, 0.377, 0.613, 0.869])
export const LOCAL_DEGREE = 4

/**
 * How many times a one-element tensor's scale shrinks by RATIO³ where its analytic derivative is exactly 0
 * and the estimate is weak or a kink (coordinates.ts `narrowed`): ÷64, ÷4096, ÷262144, from the unit scale down to
 * 3.8e-6, where the optimal float64 step (3u)^(1/3)·L ≈ 2.6e-11 still moves a value near 0 by far more than its ulp.
 * A call budget (about 20 calls a shrink: the tensor's noise on the new scale and its sweep, only on such
 * entries), tuned: a loss varying on 1e-4 of the scale is resolved at the first shrink, on 1e-6 at the second.
 */
export const SCALAR_RETRIES = 3
