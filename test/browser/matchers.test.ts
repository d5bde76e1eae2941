// Runs in Chromium (Vitest browser mode, `npm run test:browser`): the matchers, the engine and the tensor
// adapters with no Node API. A correct and a buggy gradient, sync and async (an adapter over a fake device).
import { type TensorAdapter, checkGradients, registerTensorAdapter } from 'gradcheck'
import 'gradcheck/vitest'
import { describe, expect, it } from 'vitest'

const loss = (w: Float64Array): number => w.reduce((s, v) => s + Math.sin(v) * v, 0)
const grad = (w: Float64Array): Float64Array => w.map((v) => Math.cos(v) * v + Math.sin(v))
const at = (): Float64Array => Float64Array.from([0.4, -1.3, 2.2])

describe('in the browser', () => {
  it('runs where there is no Node', () => {
    expect(typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node).toBe('undefined')
    expect(typeof (globalThis as { document?: unknown }).document).toBe('object')
  })

  it('passes a correct gradient and fails a buggy one, synchronously', () => {
    expect(loss).toHaveGradientsMatching(grad, { at: at() })
    expect(() => expect(loss).toHaveGradientsMatching((w: Float64Array) => grad(w).map((g) => 2 * g), { at: at() })).toThrow(/disagree/)
    expect({ g: grad(at()) }).toEqual({ g: expect.numericalGradientOf(loss, { at: at() }) })
  })

  it('passes and fails asynchronously, through an adapter whose reads and writes are promises', async () => {
    class Buffer {
      constructor(public store: Float32Array) {}
    }
    const later = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))
    const adapter: TensorAdapter<Buffer> = {
      name: 'fake-gpu',
      matches: (v): v is Buffer => v instanceof Buffer,
      read: async (b) => (await later(), { data: b.store.slice(), shape: [b.store.length], precision: 'float32' }),
      write: async (b, data) => (await later(), b.store.set(data)),
    }
    const unregister = registerTensorAdapter(adapter)
    try {
      const w = new Buffer(Float32Array.from([0.4, -1.3, 2.2]))
      const before = w.store.slice()
      const f = async (): Promise<number> => loss(Float64Array.from(w.store))
      const g = () => ({ w: grad(Float64Array.from(w.store)) })
      await expect(f).toHaveGradientsMatching(g, { at: { w } })
      await expect(f).not.toHaveGradientsMatching(() => ({ w: g().w.map((x) => -x) }), { at: { w } })
      expect(Array.from(w.store)).toEqual(Array.from(before))
      expect((await checkGradients(f, g, { at: { w } })).precision).toBe('float32')
    } finally {
      unregister()
    }
  })
})
