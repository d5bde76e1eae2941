import { Perturbation, mutated } from './engine/calls.js'
import { PROBE_CALLS } from './engine/constants.js'
import { type Check, drive, isThenable } from './engine/drive.js'
import type { Direction } from './engine/direction.js'
import { declaredPrecision } from './engine/noise.js'
import type { Point } from './engine/point.js'
import { caller } from './caller.js'
import { InvalidArgumentError, InvalidOptionError, NonFiniteError, describe } from './errors.js'
import { checkCoordinates } from './modes/coordinates.js'
import { checkCovered } from './modes/directional.js'
import { type GradcheckOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { AdaptedBlock, type Overwritten, TensorIO } from './params/adapters.js'
import { type Block, type Flat, type Precision, assertFinite, assertWritable, flatten, pathOf } from './params/flatten.js'
import { mirror } from './params/mirror.js'
import { Progress, terminalProgress } from './progress.js'
import { withCoverage } from './report/coverage.js'
import { summarize } from './report/summary.js'
import type { Report } from './report/types.js'

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
  return checkWith(loss, grad, options, undefined)
}

/**
 * The analytic side as derivatives along directions, each one call (a JVP's row; jacobian.ts):
 * `derivative(d)` returns the analytic derivative along d, or a promise of it. A gradient check with
 * `along` in its point, the gradient known only where a single coordinate was asked for.
 */
export interface Derivatives {
  derivative: (d: Direction) => unknown
}

/** `checkGradients` with the analytic side as `Derivatives`, always `mode: 'directional'`: the other modes' sampled coordinates are what a gradient gives at once. */
export function checkAlong<P>(loss: (params: P) => number | PromiseLike<number>, along: Derivatives, options: GradcheckOptions<P>): Report | Promise<Report> {
  return checkWith(loss, undefined, { ...options, mode: 'directional' }, along)
}

function checkWith(loss: unknown, grad: unknown, options: unknown, along: Derivatives | undefined): Report | Promise<Report> {
  if (typeof loss !== 'function') {
    throw new InvalidArgumentError(
      `Expected the loss to be a function, got ${describe(loss)}. Pass the function itself: ` +
        '`expect(loss)` or `expect(() => net.loss(batch))`, not its value `expect(loss(params))`.',
    )
  }
  const o = resolveOptions(options)
  const point = (options as { at?: unknown }).at
  if (point === undefined || point === null) {
    throw new InvalidOptionError(
      `Expected \`at\` to be the parameters to check at, got ${describe(point)}. Pass \`{ at: params }\`: the very arrays the loss reads.`,
    )
  }
  const flat = flatten(point, '`at`', true)
  const adapted = flat.blocks.filter((b): b is AdaptedBlock => b instanceof AdaptedBlock)
  const io = adapted.length > 0 ? new TensorIO(adapted) : undefined
  let at: Perturbation | undefined
  const counter = { loss: 0, grad: 0 }
  const terminal = o.progress ? terminalProgress() : undefined
  const progress = o.onProgress !== undefined || terminal !== undefined
    ? new Progress((e) => { o.onProgress?.(e); terminal?.listener(e) })
    : undefined
  const derivative = along === undefined ? undefined : (d: Direction): unknown => along.derivative(d)
  const call = caller({ loss, grad, derivative, flat, io, options: o, progress, counter, at: () => at })
  const start = function* (): Check<Report> {
    if (io !== undefined) yield 'io'
    validate(flat, point)
    io?.clean()
    at = new Perturbation(flat.blocks)
    const derive = along === undefined ? undefined : function* (d: Direction): Check<number> {
      const a = (yield { along: d }) as number
      at!.assertUnchanged('grad')
      return a
    }
    return yield* run(at, grad, o, counter, io, progress, derive)
  }
  let report: Report | Promise<Report>
  try {
    report = drive(start(), call)
  } catch (error) {
    terminal?.end()
    throw error
  }
  if (terminal === undefined) return report
  if (isThenable(report)) return Promise.resolve(report).finally(terminal.end)
  terminal.end()
  return report
}

/** `at` holds numbers, all finite, in storage that keeps what is written (probed, and restored). */
function validate(flat: Flat, point: unknown): void {
  if (flat.blocks.every((b) => b.size === 0)) {
    throw new InvalidOptionError(`Expected \`at\` to hold at least one number, got ${describe(point)} with none. Pass the parameters the loss depends on.`)
  }
  assertFinite(flat.blocks, '`at`', 'A gradient can only be checked at a finite point: fix the initialisation or the data.')
  assertWritable(flat.blocks)
}

/** Throws a NonFiniteError naming the first NaN or ±Infinity of the analytic gradient. */
function assertFiniteGradient(blocks: readonly Block[], analytic: readonly Float64Array[]): void {
  analytic.forEach((a, k) => {
    const i = a.findIndex((v) => !Number.isFinite(v))
    if (i < 0) return
    const b = blocks[k]!
    throw new NonFiniteError(
      `Expected the analytic gradient to be finite, got \`${a[i]}\` at \`${pathOf(b.name, b.shape, i)}\`. ` +
        'Look for a division by 0, log of 0 or an overflow in the backward pass there.',
    )
  })
}

/** An adapted tensor written to by the last loss or gradient call through its own handle is a ParameterError, as for `at`'s arrays. */
function* assertTensorsUnchanged(io: TensorIO | undefined, by: 'loss' | 'grad'): Check<void> {
  if (io === undefined) return
  io.verify()
  const c = (yield 'io') as Overwritten | undefined
  if (c !== undefined) throw mutated(by, c.path, c.was, c.now)
}

function* run(
  at: Perturbation,
  grad: unknown,
  o: ResolvedOptions,
  counter: { loss: number },
  io: TensorIO | undefined,
  progress: Progress | undefined,
  along: Point['along'],
): Check<Report> {
  const { blocks } = at
  try {
    let analytic: Float64Array[]
    const analyticPrecision: Precision[] = []
    if (along === undefined) {
      const g = typeof grad === 'function' || io !== undefined ? yield 'grad' : grad
      at.assertUnchanged('grad')
      if (typeof grad === 'function') yield* assertTensorsUnchanged(io, 'grad')
      analytic = mirror(blocks, g, analyticPrecision)
      assertFiniteGradient(blocks, analytic)
    } else {
      // Known only where `along` is asked for a single coordinate (learnCoordinate); 0 elsewhere.
      analytic = blocks.map((b) => new Float64Array(b.size))
    }
    const declared: Precision = declaredPrecision(o.precision, blocks)
    progress?.enter('noise', PROBE_CALLS)
    const point: Point = { at, analytic, precision: declared, options: o, ...(analyticPrecision.includes('float32') ? { analyticPrecision } : {}), ...(progress ? { progress } : {}), ...(along ? { along } : {}) }
    const covered = o.mode === 'full' ? undefined : yield* checkCovered(point)
    const found = covered ?? (yield* checkCoordinates(point))
    // Every perturbation has been restored: anything else that differs was written by the loss.
    at.assertUnchanged('loss')
    yield* assertTensorsUnchanged(io, 'loss')
    const report = summarize(found.point, found.entries, found.scales, found.loss, counter.loss, declared)
    return covered === undefined ? report : withCoverage(report, covered)
  } finally {
    at.restoreAll()
    // The adapted tensors get their originals back too, on every path (an error thrown here replaces the one in flight).
    if (io !== undefined) {
      io.end()
      yield 'io'
    }
  }
}
