import type { Perturbation } from './engine/calls.js'
import type { Direction } from './engine/direction.js'
import { type Call, isThenable } from './engine/drive.js'
import { CallError, GradcheckError } from './errors.js'
import type { ResolvedOptions } from './options.js'
import { type TensorIO, lossNumber, readTensors } from './params/adapters.js'
import type { Flat } from './params/flatten.js'
import type { Progress } from './progress.js'

/** What the check's calls need to know: the user's functions, where they read `at`, and who is told about each call. */
export interface Callee {
  loss: unknown
  grad: unknown
  /** The analytic side as derivatives along directions (`checkAlong`): what an `{ along }` call asks. */
  derivative: ((d: Direction) => unknown) | undefined
  flat: Flat
  io: TensorIO | undefined
  options: ResolvedOptions
  progress: Progress | undefined
  /** The calls made so far, by kind: the report's `evaluations`, and the number a CallError names. */
  counter: { loss: number; grad: number }
  /** What is perturbed when a call throws (set once the check has started). */
  at: () => Perturbation | undefined
}

/**
 * The one function the engine's calls go through (`drive` in engine/drive.ts): it counts them, runs
 * `beforeEvaluation`, reads adapted tensors, and wraps a user's error in a CallError naming the call
 * and what was perturbed. No closure is made per call on the synchronous path: at 10⁴ coordinates a
 * check makes 2·10⁴ calls, and whatever it allocates for each is engine overhead beside the loss.
 */
export function caller(c: Callee): (call: Call) => unknown {
  const keep = (v: unknown): boolean => c.io?.has(v) ?? false
  const fail = (kind: 'loss' | 'grad', n: number, error: unknown): never => {
    throw error instanceof GradcheckError ? error : callError(kind, n, c.at()?.where?.(), error)
  }
  // Tensors returned by the loss or the gradient function are read through their adapter and disposed.
  const read = (kind: 'loss' | 'grad', v: unknown): unknown => (kind === 'loss' ? lossNumber(v, keep) : readTensors(v, true, keep))
  const invoke = (kind: 'loss' | 'grad', n: number, along: Direction | undefined): unknown => {
    try {
      // The hook runs before the gradient call too, so a backward pass that draws dropout masks draws
      // the ones the loss calls will.
      c.options.beforeEvaluation?.()
      const f = (kind === 'grad' ? c.grad : c.loss) as (p: unknown) => unknown
      const v = along === undefined ? f(c.flat.argument()) : c.derivative!(along)
      if (!isThenable(v)) return read(kind, v)
      return Promise.resolve(v).then((x) => read(kind, x)).catch((error: unknown) => fail(kind, n, error))
    } catch (error) {
      return fail(kind, n, error)
    }
  }
  return (call) => {
    if (call === 'io') return c.io?.sync()
    const kind = typeof call === 'string' ? call : 'grad'
    const along = typeof call === 'string' ? undefined : call.along
    const n = ++c.counter[kind]
    if (kind === 'loss') c.progress?.call()
    // A value gradient holding adapted tensors is only read (the caller's tensors: not disposed).
    if (kind === 'grad' && along === undefined && typeof c.grad !== 'function') return readTensors(c.grad, false, keep)
    if (c.io === undefined) return invoke(kind, n, along)
    // The adapted tensors the engine changed are written before the call sees them.
    const written = c.io.sync()
    return isThenable(written) ? Promise.resolve(written).then(() => invoke(kind, n, along)) : invoke(kind, n, along)
  }
}

/** The user's error, wrapped with which call it was and what was perturbed; the original is the `cause`. */
function callError(c: 'loss' | 'grad', n: number, where: string | undefined, error: unknown): CallError {
  const what = c === 'loss' ? 'the loss' : 'the gradient function'
  const message = error instanceof Error ? error.message : String(error)
  const place = where === undefined ? 'at `at`' : `with ${where}`
  return new CallError(`${what[0]!.toUpperCase()}${what.slice(1)} threw on call ${n} (${place}): ${message}`, n, where, { cause: error })
}
