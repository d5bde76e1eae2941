import { NonFiniteError } from '../errors.js'
import type { ResolvedOptions } from '../options.js'
import type { Block, Precision } from '../params/flatten.js'
import { random } from '../random.js'
import { lossMoved, lossValue } from './calls.js'
import { K, PROBE_GROWTH, PROBE_POINTS, PROBE_TIE, UNIT_ROUNDOFF } from './constants.js'
import type { Check } from './drive.js'
import type { Point } from './point.js'
import { type Spread, coordinateScale } from './scale.js'

/** The loss at `at`, measured: its value, its noise (absolute) and whether repeated calls agree. */
export interface LossStats {
  value: number
  noise: number
  /** The largest |f(at) − f(at)| over the calls at `at`. */
  spread: number
  deterministic: boolean
  /** The precision the check runs in: the declared one, or float32 when every value of the loss is a float32. */
  precision: Precision
  /** How many loss values besides the first call at `at` were NaN or ±∞: the probe's (its wider moves and repeated point too) and the last call at `at` (said in a warning). */
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
 * then at x + t·δ·v for six positions t on each side of `at` along a random ±1 direction v, and once
 * more at one of them (a loss that differs there is not deterministic either). The noise of each side
 * is the scatter of its seven values about a least-squares cubic (`noiseFit`), where a smooth loss has
 * no signal left at these tiny δ. The positions are irregular on purpose: the round-off of a large
 * intermediate that cancels later ((A + L) − A, (x + C) − C) is a staircase, and at equally spaced
 * points its steps repeat exactly, so a difference table (Moré & Wild's ECnoise) sees a straight line
 * and no noise at all. Each side starts at `at` and moves away from it, so a kink exactly at `at`
 * (a ReLU input or a bias at exactly 0, a max-pool tie) is never inside a fit; where the two sides
 * disagree the quieter is kept, so a kink crossed on one side does not pass for noise.
 * `PROBE_CALLS − 1` loss calls whatever the size of `at`, and PROBE_POINTS more for each side whose values tie.
 */
export function* measureLoss(p: Point, scales: readonly Spread[]): Check<LossStats> {
  const f0 = yield* lossValue(() => 'at `at`')
  if (!Number.isFinite(f0)) {
    throw new NonFiniteError(
      `Expected the loss at \`at\` to be finite, got \`${f0}\`. A gradient cannot be checked where the loss is ` +
        'not finite: check `at` (e.g. log of 0, a division by 0) or move it.',
    )
  }
  const again = yield* lossValue(() => 'at `at` (second call)')
  const next = random(p.options.seed ^ 0x9e3779b9)
  const moves = probeMoves(p, scales, f0, next)
  const positions = probePositions(next)
  const sides: number[][] = [[f0], [f0]]
  for (const side of [0, 1] as const) {
    for (const t of positions[side]!) sides[side]!.push(yield* lossMoved(p.at, moves, t, 'near `at` (noise probe)'))
  }
  const repeatAt = positions[0]![PROBE_POINTS >> 1]!
  const repeated = yield* lossMoved(p.at, moves, repeatAt, 'near `at` (noise probe, repeated)')
  const first = sides[0]![(PROBE_POINTS >> 1) + 1]!
  // Two calls at one point: a NaN once and a number the other time is as nondeterministic as it gets.
  const repeatSpread = Number.isFinite(first) && Number.isFinite(repeated) ? Math.abs(repeated - first) : Object.is(first, repeated) ? 0 : Infinity
  const spread = Math.max(Math.abs(again - f0), repeatSpread)
  // A loss whose every value is a float32 (TF.js `data()`, a Float32Array read back, Math.fround) is a
  // float32 loss, whatever the parameters are: a float64 result that needs more than 21 significant
  // bits is a float32 by chance once in 2²⁹, and 14 of them never are.
  const seen = [f0, again, ...sides[0]!, ...sides[1]!]
  const float32 = p.precision === 'float32' || (p.options.precision === 'auto' && seen.every((v) => Math.fround(v) === v) && seen.some(longMantissa))
  const precision: Precision = float32 ? 'float32' : p.precision
  const floor = UNIT_ROUNDOFF[precision] * Math.abs(f0)
  const fits: SideNoise[] = []
  for (const side of [0, 1] as const) fits.push(yield* sideNoise(p, moves, positions[side]!, sides[side]!, precision))
  const measured = bothSides(fits).noise
  const deterministic = repeatable(spread, f0, precision)
  // Every value the probe called for: the repeated one and the wider moves of a side that tied count too.
  const nonFinite = [...seen, repeated].filter((v) => !Number.isFinite(v)).length + fits.reduce((s, fit) => s + fit.nonFinite, 0)
  return { value: f0, noise: Math.max(floor, spread, measured, grain(f0, seen) / 2), spread, deterministic, precision, nonFinite }
}

/**
 * The noise of the loss as tensor k alone moves: the probe again (without its repeated point), along a
 * direction that moves no other tensor. Round-off of an intermediate that only other tensors move (an
 * (x + C) − C on one tensor's elements) is then a constant, not noise, and does not loosen this tensor's
 * bounds, as the probe that moves every coordinate at once does. It lowers the noise only on consistent
 * evidence (both sides agree, every value finite, no side tied at both spacings) and never raises it: `stats` as they are otherwise,
 * and where nothing could be lowered, a single tensor or a noise within 2× the loss's own rounding
 * u·|f| (the floor every noise keeps), without a call. `on`: the spread to scale tensor k's moves by where its
 * coordinates are judged on a scale other than the probe's (a narrowed scalar, coordinates.ts); it is then
 * measured even as the only tensor. PROBE_CALLS − 4 calls (PROBE_POINTS more for
 * each side that ties), and how many of their values were NaN or ±∞ (the check warns of them).
 */
export function* tensorNoise(p: Point, scales: readonly Spread[], stats: LossStats, k: number, on?: Spread): Check<{ stats: LossStats; nonFinite: number }> {
  const f0 = stats.value
  const floor = UNIT_ROUNDOFF[stats.precision] * Math.abs(f0)
  if ((on === undefined && p.at.blocks.length < 2) || !(stats.noise > 2 * floor)) return { stats, nonFinite: 0 }
  const next = random(p.options.seed ^ 0x9e3779b9 ^ Math.imul(k + 1, 0x85ebca6b))
  const moves = probeMoves(p, scales, f0, next, k, on)
  const positions = probePositions(next)
  const sides: number[][] = [[f0], [f0]]
  for (const side of [0, 1] as const) {
    for (const t of positions[side]!) sides[side]!.push(yield* lossMoved(p.at, moves, t, `near \`at\` (noise probe of ${p.at.blocks[k]!.name})`))
  }
  const fits: SideNoise[] = []
  for (const side of [0, 1] as const) fits.push(yield* sideNoise(p, moves, positions[side]!, sides[side]!, stats.precision))
  const seen = [...sides[0]!, ...sides[1]!]
  const nonFinite = seen.filter((v) => !Number.isFinite(v)).length + fits.reduce((s, fit) => s + fit.nonFinite, 0)
  const { noise, agree } = bothSides(fits)
  const own = Math.max(floor, stats.spread, noise, grain(f0, seen) / 2)
  // Values that tie at both spacings say nothing of the noise (a float32 loss that absorbs this tensor's
  // moves whole, beside others that move it): no evidence to lower on.
  const measured = nonFinite === 0 && agree && !fits.some((fit) => fit.tied)
  return { stats: measured && own < stats.noise ? { ...stats, noise: own } : stats, nonFinite }
}

/**
 * The probe's moves: ±PROBE·L for each coordinate of every tensor (of tensor `only` alone, and 0 in the
 * others, where given), random signs, over √n so the direction has the same relative size for any n.
 */
function probeMoves(p: Point, scales: readonly Spread[], f0: number, next: () => number, only?: number, on?: Spread): Float64Array[] {
  const { blocks } = p.at
  const n = only === undefined ? blocks.reduce((s, b) => s + b.size, 0) : blocks[only]!.size
  return blocks.map((b, k) => {
    const move = new Float64Array(b.size)
    if (only !== undefined && k !== only) return move
    const x0 = p.at.originalsOf(k)
    const g = p.analytic[k]!
    for (let i = 0; i < b.size; i++) {
      const L = coordinateScale(x0[i]!, g[i]!, f0, on ?? probeSpread(b, x0[i]!, scales[k]!), UNIT_ROUNDOFF[p.precision])
      move[i] = ((next() < 0.5 ? -1 : 1) * K.PROBE[p.precision] * L) / Math.sqrt(n)
    }
    return move
  })
}

/** Positions j + jitter, j = 1…PROBE_POINTS, on each side, the jitter in ±0.35: distinct, ordered, and never commensurate. */
const probePositions = (next: () => number): number[][] =>
  [1, -1].map((dir) => Array.from({ length: PROBE_POINTS }, (_, j) => dir * (j + 1 + 0.7 * (next() - 0.5))))

/**
 * Two sides that agree (within PROBE_SIDES×) are two draws of the same noise: the larger, as a
 * 3-degree-of-freedom estimate runs low more often than high. Sides that disagree: one crossed a
 * kink; the quieter.
 */
function bothSides(fits: readonly SideNoise[]): { noise: number; agree: boolean } {
  const [one, other] = fits.map((s) => s.noise) as [number, number]
  const agree = Math.max(one, other) <= K.PROBE_SIDES * Math.min(one, other)
  return { noise: agree ? Math.max(one, other) : Math.min(one, other), agree }
}

/**
 * The spread the probe moves a tensor's coordinates on: the one its steps are scaled by, except where a
 * one-element tensor's step scale is a hedge between two readings of its value x, |x| and the unit scale
 * (`scalarScale`'s |x|^(2/3), the one scale it gives below 1): the probe moves it on the smaller reading,
 * |x|, where PROBE keeps the cubic's truncation below u·|f| whichever f varies on.
 */
function probeSpread(b: Block, x: number, spread: Spread): Spread {
  const hedged = b.size === 1 && spread.scale < 1
  return hedged ? { centre: 0, scale: Math.abs(x) } : spread
}

/**
 * The grain of the values: the largest power of two that divides every difference v − f0 (exact for
 * nearby values). A loss rounded once at the end has the grain of an ulp of f, below the floor u·|f|;
 * one whose large intermediates cancel, (A + ℓ) − A, keeps only multiples of an ulp of A, however quiet
 * a cubic's residuals happen to be at seven points. Each value is then off by up to half the grain,
 * as any rounded value is off by half an ulp. 0 when every value equals f0 (nothing to read).
 */
function grain(f0: number, values: readonly number[]): number {
  let q = Infinity
  for (const v of values) {
    const d = Math.abs(v - f0)
    if (d === 0 || !Number.isFinite(d)) continue
    let bit = 2 ** Math.floor(Math.log2(d))
    while (!Number.isInteger(d / bit)) bit /= 2
    q = Math.min(q, bit)
  }
  return Number.isFinite(q) ? q : 0
}

/** One side's noise, and how many of the wider moves' values (beyond the side's own) were NaN or ±∞. */
interface SideNoise {
  noise: number
  nonFinite: number
  /** Its values tied even at the wider moves: a staircase coarser than both, whose noise the fit cannot see. */
  tied: boolean
}

/**
 * The noise of one side of the probe. Values that tie (at most PROBE_TIE distinct: a staircase coarser
 * than the moves, ECnoise's "spacing too small") leave a cubic nothing to see, so the side is measured
 * again at PROBE_GROWTH× its moves, where the steps of the staircase show; the wider fit counts only
 * if all its values are finite and it does not tie too. Its values that are not finite are counted
 * (the check warns of them, as of any other probe value). PROBE_POINTS more calls, only on a tie.
 */
function* sideNoise(p: Point, moves: readonly Float64Array[], ts: readonly number[], values: readonly number[], precision: Precision): Check<SideNoise> {
  const near = noiseFit([0, ...ts], values)
  if (new Set(values).size > PROBE_TIE) return { noise: near, nonFinite: 0, tied: false }
  const grown = ts.map((t) => t * PROBE_GROWTH[precision])
  const wide = [values[0]!]
  for (const t of grown) wide.push(yield* lossMoved(p.at, moves, t, 'near `at` (noise probe, wider: its values tied)'))
  const nonFinite = wide.filter((v) => !Number.isFinite(v)).length
  if (nonFinite > 0 || new Set(wide).size <= PROBE_TIE) return { noise: near, nonFinite, tied: true }
  return { noise: Math.max(near, noiseFit([0, ...grown], wide)), nonFinite, tied: false }
}

/** A last call at `at`, after every other: a loss that changed since the first call is not deterministic. */
export function* remeasure(stats: LossStats): Check<LossStats> {
  const last = yield* lossValue(() => 'at `at` (last call)')
  const spread = Math.max(stats.spread, Math.abs(last - stats.value))
  // A NaN here makes the loss not deterministic (the spread is NaN); the warning names it as well.
  const nonFinite = stats.nonFinite + (Number.isFinite(last) ? 0 : 1)
  return { ...stats, spread, deterministic: stats.deterministic && repeatable(spread, stats.value, stats.precision), nonFinite }
}

/**
 * The noise of values of a function at positions `ts` (any spacing): the scatter of the values about
 * their least-squares polynomial of `degree` (a cubic unless said), √(RSS / (n − degree − 1)). Where the
 * function is smooth on the scale of the positions, a cubic leaves only its 4th-order term, far below
 * round-off at the probe's moves; what remains is the noise. The polynomial is fitted by modified Gram–Schmidt on positions mapped to [−1, 1],
 * to values relative to the first (their differences are exact for nearby values).
 */
export function noiseFit(ts: readonly number[], values: readonly number[], degree = 3): number {
  if (!values.every(Number.isFinite) || values.length <= degree + 1) return 0
  const lo = Math.min(...ts)
  const hi = Math.max(...ts)
  const x = ts.map((t) => (2 * (t - lo)) / (hi - lo) - 1)
  const r = values.map((v) => v - values[0]!)
  const basis: number[][] = []
  for (let d = 0; d <= degree; d++) {
    const q = x.map((v) => v ** d)
    for (const b of basis) {
      const dot = q.reduce((s, v, j) => s + v * b[j]!, 0)
      q.forEach((_, j) => (q[j] = q[j]! - dot * b[j]!))
    }
    const norm = Math.hypot(...q)
    // Positions that coincide (a float32 coordinate rounds nearby moves to one value) leave fewer
    // independent powers than the degree: such a power adds nothing to the fit and takes no degree of freedom.
    if (!(norm > 1e-9 * Math.sqrt(values.length))) continue
    const unit = q.map((v) => v / norm)
    basis.push(unit)
    const along = r.reduce((s, v, j) => s + v * unit[j]!, 0)
    r.forEach((_, j) => (r[j] = r[j]! - along * unit[j]!))
  }
  const free = values.length - basis.length
  return free > 0 ? Math.sqrt(r.reduce((s, v) => s + v * v, 0) / free) : 0
}
