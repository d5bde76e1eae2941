// Shared by the Vitest (test/tfjs) and Jest (test/jest) suites of gradcheck/tfjs; no runner imports here.
import * as tf from '@tensorflow/tfjs'

/** The cpu backend, without TF.js's "install tfjs-node" banner: for each suite's `beforeAll`. */
export const useCpuBackend = async (): Promise<void> => {
  tf.env().set('IS_TEST', true)
  await tf.setBackend('cpu')
}

// softplus(a) = log(1 + e^a) with a hand-written backward: dσ(a)·dy. `wrongBy` scales the backward (1 = right).
export const softplus = (wrongBy = 1) =>
  tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a])
    return {
      value: tf.log1p(tf.exp(a)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(tf.mul(dy, tf.sigmoid(saved[0]!)), wrongBy)],
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0])
