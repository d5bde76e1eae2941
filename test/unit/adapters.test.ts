import { afterEach, describe, expect, it } from 'vitest'
import { GradcheckError, LossValueError, ParameterError, ShapeMismatchError } from '../../src/errors.js'
import {
  AdaptedBlock,
  type TensorAdapter,
  type TensorData,
  TensorIO,
  adapterOf,
  lossNumber,
  readTensors,
  registerTensorAdapter,
} from '../../src/params/adapters.js'

// Tensor adapters (src/params/adapters.ts): the registry, the Float64Array mirror of one adapted tensor of `at`
// (AdaptedBlock: loaded once, written back only after a change, read back to catch writes by the loss), the
// 'io' calls over all of them (TensorIO), and the reading of tensors a loss or gradient function returns.

// A tensor the check cannot index: its numbers sit behind `values`, as in a GPU buffer.
class Tensor {
  constructor(
    public values: number[],
    readonly shape: number[] = [values.length],
    readonly dtype: 'float32' | 'float64' = 'float64',
  ) {}
}
interface Log {
  reads: Tensor[]
  writes: { t: Tensor; data: number[] }[]
  disposed: Tensor[]
}
const adapterFor = (name: string, o: { async?: boolean; immutable?: boolean; read?: (t: Tensor) => unknown; write?: (t: Tensor, d: Float64Array) => unknown } = {}) => {
  const log: Log = { reads: [], writes: [], disposed: [] }
  const later = <X>(x: X): X | Promise<X> => (o.async ? Promise.resolve(x) : x)
  const adapter: TensorAdapter<Tensor> = {
    name,
    matches: (v): v is Tensor => v instanceof Tensor,
    read: (t) => {
      log.reads.push(t)
      return later((o.read ? o.read(t) : { data: t.values, shape: t.shape, precision: t.dtype }) as TensorData)
    },
    write: (t, d) => {
      log.writes.push({ t, data: Array.from(d) })
      if (o.write) return o.write(t, d) as void
      if (o.immutable) return later(new Tensor(Array.from(d), t.shape, t.dtype))
      t.values = Array.from(d)
      return later(undefined)
    },
    dispose: (t) => void log.disposed.push(t),
  }
  return { adapter, log }
}
const registered: (() => void)[] = []
const register = <T>(a: TensorAdapter<T>): (() => void) => {
  const u = registerTensorAdapter(a)
  registered.push(u)
  return u
}
afterEach(() => {
  registered.splice(0).forEach((u) => u())
})
const thrown = (f: () => unknown): Error => {
  try {
    f()
  } catch (e) {
    return e as Error
  }
  throw new Error('did not throw')
}
const rejection = async (p: unknown): Promise<Error> => (p as Promise<unknown>).then(() => { throw new Error('did not reject') }, (e: unknown) => e as Error)
const blockOf = (t: Tensor, adapter: TensorAdapter, name = 'w'): { b: AdaptedBlock; holder: Record<string, unknown> } => {
  const holder: Record<string, unknown> = { [name]: t }
  return { b: new AdaptedBlock(name, t, adapter, holder, name), holder }
}

describe('the registry', () => {
  it('finds nothing without adapters, and the latest registered adapter that matches wins', () => {
    const t = new Tensor([1])
    expect(adapterOf(t)).toBeUndefined()
    const a = adapterFor('a').adapter
    const b = adapterFor('b').adapter
    register(a)
    expect(adapterOf(t)).toBe(a)
    register(b)
    expect(adapterOf(t)).toBe(b)
  })

  it('registering the same adapter twice is a no-op: one unregister removes it', () => {
    const a = adapterFor('a').adapter
    const b = adapterFor('b').adapter
    register(b)
    const u = register(a)
    register(a)
    expect(adapterOf(new Tensor([1]))).toBe(a)
    u()
    expect(adapterOf(new Tensor([1]))).toBe(b)
  })

  it('unregistering twice removes nothing else', () => {
    const a = adapterFor('a').adapter
    const b = adapterFor('b').adapter
    register(b)
    const u = register(a)
    u()
    u()
    expect(adapterOf(new Tensor([1]))).toBe(b)
  })

  it('asks adapters only about objects: never about numbers, strings, functions or null', () => {
    const asked: unknown[] = []
    const greedy: TensorAdapter = { name: 'greedy', matches: (v): v is unknown => (asked.push(v), true), read: () => ({ data: [], shape: [0] }), write: () => {} }
    register(greedy)
    for (const v of [3, 'x', () => 1, null, undefined]) expect(adapterOf(v)).toBeUndefined()
    expect(asked).toEqual([])
    expect(adapterOf({})).toBe(greedy)
  })
})

describe('AdaptedBlock: the mirror of one adapted tensor', () => {
  it('is empty until loaded: no shape, no numbers, float64', () => {
    const { b } = blockOf(new Tensor([1, 2]), adapterFor('a').adapter)
    expect(b.shape).toEqual([])
    expect(b.size).toBe(0)
    expect(b.precision).toBe('float64')
  })

  it('loads a copy of the numbers, the shape and the precision the adapter reads', () => {
    const t = new Tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float32')
    const { adapter } = adapterFor('a')
    const { b } = blockOf(t, adapter)
    expect(b.load()).toBeUndefined()
    expect([b.size, b.shape, b.precision]).toEqual([6, [2, 3], 'float32'])
    expect(b.get(5)).toBe(6)
    t.values[5] = 60
    expect(b.get(5)).toBe(6)
    expect(b.original).toBe(t)
    expect(b.name).toBe('w')
  })

  it("reads any precision but 'float32' as float64", () => {
    const { adapter } = adapterFor('a', { read: (t) => ({ data: t.values, shape: t.shape, precision: 'float16' }) })
    const { b } = blockOf(new Tensor([1]), adapter)
    b.load()
    expect(b.precision).toBe('float64')
  })

  it('rounds what is set to float32 for a float32 tensor, and keeps it as is for float64', () => {
    const x = 0.1
    const f32 = blockOf(new Tensor([0], [1], 'float32'), adapterFor('a').adapter).b
    f32.load()
    f32.set(0, x)
    expect(f32.get(0)).toBe(Math.fround(x))
    const f64 = blockOf(new Tensor([0]), adapterFor('a').adapter).b
    f64.load()
    f64.set(0, x)
    expect(f64.get(0)).toBe(x)
  })

  it('writes only after a change, a copy of the mirror, once per change', () => {
    const t = new Tensor([1, 2])
    const { adapter, log } = adapterFor('a')
    const { b } = blockOf(t, adapter)
    b.load()
    expect(b.flush()).toBeUndefined()
    expect(log.writes).toEqual([])
    b.set(1, 5)
    b.flush()
    expect(log.writes).toEqual([{ t, data: [1, 5] }])
    expect(t.values).toEqual([1, 5])
    b.flush()
    expect(log.writes.length).toBe(1)
  })

  it('clean forgets a change: the tensor already holds the mirror (after the write probe)', () => {
    const { adapter, log } = adapterFor('a')
    const { b } = blockOf(new Tensor([1, 2]), adapter)
    b.load()
    b.set(0, 3)
    b.clean()
    b.flush()
    expect(log.writes).toEqual([])
  })

  it('names the adapter and the tensor when a read throws, with the cause; its own errors pass through', async () => {
    const boom = new Error('boom')
    const { b } = blockOf(new Tensor([1]), adapterFor('gpu', { read: () => { throw boom } }).adapter)
    const e = thrown(() => b.load())
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toBe("The tensor adapter 'gpu' threw reading `w`: boom")
    expect(e.cause).toBe(boom)
    const own = new ShapeMismatchError('own')
    expect(thrown(() => blockOf(new Tensor([1]), adapterFor('gpu', { read: () => { throw own } }).adapter).b.load())).toBe(own)
    const str = blockOf(new Tensor([1]), adapterFor('gpu', { read: () => { throw 'lost device' } }).adapter).b
    expect(thrown(() => str.load()).message).toBe("The tensor adapter 'gpu' threw reading `w`: lost device")
    const rejected = blockOf(new Tensor([1]), adapterFor('gpu', { read: () => Promise.reject(new Error('later')) }).adapter).b
    expect((await rejection(rejected.load())).message).toBe("The tensor adapter 'gpu' threw reading `w`: later")
  })

  it('loads through a promise, or any thenable, of the data', async () => {
    const t = new Tensor([1, 2])
    const viaPromise = blockOf(t, adapterFor('a', { async: true }).adapter).b
    const p = viaPromise.load()
    expect(p).toBeInstanceOf(Promise)
    expect(viaPromise.size).toBe(0)
    await p
    expect(viaPromise.size).toBe(2)
    const thenable = Object.assign(() => {}, { then: (resolve: (d: TensorData) => void) => resolve({ data: [7], shape: [1] }) })
    const viaFunction = blockOf(t, adapterFor('a', { read: () => thenable }).adapter).b
    await viaFunction.load()
    expect(viaFunction.get(0)).toBe(7)
  })

  it('rejects a read that is not `{ data, shape }`, naming the adapter and the tensor', () => {
    const read = (d: unknown): Error => thrown(() => blockOf(new Tensor([1]), adapterFor('gpu', { read: () => d }).adapter).b.load())
    for (const d of [null, undefined, 3, { data: [1] }, { shape: [1] }, { data: [1], shape: 1 }, { data: 5, shape: [] }, { data: undefined, shape: [1] }, { data: [1, 2], shape: [2, -1] }, { data: [1], shape: [0.5] }]) {
      const e = read(d)
      expect(e).toBeInstanceOf(ShapeMismatchError)
      expect(e.message).toMatch(/^Expected the tensor adapter 'gpu' to read `w` as `\{ data, shape \}`, got /)
    }
    expect(read(null).message).toBe("Expected the tensor adapter 'gpu' to read `w` as `{ data, shape }`, got `null`.")
    expect(read({ data: [1, 2], shape: [2, -1] }).message).toMatch(/got an object\.$/)
  })

  it('accepts an empty dimension and a scalar shape', () => {
    const empty = blockOf(new Tensor([], [2, 0]), adapterFor('a').adapter).b
    empty.load()
    expect([empty.size, empty.shape]).toEqual([0, [2, 0]])
    const scalar = blockOf(new Tensor([4], []), adapterFor('a').adapter).b
    scalar.load()
    expect([scalar.size, scalar.shape]).toEqual([1, []])
  })

  it('rejects a read whose numbers do not fill its shape', () => {
    const e = thrown(() => blockOf(new Tensor([1, 2, 3, 4, 5], [2, 3]), adapterFor('gpu').adapter).b.load())
    expect(e).toBeInstanceOf(ShapeMismatchError)
    expect(e.message).toBe("Expected the tensor adapter 'gpu' to read 6 numbers for `w` of shape [2, 3], got 5.")
  })

  it('names the adapter and the tensor when a write throws or rejects', async () => {
    const { b } = blockOf(new Tensor([1]), adapterFor('gpu', { write: () => { throw new Error('full') } }).adapter)
    b.load()
    b.set(0, 2)
    const e = thrown(() => b.flush())
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toBe("The tensor adapter 'gpu' threw writing `w`: full")
    const async = blockOf(new Tensor([1]), adapterFor('gpu', { write: () => Promise.reject(new Error('lost')) }).adapter).b
    async.load()
    async.set(0, 2)
    expect((await rejection(async.flush())).message).toBe("The tensor adapter 'gpu' threw writing `w`: lost")
  })

  describe('an immutable tensor: write returns a new one', () => {
    it('puts the replacement where `at` holds the tensor, disposes the one it replaces (never the original), and puts the original back at the end', () => {
      const t = new Tensor([1, 2])
      const { adapter, log } = adapterFor('a', { immutable: true })
      const { b, holder } = blockOf(t, adapter)
      b.load()
      b.set(0, 3)
      b.flush()
      const first = holder.w as Tensor
      expect(first).not.toBe(t)
      expect(first.values).toEqual([3, 2])
      expect(log.disposed).toEqual([])
      b.set(0, 4)
      b.flush()
      // The second write was given the replacement, not the original.
      expect(log.writes[1]!.t).toBe(first)
      expect(log.disposed).toEqual([first])
      const second = holder.w as Tensor
      b.putBack()
      expect(holder.w).toBe(t)
      expect(log.disposed).toEqual([first, second])
      // Put back: nothing is left to write, and putting back again does nothing.
      b.flush()
      expect(log.writes.length).toBe(2)
      b.putBack()
      expect(log.disposed.length).toBe(2)
    })

    it('keeps the tensor where write returns nothing, null or the same tensor', () => {
      for (const r of [undefined, null, 'same']) {
        const t = new Tensor([1])
        const { adapter, log } = adapterFor('a', { write: (x) => (r === 'same' ? x : r) })
        const { b, holder } = blockOf(t, adapter)
        b.load()
        b.set(0, 2)
        b.flush()
        b.set(0, 3)
        b.flush()
        expect(holder.w).toBe(t)
        expect(log.disposed).toEqual([])
        b.putBack()
        expect(log.disposed).toEqual([])
      }
    })

    it('does not dispose a replacement that write returns again (written in place the second time)', () => {
      const t = new Tensor([1])
      let made: Tensor | undefined
      const { adapter, log } = adapterFor('a', { write: (x, d) => (made === undefined ? (made = new Tensor(Array.from(d))) : ((x.values = Array.from(d)), x)) })
      const { b, holder } = blockOf(t, adapter)
      b.load()
      b.set(0, 2)
      b.flush()
      b.set(0, 3)
      b.flush()
      expect(holder.w).toBe(made)
      expect(made!.values).toEqual([3])
      expect(log.disposed).toEqual([])
    })

    it('replaces through an async write too', async () => {
      const t = new Tensor([1])
      const { adapter } = adapterFor('a', { immutable: true, async: true })
      const { b, holder } = blockOf(t, adapter)
      await b.load()
      b.set(0, 5)
      await b.flush()
      expect((holder.w as Tensor).values).toEqual([5])
    })

    it('works with an adapter that has no dispose', () => {
      const t = new Tensor([1])
      const { adapter } = adapterFor('a', { immutable: true })
      const { dispose: _, ...bare } = adapter
      const { b, holder } = blockOf(t, bare)
      b.load()
      b.set(0, 2)
      b.flush()
      b.set(0, 3)
      b.flush()
      b.putBack()
      expect(holder.w).toBe(t)
    })
  })

  describe('overwritten: reading the tensor back', () => {
    it('finds nothing when the tensor holds what was last written', () => {
      const t = new Tensor([1, 2])
      const { b } = blockOf(t, adapterFor('a').adapter)
      b.load()
      expect(b.overwritten()).toBeUndefined()
      b.set(0, 9)
      b.flush()
      expect(b.overwritten()).toBeUndefined()
    })

    it('names the first coordinate written by someone else, with what it was and is, and writes the mirror back next', () => {
      const t = new Tensor([1, 2, 3, 4, 5, 6], [2, 3])
      const { adapter, log } = adapterFor('a')
      const { b } = blockOf(t, adapter)
      b.load()
      t.values[4] = 40
      t.values[5] = 50
      expect(b.overwritten()).toEqual({ path: 'w[1,1]', was: 5, now: 40 })
      b.flush()
      expect(log.writes).toEqual([{ t, data: [1, 2, 3, 4, 5, 6] }])
    })

    it('reads the current tensor (the replacement), not the original', () => {
      const t = new Tensor([1])
      const { adapter, log } = adapterFor('a', { immutable: true })
      const { b, holder } = blockOf(t, adapter)
      b.load()
      b.set(0, 2)
      b.flush()
      expect(b.overwritten()).toBeUndefined()
      expect(log.reads.at(-1)).toBe(holder.w)
    })

    it('does not count −0 read back for 0 as a write', () => {
      const t = new Tensor([0])
      const { adapter } = adapterFor('a', { read: (x) => ({ data: x.values.map((v) => (v === 0 ? -0 : v)), shape: x.shape }) })
      const { b } = blockOf(t, adapter)
      b.load()
      b.set(0, 0)
      b.flush()
      expect(b.overwritten()).toBeUndefined()
    })

    it('names the adapter when reading back throws; its own errors pass through', async () => {
      let fail: unknown
      const { adapter } = adapterFor('gpu', { read: (t) => { if (fail !== undefined) throw fail; return { data: t.values, shape: t.shape } } })
      const { b } = blockOf(new Tensor([1]), adapter)
      b.load()
      fail = new Error('gone')
      const e = thrown(() => b.overwritten())
      expect(e).toBeInstanceOf(ParameterError)
      expect(e.message).toBe("The tensor adapter 'gpu' threw reading `w` back: gone")
      fail = new LossValueError('own')
      expect(thrown(() => b.overwritten())).toBe(fail)
      const async = blockOf(new Tensor([1]), adapterFor('gpu', { read: (t) => (fail === 'reject' ? Promise.reject(new Error('later')) : { data: t.values, shape: t.shape }) }).adapter).b
      fail = undefined
      async.load()
      fail = 'reject'
      expect((await rejection(async.overwritten())).message).toBe("The tensor adapter 'gpu' threw reading `w` back: later")
    })

    it('checks the shape of what is read back', () => {
      const t = new Tensor([1, 2])
      const { b } = blockOf(t, adapterFor('a').adapter)
      b.load()
      t.values = [1]
      expect(thrown(() => b.overwritten()).message).toBe("Expected the tensor adapter 'a' to read 2 numbers for `w` of shape [2], got 1.")
    })

    it('reads back asynchronously with an async adapter', async () => {
      const t = new Tensor([1, 2])
      const { b } = blockOf(t, adapterFor('a', { async: true }).adapter)
      await b.load()
      t.values[1] = 7
      const r = b.overwritten()
      expect(r).toBeInstanceOf(Promise)
      expect(await r).toEqual({ path: 'w[1]', was: 2, now: 7 })
    })
  })
})

describe('TensorIO: the check’s io calls over every adapted tensor', () => {
  const two = (o: { async?: [boolean, boolean] } = {}) => {
    const a = adapterFor('a', { async: o.async?.[0] })
    const c = adapterFor('c', { async: o.async?.[1] })
    const ta = new Tensor([1, 2])
    const tc = new Tensor([3])
    const ba = blockOf(ta, a.adapter, 'a').b
    const bc = blockOf(tc, c.adapter, 'c').b
    return { io: new TensorIO([ba, bc]), ba, bc, ta, tc, la: a.log, lc: c.log }
  }

  it('loads every tensor on the first sync, then writes only the changed ones', () => {
    const { io, ba, la, lc, ta } = two()
    expect(io.sync()).toBeUndefined()
    expect([la.reads.length, lc.reads.length]).toEqual([1, 1])
    expect(ba.size).toBe(2)
    ba.set(1, 8)
    expect(io.sync()).toBeUndefined()
    expect(la.writes).toEqual([{ t: ta, data: [1, 8] }])
    expect(lc.writes).toEqual([])
    expect([la.reads.length, lc.reads.length]).toEqual([1, 1])
  })

  it('is a promise when any tensor is async, and plain when none is', async () => {
    const { io } = two({ async: [false, true] })
    const p = io.sync()
    expect(p).toBeInstanceOf(Promise)
    expect(await p).toBeUndefined()
  })

  it('after verify, the next sync reads every tensor back and returns the first overwritten coordinate; the one after writes again', () => {
    const { io, tc, la, lc } = two()
    io.sync()
    tc.values[0] = 30
    io.verify()
    expect(io.sync()).toEqual({ path: 'c[0]', was: 3, now: 30 })
    expect([la.reads.length, lc.reads.length]).toEqual([2, 2])
    // Back to writing: the overwritten tensor gets the mirror back.
    io.sync()
    expect(lc.writes.map((w) => w.data)).toEqual([[3]])
    expect([la.reads.length, lc.reads.length]).toEqual([2, 2])
  })

  it('reads back through promises when one tensor is async, the synchronous one’s finding included', async () => {
    const { io, tc } = two({ async: [true, false] })
    await io.sync()
    tc.values[0] = 31
    io.verify()
    const r = io.sync()
    expect(r).toBeInstanceOf(Promise)
    expect(await r).toEqual({ path: 'c[0]', was: 3, now: 31 })
  })

  it('after end, puts every original back and writes its numbers', () => {
    const a = adapterFor('a', { immutable: true })
    const t = new Tensor([1, 2])
    const { b, holder } = blockOf(t, a.adapter)
    const io = new TensorIO([b])
    io.sync()
    b.set(0, 5)
    io.sync()
    expect(holder.w).not.toBe(t)
    b.set(0, 1)
    io.end()
    expect(io.sync()).toBeUndefined()
    expect(holder.w).toBe(t)
    // The original was never changed: putting it back is enough, with no write to it.
    expect(a.log.writes.length).toBe(1)
  })

  it('after end, writes the originals back to a mutable tensor', () => {
    const { io, ba, ta } = two()
    io.sync()
    ba.set(0, 5)
    io.sync()
    ba.set(0, 1)
    io.end()
    io.sync()
    expect(ta.values).toEqual([1, 2])
  })

  it('clean forgets every change', () => {
    const { io, ba, bc, la, lc } = two()
    io.sync()
    ba.set(0, 5)
    bc.set(0, 5)
    io.clean()
    io.sync()
    expect([la.writes.length, lc.writes.length]).toEqual([0, 0])
  })

  it('has: the tensors of `at`, by identity', () => {
    const { io, ta, tc } = two()
    expect(io.has(ta)).toBe(true)
    expect(io.has(tc)).toBe(true)
    expect(io.has(new Tensor([1, 2]))).toBe(false)
    expect(io.blocks.length).toBe(2)
  })
})

describe('readTensors: returned values with their tensors read', () => {
  const never = (): boolean => false

  it('returns the value itself when no adapter is registered or it holds no tensor', () => {
    const v = { a: [1, 2], b: { c: 3 } }
    expect(readTensors(v, true, never)).toBe(v)
    register(adapterFor('a').adapter)
    expect(readTensors(v, true, never)).toBe(v)
  })

  it('reads tensors anywhere in arrays and plain objects into `{ data, shape, precision }`, leaving the value as it was', () => {
    register(adapterFor('a').adapter)
    const t = new Tensor([1, 2, 3, 4], [2, 2], 'float32')
    const value = { w: t, list: [new Tensor([5]), 6], n: null, u: undefined, s: 'x', deep: Object.assign(Object.create(null), { t: new Tensor([7], []) }) }
    const r = readTensors(value, false, never) as Record<string, unknown>
    expect(r).toEqual({
      w: { data: Float64Array.from([1, 2, 3, 4]), shape: [2, 2], precision: 'float32' },
      list: [{ data: Float64Array.from([5]), shape: [1], precision: 'float64' }, 6],
      n: null,
      u: undefined,
      s: 'x',
      deep: { t: { data: Float64Array.from([7]), shape: [], precision: 'float64' } },
    })
    expect(value.w).toBe(t)
    expect(value.list[0]).toBeInstanceOf(Tensor)
  })

  it('reads a tensor returned alone', () => {
    register(adapterFor('a').adapter)
    expect(readTensors(new Tensor([1, 2]), false, never)).toEqual({ data: Float64Array.from([1, 2]), shape: [2], precision: 'float64' })
  })

  it('does not walk class instances or typed arrays, and stops at a cycle', () => {
    register(adapterFor('a').adapter)
    class Holder {
      constructor(readonly t: Tensor) {}
    }
    const h = new Holder(new Tensor([1]))
    const typed = Float64Array.from([1])
    const cyclic: Record<string, unknown> = { t: new Tensor([2]), typed, h }
    cyclic.self = cyclic
    const r = readTensors(cyclic, false, never) as Record<string, unknown>
    expect(r.h).toBe(h)
    expect(r.typed).toBe(typed)
    expect(r.t).toEqual({ data: Float64Array.from([2]), shape: [1], precision: 'float64' })
    // The cycle stays a cycle, in the copy: the copy's `self` is the copy (flatten then names it).
    expect(r.self).toBe(r)
    expect(r).not.toBe(cyclic)
  })

  it('a container the value holds in two places is read once and its copy put in both (was: the second place kept raw tensors)', () => {
    const { adapter, log } = adapterFor('a')
    register(adapter)
    const shared = { w: new Tensor([1, 2]) }
    const r = readTensors({ a: shared, b: shared }, false, never) as { a: { w: unknown }; b: { w: unknown } }
    expect(r.a.w).toEqual({ data: Float64Array.from([1, 2]), shape: [2], precision: 'float64' })
    expect(r.b).toBe(r.a)
    expect(log.reads).toHaveLength(1)
    expect(shared.w).toBeInstanceOf(Tensor)
  })

  it('disposes the tensors a function returned (own), except those of `at`; a value the caller passed (not own) is not disposed', () => {
    const { adapter, log } = adapterFor('a')
    register(adapter)
    const mine = new Tensor([1])
    const theirs = new Tensor([2])
    readTensors([mine, theirs], true, (v) => v === theirs)
    expect(log.disposed).toEqual([mine])
    readTensors([mine, theirs], false, never)
    expect(log.disposed).toEqual([mine])
  })

  it('is a promise with an async adapter, resolving to the read value, and disposes after reading', async () => {
    const { adapter, log } = adapterFor('a', { async: true })
    register(adapter)
    const t = new Tensor([1, 2])
    const r = readTensors({ g: t }, true, never)
    expect(r).toBeInstanceOf(Promise)
    expect(log.disposed).toEqual([])
    expect(await r).toEqual({ g: { data: Float64Array.from([1, 2]), shape: [2], precision: 'float64' } })
    expect(log.disposed).toEqual([t])
  })

  it('disposes the returned tensors even when an async read fails, and rejects with the error', async () => {
    const { adapter, log } = adapterFor('a', { read: (t) => (t.values.length === 0 ? Promise.resolve({ data: [1], shape: [2] }) : Promise.resolve({ data: t.values, shape: t.shape })) })
    register(adapter)
    const good = new Tensor([1])
    const bad = new Tensor([])
    const e = await rejection(readTensors([good, bad], true, never))
    expect(e).toBeInstanceOf(ShapeMismatchError)
    expect(e.message).toBe("Expected the tensor adapter 'a' to read 2 numbers for a returned tensor of shape [2], got 1.")
    expect(log.disposed).toEqual([good, bad])
  })

  it('names the adapter when reading a returned tensor throws, and checks what it reads', () => {
    register(adapterFor('gpu', { read: () => { throw new Error('lost') } }).adapter)
    const e = thrown(() => readTensors([new Tensor([1])], true, never))
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toBe("The tensor adapter 'gpu' threw reading a returned tensor: lost")
    register(adapterFor('bad', { read: () => ({ data: [1] }) }).adapter)
    expect(thrown(() => readTensors([new Tensor([1])], true, never)).message).toBe(
      "Expected the tensor adapter 'bad' to read a returned tensor as `{ data, shape }`, got an object.",
    )
  })
})

describe('lossNumber: a loss that returned a tensor', () => {
  const never = (): boolean => false

  it('passes anything that is not a tensor through', () => {
    register(adapterFor('a').adapter)
    expect(lossNumber(2.5, never)).toBe(2.5)
    const o = { value: 1 }
    expect(lossNumber(o, never)).toBe(o)
  })

  it('gives the one number of a scalar tensor, of any shape holding one number, and disposes it', () => {
    const { adapter, log } = adapterFor('a')
    register(adapter)
    const t = new Tensor([4.5], [])
    expect(lossNumber(t, never)).toBe(4.5)
    expect(lossNumber(new Tensor([3], [1, 1]), never)).toBe(3)
    expect(log.disposed[0]).toBe(t)
    expect(log.disposed.length).toBe(2)
  })

  it('does not dispose a tensor of `at` returned as the loss', () => {
    const { adapter, log } = adapterFor('a')
    register(adapter)
    const t = new Tensor([1])
    expect(lossNumber(t, (v) => v === t)).toBe(1)
    expect(log.disposed).toEqual([])
  })

  it('rejects a tensor of more than one number, naming its shape', () => {
    register(adapterFor('a').adapter)
    const e = thrown(() => lossNumber(new Tensor([1, 2, 3, 4, 5, 6], [2, 3]), never))
    expect(e).toBeInstanceOf(LossValueError)
    expect(e).toBeInstanceOf(GradcheckError)
    expect(e.message).toBe('Expected the loss to return a scalar, got a tensor of shape [2, 3]. Reduce it, e.g. with `mean()`.')
  })

  it('is a promise of the number with an async adapter', async () => {
    register(adapterFor('a', { async: true }).adapter)
    const r = lossNumber(new Tensor([2]), never)
    expect(r).toBeInstanceOf(Promise)
    expect(await r).toBe(2)
  })
})
