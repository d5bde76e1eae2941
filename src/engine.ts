import { LossValueError, NonFiniteError, describe } from './errors.js'
import type { Check } from './drive.js'
import type { ResolvedOptions } from './options.js'
import { type Block, type Precision, pathOf, multiIndex } from './params.js'
import type { Entry } from './report.js'
import { random } from './random.js'

/** Unit round-off: half an ulp of 1 (IEEE 754 binary64 and binary32). */
export const UNIT_ROUNDOFF: Record<Precision, number> = { float64: 2 ** -53, float32: 2 ** -24 }

/**
 * The disagreement may be this many times the estimated error of the numeric derivative. Error
 * estimates from a step sweep are right to within a small factor (Ridders; numdifftools reports the
 * same kind of bound), so 4 keeps noise out while a bug, typically orders of magnitude above, fails.
 */
export const SAFETY = 4

/**
 * Before a sweep, the truncation error of one central difference is unknown; assume it is at most
 * this many times (3u)^(2/3) of the tensor's largest gradient, the relative accuracy of the optimal
 * step (NUMERICS.md §1). With
 * SAFETY that lets 1.5e-9 (float64) or 1e-3 (float32, JAX's float32 tolerance is 2e-3) pass
 * without a sweep; anything larger pays 4 more loss calls to be judged on evidence.
 */
export const TRUNCATION_PRIOR = 8

/**
 * The analytic gradient has round-off of its own: a few ulps per accumulated term. 64 ulps of the
 * value, plus 64 ulps of the largest gradient entry of the tensor (sums that cancel leave an error
 * on the scale of their terms, not of their result: NUMERICS.md §4, Theano's abs_tol AND rel_tol).
 */
export const ANALYTIC_ULPS = 64

/** Sweep ratio: steps 4h, h, h/4. Truncation of a central difference falls 16× per level, round-off grows 4×. */
const RATIO = 4

/** A one-sided gap must exceed this many times its noise bound to count as evidence of a kink. */
const KINK_EVIDENCE = 2

/** The noise probe moves along a random direction by this fraction of the parameters' scale (per unit of t). */
const PROBE: Record<Precision, number> = { float64: 1e-6, float32: 1e-3 }

/** Points on each side of `at` in the noise probe: 7 values make a difference table up to order 6. */
const PROBE_POINTS = 6

/** Loss calls made whatever the size of `at`: two at `at`, the probe on both sides, one more at `at` at the end. */
export const PROBE_CALLS = 3 + 2 * PROBE_POINTS

/** The sweep has steps 4h, h, h/4; it descends to h/16 … h/4096 while f is not smooth at the smallest, and climbs to 16h … 1024h (at most L) while round-off drowns the derivative. */
const MAX_DESCENT = 5
const MAX_CLIMB = 5

/** The share of a derivative a bound may allow before the engine spends calls to tighten it: a 10% error must exceed bound + numeric error. */
const COARSE = 0.04

/**
 * Two estimates agree when they differ by at most this many times the sum of their bounds. The bounds
 * carry round-off measured as a one-sigma-like level (ECnoise), which float32 staircases exceed ~2×.
 */
const AGREE = 2

/**
 * The truncation prior is held to at least this share of the gradient scale: enough for entries near 0
 * of a smooth tensor, while the weight of a feature 1000× smaller than the others is judged on its own.
 */
const PRIOR_FLOOR = 0.01

/** Largest relative step `'auto'` will take: past 10% of a coordinate's scale, a difference is not local. */
const MAX_RELATIVE_STEP = 0.1

/** Moré & Wild (2011), ECnoise: the k-th differences of pure noise σ have variance σ²/γ_k, γ_k = (k!)²/(2k)!. */
const GAMMA = [1, 1 / 2, 1 / 6, 1 / 20, 1 / 70, 1 / 252, 1 / 924]

export interface Point {
  blocks: readonly Block[]
  analytic: readonly Float64Array[]
  precision: Precision
  options: ResolvedOptions
}

/** The loss at `at`, measured: its value, its noise (absolute) and whether two calls agree. */
export interface LossStats {
  value: number
  noise: number
  /** The largest |f(at) − f(at)| over the calls at `at`. */
  spread: number
  deterministic: boolean
  /** Every value the loss returned is a float32 (or the check is in float32). */
  float32: boolean
}

/**
 * Two calls at the same point may differ by √u of the loss (1.5e-8 in float64, 2.4e-4 in float32)
 * before the loss counts as not deterministic: a sum reordered by a parallel reduction, with terms that
 * cancel, differs by far more than an ulp of its result; dropout or sampling by far more than √u.
 * A difference within it is folded into the noise, and said in a warning.
 */
const repeatable = (spread: number, f: number, precision: Precision): boolean =>
  spread <= Math.sqrt(UNIT_ROUNDOFF[precision]) * Math.abs(f)

function* lossValue(where: () => string): Check<number> {
  const v = yield 'loss'
  if (typeof v !== 'number') {
    throw new LossValueError(
      `Expected the loss to return a number (or a promise of one), got ${describe(v)} ${where()}. ` +
        'Return the scalar loss, e.g. `mean` of the batch, not a tensor or an object.',
    )
  }
  return v
}

/** The loss with coordinate `i` of `b` set to `value`; the coordinate is restored whatever happens. */
function* lossAt(b: Block, i: number, value: number): Check<{ x: number; f: number }> {
  const original = b.get(i)
  try {
    b.set(i, value)
    const x = b.get(i) // what the storage holds: a Float32Array rounds
    const f = yield* lossValue(() => `at ${pathOf(b.name, b.shape, i)} = ${x}`)
    return { x, f }
  } finally {
    b.set(i, original)
  }
}

/**
 * The scale a coordinate moves on: the larger of its magnitude and its tensor's scale (its RMS: a
 * weight near 0 in a layer of weights ~0.1 is not a finer quantity than its neighbours), unless the
 * loss says it is finer: |f/a| is how far the coordinate goes before f changes by all of itself. That
 * tells a capacitance of 1e-8 packed beside a resistance of 1e3, and a position of 6.4e6 m (or a time of
 * 1.7e9 s) that matters to the metre (second). Never so fine that x ± h is not resolved: ∛u·|x|.
 */
export function coordinateScale(x: number, a: number, f: number, tensor: number, u: number): number {
  const L = Math.max(Math.min(Math.max(Math.abs(x), tensor), Math.abs(f / a)), Math.cbrt(u) * Math.abs(x))
  return L > 0 && Number.isFinite(L) ? L : tensor
}

/**
 * Scale of each tensor: its RMS, else the RMS of all parameters, else 1 (all-zero biases still need a
 * step). A scalar has no neighbours to take a scale from: it gets the unit scale, which
 * `coordinateScale` narrows by |f/a| and widens by |x| (the max(|x|, 1) of numdifftools and FiniteDifferences.jl).
 */
export function tensorScales(blocks: readonly Block[]): number[] {
  const rms = (b: Block): number => {
    let s = 0
    for (let i = 0; i < b.size; i++) s += b.get(i) ** 2
    return b.size > 0 ? Math.sqrt(s / b.size) : 0
  }
  const each = blocks.map(rms)
  const total = Math.sqrt(each.reduce((s, r, k) => s + r * r * blocks[k]!.size, 0) / Math.max(1, blocks.reduce((s, b) => s + b.size, 0)))
  return each.map((r, k) => (blocks[k]!.size === 1 ? 1 : r > 0 ? r : total > 0 ? total : 1))
}

/**
 * Measures the loss at `at`: twice at the point itself (a difference means it is not deterministic),
 * then at x + t·δ·v for t = 1…6 and t = −1…−6 along a random ±1 direction v. The difference table of
 * each side gives a noise level (Moré & Wild's ECnoise, simplified: the median of the order 3–5
 * estimates, where a smooth loss has no signal left at these tiny δ). Each side starts at `at` and
 * moves away from it, so a kink exactly at `at` (a ReLU input or a bias at exactly 0, a max-pool tie)
 * is never inside a table; where the two sides disagree the quieter is kept, so a kink crossed on one
 * side does not pass for noise. 14 loss calls whatever the size of `at`.
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
  const originals = p.blocks.map((b) => Float64Array.from({ length: b.size }, (_, i) => b.get(i)))
  const n = p.blocks.reduce((s, b) => s + b.size, 0)
  // The same relative move for any size: the direction has length δ·√n·scale, so divide by √n.
  const moves = p.blocks.map((b, k) =>
    Float64Array.from({ length: b.size }, (_, i) => {
      const L = coordinateScale(originals[k]![i]!, p.analytic[k]![i]!, f0, scales[k]!, UNIT_ROUNDOFF[p.precision])
      return ((next() < 0.5 ? -1 : 1) * PROBE[p.precision] * L) / Math.sqrt(n)
    }),
  )
  const sides: number[][] = [[f0], [f0]]
  try {
    for (const [side, dir] of [[0, 1], [1, -1]] as const) {
      for (let t = 1; t <= PROBE_POINTS; t++) {
        p.blocks.forEach((b, k) => {
          for (let i = 0; i < b.size; i++) b.set(i, originals[k]![i]! + dir * t * moves[k]![i]!)
        })
        sides[side]!.push(yield* lossValue(() => 'near `at` (noise probe)'))
      }
    }
  } finally {
    p.blocks.forEach((b, k) => {
      for (let i = 0; i < b.size; i++) b.set(i, originals[k]![i]!)
    })
  }
  // A loss whose every value is a float32 (TF.js `data()`, a Float32Array read back, Math.fround) is a
  // float32 loss, whatever the parameters are: a float64 result that needs more than 21 significant
  // bits is a float32 by chance once in 2²⁹, and 14 of them never are.
  const seen = [f0, again, ...sides[0]!, ...sides[1]!]
  const float32 = p.precision === 'float32' || (p.options.precision === 'auto' && seen.every((v) => Math.fround(v) === v) && seen.some(longMantissa))
  const floor = UNIT_ROUNDOFF[float32 ? 'float32' : 'float64'] * Math.abs(f0)
  // Two sides that agree (within 4×) are two draws of the same noise: keep the larger, as a 7-point
  // estimate runs low more often than high. Sides that disagree: one crossed a kink; keep the quieter.
  const [one, other] = [noiseLevel(sides[0]!), noiseLevel(sides[1]!)]
  const measured = Math.max(one, other) <= 4 * Math.min(one, other) ? Math.max(one, other) : Math.min(one, other)
  const deterministic = repeatable(spread, f0, float32 ? 'float32' : p.precision)
  return { value: f0, noise: Math.max(floor, spread, measured), spread, deterministic, float32 }
}

/** A last call at `at`, after every other: a loss that changed since the first call is not deterministic. */
export function* remeasure(stats: LossStats, precision: Precision): Check<LossStats> {
  const last = yield* lossValue(() => 'at `at` (last call)')
  const spread = Math.max(stats.spread, Math.abs(last - stats.value))
  return { ...stats, spread, deterministic: stats.deterministic && repeatable(spread, stats.value, precision) }
}

/** True when `v` needs more than 21 significant bits: not a round number like 0.5 or 3. */
const longMantissa = (v: number): boolean => v !== 0 && Number.isFinite(v) && !Number.isInteger(v / 2 ** (Math.floor(Math.log2(Math.abs(v))) - 20))

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

/** One central difference at step s, with its one-sided halves. */
interface Level {
  s: number
  /** (f(x+s) − f(x−s)) / (x₊ − x₋), with the steps actually taken. */
  central: number
  forward: number
  backward: number
  /** |forward − backward|: ≈ |f″|·s where f is smooth, ≈ the jump of the slope at a straddled kink. */
  gap: number
  /** Bound on the round-off of `central`: the loss's noise (at least its last bit) over the step. */
  noise: number
  finite: boolean
}

/**
 * Noise of one loss value: the measured noise, but never less than one unit round-off of the values
 * actually seen (a loss that is exactly 0 at `at` still rounds at x ± s) nor than the smallest
 * number of the precision (a subnormal step of the result).
 */
const noiseAt = (eps: number, u: number, tiny: number, ...fs: number[]): number =>
  Math.max(eps, u * Math.max(...fs.map(Math.abs)), tiny)

/** The smallest positive (subnormal) number of each precision. */
const SMALLEST: Record<Precision, number> = { float64: Number.MIN_VALUE, float32: 2 ** -149 }

/** The central difference at step s around coordinate `c`, with its one-sided halves. */
function* level(c: Coordinate, s: number): Check<Level> {
  const f0 = c.loss.value
  const up = yield* lossAt(c.b, c.i, c.x + s)
  const down = yield* lossAt(c.b, c.i, c.x - s)
  // The steps actually taken: (x + s) − x is not s in floating point, and a Float32Array rounds x + s.
  const hUp = up.x - c.x
  const hDown = c.x - down.x
  const central = (up.f - down.f) / (up.x - down.x)
  const forward = (up.f - f0) / hUp
  const backward = (f0 - down.f) / hDown
  const finite = hUp > 0 && hDown > 0 && [central, forward, backward].every(Number.isFinite)
  const step = (hUp + hDown) / 2
  const noise = noiseAt(c.loss.noise, c.u, c.tiny, up.f, down.f) / step // 2ε over 2s
  return { s: step, central, forward, backward, gap: Math.abs(forward - backward), noise, finite }
}

const fmt = (v: number): string => v.toExponential(1)

/** Per tensor: the scale of its values (for steps) and the largest |analytic| (the floor of small entries). */
export interface TensorScale {
  value: number
  gradient: number
  /**
   * max |aⱼ|·Lⱼ over the tensor: how much the loss changes when a coordinate moves across its scale.
   * Over Lᵢ, it is the gradient scale coordinate i is judged against: the tensor's largest gradient
   * where all coordinates share a scale, and the right one where units differ within a vector.
   */
  change: number
}

/** The scales of a tensor, once the loss at `at` is known. */
export function tensorScale(b: Block, analytic: Float64Array, value: number, f0: number, u: number): TensorScale {
  let change = 0
  for (let i = 0; i < b.size; i++) change = Math.max(change, Math.abs(analytic[i]!) * coordinateScale(b.get(i), analytic[i]!, f0, value, u))
  return { value, gradient: blockMax(analytic), change }
}

export interface Judged {
  numeric: number
  estimatedError: number
  tolerance: number
  verdict: Entry['verdict']
  failed: boolean
  kink: boolean
  slopes?: [number, number]
  note: string
  step: number
}

/** What judging one coordinate needs to know, worked out once. */
interface Coordinate {
  b: Block
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
  u: number
  tiny: number
  loss: LossStats
  options: ResolvedOptions
}

function coordinate(p: Point, loss: LossStats, t: TensorScale, k: number, i: number): Coordinate {
  const b = p.blocks[k]!
  const a = p.analytic[k]![i]!
  const x = b.get(i)
  const o = p.options
  const u = UNIT_ROUNDOFF[p.precision]
  const L = coordinateScale(x, a, loss.value, t.value, u)
  const G = t.change > 0 ? t.change / L : t.gradient
  // Relative noise of the loss along this coordinate: its noise over the size of the function, taken
  // as the larger of |f(x)| and max(|a|, G)·L, how much f changes across the coordinate's scale (a
  // loss of 1e9 + something small gets steps too small here; the sweep climbs out of that). Where f
  // and the whole gradient are 0 there is nothing to scale by: the precision's own round-off.
  const size = Math.max(Math.abs(loss.value), Math.max(Math.abs(a), G) * L)
  const r = size > 0 ? Math.min(1, Math.max(u, loss.noise / size)) : u
  // Optimal steps (NUMERICS.md §1): central h* = (3ε/|f‴|)^(1/3), forward h* = 2(ε/|f″|)^(1/2), with
  // f's derivatives of the size f/Lⁿ.
  const relStep = Math.min(MAX_RELATIVE_STEP, o.method === 'forward' ? 2 * Math.sqrt(r) : Math.cbrt(3 * r))
  const h = o.step === 'auto' ? relStep * L : o.step
  return { b, i, x, a, G, r, L, h, u, tiny: SMALLEST[p.precision], loss, options: o }
}

/** The bound |a − n| is held to: atol + rtol·max(|a|, |n|), each part automatic unless given. */
function bound(c: Coordinate, err: number, m: number): number {
  const o = c.options
  return (o.atol === 'auto' ? SAFETY * err + ANALYTIC_ULPS * c.u * c.G : o.atol) + (o.rtol === 'auto' ? ANALYTIC_ULPS * c.u : o.rtol) * m
}

/**
 * The share of the derivative an error allows (SAFETY·err / max(|a|, |n|)); 0 for a derivative
 * negligible beside the gradient scale, which is judged against that scale instead.
 */
function share(c: Coordinate, numeric: number, err: number, negligible: number): number {
  const m = Math.max(Math.abs(c.a), Math.abs(numeric))
  return m > 0 && m >= negligible * c.G ? (SAFETY * err) / m : 0
}

/** An estimate whose error is as large as the derivative itself can neither clear nor convict. */
const weak = (c: Coordinate, e: Estimate): boolean => share(c, e.numeric, e.err, 0.01) >= 0.5

/**
 * A 10% error of a weight among the tensor's larger ones (≥ 10% of the gradient scale) must stand
 * out: a first difference only clears it on its own when its round-off allows less than COARSE of the
 * derivative, and the sweep climbs while its bound allows COARSE or more (both bite in float32).
 */
const coarse = (c: Coordinate, numeric: number, err: number): boolean => share(c, numeric, err, 0.1) >= COARSE

/**
 * Checks coordinate `i` of block `k`: one central difference, and where its disagreement is not
 * clearly within the prior bound, a sweep over steps 4h, h, h/4 (and larger where round-off
 * dominates) that yields a Richardson estimate, its error, kink evidence and the trend of the disagreement.
 */
export function* checkCoordinate(p: Point, loss: LossStats, t: TensorScale, k: number, i: number): Check<Judged> {
  const c = coordinate(p, loss, t, k, i)
  const first = c.options.method === 'forward' ? yield* forwardLevel(c) : yield* level(c, c.h)
  if (first.finite && c.options.method !== 'richardson') {
    const n = first.central
    const m = Math.max(Math.abs(c.a), Math.abs(n))
    // Truncation f‴h²/6 is unknown from one difference. The prior allows TRUNCATION_PRIOR times
    // gap·(h/L)/6, what the measured gap |f″|·h gives with f‴ of the size f″/L, plus the relative
    // accuracy of the optimal step, (3r)^(2/3), of the derivative, or of 1% of the gradient scale G for
    // an entry far below it (where f″ vanishes and f‴ does not, as for x³ near 0: NUMERICS.md §4).
    const prior = c.options.method === 'forward'
      ? first.noise + Math.sqrt(c.r) * Math.max(m, c.G)
      : TRUNCATION_PRIOR * ((first.gap * (first.s / c.L)) / 6 + Math.cbrt(3 * c.r) ** 2 * Math.max(m, PRIOR_FLOOR * c.G))
    const err = first.noise + prior
    const tolerance = bound(c, err, m)
    // Clears the weight unless its round-off is coarse, or the bound is half the derivative or more
    // (down to derivatives 1e-4 of the gradient scale: a feature 1000× smaller than the others).
    const cleared = Math.abs(c.a - n) <= tolerance && !coarse(c, n, first.noise) && share(c, n, err, 1e-3) < 0.5
    if (cleared) return { numeric: n, estimatedError: err, tolerance, verdict: 'ok', failed: false, kink: false, note: '', step: first.s }
  }
  const ladder = yield* sweep(c, first)
  return judge(c, ladder, yield* climb(c, ladder))
}

/**
 * The levels of the sweep, by increasing step: h/4, h, 4h, and below h/4 while the smallest two are
 * not yet where f is smooth — their gaps do not scale with the step, because f changes on a scale
 * finer than h (a fast oscillation) or a kink lies near x — and round-off has not taken over. Not for
 * a kink at x itself, which no step resolves.
 */
function* sweep(c: Coordinate, first: Level): Check<Level[]> {
  let ladder = audited([yield* level(c, c.h / RATIO), c.options.method === 'forward' ? yield* level(c, c.h) : first, yield* level(c, c.h * RATIO)])
  for (let s = c.h / RATIO, k = 0; k < MAX_DESCENT; k++) {
    const [small, mid, large] = ladder as [Level, Level, Level, ...Level[]]
    // Settled: smooth, or down in the noise (a gap within its noise, or one that grows as the step shrinks).
    const settled = !small.finite || smooth(mid, small) || small.gap <= KINK_EVIDENCE * gapNoise(small) || small.gap > mid.gap
    if (settled || (kinkEvidence(small, mid, large) && kinkDistance(mid, small) === 0)) break
    s /= RATIO
    ladder = audited([yield* level(c, s), ...ladder])
  }
  return ladder
}

/** One forward difference, (f(x+h) − f(x))/h, as a level without a backward half. */
function* forwardLevel(c: Coordinate): Check<Level> {
  const up = yield* lossAt(c.b, c.i, c.x + c.h)
  const hUp = up.x - c.x
  const d = (up.f - c.loss.value) / hUp
  const noise = (2 * noiseAt(c.loss.noise, c.u, c.tiny, up.f, c.loss.value)) / hUp
  return { s: hUp, central: d, forward: d, backward: d, gap: 0, noise, finite: hUp > 0 && Number.isFinite(d) }
}

/**
 * The Richardson estimate over the sweep, and where the bound is still a sizeable part of the
 * derivative (round-off from a step too small for how slowly f changes), the same over larger steps,
 * added for as long as the levels stay smooth and the error bound keeps falling (FiniteDifferences.jl's
 * step search, upwards; 2 calls a level). Only round-off is cured by a larger step: where truncation or
 * a kink dominates, it would trade one error for a worse one. Round-off shows as a bound made of noise,
 * or as differences between levels that do not shrink 16× per level like truncation's. A climbed
 * estimate must also agree with the one below it.
 */
function* climb(c: Coordinate, ladder: Level[]): Check<Estimate> {
  const [small, mid, large] = ladder as [Level, Level, Level, ...Level[]]
  const ignore = c.options.kinks === 'ignore'
  let estimate = extrapolate(ladder, ignore)
  const noisy = estimate.roundoff >= estimate.err / 2 || Math.abs(small.central - mid.central) > Math.abs(mid.central - large.central) / RATIO
  for (let climbed = 0, step = c.h * RATIO * RATIO; coarse(c, estimate.numeric, estimate.err) && noisy && climbed < MAX_CLIMB && step <= c.L; climbed++, step *= RATIO) {
    const top = ladder[ladder.length - 1]!
    const next = yield* level(c, step)
    ladder.push(next)
    if (!top.finite || !smooth(next, top)) break
    const better = extrapolate(ladder, ignore)
    if (!(better.err < estimate.err) || Math.abs(better.numeric - estimate.numeric) > SAFETY * (better.err + estimate.err)) break
    estimate = better
  }
  return estimate
}

/**
 * The verdict of a swept coordinate. At a kink (evidence at the two smallest steps), the one-sided
 * slopes decide; else the Richardson estimate and its bound: within it, ok (or inconclusive where the
 * bound is as large as the derivative); beyond it, a bug.
 */
function judge(c: Coordinate, ladder: readonly Level[], estimate: Estimate): Judged {
  // A kink is judged at the smallest three steps that show it: a descent may have gone below them, into
  // round-off that hides it.
  let base = 0
  while (base + 3 < ladder.length && !kinkEvidence(ladder[base]!, ladder[base + 1]!, ladder[base + 2]!)) base++
  const [small, mid, large] = ladder.slice(base) as [Level, Level, Level, ...Level[]]
  const { numeric, err } = estimate
  const step = mid.s
  if (!Number.isFinite(numeric)) {
    return { numeric, estimatedError: Infinity, tolerance: Infinity, verdict: 'inconclusive', failed: false, kink: false, step,
      note: `the loss is not finite at x ± ${fmt(small.s)}: the step crosses the edge of its domain` }
  }
  const m = Math.max(Math.abs(c.a), Math.abs(numeric))
  if (c.options.kinks !== 'ignore' && kinkEvidence(small, mid, large)) return judgeKink(c, small, mid, err, m)
  const tolerance = bound(c, err, m)
  const trend = trendNote(c.a, [...ladder].reverse())
  if (Math.abs(c.a - numeric) <= tolerance) {
    return weak(c, estimate)
      ? { numeric, estimatedError: err, tolerance, verdict: 'inconclusive', failed: false, kink: false, step,
          note: `the numerical error (≈${fmt(err)}) is as large as the derivative itself` }
      : { numeric, estimatedError: err, tolerance, verdict: 'ok', failed: false, kink: false, step, note: trend }
  }
  // Before convicting: where round-off blurs a kink at x (float32), one of the two smallest steps may
  // still show it — a gap above its noise that does not grow ~4× at the next step, as a smooth f's
  // would — with one-sided slopes that straddle the analytic value: a subgradient there.
  if (c.options.kinks !== 'ignore') {
    for (let j = 0; j < 2 && j + 1 < ladder.length; j++) {
      const l = ladder[j]!
      const near = ladder[j + 1]!
      // …and whose one-sided slopes hold still from one step to the next, as a kink's do (a function
      // finer than the steps makes them wander).
      const drift = Math.max(Math.abs(near.forward - l.forward), Math.abs(near.backward - l.backward)) / (RATIO - 1)
      if (!l.finite || !near.finite || l.gap <= gapNoise(l) || near.gap >= 2 * l.gap || drift > l.gap / 2) continue
      const judged = judgeKink(c, l, near, err, m)
      if (judged.verdict === 'kink') return judged
    }
  }
  // Still not smooth at the smallest step the descent reached, and the disagreement still falling:
  // f changes faster than any step tried resolves, which says nothing about the gradient.
  if (!smooth(mid, small) && Math.abs(c.a - small.central) < Math.abs(c.a - mid.central) / 2) {
    return { numeric, estimatedError: err, tolerance, verdict: 'inconclusive', failed: false, kink: false, step,
      note: `${trend}, and f is not yet smooth at the smallest step: pass a smaller \`step\`` }
  }
  return { numeric, estimatedError: err, tolerance, verdict: c.loss.deterministic ? 'bug' : 'nondeterministic', failed: true, kink: false, step, note: trend }
}

/**
 * A kink's gap J·(1 − d/s) keeps its sign and stays put or shrinks a little with the step; a smooth
 * f's shrinks 4×; one that grows or flips sign is noise. Evidence is a gap at h/4 of the same sign,
 * above the smooth prediction by more than its noise; and as a kink within h/4 is within h too, the
 * excess over the smooth prediction must be there at h as well, about as large.
 */
function kinkEvidence(small: Level, mid: Level, large: Level): boolean {
  if (!small.finite || !mid.finite) return false
  const sameSign = Math.sign(small.forward - small.backward) === Math.sign(mid.forward - mid.backward)
  const excessSmall = small.gap - mid.gap / RATIO
  const excessMid = large.finite ? mid.gap - large.gap / RATIO : excessSmall
  // Strong evidence (4× the threshold) stands on its own: more kinks further out can make the larger
  // steps' gaps grow faster than a smooth f's, so the check at h only confirms weak evidence.
  const strong = excessSmall > 4 * KINK_EVIDENCE * gapNoise(small)
  return sameSign && excessSmall > KINK_EVIDENCE * gapNoise(small) && small.gap <= 1.5 * mid.gap + gapNoise(small) &&
    (strong || excessMid >= excessSmall / 2 - gapNoise(mid))
}

/**
 * At a kink, any value between the one-sided slopes is a valid subgradient (Clarke; BVLC/caffe#1334):
 * accepted, skipped or failed as `kinks` says; a value outside them is a bug.
 */
function judgeKink(c: Coordinate, small: Level, mid: Level, err: number, m: number): Judged {
  const lo = Math.min(small.forward, small.backward)
  const hi = Math.max(small.forward, small.backward)
  // A one-sided slope is only first-order accurate: its truncation f″·s/2 shrinks 4× from step h to
  // h/4, so a third of how much it moved between the two steps bounds what remains.
  const drift = Math.max(Math.abs(mid.forward - small.forward), Math.abs(mid.backward - small.backward)) / (RATIO - 1)
  const slack = bound(c, 2 * small.noise + drift, m)
  const base = { numeric: small.central, estimatedError: err, tolerance: slack, kink: true, slopes: [lo, hi] as [number, number], step: small.s }
  const interval = `[${lo.toPrecision(3)}, ${hi.toPrecision(3)}]`
  const d = kinkDistance(mid, small)
  const where = `straddled ${d === 0 ? 'at x itself' : `at ≈${fmt(d)} from x`} (step ${fmt(small.s)})`
  if (c.a < lo - slack || c.a > hi + slack) {
    return { ...base, verdict: 'bug', failed: true, note: `a kink ${where}, but outside the one-sided slopes ${interval}` }
  }
  if (c.options.kinks === 'fail') return { ...base, verdict: 'kink', failed: true, note: `${where}; slopes ${interval}` }
  if (c.options.kinks === 'skip') return { ...base, verdict: 'kink', failed: false, note: `${where}; skipped (slopes ${interval})` }
  return { ...base, verdict: 'kink', failed: false, note: `${where}; accepted as a subgradient in ${interval}` }
}

/** Round-off bound of a one-sided gap: two one-sided differences, each 2ε over s. */
const gapNoise = (l: Level): number => 4 * l.noise

/** Between two levels of the sweep, f is smooth when the larger gap is what the smaller one predicts (×RATIO), within noise. */
const smooth = (bigger: Level, smaller: Level): boolean => {
  if (!bigger.finite || !smaller.finite) return false
  // Where f is smooth, gap ≈ |f″|·s (f‴ cancels between the two sides): 4× the step, 4× the gap. A
  // straddled kink gives 1×–2.5×, noise ¼×; so the ratio must lie in [3, 6], each gap within its noise.
  const [bigLo, bigHi] = [bigger.gap - KINK_EVIDENCE * gapNoise(bigger), bigger.gap + KINK_EVIDENCE * gapNoise(bigger)]
  const [smallLo, smallHi] = [smaller.gap - KINK_EVIDENCE * gapNoise(smaller), smaller.gap + KINK_EVIDENCE * gapNoise(smaller)]
  return bigHi >= (RATIO - 1) * smallLo && bigLo <= (RATIO + 2) * smallHi
}

/**
 * The noise the levels themselves show. Smooth, a gap shrinks with the step (≈ |f″|·s); at a kink it
 * stays or shrinks (J·(1 − d/s)); only noise makes it grow as the step shrinks, as a staircase does
 * when an intermediate value of a float32 loss rounds (the probe's tiny moves may not see that). A
 * gap that grows sets a floor under the noise of every level: ε ≥ (gap − predicted gap)·s/4.
 */
function audited(levels: Level[]): Level[] {
  let eps = 0
  for (let j = 0; j + 1 < levels.length; j++) {
    const smaller = levels[j]!
    const bigger = levels[j + 1]!
    // Twice as large at a quarter of the step: neither smooth (¼×) nor a kink (≤ 1×) does that.
    if (smaller.finite && bigger.finite && smaller.gap > 2 * bigger.gap) eps = Math.max(eps, ((smaller.gap - bigger.gap) * smaller.s) / 4)
  }
  return levels.map((l) => ({ ...l, noise: Math.max(l.noise, eps / l.s) }))
}

interface Estimate {
  numeric: number
  err: number
  /** The part of `err` that is round-off. */
  roundoff: number
}

/**
 * The numeric derivative from the sweep (levels by increasing step), and its error. Over two smooth
 * levels, Richardson extrapolation R = D(s) + (D(s) − D(4s))/15 removes the h² term; its error is
 * bounded by the truncation left in D(s), |D(s) − D(4s)|/15, or, over three, by how much R moves with
 * the step (|R(s) − R(4s)|, Ridders' `dfridr` criterion) — plus round-off, amplified 16/15 by the
 * extrapolation. A single level bounds its truncation by its one-sided gap (≈ |f″|·s) and by the
 * difference from its neighbour. The estimate with the smallest error bound is kept.
 */
function extrapolate(all: readonly Level[], trustAll = false): Estimate {
  const c = RATIO * RATIO - 1
  const R = (sm: Level, big: Level): number => sm.central + (sm.central - big.central) / c
  const candidates: Estimate[] = []
  // Bottom up: a level counts only while every pair below it is smooth; above a kink or past the
  // scale of f, larger steps are not estimates of the derivative at x. (With `kinks: 'ignore'`, every
  // finite level counts: f is taken to be smooth, as asked.)
  const start = Math.max(0, all.findIndex((l) => l.finite))
  let end = start + 1
  while (end < all.length && (trustAll ? all[end]!.finite : smooth(all[end]!, all[end - 1]!))) end++
  const ladder = all.slice(start, end)
  ladder.forEach((l, j) => {
    // Alone, a level's truncation is bounded by its gap (|f″|·s) and by how far its neighbour's
    // differs (which also sees f‴ where f″ vanishes, as for x³ at 0).
    const near = [ladder[j + 1], ladder[j - 1]].find((n) => n !== undefined && n.finite)
    const add = (numeric: number, truncation: number, roundoff: number): void => {
      candidates.push({ numeric, err: truncation + roundoff, roundoff })
    }
    if (l.finite) add(l.central, Math.max(l.gap / 4, near ? Math.abs(l.central - near.central) : 0), l.noise)
    const big = ladder[j + 1]
    if (big === undefined) return
    add(R(l, big), Math.abs(l.central - big.central) / c, 1.1 * l.noise)
    const bigger = ladder[j + 2]
    if (bigger === undefined) return
    add(R(l, big), Math.abs(R(l, big) - R(big, bigger)), 1.1 * l.noise)
  })
  // From the bottom up, a candidate replaces the best so far only if its bound is smaller and the two
  // agree within AGREE times their bounds: an estimate from larger steps that contradicts the smaller
  // ones has crossed something (a kink, the scale of f) its own bound does not know about.
  let best: Estimate = { numeric: Number.NaN, err: Infinity, roundoff: 0 }
  for (const e of candidates) {
    const agrees = !Number.isFinite(best.err) || Math.abs(e.numeric - best.numeric) <= AGREE * (e.err + best.err)
    if (e.err < best.err && agrees) best = e
  }
  return best
}

/**
 * Where the kink is, from the gaps at steps s and s/4 that both straddle it: a kink at distance d with
 * a slope jump J leaves a gap J·(1 − d/s), so gap(s) − gap(s/4) = 3·J·d/s.
 */
function kinkDistance(wide: Level, narrow: Level): number {
  const jump = wide.gap + (wide.gap - narrow.gap) / 3
  const d = Math.min(narrow.s, Math.max(0, ((wide.gap - narrow.gap) * wide.s) / (3 * jump)))
  return d < 0.05 * narrow.s ? 0 : d
}

/** How |a − D(s)| moves as the step shrinks: stays (a bug), falls like h² (truncation), grows (round-off). */
function trendNote(a: number, levels: readonly Level[]): string {
  const usable = levels.filter((l) => l.finite)
  if (usable.length < 2) return ''
  const ds = usable.map((l) => Math.abs(a - l.central))
  const first = ds[0]!
  const last = ds[ds.length - 1]!
  const steps = `${fmt(usable[0]!.s)} → ${fmt(usable[usable.length - 1]!.s)}`
  const values = ds.map(fmt).join(', ')
  if (last < first / 8) return `falls like h² (${values}) as the step shrinks ${steps}: truncation`
  if (last > first * 2) return `grows (${values}) as the step shrinks ${steps}: round-off`
  return `stays at ${fmt(last)} as the step shrinks ${steps}`
}

export const blockMax = (g: Float64Array): number => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)

export function entryOf(p: Point, k: number, i: number, j: Judged): Entry {
  const b = p.blocks[k]!
  const a = p.analytic[k]![i]!
  const n = j.numeric
  const absoluteError = Math.abs(a - n)
  const m = Math.max(Math.abs(a), Math.abs(n))
  return {
    path: pathOf(b.name, b.shape, i),
    name: b.name,
    index: multiIndex(b.shape, i),
    value: b.get(i),
    analytic: a,
    ...j,
    absoluteError,
    relativeError: m === 0 ? 0 : absoluteError / m,
    sign: a * n < 0,
  }
}
