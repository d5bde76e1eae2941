import { drive, type Check } from './drive.js'
import { type LossStats, type Point, type TensorScale, UNIT_ROUNDOFF, checkCoordinate, entryOf, measureLoss, remeasure, tensorScale, tensorScales } from './engine.js'
import { InvalidArgumentError, InvalidOptionError, NonFiniteError, describe } from './errors.js'
import { hintsFor } from './hints.js'
import { type GradcheckOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { type Block, type Precision, assertFinite, flatten, mirror, pathOf } from './params.js'
import { random, sampleIndices } from './random.js'
import type { BlockSummary, Entry, Report } from './report.js'

/** The analytic gradient: a value mirroring `at`, or a function of the parameters returning one. */
export type Gradient<P> = ((params: P) => unknown) | object | number

/**
 * Checks `grad` against finite differences of `loss` at `options.at` and returns the report
 * (a promise of it when the loss or the gradient function returns a promise). `at` is perturbed in
 * place and restored bit for bit before this returns or throws.
 */
export function checkGradients<P>(loss: (params: P) => PromiseLike<number>, grad: Gradient<P>, options: GradcheckOptions<P>): Promise<Report>
export function checkGradients<P>(loss: (params: P) => number, grad: (params: P) => PromiseLike<unknown>, options: GradcheckOptions<P>): Promise<Report>
export function checkGradients<P>(loss: (params: P) => number, grad: Gradient<P>, options: GradcheckOptions<P>): Report
export function checkGradients<P>(loss: (params: P) => number | PromiseLike<number>, grad: Gradient<P>, options: GradcheckOptions<P>): Report | Promise<Report>
export function checkGradients(loss: unknown, grad: unknown, options: unknown): Report | Promise<Report> {
  if (typeof loss !== 'function') {
    throw new InvalidArgumentError(
      `Expected the loss to be a function, got ${describe(loss)}. Pass the function itself: ` +
        '`expect(loss)` or `expect(() => net.loss(batch))`, not its value `expect(loss(params))`.',
    )
  }
  const o = resolveOptions(options)
  const at = (options as { at?: unknown }).at
  if (at === undefined || at === null) {
    throw new InvalidOptionError(
      `Expected \`at\` to be the parameters to check at, got ${describe(at)}. Pass \`{ at: params }\`: the very arrays the loss reads.`,
    )
  }
  const flat = flatten(at, '`at`')
  if (flat.blocks.every((b) => b.size === 0)) {
    throw new InvalidOptionError(`Expected \`at\` to hold at least one number, got ${describe(at)} with none. Pass the parameters the loss depends on.`)
  }
  assertFinite(flat.blocks, '`at`', 'A gradient can only be checked at a finite point: fix the initialisation or the data.')
  const precision: Precision =
    o.precision !== 'auto' ? o.precision : flat.blocks.some((b) => b.precision === 'float32') ? 'float32' : 'float64'
  const counter = { loss: 0 }
  const call = (c: 'loss' | 'grad'): unknown => {
    // The hook runs before the gradient call too, so a backward pass that draws dropout masks draws
    // the ones the loss calls will.
    o.beforeEvaluation?.()
    if (c === 'grad') return (grad as (p: unknown) => unknown)(flat.argument())
    counter.loss++
    return (loss as (p: unknown) => unknown)(flat.argument())
  }
  return drive(run(flat.blocks, grad, o, precision, counter), call)
}

function* run(blocks: readonly Block[], grad: unknown, o: ResolvedOptions, precision: Precision, counter: { loss: number }): Check<Report> {
  // Each coordinate is restored as soon as it is evaluated; this restores everything once more, in
  // case a loss or gradient function throws between the two.
  const snapshot = blocks.map((b) => Float64Array.from({ length: b.size }, (_, i) => b.get(i)))
  try {
    const g = typeof grad === 'function' ? yield 'grad' : grad
    const analytic = mirror(blocks, g)
    analytic.forEach((a, k) => {
      const i = a.findIndex((v) => !Number.isFinite(v))
      if (i >= 0) {
        const b = blocks[k]!
        throw new NonFiniteError(
          `Expected the analytic gradient to be finite, got \`${a[i]}\` at \`${pathOf(b.name, b.shape, i)}\`. ` +
            'Look for a division by 0, log of 0 or an overflow in the backward pass there.',
        )
      }
    })
    const values = tensorScales(blocks)
    const stats = yield* measureLoss({ blocks, analytic, precision, options: o }, values)
    const p: Point = { blocks, analytic, precision: stats.float32 ? 'float32' : precision, options: o }
    const scales = blocks.map((b, k) => tensorScale(b, analytic[k]!, values[k]!, stats.value, UNIT_ROUNDOFF[p.precision]))
    const next = random(o.seed)
    const entries: Entry[] = []
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k]!
      const indices = sampleIndices(b.size, o.sample === 'all' ? b.size : o.sample, next)
      for (const i of indices) {
        const judged = yield* checkCoordinate(p, stats, scales[k]!, k, i)
        entries.push(entryOf(p, k, i, judged))
      }
    }
    const final = yield* remeasure(stats, p.precision)
    return report(p, entries, scales, final, counter.loss, precision)
  } finally {
    blocks.forEach((b, k) => {
      for (let i = 0; i < b.size; i++) b.set(i, snapshot[k]![i]!)
    })
  }
}

/** ‖a − n‖ / ‖a + n‖ over entries with a finite numeric value; 0 when both are 0. */
export function normRatio(entries: readonly Entry[]): number {
  let diff = 0
  let sum = 0
  for (const e of entries) {
    if (!Number.isFinite(e.numeric)) continue
    diff += (e.analytic - e.numeric) ** 2
    sum += (e.analytic + e.numeric) ** 2
  }
  return sum === 0 ? (diff === 0 ? 0 : Infinity) : Math.sqrt(diff / sum)
}

const maxRelative = (entries: readonly Entry[]): number => entries.reduce((m, e) => Math.max(m, e.relativeError), 0)

/** Failing before passing, then by how far beyond its bound. */
const badness = (e: Entry): number => {
  const r = e.absoluteError / e.tolerance
  return Number.isNaN(r) ? Infinity : r
}

function report(p: Point, entries: Entry[], scales: readonly TensorScale[], loss: LossStats, evaluations: number, declared: Precision): Report {
  const blocks: BlockSummary[] = p.blocks.map((b, k) => {
    const mine = entries.filter((e) => e.name === b.name)
    return {
      name: b.name,
      shape: [...b.shape],
      size: b.size,
      checked: mine.length,
      failed: mine.filter((e) => e.failed).length,
      maxRelativeError: maxRelative(mine),
      normRatio: normRatio(mine),
      scale: scales[k]!.gradient,
    }
  })
  const failed = entries.filter((e) => e.failed).length
  const worst = [...entries]
    .sort((x, y) => Number(y.failed) - Number(x.failed) || badness(y) - badness(x))
    .slice(0, p.options.worst)
  const kinks = entries.filter((e) => e.kink)
  const warnings: string[] = []
  const accepted = kinks.filter((e) => !e.failed)
  if (accepted.length > 0) {
    const examples = accepted.slice(0, 3).map((e) => `${e.path}: [${e.slopes!.map((v) => v.toPrecision(3)).join(', ')}], analytic ${e.analytic.toPrecision(3)}`)
    const judged = p.options.kinks === 'skip' ? 'they were skipped' : 'their analytic values lie between the one-sided slopes and were accepted'
    warnings.push(
      `${accepted.length} weight${accepted.length === 1 ? '' : 's'} move a ReLU/max-like input across a kink within the step; ${judged} ` +
        `(${examples.join('; ')}${accepted.length > 3 ? '; …' : ''})`,
    )
  }
  const inconclusive = entries.filter((e) => e.verdict === 'inconclusive')
  if (inconclusive.length > 0) {
    warnings.push(
      `${inconclusive.length} weight${inconclusive.length === 1 ? '' : 's'} could not be decided (${inconclusive[0]!.path}: ${inconclusive[0]!.note})`,
    )
  }
  if (loss.deterministic && loss.spread > 0) {
    warnings.push(`calls at \`at\` differ by ${loss.spread.toExponential(1)} (within √u of the loss: a reordered sum?); counted as noise`)
  }
  if (p.precision !== declared) {
    warnings.push("every value of the loss is a float32 (computed or read back in float32): checked with float32 steps and tolerances; pass `precision: 'float64'` to override")
  }
  for (const s of blocks) {
    if (s.checked < s.size) warnings.push(`${s.name}: ${s.checked} of ${s.size} coordinates checked, drawn with seed ${p.options.seed}`)
  }
  const partial: Omit<Report, 'hints'> = {
    pass: failed === 0 && loss.deterministic,
    checked: entries.length,
    failed,
    evaluations,
    normRatio: normRatio(entries),
    maxRelativeError: maxRelative(entries),
    worst,
    entries,
    kinks,
    blocks,
    warnings,
    seed: p.options.seed,
    precision: p.precision,
    loss,
    options: p.options,
  }
  return { ...partial, hints: hintsFor(partial, p) }
}
