import * as tf from '@tensorflow/tfjs'
import { CallError, ParameterError, checkGradients } from 'gradcheck'
import { autodiff } from 'gradcheck/tfjs'
import 'gradcheck/vitest'
import { beforeAll, describe, expect, it } from 'vitest'
import { softplus, useCpuBackend } from './softplus.js'

beforeAll(useCpuBackend)

const setup = () => {
  const x = tf.tensor2d([[0.3, -1.2, 0.8, 0.1], [1.1, 0.4, -0.6, -0.9]])
  const w = tf.variable(tf.tensor2d([[0.2, -0.5, 0.7], [0.9, 0.1, -0.3], [-0.4, 0.6, 0.25], [0.5, -0.8, 0.35]]), true)
  return { x, w }
}
const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer))

describe('gradcheck/tfjs', () => {
  it('passes a correct tf.customGrad through autodiff (TF.js runs the custom backward), float32 detected', () => {
    const { x, w } = setup()
    const op = softplus()
    const loss = () => tf.tidy(() => tf.mean(tf.square(op(tf.matMul(x, w)) as tf.Tensor)))
    expect(loss).toHaveGradientsMatching(autodiff(loss), { at: { w } })
    expect(checkGradients(loss as unknown as () => number, autodiff(loss), { at: { w } }).precision).toBe('float32')
  })

  it('fails a customGrad with a wrong backward, naming the variable', () => {
    const { x, w } = setup()
    const op = softplus(2)
    const loss = () => tf.tidy(() => tf.mean(tf.square(op(tf.matMul(x, w)) as tf.Tensor)))
    expect(() => expect(loss).toHaveGradientsMatching(autodiff(loss), { at: { w } })).toThrow(/checked weights? disagrees?[\s\S]*w\[\d,\d\]/)
  })

  it("passes TF.js's own gradient of a small MLP, with the weights as a list, a named map and a layers model's trainableWeights", () => {
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 1)
    const y = tf.randomNormal([5, 2], 0, 1, 'float32', 2)
    const w1 = tf.variable(tf.randomNormal([3, 4], 0, 0.5, 'float32', 3), true)
    const b1 = tf.variable(tf.zeros([4]).add(0.1), true)
    const w2 = tf.variable(tf.randomNormal([4, 2], 0, 0.5, 'float32', 4), true)
    const mlp = () => tf.tidy(() => tf.mean(tf.square(tf.sub(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2), y))))
    expect(mlp).toHaveGradientsMatching(autodiff(mlp), { at: [w1, b1, w2] })
    expect(mlp).toHaveGradientsMatching(autodiff(mlp), { at: { w1, b1, w2 } })
    // Hand-written tensors mirroring `at`: the check reads and disposes them. A sign error is caught.
    const handWritten = (sign: number) => () => {
      const g = tf.grads(() => mlp())([w1, b1, w2])
      return { w1: g[0]!, b1: tf.mul(g[1]!, sign), w2: g[2]! }
    }
    expect(mlp).toHaveGradientsMatching(handWritten(1), { at: { w1, b1, w2 } })
    expect(() => expect(mlp).toHaveGradientsMatching(handWritten(-1), { at: { w1, b1, w2 } })).toThrow(/b1\[/)

    const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 2 })] })
    const modelLoss = () => tf.tidy(() => tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor) as tf.Scalar)
    expect(modelLoss).toHaveGradientsMatching(autodiff(modelLoss), { at: model.trainableWeights })
    tf.dispose([x, y, w1, b1, w2])
    model.dispose()
  })

  it('perturbs a NamedTensorMap of plain (immutable) tensors by replacement and puts the very same tensors back', () => {
    const x = tf.tensor1d([0.5, -0.25, 1.5])
    const map: tf.NamedTensorMap = { a: tf.tensor1d([0.3, 0.9, -0.6]) }
    const original = map.a
    const loss = (p: tf.NamedTensorMap) => tf.tidy(() => tf.sum(tf.mul(tf.sin(p.a!), x)))
    expect(loss).toHaveGradientsMatching(autodiff(loss), { at: map })
    expect(loss).toHaveGradientsMatching((p: tf.NamedTensorMap) => ({ a: tf.mul(tf.cos(p.a!), x) }), { at: map })
    expect(map.a).toBe(original)
    tf.dispose([x, original!])
  })

  it('leaks no tensor and restores the variables bit for bit on pass, fail and throw', () => {
    const { x, w } = setup()
    const before = bits(w)
    const good = softplus()
    const bad = softplus(2)
    const start = tf.memory().numTensors
    const lossOf = (op: ReturnType<typeof softplus>) => () => tf.tidy(() => tf.mean(tf.square(op(tf.matMul(x, w)) as tf.Tensor)))
    expect(lossOf(good)).toHaveGradientsMatching(autodiff(lossOf(good)), { at: { w } })
    expect(tf.memory().numTensors).toBe(start)
    expect(() => expect(lossOf(bad)).toHaveGradientsMatching(autodiff(lossOf(bad)), { at: { w } })).toThrow(/disagree/)
    expect(tf.memory().numTensors).toBe(start)
    let n = 0
    const throwing = () => {
      if (++n === 5) throw new Error('out of memory')
      return lossOf(good)()
    }
    expect(() => expect(throwing).toHaveGradientsMatching(autodiff(lossOf(good)), { at: { w } })).toThrow(CallError)
    expect(n).toBe(5)
    expect(tf.memory().numTensors).toBe(start)
    expect(bits(w)).toEqual(before)
    expect(w.isDisposed).toBe(false)
    tf.dispose([x, w])
  })

  it('names the variable a loss writes to through its own handle (an `assign` inside it), and restores it with no tensor leaked', () => {
    const { x, w } = setup()
    const before = bits(w)
    const start = tf.memory().numTensors
    const loss = () => tf.tidy(() => tf.sum(tf.square(tf.matMul(x, w))))
    const stepping = () => {
      const l = loss()
      tf.tidy(() => w.assign(tf.mul(w, 0.99))) // an optimizer step in the wrong place
      return l
    }
    expect(() => checkGradients(stepping as unknown as () => number, autodiff(loss), { at: { w } })).toThrow(ParameterError)
    expect(() => checkGradients(stepping as unknown as () => number, autodiff(loss), { at: { w } })).toThrow(/Expected the loss to leave `at` as it is, but it changed `w\[0,0\]` from 0\.2\d* to 0\.19\d*/)
    expect(bits(w)).toEqual(before)
    expect(tf.memory().numTensors).toBe(start)
    tf.dispose([x, w])
  })

  it('accepts a loss returning a number or a promise of a tensor (async check)', async () => {
    const { x, w } = setup()
    const start = tf.memory().numTensors
    const scalar = () => tf.tidy(() => tf.sum(tf.square(tf.matMul(x, w))))
    const number = () => {
      const s = scalar()
      const v = s.dataSync()[0]!
      s.dispose()
      return v
    }
    expect(number).toHaveGradientsMatching(autodiff(scalar), { at: { w } })
    await expect(async () => scalar()).toHaveGradientsMatching(autodiff(scalar), { at: { w } })
    expect(tf.memory().numTensors).toBe(start)
    tf.dispose([x, w])
  })
})
