import { GradcheckError, LossValueError, ParameterError, ShapeMismatchError, describe } from '../errors.js'
import { type Block, type Precision, pathOf } from './flatten.js'

/** What an adapter reads out of a tensor: its numbers in row-major order, its shape, and how it stores them. */
export interface TensorData {
  data: ArrayLike<number>
  shape: readonly number[]
  /** `float32` when the tensor rounds what is written to it (a float32 dtype); `float64` by default. */
  precision?: Precision
}

/**
 * Teaches gradcheck a tensor type it cannot index (a GPU buffer, a TF.js tensor): the check reads it once
 * into a Float64Array, perturbs that copy, and writes it back before each loss or gradient call that
 * follows a change. `read` and `write` may return promises (a `mapAsync` on WebGPU): the check is async then.
 */
export interface TensorAdapter<T = unknown> {
  /** Names the adapter in error messages. */
  name: string
  matches(value: unknown): value is T
  read(value: T): TensorData | PromiseLike<TensorData>
  /**
   * Stores `data` (a copy, row-major, as many numbers as the tensor has) in the tensor. A tensor that cannot
   * be written in place may return a new tensor holding `data`: it replaces the old one where `at` holds it,
   * and the original is put back at the end.
   */
  write(value: T, data: Float64Array): void | T | PromiseLike<void | T>
  /** Frees a tensor returned by the loss or the gradient function once it has been read (never one of `at`). */
  dispose?(value: T): void
}

const adapters: TensorAdapter[] = []

/**
 * Registers `adapter` for every later check; the latest registered adapter that matches a value wins.
 * Registering the same adapter twice is a no-op. Returns a function that unregisters it.
 */
export function registerTensorAdapter<T>(adapter: TensorAdapter<T>): () => void {
  const a = adapter as TensorAdapter
  if (!adapters.includes(a)) adapters.unshift(a)
  return () => {
    const k = adapters.indexOf(a)
    if (k >= 0) adapters.splice(k, 1)
  }
}

export const adapterOf = (v: unknown): TensorAdapter | undefined =>
  adapters.length === 0 || typeof v !== 'object' || v === null ? undefined : adapters.find((a) => a.matches(v))

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function'

/** `f(x)` now, or once `x` resolves: keeps synchronous adapters synchronous. */
const then = <X, Y>(x: X | PromiseLike<X>, f: (x: X) => Y | PromiseLike<Y>): Y | PromiseLike<Y> => (isThenable(x) ? Promise.resolve(x).then(f) : f(x))

/** Runs every step; a promise of all of them when any returns one. */
function all(steps: (void | PromiseLike<unknown>)[]): void | Promise<void> {
  const pending = steps.filter(isThenable)
  if (pending.length > 0) return Promise.all(pending).then(() => undefined)
}

function checked(d: TensorData, adapter: TensorAdapter, where: string): { data: Float64Array; shape: number[]; precision: Precision } {
  const shape = d?.shape
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0) || typeof d.data?.length !== 'number') {
    throw new ShapeMismatchError(`Expected the tensor adapter '${adapter.name}' to read ${where} as \`{ data, shape }\`, got ${describe(d)}.`)
  }
  const size = shape.reduce((p: number, n: number) => p * n, 1)
  if (d.data.length !== size) {
    throw new ShapeMismatchError(`Expected the tensor adapter '${adapter.name}' to read ${size} numbers for ${where} of shape [${shape.join(', ')}], got ${d.data.length}.`)
  }
  return { data: Float64Array.from(d.data), shape: [...shape], precision: d.precision === 'float32' ? 'float32' : 'float64' }
}

const wrapped = (adapter: TensorAdapter, what: string, error: unknown): ParameterError =>
  new ParameterError(`The tensor adapter '${adapter.name}' threw ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })

/** A coordinate of an adapted tensor that holds something other than what the check last wrote to it. */
export interface Overwritten {
  path: string
  was: number
  now: number
}

/**
 * A tensor of `at` seen through its adapter: a Float64Array mirror the engine reads and writes, loaded by
 * `load` before anything else touches the block, and written to the tensor by `flush` when it changed.
 */
export class AdaptedBlock implements Block {
  private data: Float64Array | undefined
  /** What the tensor holds as far as the check knows: what `load` read, then what each `flush` wrote. */
  private written: Float64Array | undefined
  private dims: readonly number[] = []
  private rounding: Precision = 'float64'
  private dirty = false
  /** The tensor the loss sees now: the original, or the replacement an immutable tensor's `write` returned. */
  private current: unknown

  constructor(
    readonly name: string,
    readonly original: unknown,
    readonly adapter: TensorAdapter,
    private readonly holder: Record<string, unknown>,
    private readonly key: string,
  ) {
    this.current = original
  }

  get shape(): readonly number[] {
    return this.dims
  }
  get size(): number {
    return this.data?.length ?? 0
  }
  get precision(): Precision {
    return this.rounding
  }
  get(i: number): number {
    return this.data![i]!
  }
  set(i: number, v: number): void {
    // Rounded like the tensor will round it, so the step the engine divides by is the step the loss sees.
    this.data![i] = this.rounding === 'float32' ? Math.fround(v) : v
    this.dirty = true
  }

  load(): void | PromiseLike<void> {
    const where = `\`${this.name}\``
    const accept = (d: TensorData): void => {
      const c = checked(d, this.adapter, where)
      this.data = c.data
      this.written = Float64Array.from(c.data)
      this.dims = c.shape
      this.rounding = c.precision
    }
    const fail = (error: unknown): never => {
      throw error instanceof GradcheckError ? error : wrapped(this.adapter, `reading ${where}`, error)
    }
    try {
      const r = this.adapter.read(this.original)
      return isThenable(r) ? Promise.resolve(r).then(accept, fail) : accept(r)
    } catch (error) {
      return fail(error)
    }
  }

  /** Writes the mirror to the tensor if the engine changed it since the last write. */
  flush(): void | PromiseLike<void> {
    if (!this.dirty) return
    this.dirty = false
    const fail = (error: unknown): never => {
      throw wrapped(this.adapter, `writing \`${this.name}\``, error)
    }
    this.written!.set(this.data!)
    try {
      const r = this.adapter.write(this.current, Float64Array.from(this.data!))
      return isThenable(r) ? Promise.resolve(r).then((t) => this.replace(t), fail) : this.replace(r)
    } catch (error) {
      return fail(error)
    }
  }

  private replace(t: unknown): void {
    if (t === undefined || t === null || t === this.current) return
    if (this.current !== this.original) this.adapter.dispose?.(this.current)
    this.current = t
    this.holder[this.key] = t
  }

  /** After the mirror holds the originals again: an immutable tensor's original object goes back into `at`. */
  putBack(): void {
    if (this.current === this.original) return
    this.adapter.dispose?.(this.current)
    this.current = this.original
    this.holder[this.key] = this.original
    this.dirty = false
  }

  /** The mirror equals the tensor (after a probe that wrote and restored it): nothing to write. */
  clean(): void {
    this.dirty = false
  }

  /**
   * Reads the tensor back and returns its first coordinate that differs from what the check last wrote:
   * something else wrote to it (the loss, through its own handle on the tensor), or nothing did.
   */
  overwritten(): Overwritten | undefined | PromiseLike<Overwritten | undefined> {
    const where = `\`${this.name}\``
    const compare = (d: TensorData): Overwritten | undefined => {
      const now = checked(d, this.adapter, where).data
      const was = this.written!
      // `!==`, not Object.is: a storage that keeps 0 for −0 has not been written to.
      const i = was.findIndex((v, j) => v !== now[j])
      if (i < 0) return undefined
      // The tensor no longer holds the mirror: the final flush must write the originals back.
      this.dirty = true
      return { path: pathOf(this.name, this.dims, i), was: was[i]!, now: now[i]! }
    }
    const fail = (error: unknown): never => {
      throw error instanceof GradcheckError ? error : wrapped(this.adapter, `reading ${where} back`, error)
    }
    try {
      const r = this.adapter.read(this.current)
      return isThenable(r) ? Promise.resolve(r).then(compare, fail) : compare(r)
    } catch (error) {
      return fail(error)
    }
  }
}

/** The adapted tensors of `at` and the reads and writes of all of them, for the check's `'io'` calls. */
export class TensorIO {
  private loaded = false
  private ending = false
  private verifying = false
  constructor(readonly blocks: readonly AdaptedBlock[]) {}

  /**
   * The first call reads every tensor; later ones write back those that changed; after `verify`, one reads
   * every tensor back and returns the first coordinate overwritten (see `verify`); after `end`, the originals.
   */
  sync(): void | Overwritten | PromiseLike<void | Overwritten | undefined> {
    if (this.ending) return this.finish()
    if (this.verifying) return this.readBack()
    if (this.loaded) return all(this.blocks.map((b) => b.flush()))
    this.loaded = true
    return all(this.blocks.map((b) => b.load()))
  }

  /**
   * The next `sync` reads every tensor back, instead of writing: a loss or gradient function that writes to
   * an adapted tensor through its own handle (`w.assign(…)` on a TF.js variable) changes the tensor, not the
   * mirror the engine compares. Called once after the gradient call and once after the last loss call: one
   * read per tensor each. A write that a later perturbation overwrites in between is not seen (reading back
   * around every call would double the traffic with the tensor, a GPU read-back each time on WebGPU).
   */
  verify(): void {
    this.verifying = true
  }

  private readBack(): Overwritten | undefined | PromiseLike<Overwritten | undefined> {
    this.verifying = false
    const reads = this.blocks.map((b) => b.overwritten())
    const first = (found: (Overwritten | undefined)[]): Overwritten | undefined => found.find((c) => c !== undefined)
    return reads.some(isThenable) ? Promise.all(reads).then(first) : first(reads as (Overwritten | undefined)[])
  }

  /** The next `sync` is the last: the engine has restored every mirror. */
  end(): void {
    this.ending = true
  }

  /** At the end, with the mirrors restored: writes the originals and puts replaced tensors back. */
  private finish(): void | Promise<void> {
    this.blocks.forEach((b) => b.putBack())
    return all(this.blocks.map((b) => b.flush()))
  }

  clean(): void {
    this.blocks.forEach((b) => b.clean())
  }

  has(v: unknown): boolean {
    return this.blocks.some((b) => b.original === v)
  }
}

/**
 * The gradient (or the loss value) with every adapted tensor read into `{ data, shape }`, and the ones the
 * function returned disposed (`own`), except tensors of `at`. Only arrays and plain objects are walked.
 */
export function readTensors(value: unknown, own: boolean, keep: (v: unknown) => boolean): unknown {
  if (adapters.length === 0) return value
  const found: { adapter: TensorAdapter; value: unknown }[] = []
  // Each container walked once, and its copy put wherever it appears again: a gradient may hold one object in two
  // places ({ a: s, b: s }), and a cycle then stays a cycle, which the shape check names.
  const seen = new Map<object, unknown>()
  const walk = (v: unknown, put: (x: unknown) => void): (void | PromiseLike<void>)[] => {
    const adapter = adapterOf(v)
    if (adapter !== undefined) {
      found.push({ adapter, value: v })
      let read: TensorData | PromiseLike<TensorData>
      try {
        read = adapter.read(v)
      } catch (error) {
        throw wrapped(adapter, 'reading a returned tensor', error)
      }
      return [then(read, (d) => put(checked(d, adapter, 'a returned tensor')))]
    }
    if (typeof v !== 'object' || v === null) return []
    if (seen.has(v)) return [put(seen.get(v))]
    const proto = Object.getPrototypeOf(v)
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return []
    const copy: Record<string, unknown> = Array.isArray(v) ? ([...v] as unknown as Record<string, unknown>) : { ...v }
    seen.set(v, copy)
    put(copy)
    return Object.keys(copy).flatMap((k) => walk(copy[k], (x) => (copy[k] = x)))
  }
  const box = { value }
  const steps = walk(value, (x) => (box.value = x))
  if (found.length === 0) return value
  const dispose = (): void => {
    if (own) for (const f of found) if (!keep(f.value)) f.adapter.dispose?.(f.value)
  }
  const pending = steps.filter(isThenable)
  if (pending.length === 0) {
    dispose()
    return box.value
  }
  return Promise.all(pending).then(
    () => (dispose(), box.value),
    (error) => {
      dispose()
      throw error
    },
  )
}

/** A loss that returned a tensor: its one number, the tensor disposed. */
export function lossNumber(v: unknown, keep: (v: unknown) => boolean): unknown {
  if (adapterOf(v) === undefined) return v
  return then(readTensors(v, true, keep), (d) => {
    const { data, shape } = d as { data: Float64Array; shape: number[] }
    if (data.length !== 1) {
      throw new LossValueError(`Expected the loss to return a scalar, got a tensor of shape [${shape.join(', ')}]. Reduce it, e.g. with \`mean()\`.`)
    }
    return data[0]
  })
}
