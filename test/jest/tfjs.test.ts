import 'gradcheck/jest'
import { beforeAll, describe, expect, it } from '@jest/globals'
import * as tf from '@tensorflow/tfjs'
import { checkGradients } from 'gradcheck'
import { autodiff } from 'gradcheck/tfjs'
import { softplus, useCpuBackend } from '../tfjs/softplus.js'

// gradcheck/tfjs in real Jest 30, from the built package (the Vitest suite has the same checks in test/tfjs).
beforeAll(useCpuBackend)

const setup = () => ({
  x: tf.tensor2d([[0.3, -1.2, 0.8], [1.1, 0.4, -0.6]]),
  w: tf.variable(tf.tensor2d([[0.2, -0.5], [0.9, 0.1], [-0.4, 0.6]]), true),
})
const lossWith = (op: ReturnType<typeof softplus>, x: tf.Tensor, w: tf.Variable) => () => tf.tidy(() => tf.mean(tf.square(op(tf.matMul(x, w)) as tf.Tensor)))

describe('gradcheck/tfjs in Jest', () => {
  it('passes a correct tf.customGrad through autodiff, leaking no tensor', () => {
    const { x, w } = setup()
    const start = tf.memory().numTensors
    const loss = lossWith(softplus(1), x, w)
    expect(loss).toHaveGradientsMatching(autodiff(loss), { at: { w } })
    expect(tf.memory().numTensors).toBe(start)
    expect(checkGradients(loss as unknown as () => number, autodiff(loss), { at: { w } }).precision).toBe('float32')
    tf.dispose([x, w])
  })

  it('fails a customGrad with a wrong backward, naming the variable, leaking no tensor and restoring it bit for bit', () => {
    const { x, w } = setup()
    const before = Array.from(new Uint32Array((w.dataSync() as Float32Array).slice().buffer))
    const start = tf.memory().numTensors
    const loss = lossWith(softplus(2), x, w)
    expect(() => expect(loss).toHaveGradientsMatching(autodiff(loss), { at: { w } })).toThrow(/\d+ of 6 checked weights? disagrees?[\s\S]*\n\s+w\[\d,\d\] /)
    expect(loss).not.toHaveGradientsMatching(autodiff(loss), { at: { w } })
    expect(tf.memory().numTensors).toBe(start)
    expect(Array.from(new Uint32Array((w.dataSync() as Float32Array).slice().buffer))).toEqual(before)
    tf.dispose([x, w])
  })

  it("checks a layers model's trainable weights, and an async loss returning a promise of a tensor", async () => {
    const x = tf.tensor2d([[0.3, -1.2, 0.8], [1.1, 0.4, -0.6]])
    const y = tf.tensor2d([[0.5], [-0.25]])
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 1 })] })
    const loss = () => tf.tidy(() => tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor) as tf.Scalar)
    const start = tf.memory().numTensors
    expect(loss).toHaveGradientsMatching(autodiff(loss), { at: model.trainableWeights })
    await expect(async () => loss()).toHaveGradientsMatching(autodiff(loss), { at: model.trainableWeights })
    expect(tf.memory().numTensors).toBe(start)
    model.dispose()
    tf.dispose([x, y])
  })
})
