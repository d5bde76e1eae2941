/**
 * `gradcheck/tfjs`: TF.js tensors in `at`, in gradients and as loss values. Importing it registers the
 * adapter; `autodiff(loss)` is TF.js's own gradient of a loss, to check a `tf.customGrad` end to end.
 * Everything is duck-typed (a tensor has `dataSync` and a `dataId`, a variable also `assign`, a layers
 * model's LayerVariable has `read()`), so two copies of tfjs-core, or tfjs-layers missing, change nothing.
 */
import * as tf from '@tensorflow/tfjs-core'
import { GradcheckError, InvalidArgumentError, type TensorAdapter, type TensorData, registerTensorAdapter } from '../index.js'

type Tensor = tf.Tensor
type Variable = tf.Variable
/** What `model.trainableWeights` holds (tfjs-layers' LayerVariable): the variable is `read()`. */
export interface LayerVariableLike {
  read(): Variable
  readonly shape: readonly number[]
  readonly dtype: string
}
export type TfParameter = Tensor | LayerVariableLike

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isTensor = (v: unknown): v is Tensor =>
  isObject(v) && typeof v.dataSync === 'function' && typeof v.dispose === 'function' && 'dataId' in v && Array.isArray(v.shape)
const isVariable = (v: unknown): v is Variable => isTensor(v) && typeof (v as { assign?: unknown }).assign === 'function'
const isLayerVariable = (v: unknown): v is LayerVariableLike =>
  isObject(v) && !isTensor(v) && typeof v.read === 'function' && typeof v.write === 'function' && Array.isArray(v.shape) && typeof v.dtype === 'string'

/** The tensor behind a parameter: a LayerVariable's variable, else the tensor itself. */
const tensorOf = (v: TfParameter): Tensor => (isLayerVariable(v) ? v.read() : v)

function floatDtype(t: Tensor): 'float32' {
  if (t.dtype !== 'float32') {
    throw new GradcheckError(`Expected a float32 tensor, got dtype '${t.dtype}' (shape [${t.shape.join(', ')}]). Only float tensors have gradients: cast it with \`tf.cast(t, 'float32')\`.`)
  }
  return 'float32'
}

// WebGPU cannot read a tensor synchronously: there, reads are `data()` and the check is async.
const syncReads = (): boolean => tf.getBackend() !== 'webgpu'

/**
 * The adapter `gradcheck/tfjs` registers. A variable is written in place: `assign` of a new tensor holding the
 * values (the variable takes over its storage, so the temporary is disposed at once and nothing is copied twice).
 * A plain tensor is immutable: a write makes a new one that replaces it in `at`, and the original goes back at the end.
 */
export const tfjsAdapter: TensorAdapter<TfParameter> = {
  name: 'tfjs',
  matches: (v): v is TfParameter => isTensor(v) || isLayerVariable(v),
  read(v) {
    const t = tensorOf(v)
    const precision = floatDtype(t)
    const shape = [...t.shape]
    if (syncReads()) return { data: t.dataSync() as Float32Array, shape, precision }
    return t.data().then((data): TensorData => ({ data: data as Float32Array, shape, precision }))
  },
  write(v, data) {
    const t = tensorOf(v)
    // TF.js takes no Float64Array; every tensor here is float32 (checked by `read`), so this is exact.
    const next = tf.tensor(Float32Array.from(data), t.shape, t.dtype)
    if (!isVariable(t)) return next
    t.assign(next)
    next.dispose()
  },
  dispose(v) {
    // A variable of a returned structure is the caller's (a weight returned as its own gradient?): never disposed.
    if (isTensor(v) && !isVariable(v)) v.dispose()
  },
}

registerTensorAdapter(tfjsAdapter)

/** The parameters of `at` in order, and a function rebuilding `at`'s structure with one value per parameter. */
function parameters(at: unknown): { list: Tensor[]; rebuild(values: readonly unknown[]): unknown } {
  const list: Tensor[] = []
  const walk = (v: unknown): ((values: readonly unknown[]) => unknown) => {
    if (isTensor(v) || isLayerVariable(v)) {
      const k = list.push(tensorOf(v)) - 1
      return (values) => values[k]
    }
    if (Array.isArray(v)) {
      const items = v.map(walk)
      return (values) => items.map((f) => f(values))
    }
    if (isObject(v) && Object.getPrototypeOf(v) === Object.prototype) {
      const fields = Object.entries(v).map(([key, x]) => [key, walk(x)] as const)
      return (values) => Object.fromEntries(fields.map(([key, f]) => [key, f(values)]))
    }
    throw new InvalidArgumentError(`Expected \`at\` to hold TF.js tensors or variables (alone, in a list or in a named object) for \`autodiff\`, got ${String(v)}.`)
  }
  const rebuild = walk(at)
  return { list, rebuild }
}

/**
 * TF.js's own gradient of `loss`, as a gradient function for `toHaveGradientsMatching`: `tf.grads` with
 * respect to every tensor of `at` (variables included), so a `tf.customGrad`'s backward pass is what is checked.
 * The loss must return a `tf.Scalar` synchronously; the check disposes the gradients once it has read them.
 */
export function autodiff<P>(loss: (params: P) => unknown): (params: P) => unknown {
  return (params) => {
    const { list, rebuild } = parameters(params)
    if (list.length === 0) throw new InvalidArgumentError('Expected `at` to hold at least one TF.js tensor or variable for `autodiff`.')
    const grads = tf.grads(() => {
      const y = loss(params)
      if (!isTensor(y) || y.size !== 1) {
        const what = isObject(y) && typeof (y as { then?: unknown }).then === 'function' ? 'a promise' : isTensor(y) ? `a tensor of shape [${y.shape.join(', ')}]` : typeof y
        throw new InvalidArgumentError(`Expected the loss to return a tf.Scalar for \`autodiff\` (TF.js differentiates tensors, synchronously), got ${what}.`)
      }
      return tf.reshape(y, []) as tf.Scalar
    })(list)
    return rebuild(grads)
  }
}
