// `npx tsx bench/tfjs.ts`: what a check of TF.js variables costs against the same check with the weights in
// Float32Arrays (the loss then builds its tensors from the arrays on every call, as it would without the adapter).
// Printed: loss calls per weight (the engine's, equal for both), ms per loss call (whole check ÷ calls, and inside
// the loss alone: a Float32Array loss builds its 3 tensors there), and the share of the
// variables' write-back (`assign` of one new tensor per changed variable per call). Ratios of one run, never timed tests.
import * as tf from '@tensorflow/tfjs'
import { checkGradients } from 'gradcheck'
import { autodiff, tfjsAdapter } from 'gradcheck/tfjs'

tf.env().set('IS_TEST', true)
await tf.setBackend('cpu')

const sizes = { batch: 32, input: 8, hidden: 16, output: 4 }
const x = tf.randomNormal([sizes.batch, sizes.input], 0, 1, 'float32', 1)
const y = tf.randomNormal([sizes.batch, sizes.output], 0, 1, 'float32', 2)
const init = [tf.randomNormal([sizes.input, sizes.hidden], 0, 0.4, 'float32', 3), tf.fill([sizes.hidden], 0.1), tf.randomNormal([sizes.hidden, sizes.output], 0, 0.4, 'float32', 4)]
const mlp = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor): tf.Scalar => tf.mean(tf.square(tf.sub(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2), y)))

let inLoss = 0
let inWrite = 0
const timed = <A extends unknown[], R>(f: (...a: A) => R, add: (ms: number) => void) => (...a: A): R => {
  const t = performance.now()
  try {
    return f(...a)
  } finally {
    add(performance.now() - t)
  }
}

function variables(): { calls: number; weights: number; total: number; pass: boolean } {
  const [w1, b1, w2] = init.map((t) => tf.variable(t.clone()))
  const loss = () => tf.tidy(() => mlp(w1!, b1!, w2!))
  const write = tfjsAdapter.write
  tfjsAdapter.write = timed(write, (ms) => (inWrite += ms))
  const t0 = performance.now()
  try {
    const r = checkGradients(timed(loss, (ms) => (inLoss += ms)) as unknown as () => number, autodiff(loss), { at: [w1!, b1!, w2!], sample: 'all' })
    return { calls: r.evaluations, weights: r.checked, total: performance.now() - t0, pass: r.pass }
  } finally {
    tfjsAdapter.write = write
    tf.dispose([w1!, b1!, w2!])
  }
}

function arrays(): { calls: number; weights: number; total: number; pass: boolean } {
  const at = init.map((t) => t.dataSync().slice() as Float32Array)
  const shapes = init.map((t) => t.shape)
  const loss = (p: Float32Array[]): number => {
    const s = tf.tidy(() => mlp(...(p.map((a, k) => tf.tensor(a, shapes[k])) as [tf.Tensor, tf.Tensor, tf.Tensor])))
    const v = s.dataSync()[0]!
    s.dispose()
    return v
  }
  const ts = init.map((t) => t.clone())
  const grad = tf.grads((...a: tf.Tensor[]) => mlp(a[0]!, a[1]!, a[2]!))(ts).map((g) => g.dataSync().slice() as Float32Array)
  tf.dispose(ts)
  const t0 = performance.now()
  const r = checkGradients(timed(loss, (ms) => (inLoss += ms)), grad, { at, sample: 'all' })
  return { calls: r.evaluations, weights: r.checked, total: performance.now() - t0, pass: r.pass }
}

variables()
arrays() // warm-up of both paths
const rows: [string, () => ReturnType<typeof arrays>][] = [['tf.Variable in at', variables], ['Float32Array in at', arrays]]
const perCall: number[] = []
console.log(`MLP ${sizes.input}→${sizes.hidden}→${sizes.output}, batch ${sizes.batch}, cpu backend\n`)
console.log('at'.padEnd(20), 'weights'.padStart(8), 'calls'.padStart(7), 'calls/weight'.padStart(13), 'ms/call'.padStart(9), 'in loss'.padStart(9), 'write share'.padStart(12), ' pass')
for (const [name, run] of rows) {
  inLoss = inWrite = 0
  const r = run()
  perCall.push(r.total / r.calls)
  const share = name.startsWith('tf') ? `${((100 * inWrite) / r.total).toFixed(1)}%` : '—'
  console.log(name.padEnd(20), String(r.weights).padStart(8), String(r.calls).padStart(7), (r.calls / r.weights).toFixed(3).padStart(13), (r.total / r.calls).toFixed(3).padStart(9), (inLoss / r.calls).toFixed(3).padStart(9), share.padStart(12), r.pass ? ' yes' : ' NO')
}
console.log(`\ntime per loss call, variables ÷ arrays: ${(perCall[0]! / perCall[1]!).toFixed(2)}`)
tf.dispose([x, y, ...init])
