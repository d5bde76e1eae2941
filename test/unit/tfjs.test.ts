import * as tf from '@tensorflow/tfjs-core'
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu'
// The gradients of the ops, which the full @tensorflow/tfjs registers and tfjs-core alone does not.
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GradcheckError, InvalidArgumentError } from '../../src/errors.js'
import { adapterOf } from '../../src/params/adapters.js'
import { type LayerVariableLike, autodiff, tfjsAdapter } from '../../src/tfjs/index.js'

// gradcheck/tfjs (src/tfjs/index.ts): the TF.js adapter it registers on import (duck-typed tensors, variables and
// layers' LayerVariables; float32 only; variables written in place, plain tensors by replacement) and `autodiff`,
// TF.js's own gradient of a loss with respect to every tensor of `at`, in `at`'s structure.
beforeAll(async () => {
  tf.env().set('IS_TEST', true)
  await tf.setBackend('cpu')
})

// What tfjs-layers' LayerVariable looks like to the adapter: a variable behind `read()`, with `write`, `shape` and `dtype`.
const layerVariable = (v: tf.Variable): LayerVariableLike & { write: (t: tf.Tensor) => void } => ({
  read: () => v,
  write: (t: tf.Tensor) => void v.assign(t),
  shape: v.shape,
  dtype: v.dtype,
})
const values = (t: tf.Tensor): number[] => Array.from(t.dataSync())

describe('matches: what the adapter takes for a TF.js parameter', () => {
  it('is registered on import, for tensors, variables and LayerVariables', () => {
    const t = tf.tensor1d([1, 2])
    const v = tf.variable(tf.tensor1d([1, 2]))
    expect(adapterOf(t)).toBe(tfjsAdapter)
    expect(adapterOf(v)).toBe(tfjsAdapter)
    expect(adapterOf(layerVariable(v))).toBe(tfjsAdapter)
    expect(tfjsAdapter.name).toBe('tfjs')
    tf.dispose([t, v])
  })

  it('duck-types a tensor: dataSync, dispose, dataId and an array shape, all needed', () => {
    const fake = { dataSync: () => new Float32Array(1), dispose: () => {}, dataId: {}, shape: [1], dtype: 'float32' }
    expect(tfjsAdapter.matches(fake)).toBe(true)
    const { dataSync: _a, ...noDataSync } = fake
    const { dispose: _b, ...noDispose } = fake
    const { dataId: _c, ...noDataId } = fake
    for (const v of [noDataSync, noDispose, noDataId, { ...fake, shape: 1 }, { ...fake, dataSync: 1 }, { ...fake, dispose: 1 }]) expect(tfjsAdapter.matches(v)).toBe(false)
  })

  it('duck-types a LayerVariable: read, write, an array shape and a string dtype, and not a tensor', () => {
    const v = tf.variable(tf.scalar(1))
    const lv = layerVariable(v)
    expect(tfjsAdapter.matches(lv)).toBe(true)
    for (const bad of [{ ...lv, read: 1 }, { ...lv, write: 1 }, { ...lv, shape: 'x' }, { ...lv, dtype: 1 }]) expect(tfjsAdapter.matches(bad)).toBe(false)
    v.dispose()
  })

  it('takes nothing else: numbers, arrays, typed arrays, plain objects, null', () => {
    for (const v of [1, [1, 2], Float32Array.from([1]), { data: [1], shape: [1] }, null, undefined, 'tensor']) expect(tfjsAdapter.matches(v)).toBe(false)
  })
})

describe('read', () => {
  it('reads a float32 tensor synchronously: its numbers, a copy of its shape, float32', () => {
    const t = tf.tensor2d([[1, 2, 3], [4, 5, 6]])
    const d = tfjsAdapter.read(t) as { data: Float32Array; shape: number[]; precision: string }
    expect(Array.from(d.data)).toEqual([1, 2, 3, 4, 5, 6])
    expect(d.shape).toEqual([2, 3])
    expect(d.shape).not.toBe(t.shape)
    expect(d.precision).toBe('float32')
    t.dispose()
  })

  it("reads a LayerVariable's variable", () => {
    const v = tf.variable(tf.tensor1d([7, 8]))
    expect(Array.from((tfjsAdapter.read(layerVariable(v)) as unknown as { data: Float32Array }).data)).toEqual([7, 8])
    v.dispose()
  })

  it('rejects a tensor that is not float32, naming its dtype and shape and how to cast it', () => {
    const t = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32')
    const e = (() => { try { tfjsAdapter.read(t) } catch (x) { return x as Error } })()
    expect(e).toBeInstanceOf(GradcheckError)
    expect(e!.message).toBe("Expected a float32 tensor, got dtype 'int32' (shape [2, 2]). Only float tensors have gradients: cast it with `tf.cast(t, 'float32')`.")
    t.dispose()
  })

  describe('on WebGPU, which cannot read synchronously', () => {
    beforeAll(async () => {
      // A backend registered under WebGPU's name: all the adapter looks at is the backend's name.
      tf.registerBackend('webgpu', () => new MathBackendCPU())
    })
    afterAll(async () => {
      await tf.setBackend('cpu')
      tf.removeBackend('webgpu')
    })

    it('reads through data(): a promise of the same data', async () => {
      const t = tf.tensor1d([1, 2, 3])
      await tf.setBackend('webgpu')
      expect(tf.getBackend()).toBe('webgpu')
      const r = tfjsAdapter.read(t)
      expect(r).toBeInstanceOf(Promise)
      const d = await r
      expect(Array.from(d.data)).toEqual([1, 2, 3])
      expect(d.shape).toEqual([3])
      expect(d.precision).toBe('float32')
      await tf.setBackend('cpu')
      t.dispose()
    })
  })
})

describe('write', () => {
  it('writes a variable in place, returning nothing and leaking no tensor', () => {
    const v = tf.variable(tf.tensor2d([[1, 2], [3, 4]]))
    const start = tf.memory().numTensors
    expect(tfjsAdapter.write(v, Float64Array.from([5, 6, 7, 8]))).toBeUndefined()
    expect(values(v)).toEqual([5, 6, 7, 8])
    expect(v.shape).toEqual([2, 2])
    expect(tf.memory().numTensors).toBe(start)
    v.dispose()
  })

  it("writes a LayerVariable's variable in place", () => {
    const v = tf.variable(tf.tensor1d([1, 2]))
    expect(tfjsAdapter.write(layerVariable(v), Float64Array.from([3, 4]))).toBeUndefined()
    expect(values(v)).toEqual([3, 4])
    v.dispose()
  })

  it('returns a new tensor for a plain (immutable) tensor, with its shape and dtype, the original unchanged', () => {
    const t = tf.tensor2d([[1, 2], [3, 4]])
    const next = tfjsAdapter.write(t, Float64Array.from([5, 6, 7, 8.5])) as tf.Tensor
    expect(next).not.toBe(t)
    expect(values(next)).toEqual([5, 6, 7, 8.5])
    expect(next.shape).toEqual([2, 2])
    expect(next.dtype).toBe('float32')
    expect(values(t)).toEqual([1, 2, 3, 4])
    tf.dispose([t, next])
  })
})

describe('dispose', () => {
  it('disposes a plain tensor, never a variable or a LayerVariable (the caller’s)', () => {
    const t = tf.tensor1d([1])
    const v = tf.variable(tf.tensor1d([1]))
    tfjsAdapter.dispose!(t)
    tfjsAdapter.dispose!(v)
    tfjsAdapter.dispose!(layerVariable(v))
    expect(t.isDisposed).toBe(true)
    expect(v.isDisposed).toBe(false)
    v.dispose()
  })
})

describe('autodiff: TF.js’s gradient of the loss, in the structure of `at`', () => {
  it('differentiates with respect to a lone tensor', () => {
    const w = tf.tensor1d([1, -2, 3])
    const g = autodiff((p: tf.Tensor) => tf.sum(tf.mul(p, p)))(w) as tf.Tensor
    expect(values(g)).toEqual([2, -4, 6])
    tf.dispose([w, g])
  })

  it('rebuilds lists and named objects, nested, with one gradient per tensor', () => {
    const a = tf.tensor1d([1, 2])
    const b = tf.variable(tf.scalar(3))
    const c = tf.tensor1d([0.5])
    const at = { first: [a, { b }], c }
    const loss = (p: typeof at): tf.Scalar => tf.add(tf.add(tf.sum(tf.square(p.first[0] as tf.Tensor)), tf.mul(b, 5)), tf.sum(tf.mul(c, 4))) as tf.Scalar
    const g = autodiff(loss)(at) as { first: [tf.Tensor, { b: tf.Tensor }]; c: tf.Tensor }
    expect(Object.keys(g)).toEqual(['first', 'c'])
    expect(Array.isArray(g.first)).toBe(true)
    expect(values(g.first[0])).toEqual([2, 4])
    expect(values(g.first[1].b)).toEqual([5])
    expect(values(g.c)).toEqual([4])
    tf.dispose([a, b, c, g.first[0], g.first[1].b, g.c])
  })

  it("differentiates a LayerVariable through its variable", () => {
    const v = tf.variable(tf.tensor1d([1, 2]))
    const lv = layerVariable(v)
    const g = autodiff(() => tf.sum(tf.mul(v, v)))([lv]) as tf.Tensor[]
    expect(values(g[0]!)).toEqual([2, 4])
    tf.dispose([v, g[0]!])
  })

  it('needs at least one tensor in `at`', () => {
    expect(() => autodiff(() => tf.scalar(1))([])).toThrow(new InvalidArgumentError('Expected `at` to hold at least one TF.js tensor or variable for `autodiff`.'))
    expect(() => autodiff(() => tf.scalar(1))({})).toThrow(InvalidArgumentError)
  })

  it('rejects anything but tensors, lists and plain objects in `at`, naming it', () => {
    const w = tf.tensor1d([1])
    for (const [bad, text] of [[3, '3'], [new Map(), '[object Map]'], [Float32Array.from([1]), '1'], [null, 'null']] as const) {
      const f = (): unknown => autodiff(() => tf.sum(w))({ w, bad })
      expect(f).toThrow(InvalidArgumentError)
      expect(f).toThrow(`Expected \`at\` to hold TF.js tensors or variables (alone, in a list or in a named object) for \`autodiff\`, got ${text}.`)
    }
    w.dispose()
  })

  it('needs the loss to return a tf.Scalar synchronously, and says what it returned instead', () => {
    const w = tf.tensor1d([1, 2])
    const said = (loss: () => unknown): string => {
      try {
        autodiff(loss)(w)
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidArgumentError)
        return (e as Error).message
      }
      throw new Error('did not throw')
    }
    const prefix = 'Expected the loss to return a tf.Scalar for `autodiff` (TF.js differentiates tensors, synchronously), got '
    expect(said(() => tf.mul(w, 2))).toBe(`${prefix}a tensor of shape [2].`)
    expect(said(() => tf.reshape(tf.concat([w, w]), [2, 2]))).toBe(`${prefix}a tensor of shape [2, 2].`)
    expect(said(() => Promise.resolve(tf.sum(w)))).toBe(`${prefix}a promise.`)
    expect(said(() => 3)).toBe(`${prefix}number.`)
    expect(said(() => ({ then: 1 }))).toBe(`${prefix}object.`)
    w.dispose()
  })

  it('accepts a one-number tensor of any rank as the loss', () => {
    const w = tf.tensor1d([1, 2])
    const g = autodiff(() => tf.reshape(tf.sum(tf.mul(w, 3)), [1, 1]))(w) as tf.Tensor
    expect(values(g)).toEqual([3, 3])
    expect(g.shape).toEqual([2])
    tf.dispose([w, g])
  })
})
