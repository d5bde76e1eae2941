import { NonFiniteError } from '../errors.js'
import type { ResolvedOptions } from '../options.js'
import type { Block, Precision } from '../params/flatten.js'
import { random } from '../random.js'
import { lossMoved, lossValue } from './calls.js'
import { GAMMA, K, PROBE_POINTS, UNIT_ROUNDOFF } from './constants.js'
import type { Check } from './drive.js'
import type { Point } from './point.js'
import { coordinateScale } from './scale.js'

/** The loss at `at`, measured: its value, its noise (absolute) and whether repeated calls agree. */
export interface LossStats {
  value: number
  noise: number
  /** The largest |f(at) − f(at)| over the calls at `at`. */
  spread: number
  deterministic: boolean
  /** The precision the check runs in: the declared one, or float32 when every value of the loss is a float32. */
  precision: Precision
  /** How many values of the noise probe were NaN or ±∞ (the probe then measures no noise: said in a warning). */
  nonFinite: number
}

/**
 * The precision declared by the options or the data, before the loss is called: float32 when any
 * tensor of `at` is stored in float32. `measureLoss` may then find the loss itself is a float32.
 */
export function declaredPrecision(option: ResolvedOptions['precision'], blocks: readonly Block[]): Precision {
  if (option !== 'auto') return option
  return blocks.some((b) => b.precision === 'float32') ? 'float32' : 'float64'
}

/**
 * Two calls at the same point may differ by √u of the loss (1.5e-8 in float64, 2.4e-4 in float32)
 * before the loss counts as not deterministic: a sum reordered by a parallel reduction, with terms that
 * cancel, differs by far more than an ulp of its result; dropout or sampling by far more than √u.
 * A difference within it is folded into the noise, and said in a warning.
 */
const repeatable = (spread: number, f: number, precision: Precision): boolean =>
  spread <= Math.sqrt(UNIT_ROUNDOFF[precision]) * Math.abs(f)

/** True when `v` needs more than 21 significant bits: not a round number like 0.5 or 3. */
const longMantissa = (v: number): boolean =>
  v !== 0 && Number.isFinite(v) && !Number.isInteger(v / 2 ** (Math.floor(Math.log2(Math.abs(v))) - 20))

/**
 * Measures the loss at `at`: twice at the point itself (a difference means it is not deterministic),
 * then at x + t·δ·v for t = 1…6 and t = −1…−6 along a random ±1 direction v. The difference table of
 * each side gives a noise level (Moré & Wild's ECnoise, simplified: the median of the order 3–5
 * estimates, where a smooth loss has no signal left at these tiny δ). Each side starts at `at` and
 * moves away from it, so a kink exactly at `at` (a ReLU input or a bias at exactly 0, a max-pool tie)
 * is never inside a table; where the two sides disagree the quieter is kept, so a kink crossed on one
 * side does not pass for noise. `PROBE_CALLS − 1` loss calls whatever the size of `at`.
 */
export function* measureLoss(p: Point, scales: readonly number[]): Check<LossStats> {
  const f0 = yield* lossValue(() => 'at `at`')
  if (!Number.isFinite(f0)) {
    throw new NonFiniteError(
      `Expected the loss at \`at\` to be finite, got \`${f0}\`. A gradient cannot be checked where the loss is ` +
        'not finite: check `at` (e.g. log of 0, a division by 0) or move it.',
    )
  }
  const again = yield* lossValue(() => 'at `at` (second call)')
  const spread = Math.abs(again - f0)
  const next = random(p.options.seed ^ 0x9e3779b9)
  const { blocks } = p.at
  const n = blocks.reduce((s, b) => s + b.size, 0)
  // The same relative move for any size: the direction has length δ·√n·scale, so divide by √n.
  const moves = blocks.map((b, k) =>
    Float64Array.from({ length: b.size }, (_, i) => {
      const L = coordinateScale(p.at.original(k, i), p.analytic[k]![i]!, f0, scales[k]!, UNIT_ROUNDOFF[p.precision])
      return ((next() < 0.5 ? -1 : 1) * K.PROBE[p.precision] * L) / Math.sqrt(n)
    }),
  )
  const sides: number[][] = [[f0], [f0]]
  for (const [side, dir] of [[0, 1], [1, -1]] as const) {
    for (let t = 1; t <= PROBE_POINTS; t++) {
      sides[side]!.push(yield* lossMoved(p.at, (k, i) => dir * t * moves[k]![i]!, 'near `at` (noise probe)'))
    }
  }
  // A loss whose every value is a float32 (TF.js `data()`, a Float32Array read back, Math.fround) is a
  // float32 loss, whatever the parameters are: a float64 result that needs more than 21 significant
  // bits is a float32 by chance once in 2²⁹, and 14 of them never are.
  const seen = [f0, again, ...sides[0]!, ...sides[1]!]
  const float32 = p.precision === 'float32' || (p.options.precision === 'auto' && seen.every((v) => Math.fround(v) === v) && seen.some(longMantissa))
  const precision: Precision = float32 ? 'float32' : p.precision
  const floor = UNIT_ROUNDOFF[precision] * Math.abs(f0)
  // Two sides that agree (within PROBE_SIDES×) are two draws of the same noise: keep the larger, as a
  // 7-point estimate runs low more often than high. Sides that disagree: one crossed a kink; keep the quieter.
  const [one, other] = [noiseLevel(sides[0]!), noiseLevel(sides[1]!)]
  const measured = Math.max(one, other) <= K.PROBE_SIDES * Math.min(one, other) ? Math.max(one, other) : Math.min(one, other)
  const deterministic = repeatable(spread, f0, precision)
  const nonFinite = seen.filter((v) => !Number.isFinite(v)).length
  return { value: f0, noise: Math.max(floor, spread, measured), spread, deterministic, precision, nonFinite }
}

/** A last call at `at`, after every other: a loss that changed since the first call is not deterministic. */
export function* remeasure(stats: LossStats): Check<LossStats> {
  const last = yield* lossValue(() => 'at `at` (last call)')
  const spread = Math.max(stats.spread, Math.abs(last - stats.value))
  return { ...stats, spread, deterministic: stats.deterministic && repeatable(spread, stats.value, stats.precision) }
}

/** The noise level of equally spaced values of a function (ECnoise's difference table, orders 3–5). */
export function noiseLevel(values: readonly number[]): number {
  if (!values.every(Number.isFinite)) return 0
  let diffs = [...values]
  const sigma: number[] = []
  for (let k = 1; k <= 5; k++) {
    diffs = diffs.slice(1).map((v, j) => v - diffs[j]!)
    if (k >= 3) sigma.push(Math.sqrt((GAMMA[k]! * diffs.reduce((s, d) => s + d * d, 0)) / diffs.length))
  }
  return sigma.sort((a, b) => a - b)[1]!
}
