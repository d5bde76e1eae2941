import { Perturbation, mutated } from './engine/calls.js'
import { PROBE_CALLS } from './engine/constants.js'
import { type Call, type Check, drive, isThenable } from './engine/drive.js'
import { declaredPrecision } from './engine/noise.js'
import { CallError, GradcheckError, InvalidArgumentError, InvalidOptionError, NonFiniteError, describe } from './errors.js'
import { checkCoordinates } from './modes/coordinates.js'
import { checkCovered } from './modes/directional.js'
import { type GradcheckOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { AdaptedBlock, type Overwritten, TensorIO, lossNumber, readTensors } from './params/adapters.js'
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
  const keep = (v: unknown): boolean => io?.has(v) ?? false
  let at: Perturbation | undefined
  const counter = { loss: 0, grad: 0 }
  const terminal = o.progress ? terminalProgress() : undefined
  const progress = o.onProgress !== undefined || terminal !== undefined
    ? new Progress((e) => { o.onProgress?.(e); terminal?.listener(e) })
    : undefined
  const call = (c: Call): unknown => {
    if (c === 'io') return io?.sync()
    const n = ++counter[c]
    if (c === 'loss') progress?.call()
    const fail = (error: unknown): never => {
      throw error instanceof GradcheckError ? error : callError(c, n, at?.where, error)
    }
    // A value gradient holding adapted tensors is only read (the caller's tensors: not disposed).
    if (c === 'grad' && typeof grad !== 'function') return readTensors(grad, false, keep)
    const invoke = (): unknown => {
      try {
        // The hook runs before the gradient call too, so a backward pass that draws dropout masks draws
        // the ones the loss calls will.
        o.beforeEvaluation?.()
        const f = (c === 'grad' ? grad : loss) as (p: unknown) => unknown
        const v = f(flat.argument())
        // Tensors returned by the loss or the gradient function are read through their adapter and disposed.
        const read = (x: unknown): unknown => (c === 'loss' ? lossNumber(x, keep) : readTensors(x, true, keep))
        return isThenable(v) ? Promise.resolve(v).then(read).catch(fail) : read(v)
      } catch (error) {
        return fail(error)
      }
    }
    // The adapted tensors the engine changed are written before the call sees them.
    const written = io?.sync()
    return isThenable(written) ? Promise.resolve(written).then(invoke) : invoke()
  }
  const start = function* (): Check<Report> {
    if (io !== undefined) yield 'io'
    validate(flat, point)
    io?.clean()
    at = new Perturbation(flat.blocks)
    return yield* run(at, grad, o, counter, io, progress)
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

/** The user's error, wrapped with which call it was and what was perturbed; the original is the `cause`. */
function callError(c: 'loss' | 'grad', n: number, where: string | undefined, error: unknown): CallError {
  const what = c === 'loss' ? 'the loss' : 'the gradient function'
  const message = error instanceof Error ? error.message : String(error)
  const place = where === undefined ? 'at `at`' : `with ${where}`
  return new CallError(`${what[0]!.toUpperCase()}${what.slice(1)} threw on call ${n} (${place}): ${message}`, n, where, { cause: error })
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
): Check<Report> {
  const { blocks } = at
  try {
    const g = typeof grad === 'function' || io !== undefined ? yield 'grad' : grad
    at.assertUnchanged('grad')
    if (typeof grad === 'function') yield* assertTensorsUnchanged(io, 'grad')
    const analytic = mirror(blocks, g)
    assertFiniteGradient(blocks, analytic)
    const declared: Precision = declaredPrecision(o.precision, blocks)
    progress?.enter('noise', PROBE_CALLS)
    const point = { at, analytic, precision: declared, options: o, ...(progress ? { progress } : {}) }
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
