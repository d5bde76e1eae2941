import { CallError, ParameterError, type TensorAdapter, checkGradients, registerTensorAdapter } from 'gradcheck'
import 'gradcheck/vitest'
import { afterAll, describe, expect, it } from 'vitest'

// A stand-in for a WebGPU buffer: float32 storage the test cannot index synchronously through the adapter,
// read and written with a delay like `mapAsync` and `queue.writeBuffer`.
class GpuBuffer {
  constructor(
    public store: Float32Array,
    readonly shape: number[],
  ) {}
}
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1))
const log = { reads: 0, writes: 0 }
const gpu: TensorAdapter<GpuBuffer> = {
  name: 'fake-webgpu',
  matches: (v): v is GpuBuffer => v instanceof GpuBuffer,
  read: async (b) => {
    log.reads++
    await tick()
    return { data: b.store.slice(), shape: b.shape, precision: 'float32' }
  },
  write: async (b, data) => {
    log.writes++
    await tick()
    b.store.set(data)
  },
}
// The same storage, synchronous: a check of it must stay synchronous.
class CpuBox {
  constructor(readonly values: Float64Array) {}
}
const cpu: TensorAdapter<CpuBox> = {
  name: 'cpu-box',
  matches: (v): v is CpuBox => v instanceof CpuBox,
  read: (b) => ({ data: b.values, shape: [b.values.length] }),
  write: (b, data) => void b.values.set(data),
}
// Immutable tensors: `write` returns a new one, which replaces the old where `at` holds it.
class Frozen {
  constructor(readonly values: readonly number[]) {
    Object.freeze(this)
  }
}
const disposed: Frozen[] = []
const frozen: TensorAdapter<Frozen> = {
  name: 'frozen',
  matches: (v): v is Frozen => v instanceof Frozen,
  read: (t) => ({ data: t.values, shape: [t.values.length] }),
  write: (_, data) => new Frozen([...data]),
  dispose: (t) => void disposed.push(t),
}
const unregister = [registerTensorAdapter(gpu), registerTensorAdapter(cpu), registerTensorAdapter(frozen)]
afterAll(() => unregister.forEach((u) => u()))

const cube = (w: ArrayLike<number>): number => Array.from(w).reduce((s, v) => s + v * v * v, 0)
const cubeGrad = (w: ArrayLike<number>): number[] => Array.from(w, (v) => 3 * v * v)
const buffer = (): GpuBuffer => new GpuBuffer(Float32Array.from([0.5, -1.25, 2, 0.75]), [2, 2])
const bits = (b: GpuBuffer): number[] => Array.from(new Uint32Array(b.store.buffer))

describe('a WebGPU-style adapter (async read and write)', () => {
  it('passes a correct gradient and fails one off by ×2, as an async check, in float32', async () => {
    const w = buffer()
    const before = bits(w)
    const loss = async (): Promise<number> => (await tick(), cube(w.store))
    await expect(loss).toHaveGradientsMatching(() => ({ w: { data: cubeGrad(w.store), shape: [2, 2] } }), { at: { w } })
    await expect(loss).not.toHaveGradientsMatching(() => ({ w: { data: cubeGrad(w.store).map((g) => 2 * g), shape: [2, 2] } }), { at: { w } })
    expect(bits(w)).toEqual(before)
  })

  it('is async even for a synchronous loss, and reads three times (once to load, and back after the gradient call and the last loss call), writing only before calls that follow a change', async () => {
    const w = buffer()
    log.reads = log.writes = 0
    const calls = { loss: 0 }
    const report = checkGradients(() => (calls.loss++, cube(w.store)), () => [Float64Array.from(cubeGrad(w.store))], { at: [w] })
    expect(report).toBeInstanceOf(Promise)
    expect((await report).pass).toBe(true)
    expect(log.reads).toBe(3)
    // One write per perturbed loss call, one to undo the last, none before the first (nothing changed yet).
    expect(log.writes).toBeGreaterThan(0)
    expect(log.writes).toBeLessThanOrEqual(calls.loss + 1)
  })

  it('gives the loss the perturbed values: a loss ignoring the buffer is caught, not passed', async () => {
    const w = buffer()
    const snapshot = w.store.slice()
    await expect(checkGradients(() => cube(snapshot), () => [Float64Array.from(cubeGrad(snapshot))], { at: [w] })).resolves.toMatchObject({ pass: false })
  })

  it('restores the buffer bit for bit when the loss throws mid-check', async () => {
    const w = buffer()
    const before = bits(w)
    let n = 0
    const loss = (): number => {
      if (++n === 4) throw new Error('device lost')
      return cube(w.store)
    }
    await expect(checkGradients(loss, () => [Float64Array.from(cubeGrad(w.store))], { at: [w] })).rejects.toThrow(CallError)
    expect(n).toBe(4)
    expect(bits(w)).toEqual(before)
  })

  it('restores the buffer when a write fails, and names the adapter', async () => {
    const w = buffer()
    const before = bits(w)
    let writes = 0
    const flaky: TensorAdapter<GpuBuffer> = { ...gpu, name: 'flaky', write: (b, d) => (++writes === 2 ? Promise.reject(new Error('lost')) : gpu.write(b, d)) }
    const undo = registerTensorAdapter(flaky)
    try {
      await expect(checkGradients(() => cube(w.store), () => [Float64Array.from(cubeGrad(w.store))], { at: [w] })).rejects.toThrow(/tensor adapter 'flaky' threw writing `\[0\]`: lost/)
    } finally {
      undo()
    }
    expect(bits(w)).toEqual(before)
  })
})

describe('adapter errors', () => {
  it('names the adapter and the tensor when a read fails, with nothing written', async () => {
    const w = buffer()
    const before = bits(w)
    const broken: TensorAdapter<GpuBuffer> = { ...gpu, name: 'broken', read: () => Promise.reject(new Error('mapAsync failed')) }
    const undo = registerTensorAdapter(broken)
    log.writes = 0
    try {
      await expect(checkGradients(() => cube(w.store), () => ({ w: [0, 0, 0, 0] }), { at: { w } })).rejects.toThrow(/tensor adapter 'broken' threw reading `w`: mapAsync failed/)
    } finally {
      undo()
    }
    expect(log.writes).toBe(0)
    expect(bits(w)).toEqual(before)
  })

  it('rejects a read whose data does not fit its shape', () => {
    const bad: TensorAdapter<CpuBox> = { ...cpu, name: 'short', read: (b) => ({ data: b.values, shape: [b.values.length + 1] }) }
    const undo = registerTensorAdapter(bad)
    try {
      expect(() => checkGradients(() => 0, () => ({ a: [0] }), { at: { a: new CpuBox(Float64Array.of(1)) } })).toThrow(/'short' to read 2 numbers for `a` of shape \[2\], got 1/)
    } finally {
      undo()
    }
  })
})

describe('a synchronous adapter', () => {
  it('keeps the check synchronous, and passes and fails like plain arrays', () => {
    const box = new CpuBox(Float64Array.from([0.3, -0.7, 1.1]))
    const loss = (): number => cube(box.values)
    const good = checkGradients(loss, () => ({ a: cubeGrad(box.values) }), { at: { a: box } })
    expect(good).not.toBeInstanceOf(Promise)
    expect(good.pass).toBe(true)
    expect(checkGradients(loss, () => ({ a: cubeGrad(box.values).map((g) => 2 * g) }), { at: { a: box } }).pass).toBe(false)
    expect(Array.from(box.values)).toEqual([0.3, -0.7, 1.1])
  })

  it('reads adapted tensors in the gradient, and a loss returning an adapted scalar', () => {
    const box = new CpuBox(Float64Array.from([0.3, -0.7]))
    const loss = (): CpuBox => new CpuBox(Float64Array.of(cube(box.values)))
    const report = checkGradients(loss as unknown as () => number, () => ({ a: new CpuBox(Float64Array.from(cubeGrad(box.values))) }), { at: { a: box } })
    expect(report.pass).toBe(true)
  })

  it('a gradient holding one container in two places (two tensors whose gradients are the same): read in both', () => {
    // Was: the second place kept the raw CpuBox, and a right gradient failed with a shape error.
    const at = { a: { w: new CpuBox(Float64Array.of(0.5)) }, b: { w: new CpuBox(Float64Array.of(0.5)) } }
    const loss = (p: typeof at): number => p.a.w.values[0]! ** 2 + p.b.w.values[0]! ** 2
    const shared = (g: number) => () => {
      const s = { w: new CpuBox(Float64Array.of(g)) }
      return { a: s, b: s }
    }
    expect(checkGradients(loss, shared(1), { at }).pass).toBe(true)
    // Negative control: the same shared container, wrong in both places.
    const wrong = checkGradients(loss, shared(1.5), { at })
    expect(wrong.entries.filter((e) => e.failed).map((e) => e.path)).toEqual(['a.w[0]', 'b.w[0]'])
  })

  it('rejects a loss returning an adapted tensor that is not a scalar', () => {
    const box = new CpuBox(Float64Array.from([0.3, -0.7]))
    expect(() => checkGradients((() => box) as unknown as () => number, () => ({ a: [0, 0] }), { at: { a: box } })).toThrow(/Expected the loss to return a scalar, got a tensor of shape \[2\]/)
  })
})

describe('an immutable tensor type (write returns a replacement)', () => {
  it('perturbs through replacements and puts the original object back, disposing every replacement', () => {
    disposed.length = 0
    const original = new Frozen([0.4, -0.9])
    const at = { t: original }
    const loss = (p: { t: Frozen }): number => cube(p.t.values)
    expect(checkGradients(loss, (p: { t: Frozen }) => ({ t: cubeGrad(p.t.values) }), { at }).pass).toBe(true)
    expect(at.t).toBe(original)
    expect(disposed.length).toBeGreaterThan(0)
    expect(disposed).not.toContain(original)
    expect(checkGradients(loss, () => ({ t: [0, 0] }), { at }).pass).toBe(false)
    expect(at.t).toBe(original)
  })
})

// A loss (or a gradient function) holding its own handle on an adapted tensor can write to it without going
// through `at`: the mirror the engine compares stays as it was, so the tensor is read back to catch it.
describe('a loss or gradient function that writes to an adapted tensor through its own handle', () => {
  it('is a ParameterError naming the coordinate, with a synchronous adapter; the tensor is restored', () => {
    const box = new CpuBox(Float64Array.from([0.3, -0.7, 1.1]))
    const before = Array.from(box.values)
    // An optimizer step inside the loss: every call moves the weights.
    const stepping = (): number => {
      const f = cube(box.values)
      box.values[1]! -= 0.01
      return f
    }
    let error: unknown
    try {
      checkGradients(stepping, () => ({ a: cubeGrad(box.values) }), { at: { a: box } })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ParameterError)
    expect((error as Error).message).toMatch(/^Expected the loss to leave `at` as it is, but it changed `a\[1\]` from -0\.7\d* to -0\.7\d*\. A loss must not write to its parameters/)
    expect(Array.from(box.values)).toEqual(before)
  })

  it('names the gradient function when it is the one that wrote', () => {
    const box = new CpuBox(Float64Array.from([0.3, -0.7]))
    const before = Array.from(box.values)
    const inPlace = () => {
      const g = cubeGrad(box.values)
      box.values[0] = 42 // `+=` on a weight instead of its gradient
      return { a: g }
    }
    expect(() => checkGradients(() => cube(box.values), inPlace, { at: { a: box } })).toThrow(
      /^Expected the gradient function to leave `at` as it is, but it changed `a\[0\]` from 0\.3 to 42\./,
    )
    expect(Array.from(box.values)).toEqual(before)
  })

  it('is a ParameterError with an async adapter (a GPU buffer written by the loss), with the buffer restored bit for bit', async () => {
    const w = buffer()
    const before = bits(w)
    const loss = async (): Promise<number> => {
      await tick()
      const f = cube(w.store)
      w.store[3] = 0 // an in-place update of the buffer the check perturbs
      return f
    }
    await expect(checkGradients(loss, () => ({ w: { data: cubeGrad(w.store), shape: [2, 2] } }), { at: { w } })).rejects.toThrow(
      /but it changed `w\[1,1\]` from 0\.75 to 0\. A loss must not write/,
    )
    expect(bits(w)).toEqual(before)
  })

  it('is not raised for a well-behaved loss, whose wrong gradient still fails as a verdict, not an error', () => {
    const box = new CpuBox(Float64Array.from([0.3, -0.7, 1.1]))
    const loss = (): number => cube(box.values)
    expect(checkGradients(loss, () => ({ a: cubeGrad(box.values) }), { at: { a: box } }).pass).toBe(true)
    expect(checkGradients(loss, () => ({ a: cubeGrad(box.values).map((g) => -g) }), { at: { a: box } }).pass).toBe(false)
  })
})
