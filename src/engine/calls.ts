import { LossValueError, describe } from '../errors.js'
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

  constructor(readonly blocks: readonly Block[]) {
    this.originals = blocks.map((b) => Float64Array.from({ length: b.size }, (_, i) => b.get(i)))
  }

  /** The value coordinate `i` of tensor `k` had when the check started. */
  original(k: number, i: number): number {
    return this.originals[k]![i]!
  }

  /** Writes `v` and returns what the storage holds (a Float32Array rounds). */
  set(k: number, i: number, v: number): number {
    const b = this.blocks[k]!
    b.set(i, v)
    return b.get(i)
  }

  restore(k: number, i: number): void {
    this.blocks[k]!.set(i, this.originals[k]![i]!)
  }

  restoreAll(): void {
    this.blocks.forEach((b, k) => {
      for (let i = 0; i < b.size; i++) b.set(i, this.originals[k]![i]!)
    })
  }
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
    const f = yield* lossValue(() => `at ${pathOf(b.name, b.shape, i)} = ${x}`)
    return { x, f }
  } finally {
    at.restore(k, i)
  }
}

/** The loss with every coordinate moved by `move(k, i)` from its original, restored whatever happens. */
export function* lossMoved(at: Perturbation, move: (k: number, i: number) => number, where: string): Check<number> {
  try {
    at.blocks.forEach((b, k) => {
      for (let i = 0; i < b.size; i++) at.set(k, i, at.original(k, i) + move(k, i))
    })
    return yield* lossValue(() => where)
  } finally {
    at.restoreAll()
  }
}
