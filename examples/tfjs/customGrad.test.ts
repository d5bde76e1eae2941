import * as tf from '@tensorflow/tfjs'
import 'gradcheck/vitest'
import { autodiff } from 'gradcheck/tfjs'
import { expect, it } from 'vitest'

// A custom op with a hand-written backward pass: softplus(a) = log(1 + eᵃ), d/da = sigmoid(a).
const softplus = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a])
  return { value: tf.log1p(tf.exp(a)), gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => [tf.mul(dy, tf.sigmoid(saved!))] }
}) as unknown as Parameters<typeof tf.customGrad>[0])

it('checks the backward pass of a tf.customGrad end to end', async () => {
  await tf.setBackend('cpu')
  const x = tf.randomNormal([8, 4], 0, 1, 'float32', 1)
  const w = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 2))
  const loss = () => tf.tidy(() => tf.mean(tf.square(softplus(tf.matMul(x, w)) as tf.Tensor)))

  const before = tf.memory().numTensors
  // TF.js differentiates the loss, running softplus's gradFunc; gradcheck compares with finite differences.
  expect(loss).toHaveGradientsMatching(autodiff(loss), { at: { w } })
  expect(tf.memory().numTensors).toBe(before) // the check disposed every tensor it was given
  tf.dispose([x, w])
})
