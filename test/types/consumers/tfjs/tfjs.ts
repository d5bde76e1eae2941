// Copied into a fresh TF.js project as tfjs.test.ts by test/package.test.ts (Vitest 4, the cpu backend).
import * as tf from '@tensorflow/tfjs'
import 'gradcheck/vitest'
import { autodiff } from 'gradcheck/tfjs'
import { beforeAll, expect, test } from 'vitest'

beforeAll(async () => {
  tf.env().set('IS_TEST', true) // no "install tfjs-node" banner
  await tf.setBackend('cpu')
})

// softplus with a hand-written backward, dσ(a)·dy; `wrongBy` scales it (1 = right).
const softplus = (wrongBy: number) =>
  tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a])
    return { value: tf.log1p(tf.exp(a)), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(tf.mul(dy, tf.sigmoid(saved[0]!)), wrongBy)] }
  }) as unknown as Parameters<typeof tf.customGrad>[0])
const x = () => tf.tensor2d([[0.3, -1.2, 0.8], [1.1, 0.4, -0.6]])
const w = () => tf.variable(tf.tensor2d([[0.2, -0.5], [0.9, 0.1], [-0.4, 0.6]]), true)
const lossOf = (op: ReturnType<typeof softplus>, xs: tf.Tensor, ws: tf.Variable) => () => tf.tidy(() => tf.mean(tf.square(op(tf.matMul(xs, ws)) as tf.Tensor)))

test('a right customGrad passes, and no tensor leaks', () => {
  const [xs, ws] = [x(), w()]
  const before = tf.memory().numTensors
  const loss = lossOf(softplus(1), xs, ws)
  expect(loss).toHaveGradientsMatching(autodiff(loss), { at: { w: ws } })
  expect(tf.memory().numTensors).toBe(before)
})

test('a customGrad with a wrong backward fails', () => {
  const at = { w: w() }
  const loss = lossOf(softplus(2), x(), at.w)
  expect(loss).toHaveGradientsMatching(autodiff(loss), { at })
})

test("a layers model's trainable weights check", () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 1 })] })
  const ys = tf.tensor2d([[0.5], [-0.25]])
  const loss = () => tf.tidy(() => tf.losses.meanSquaredError(ys, model.predict(x()) as tf.Tensor) as tf.Scalar)
  expect(loss).toHaveGradientsMatching(autodiff(loss), { at: model.trainableWeights })
})
