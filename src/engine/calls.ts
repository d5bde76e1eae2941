import { LossValueError, ParameterError, describe } from '../errors.js'
import { type Block, pathOf } from '../params/flatten.js'
import type { Check } from './drive.js'

/**
 * The one place that writes to `at` and restores it. A snapshot of every tensor is taken once; a
 * perturbation writes new values, and restoring writes the stored originals back (never x + h − h:
 * floating-point addition is not associative). `restoreAll` runs in the check's `finally`, so the
 * parameters come back bit for bit whatever the loss does.
 */
export class Perturbation {
  private readonly originals: Float64Array[]
  /**
   * What is perturbed right now, for error messages (a coordinate's path and value, `near \`at\``, or
   * nothing), formatted only when an error asks: formatting a path and a number is the costliest step of
   * a call of a cheap loss.
   */
  where: (() => string) | undefined
  /** Loss values along directions (`lossAlong`) that were NaN or ±∞: a direction's levels are in no entry, so the report's warning counts them from here. */
  nonFiniteAlong = 0

  constructor(readonly blocks: readonly Block[]) {
    this.originals = blocks.map((b) => {
      const x0 = new Float64Array(b.size)
      for (let i = 0; i < b.size; i++) x0[i] = b.get(i)
      return x0
    })
  }

  private readonly scratches: (Float64Array | undefined)[] = []

  /**
   * A buffer of tensor k's size for what a move wrote (lossMoved, lossAlong), allocated once per check:
   * one per call would be megabytes of garbage a call at 10⁶ coordinates. Only one move is in flight at a time.
   */
  scratch(k: number): Float64Array {
    return (this.scratches[k] ??= new Float64Array(this.blocks[k]!.size))
  }

  /** The value coordinate `i` of tensor `k` had when the check started. */
  original(k: number, i: number): number {
    return this.originals[k]![i]!
  }

  /** Every original value of tensor `k` (read only: the snapshot restores are made from). */
  originalsOf(k: number): Readonly<Float64Array> {
    return this.originals[k]!
  }

  /**
   * Writes `v` and returns what the storage holds (a Float32Array rounds). The coordinate must hold its
   * original: every write of the engine is restored before the next, so anything else is a write by the loss
   * during an earlier call, which the restores of other coordinates would otherwise hide.
   */
  set(k: number, i: number, v: number): number {
    const b = this.blocks[k]!
    this.assertOriginal(b, k, i)
    b.set(i, v)
    return b.get(i)
  }

  /** Throws `mutated('loss', …)` where coordinate i of tensor k (block b) does not hold its original. */
  assertOriginal(b: Block, k: number, i: number): void {
    const now = b.get(i)
    const was = this.originals[k]![i]!
    if (!Object.is(now, was)) throw mutated('loss', pathOf(b.name, b.shape, i), was, now)
  }

  restore(k: number, i: number): void {
    this.blocks[k]!.set(i, this.originals[k]![i]!)
    this.where = undefined
  }

  /** The first coordinate (path, then the value it had and has) that differs from `expected(k, i)` (the originals by default). */
  changed(expected: (k: number, i: number) => number = (k, i) => this.originals[k]![i]!): { path: string; was: number; now: number } | undefined {
    for (let k = 0; k < this.blocks.length; k++) {
      const b = this.blocks[k]!
      for (let i = 0; i < b.size; i++) {
        const was = expected(k, i)
        const now = b.get(i)
        if (!Object.is(was, now)) return { path: pathOf(b.name, b.shape, i), was, now }
      }
    }
    return undefined
  }

  /** Throws a ParameterError when a coordinate holds something other than what the engine wrote (see `changed`). */
  assertUnchanged(by: 'loss' | 'grad' | 'jvp', expected?: (k: number, i: number) => number): void {
    const c = this.changed(expected)
    if (c !== undefined) throw mutated(by, c.path, c.was, c.now)
  }

  restoreAll(): void {
    this.where = undefined
    this.blocks.forEach((b, k) => {
      for (let i = 0; i < b.size; i++) b.set(i, this.originals[k]![i]!)
    })
  }
}

/** A loss or gradient function wrote to `at`: the verdicts would be about other parameters than the ones given. */
export function mutated(by: 'loss' | 'grad' | 'jvp', path: string, was: number, now: number): ParameterError {
  const what = by === 'loss' ? 'the loss' : by === 'jvp' ? 'the JVP' : 'the gradient function'
  return new ParameterError(
    `Expected ${what} to leave \`at\` as it is, but it changed \`${path}\` from ${was} to ${now}. ` +
      (by === 'loss'
        ? 'A loss must not write to its parameters (an optimizer step or an in-place normalisation inside it?): move the update out of the loss.'
        : 'A backward pass must not write to the parameters (an optimizer step, or `+=` on a weight instead of its gradient?): return the gradient and leave `at` alone.'),
  )
}

/** One loss call; anything but a number is a usage error naming where it happened. */
export function* lossValue(where: () => string): Check<number> {
  const v = yield 'loss'
  if (typeof v !== 'number') {
    throw new LossValueError(
      `Expected the loss to return a number (or a promise of one), got ${describe(v)} ${where()}. ` +
        'Return the scalar loss, e.g. `mean` of the batch, not a tensor or an object.',
    )
  }
  return v
}

/** The loss with coordinate `i` of tensor `k` set to `value`, restored whatever happens. */
export function* lossAt(at: Perturbation, k: number, i: number, value: number): Check<{ x: number; f: number }> {
  try {
    const x = at.set(k, i, value)
    const b = at.blocks[k]!
    at.where = () => `${pathOf(b.name, b.shape, i)} = ${x}`
    const f = yield* lossValue(() => `at ${pathOf(b.name, b.shape, i)} = ${x}`)
    const now = b.get(i)
    if (!Object.is(now, x)) throw mutated('loss', pathOf(b.name, b.shape, i), x, now)
    return { x, f }
  } finally {
    at.restore(k, i)
  }
}

/** The loss with every coordinate of tensor k moved by t·moves[k][i] from its original, restored whatever happens. */
export function* lossMoved(at: Perturbation, moves: readonly Float64Array[], t: number, where: string): Check<number> {
  let restored = false
  try {
    // Plain loops over each block, into buffers kept for the whole check: O(n) a call with a small constant, no allocation, at 10⁶.
    at.blocks.forEach((b, k) => {
      const x0 = at.originalsOf(k)
      const move = moves[k]!
      const stored = at.scratch(k)
      for (let i = 0; i < b.size; i++) {
        at.assertOriginal(b, k, i)
        b.set(i, x0[i]! + t * move[i]!)
        stored[i] = b.get(i)
      }
    })
    const named = (): string => where
    at.where = named
    const f = yield* lossValue(named)
    const changed = at.blocks.map((b, k) => restoreChecked(b, at.originalsOf(k), at.scratch(k), undefined)).find((c) => c !== undefined)
    restored = true
    if (changed !== undefined) throw mutated('loss', changed.path, changed.was, changed.now)
    return f
  } finally {
    if (!restored) at.restoreAll()
    at.where = undefined
  }
}

/**
 * Restores the coordinates `indices` of block b (all of them when undefined) from `x0`, and returns the
 * first that held something other than what was written (`stored`, by position): the check that the
 * loss left `at` alone and the restore in one pass, as each costs as much as a cheap loss at 10⁶.
 */
function restoreChecked(b: Block, x0: Float64Array | Readonly<Float64Array>, stored: Float64Array, indices: Int32Array | undefined): { path: string; was: number; now: number } | undefined {
  let first = -1
  let now = 0
  const m = indices === undefined ? b.size : indices.length
  for (let j = 0; j < m; j++) {
    const i = indices === undefined ? j : indices[j]!
    const x = b.get(i)
    if (first < 0 && !Object.is(x, stored[j]!)) {
      first = j
      now = x
    }
    b.set(i, x0[i]!)
  }
  if (first < 0) return undefined
  return { path: pathOf(b.name, b.shape, indices === undefined ? first : indices[first]!), was: stored[first]!, now }
}

/**
 * The loss with coordinates `indices` of tensor `k` moved by s·v from their originals (a direction;
 * directional.ts), restored whatever happens. Only the moved coordinates are written, so a call costs
 * O(|indices|) beside the loss. Returns the step actually taken along v — the projection of the stored
 * move on v, as a Float32Array rounds each coordinate — and f corrected to first order for the part
 * of the stored move off v: f − g·(Δ − t·v), `g` being the analytic gradient (a wrong g shifts that
 * tiny correction by (∇f − g)·(Δ − t·v), second order beside the error it is tested for).
 */
export function* lossAlong(at: Perturbation, k: number, indices: Int32Array, v: Float64Array, s: number, g: Float64Array, where: string): Check<{ x: number; f: number }> {
  // One pass over the moved coordinates each way, through the block itself: at 10⁶ coordinates the
  // bookkeeping must stay a small part of a loss call.
  const b = at.blocks[k]!
  const x0 = at.originalsOf(k)
  const stored = at.scratch(k)
  let restored = false
  try {
    let t = 0
    let vv = 0
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j]!
      at.assertOriginal(b, k, i)
      b.set(i, x0[i]! + s * v[j]!)
      const x = b.get(i)
      stored[j] = x
      t += (x - x0[i]!) * v[j]!
      vv += v[j]! * v[j]!
    }
    t /= vv
    let off = 0
    // A float64 store rounds the move by an ulp of x: off v by far less than any error in question.
    if (b.precision === 'float32') {
      for (let j = 0; j < indices.length; j++) off += g[indices[j]!]! * (stored[j]! - x0[indices[j]!]! - t * v[j]!)
    }
    const named = (): string => where
    at.where = named
    const f = yield* lossValue(named)
    if (!Number.isFinite(f)) at.nonFiniteAlong++
    const changed = restoreChecked(b, x0, stored, indices)
    restored = true
    if (changed !== undefined) throw mutated('loss', changed.path, changed.was, changed.now)
    return { x: t, f: off === 0 ? f : f - off }
  } finally {
    if (!restored) for (let j = 0; j < indices.length; j++) b.set(indices[j]!, x0[indices[j]!]!)
    at.where = undefined
  }
}
