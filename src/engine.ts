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
const PROBE: Record<Precision, number> = { float64: 1e-7, float32: 1e-4 }

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
  /** |f(at) − f(at)| over two calls. */
  spread: number
  deterministic: boolean
}

/** Two calls at the same point may differ by this many ulps of the loss before it counts as not deterministic (parallel reductions reorder sums). */
const REPEAT_ULPS = 64

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

/** Scale of each tensor: its RMS, else the RMS of all parameters, else 1 (all-zero biases still need a step). */
export function tensorScales(blocks: readonly Block[]): number[] {
  const rms = (b: Block): number => {
    let s = 0
    for (let i = 0; i < b.size; i++) s += b.get(i) ** 2
    return b.size > 0 ? Math.sqrt(s / b.size) : 0
  }
  const each = blocks.map(rms)
  const total = Math.sqrt(each.reduce((s, r, k) => s + r * r * blocks[k]!.size, 0) / Math.max(1, blocks.reduce((s, b) => s + b.size, 0)))
  return each.map((r) => (r > 0 ? r : total > 0 ? total : 1))
}

/**
 * Measures the loss at `at`: twice at the point itself (a difference means it is not deterministic),
 * then at x + t·δ·v for t = ±1, ±2, ±3 along a random ±1 direction v, whose difference table gives
 * the noise level (Moré & Wild's ECnoise, simplified: the median of the orders 3–5 estimates, where a
 * smooth loss has no signal left at these tiny δ). 8 loss calls whatever the size of `at`.
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
  const delta = p.blocks.map((_, k) => (PROBE[p.precision] * scales[k]!) / Math.sqrt(n))
  const signs = p.blocks.map((b) => Int8Array.from({ length: b.size }, () => (next() < 0.5 ? -1 : 1)))
  const values: number[] = []
  try {
    for (const t of [-3, -2, -1, 0, 1, 2, 3]) {
      if (t === 0) {
        values.push(f0)
        continue
      }
      p.blocks.forEach((b, k) => {
        for (let i = 0; i < b.size; i++) b.set(i, originals[k]![i]! + t * delta[k]! * signs[k]![i]!)
      })
      values.push(yield* lossValue(() => 'near `at` (noise probe)'))
    }
  } finally {
    p.blocks.forEach((b, k) => {
      for (let i = 0; i < b.size; i++) b.set(i, originals[k]![i]!)
    })
  }
  const floor = UNIT_ROUNDOFF[p.precision] * Math.abs(f0)
  return { value: f0, noise: Math.max(floor, spread, noiseLevel(values)), spread, deterministic: spread <= REPEAT_ULPS * floor }
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

/** One central difference at step s, with its one-sided halves. */
interface Level {
  s: number
  /** (f(x+s) − f(x−s)) / (x₊ − x₋), with the steps actually taken. */
  central: number
  forward: number
  backward: number
  /** |forward − backward|: ≈ |f″|·s where f is smooth, ≈ the jump of the slope at a straddled kink. */
  gap: number
  finite: boolean
}

function* level(b: Block, i: number, x: number, s: number, f0: number): Check<Level> {
  const up = yield* lossAt(b, i, x + s)
  const down = yield* lossAt(b, i, x - s)
  // The steps actually taken: (x + s) − x is not s in floating point, and a Float32Array rounds x + s.
  const hUp = up.x - x
  const hDown = x - down.x
  const central = (up.f - down.f) / (up.x - down.x)
  const forward = (up.f - f0) / hUp
  const backward = (f0 - down.f) / hDown
  const finite = hUp > 0 && hDown > 0 && [central, forward, backward].every(Number.isFinite)
  return { s: (hUp + hDown) / 2, central, forward, backward, gap: Math.abs(forward - backward), finite }
}

const fmt = (v: number): string => v.toExponential(1)

/** Per tensor: the scale of its values (for steps) and the largest |analytic| (the floor of small entries). */
export interface TensorScale {
  value: number
  gradient: number
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

/**
 * Checks coordinate `i` of block `k`: one central difference, and where its disagreement is not
 * clearly within the prior bound, a sweep over steps 4h, h, h/4 that yields a Richardson estimate,
 * its error, kink evidence and the trend of the disagreement.
 */
export function* checkCoordinate(p: Point, loss: LossStats, t: TensorScale, k: number, i: number): Check<Judged> {
  const b = p.blocks[k]!
  const a = p.analytic[k]![i]!
  const x = b.get(i)
  const o = p.options
  const u = UNIT_ROUNDOFF[p.precision]
  const eps = loss.noise
  const G = t.gradient
  const L = Math.max(Math.abs(x), t.value)
  // Relative noise of the loss along this coordinate: its noise over the size of the function, taken
  // as the larger of |f(x)| and |a|·L (the change of f across the coordinate's scale).
  const r = Math.max(u, eps / Math.max(Math.abs(loss.value), Math.abs(a) * L, Number.MIN_VALUE))
  const forward = o.method === 'forward'
  // Optimal steps (NUMERICS.md §1): central h* = (3ε/|f‴|)^(1/3), forward h* = 2(ε/|f″|)^(1/2), with
  // f's derivatives of the size f/Lⁿ.
  const relStep = Math.min(MAX_RELATIVE_STEP, forward ? 2 * Math.sqrt(r) : Math.cbrt(3 * r))
  const h = o.step === 'auto' ? relStep * L : o.step
  const bound = (err: number, m: number): number =>
    (o.atol === 'auto' ? SAFETY * err + ANALYTIC_ULPS * u * G : o.atol) + (o.rtol === 'auto' ? ANALYTIC_ULPS * u : o.rtol) * m
  const noiseOf = (s: number): number => eps / s // of a central difference: 2ε over 2s

  let first: Level
  if (forward) {
    const up = yield* lossAt(b, i, x + h)
    const hUp = up.x - x
    const d = (up.f - loss.value) / hUp
    first = { s: hUp, central: d, forward: d, backward: d, gap: 0, finite: hUp > 0 && Number.isFinite(d) }
  } else first = yield* level(b, i, x, h, loss.value)

  if (first.finite && o.method !== 'richardson') {
    const n = first.central
    const m = Math.max(Math.abs(a), Math.abs(n))
    // Truncation scales with the function, not with this entry: an entry far below the tensor's
    // largest gradient G gets the allowance of G (NUMERICS.md §4), else every small entry would sweep.
    const prior = forward ? Math.sqrt(r) : TRUNCATION_PRIOR * Math.cbrt(3 * r) ** 2
    const err = (forward ? 2 : 1) * noiseOf(first.s) + prior * Math.max(m, G)
    const tolerance = bound(err, m)
    if (Math.abs(a - n) <= tolerance) {
      return { numeric: n, estimatedError: err, tolerance, verdict: 'ok', failed: false, kink: false, note: '', step: first.s }
    }
  }

  const small = yield* level(b, i, x, h / RATIO, loss.value)
  const large = yield* level(b, i, x, h * RATIO, loss.value)
  const mid = forward ? yield* level(b, i, x, h, loss.value) : first
  const levels = [large, mid, small]
  const step = mid.s

  // A level is clean when its gap is what a smooth f gives: the next smaller level's gap × RATIO, within noise.
  const gapNoise = (l: Level): number => (4 * eps) / l.s
  const smooth = (bigger: Level, smaller: Level): boolean =>
    bigger.gap <= 2 * RATIO * smaller.gap + KINK_EVIDENCE * gapNoise(smaller)
  const cleanSmall = small.finite
  const cleanMid = cleanSmall && mid.finite && smooth(mid, small)
  const cleanLarge = cleanMid && large.finite && smooth(large, mid)

  // Richardson over the pairs of clean levels; keep the estimate with the smaller error bound.
  const pairs: [Level, Level][] = []
  if (cleanMid) pairs.push([mid, small])
  if (cleanLarge) pairs.push([large, mid])
  let numeric = small.central
  let err = noiseOf(small.s) + small.gap / 4
  for (const [big, sm] of pairs) {
    const c = RATIO * RATIO
    const e = Math.abs(sm.central - big.central) / (c - 1) + 1.1 * noiseOf(sm.s)
    if (e < err || !Number.isFinite(err)) {
      numeric = sm.central + (sm.central - big.central) / (c - 1)
      err = e
    }
  }
  const m = Math.max(Math.abs(a), Math.abs(numeric))
  const d = Math.abs(a - numeric)
  const trend = trendNote(a, levels)

  if (!small.finite && pairs.length === 0) {
    return { numeric, estimatedError: Infinity, tolerance: Infinity, verdict: 'inconclusive', failed: false, kink: false, step,
      note: `the loss is not finite at x ± step for the smaller steps (${fmt(small.s)}): the step crosses the edge of its domain` }
  }
  const tolerance = bound(err, m)
  if (d <= tolerance) {
    const weak = SAFETY * err >= 0.5 * m && m >= 0.01 * G && m > 0
    return weak
      ? { numeric, estimatedError: err, tolerance, verdict: 'inconclusive', failed: false, kink: false, step,
          note: `the numerical error (≈${fmt(err)}) is as large as the derivative: use float64 or a larger step` }
      : { numeric, estimatedError: err, tolerance, verdict: 'ok', failed: false, kink: false, step, note: trend }
  }

  // It disagrees. At a kink (the one-sided gap does not shrink with the step, and is above noise),
  // any value between the one-sided slopes is a valid subgradient (Clarke; BVLC/caffe#1334).
  const kinkEvidence = o.kinks !== 'ignore' && small.finite && mid.finite &&
    small.gap > 0.5 * mid.gap && small.gap > KINK_EVIDENCE * gapNoise(small)
  if (kinkEvidence) {
    const lo = Math.min(small.forward, small.backward)
    const hi = Math.max(small.forward, small.backward)
    const slack = bound(2 * noiseOf(small.s) + TRUNCATION_PRIOR * Math.cbrt(3 * r) ** 2 * m, m)
    const base = { numeric: small.central, estimatedError: err, tolerance: slack, kink: true, slopes: [lo, hi] as [number, number], step: small.s }
    const interval = `[${lo.toPrecision(3)}, ${hi.toPrecision(3)}]`
    const where = `straddled ${kinkDistance(mid, small)} (step ${fmt(small.s)})`
    if (a < lo - slack || a > hi + slack) {
      return { ...base, verdict: 'bug', failed: true, note: `a kink ${where}, but outside the one-sided slopes ${interval}` }
    }
    if (o.kinks === 'fail') return { ...base, verdict: 'kink', failed: true, note: `${where}; slopes ${interval}` }
    if (o.kinks === 'skip') return { ...base, verdict: 'kink', failed: false, note: `${where}; skipped (slopes ${interval})` }
    return { ...base, verdict: 'kink', failed: false, note: `${where}; accepted as a subgradient in ${interval}` }
  }
  return { numeric, estimatedError: err, tolerance, verdict: loss.deterministic ? 'bug' : 'nondeterministic', failed: true, kink: false, step, note: trend }
}

/**
 * Where the kink is, from the gaps at steps s and s/4 that both straddle it: a kink at distance d with
 * a slope jump J leaves a gap J·(1 − d/s), so gap(s) − gap(s/4) = 3·J·d/s.
 */
function kinkDistance(wide: Level, narrow: Level): string {
  const jump = wide.gap + (wide.gap - narrow.gap) / 3
  const d = Math.min(narrow.s, Math.max(0, ((wide.gap - narrow.gap) * wide.s) / (3 * jump)))
  return d < 0.05 * narrow.s ? 'at x itself' : `at ≈${fmt(d)} from x`
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
