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
  /** What is perturbed right now, for error messages: a coordinate's path, `near \`at\``, or nothing. */
  get where(): string | undefined {
    return this.describe?.()
  }
  set where(s: string | undefined) {
    this.describe = s === undefined ? undefined : () => s
  }
  /** `where`, formatted only when an error asks: formatting a path and a number is the costliest step of a call of a cheap loss. */
  describe: (() => string) | undefined

  constructor(readonly blocks: readonly Block[]) {
    this.originals = blocks.map((b) => Float64Array.from({ length: b.size }, (_, i) => b.get(i)))
  }

  /** The value coordinate `i` of tensor `k` had when the check started. */
  original(k: number, i: number): number {
    return this.originals[k]![i]!
  }

  /** Every original value of tensor `k` (read only: the snapshot restores are made from). */
  originalsOf(k: number): Readonly<Float64Array> {
    return this.originals[k]!
  }

  /** Writes `v` and returns what the storage holds (a Float32Array rounds). */
  set(k: number, i: number, v: number): number {
    const b = this.blocks[k]!
    b.set(i, v)
    return b.get(i)
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
  assertUnchanged(by: 'loss' | 'grad', expected?: (k: number, i: number) => number): void {
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
export function mutated(by: 'loss' | 'grad', path: string, was: number, now: number): ParameterError {
  const what = by === 'loss' ? 'the loss' : 'the gradient function'
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
    at.describe = () => `${pathOf(b.name, b.shape, i)} = ${x}`
    const f = yield* lossValue(() => `at ${pathOf(b.name, b.shape, i)} = ${x}`)
    const now = b.get(i)
    if (!Object.is(now, x)) throw mutated('loss', pathOf(b.name, b.shape, i), x, now)
    return { x, f }
  } finally {
    at.restore(k, i)
  }
}

/** The loss with every coordinate moved by `move(k, i)` from its original, restored whatever happens. */
export function* lossMoved(at: Perturbation, move: (k: number, i: number) => number, where: string): Check<number> {
  try {
    // Plain loops over each block (no per-element closures beyond `move`): O(n) a call, with a small constant at 10⁶.
    const stored = at.blocks.map((b, k) => {
      const x0 = at.originalsOf(k)
      const out = new Float64Array(b.size)
      for (let i = 0; i < b.size; i++) {
        b.set(i, x0[i]! + move(k, i))
        out[i] = b.get(i)
      }
      return out
    })
    at.where = where
    const f = yield* lossValue(() => where)
    at.assertUnchanged('loss', (k, i) => stored[k]![i]!)
    return f
  } finally {
    at.restoreAll()
  }
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
  const stored = new Float64Array(indices.length)
  try {
    let t = 0
    let vv = 0
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j]!
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
    at.where = where
    const f = yield* lossValue(() => where)
    for (let j = 0; j < indices.length; j++) {
      const now = b.get(indices[j]!)
      if (!Object.is(now, stored[j]!)) throw mutated('loss', pathOf(b.name, b.shape, indices[j]!), stored[j]!, now)
    }
    return { x: t, f: off === 0 ? f : f - off }
  } finally {
    for (let j = 0; j < indices.length; j++) b.set(indices[j]!, x0[indices[j]!]!)
    at.where = undefined
  }
}
