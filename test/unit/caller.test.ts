import { afterAll, describe, expect, it } from 'vitest'
import { type Callee, caller } from '../../src/caller.js'
import { Perturbation } from '../../src/engine/calls.js'
import type { Call } from '../../src/engine/drive.js'
import { CallError, GradcheckError, NonFiniteError } from '../../src/errors.js'
import { resolveOptions } from '../../src/options.js'
import { AdaptedBlock, type TensorAdapter, TensorIO, registerTensorAdapter } from '../../src/params/adapters.js'
import { flatten } from '../../src/params/flatten.js'
import { Progress, type ProgressEvent } from '../../src/progress.js'

// caller: the one function every call of the engine goes through. It counts loss and gradient calls apart,
// runs beforeEvaluation before each, tells Progress about loss calls only, reads adapted tensors, and wraps a
// user's error in a CallError naming the call number and what was perturbed.

// A tensor type only an adapter can read, synchronous or with a delay (a GPU read-back).
class Box {
  constructor(
    public values: Float64Array,
    readonly shape: number[] = [values.length],
  ) {}
}
const log: string[] = []
const disposed: Box[] = []
const boxes: TensorAdapter<Box> = {
  name: 'box',
  matches: (v): v is Box => v instanceof Box,
  read: (b) => (log.push('read'), { data: b.values, shape: b.shape }),
  write: (b, data) => void (log.push('write'), b.values.set(data)),
  dispose: (b) => void disposed.push(b),
}
class SlowBox extends Box {}
const slow: TensorAdapter<SlowBox> = {
  name: 'slow',
  matches: (v): v is SlowBox => v instanceof SlowBox,
  read: async (b) => (log.push('read'), { data: b.values, shape: b.shape }),
  write: async (b, data) => void (log.push('write'), b.values.set(data)),
}
const unregister = [registerTensorAdapter(boxes), registerTensorAdapter(slow)]
afterAll(() => unregister.forEach((u) => u()))

interface Setup {
  loss?: unknown
  grad?: unknown
  derivative?: Callee['derivative']
  at?: unknown
  beforeEvaluation?: () => void
  progress?: Progress
  perturbation?: () => Perturbation | undefined
}
const setup = (s: Setup = {}): { call: (c: Call) => unknown; counter: Callee['counter']; flat: ReturnType<typeof flatten>; io: TensorIO | undefined } => {
  const point = s.at ?? Float64Array.from([1, 2])
  const flat = flatten(point, '`at`', true)
  const adapted = flat.blocks.filter((b): b is AdaptedBlock => b instanceof AdaptedBlock)
  const io = adapted.length > 0 ? new TensorIO(adapted) : undefined
  const counter = { loss: 0, grad: 0 }
  const call = caller({
    loss: s.loss ?? (() => 1),
    grad: 'grad' in s ? s.grad : () => [0, 0],
    derivative: s.derivative,
    flat,
    io,
    options: resolveOptions({ at: point, ...(s.beforeEvaluation ? { beforeEvaluation: s.beforeEvaluation } : {}) }),
    progress: s.progress,
    counter,
    at: s.perturbation ?? (() => undefined),
  })
  return { call, counter, flat, io }
}
const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error('did not throw')
}

describe('loss and gradient calls', () => {
  it('hands the loss and the gradient function what `at` is, and returns their values as they are', () => {
    const at = Float64Array.from([1, 2])
    const seen: unknown[] = []
    const g = [3, 4]
    const { call } = setup({ at, loss: (p: unknown) => (seen.push(p), 7), grad: (p: unknown) => (seen.push(p), g) })
    expect(call('loss')).toBe(7)
    expect(call('grad')).toBe(g)
    expect(seen).toEqual([at, at])
    expect(seen[0]).toBe(at)
  })

  it('counts loss and gradient calls apart, one each call', () => {
    const { call, counter } = setup({ derivative: () => 0 })
    call('loss')
    call('loss')
    call('grad')
    call({ along: {} as never })
    expect(counter).toEqual({ loss: 2, grad: 2 })
  })

  it("an 'io' call without adapted tensors does nothing and is not counted", () => {
    let calls = 0
    const { call, counter } = setup({ loss: () => (calls++, 1), grad: () => (calls++, [0, 0]) })
    expect(call('io')).toBeUndefined()
    expect(counter).toEqual({ loss: 0, grad: 0 })
    expect(calls).toBe(0)
  })

  it('runs beforeEvaluation before every loss and every gradient call, before the call itself', () => {
    const order: string[] = []
    const { call } = setup({
      beforeEvaluation: () => order.push('before'),
      loss: () => (order.push('loss'), 1),
      grad: () => (order.push('grad'), [0, 0]),
      derivative: () => (order.push('along'), 0),
    })
    call('loss')
    call('grad')
    call({ along: {} as never })
    expect(order).toEqual(['before', 'loss', 'before', 'grad', 'before', 'along'])
  })

  it('tells Progress about loss calls only', () => {
    const events: ProgressEvent[] = []
    const progress = new Progress((e) => events.push({ ...e }))
    const { call } = setup({ progress })
    call('loss')
    call('grad')
    call('loss')
    expect(events.map((e) => e.done)).toEqual([1, 2])
  })

  it('asks `derivative` for an `{ along }` call, with the direction, and not the gradient function', () => {
    const d = { tensor: 'at' } as never
    const asked: unknown[] = []
    let grads = 0
    const { call } = setup({ derivative: (x) => (asked.push(x), 2.5), grad: () => (grads++, [0, 0]) })
    expect(call({ along: d })).toBe(2.5)
    expect(asked).toEqual([d])
    expect(asked[0]).toBe(d)
    expect(grads).toBe(0)
  })

  it('returns a value gradient as it is, without calling anything or running beforeEvaluation, but counts it', () => {
    let before = 0
    const g = { w: [1, 2] }
    const { call, counter } = setup({ grad: g, beforeEvaluation: () => before++ })
    expect(call('grad')).toBe(g)
    expect(before).toBe(0)
    expect(counter.grad).toBe(1)
  })

  it('with a value gradient, still calls the loss for a loss call', () => {
    const { call } = setup({ grad: [5, 6], loss: () => 8 })
    expect(call('loss')).toBe(8)
  })

  it('asks `derivative` for an `{ along }` call even with no gradient function (checkAlong passes none)', () => {
    const d = { tensor: 'at' } as never
    const { call, counter } = setup({ grad: undefined as never, derivative: () => 1.5 })
    expect(call({ along: d })).toBe(1.5)
    expect(counter.grad).toBe(1)
  })

  it('resolves a promise of the loss to its value', async () => {
    const { call } = setup({ loss: async () => 3 })
    const v = call('loss')
    expect(v).toBeInstanceOf(Promise)
    expect(await v).toBe(3)
  })
})

describe('errors of the calls', () => {
  it('wraps an error of the loss in a CallError naming the call, where nothing is perturbed: at `at`', () => {
    const boom = new Error('boom')
    const { call } = setup({ loss: () => { throw boom } })
    const e = thrown(() => call('loss')) as CallError
    expect(e).toBeInstanceOf(CallError)
    expect(e.message).toBe('The loss threw on call 1 (at `at`): boom')
    expect(e.call).toBe(1)
    expect(e.coordinate).toBeUndefined()
    expect(e.cause).toBe(boom)
  })

  it('names the gradient function, the call number among gradient calls, and the perturbed coordinate', () => {
    const at = Float64Array.from([1, 2])
    const p = new Perturbation(flatten(at, '`at`').blocks)
    p.where = () => '`at[1]` = 2.5'
    const { call } = setup({ at, grad: () => { throw new Error('no grad') }, perturbation: () => p })
    call('loss')
    const e = thrown(() => call('grad')) as CallError
    expect(e.message).toBe('The gradient function threw on call 1 (with `at[1]` = 2.5): no grad')
    expect(e.coordinate).toBe('`at[1]` = 2.5')
    const again = thrown(() => call('grad')) as CallError
    expect(again.call).toBe(2)
    expect(again.message).toContain('threw on call 2 (')
  })

  it('says "at `at`" when a perturbation exists but nothing is perturbed right now', () => {
    const p = new Perturbation(flatten(Float64Array.from([1]), '`at`').blocks)
    const { call } = setup({ loss: () => { throw new Error('x') }, perturbation: () => p })
    expect((thrown(() => call('loss')) as Error).message).toBe('The loss threw on call 1 (at `at`): x')
  })

  it('gives a thrown non-Error as a string', () => {
    const { call } = setup({ loss: () => { throw 'bad state' } })
    const e = thrown(() => call('loss')) as CallError
    expect(e.message).toBe('The loss threw on call 1 (at `at`): bad state')
    expect(e.cause).toBe('bad state')
  })

  it("passes gradcheck's own errors through unwrapped", () => {
    const own = new NonFiniteError('own')
    const { call } = setup({ loss: () => { throw own } })
    expect(thrown(() => call('loss'))).toBe(own)
    expect(own).toBeInstanceOf(GradcheckError)
  })

  it('wraps an error of beforeEvaluation like one of the call it came before', () => {
    const { call } = setup({ beforeEvaluation: () => { throw new Error('hook') } })
    const e = thrown(() => call('grad')) as CallError
    expect(e).toBeInstanceOf(CallError)
    expect(e.message).toBe('The gradient function threw on call 1 (at `at`): hook')
  })

  it('wraps a rejection of an async loss, and passes an own error of it through', async () => {
    const { call } = setup({ loss: async () => { throw new Error('later') } })
    const e = await (call('loss') as Promise<unknown>).then(() => undefined, (x: unknown) => x)
    expect(e).toBeInstanceOf(CallError)
    expect((e as CallError).message).toBe('The loss threw on call 1 (at `at`): later')
    expect((e as CallError).call).toBe(1)
    const own = new NonFiniteError('own')
    const { call: c2 } = setup({ grad: async () => { throw own } })
    await expect(c2('grad') as Promise<unknown>).rejects.toBe(own)
  })
})

describe('adapted tensors', () => {
  it("the first 'io' call loads the tensors; loss and gradient calls write changed ones before they run", () => {
    const w = new Box(Float64Array.from([1, 2]))
    log.length = 0
    const { call, flat, io } = setup({ at: { w }, loss: () => (log.push('loss'), w.values[0]! + w.values[1]!) })
    call('io')
    expect(log).toEqual(['read'])
    expect(call('loss')).toBe(3)
    expect(log).toEqual(['read', 'loss'])
    flat.blocks[0]!.set(0, 10)
    expect(call('loss')).toBe(12)
    expect(log).toEqual(['read', 'loss', 'write', 'loss'])
    expect(io).toBeDefined()
  })

  it('a loss returning a scalar tensor gives its number and the tensor is disposed; a tensor of `at` is never disposed', () => {
    const w = new Box(Float64Array.from([5]))
    disposed.length = 0
    const out = new Box(Float64Array.from([4]), [])
    const { call } = setup({ at: { w }, loss: () => out, grad: () => ({ w }) })
    call('io')
    expect(call('loss')).toBe(4)
    expect(disposed).toEqual([out])
    expect(call('grad')).toEqual({ w: { data: Float64Array.from([5]), shape: [1], precision: 'float64' } })
    expect(disposed).toEqual([out])
  })

  it('a gradient function returning tensors has them read and disposed', () => {
    disposed.length = 0
    const g = new Box(Float64Array.from([1, 2]))
    const { call } = setup({ grad: () => [g] })
    expect(call('grad')).toEqual([{ data: Float64Array.from([1, 2]), shape: [2], precision: 'float64' }])
    expect(disposed).toEqual([g])
  })

  it('a value gradient holding tensors is read but not disposed: they are the caller’s', () => {
    disposed.length = 0
    const g = new Box(Float64Array.from([1, 2]))
    const { call } = setup({ grad: [g] })
    expect(call('grad')).toEqual([{ data: Float64Array.from([1, 2]), shape: [2], precision: 'float64' }])
    expect(disposed).toEqual([])
  })

  it('an async adapter makes a call a promise that writes first, then calls', async () => {
    const w = new SlowBox(Float64Array.from([1, 2]))
    log.length = 0
    const { call, flat } = setup({ at: { w }, loss: () => (log.push('loss'), w.values[0]!) })
    await call('io')
    flat.blocks[0]!.set(0, 9)
    const v = call('loss')
    expect(v).toBeInstanceOf(Promise)
    expect(log).toEqual(['read', 'write'])
    expect(await v).toBe(9)
    expect(log).toEqual(['read', 'write', 'loss'])
  })

  it('stays synchronous with a synchronous adapter', () => {
    const w = new Box(Float64Array.from([1, 2]))
    const { call } = setup({ at: { w }, loss: () => 1 })
    call('io')
    expect(call('loss')).toBe(1)
  })
})
