import { ShapeMismatchError } from '../errors.js'
import { type Block, type Precision, flatten } from './flatten.js'

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`
const isFlat = (s: readonly number[]): boolean => s.length <= 1

/**
 * Copies the analytic gradient into one Float64Array per block of `at`, in the same order.
 * A flat gradient (typed array, flat list, scalar) is accepted for any tensor of the same size;
 * otherwise shapes must agree exactly. `precisions`, when given, receives each gradient tensor's storage
 * precision (a Float32Array gradient carries float32 rounding, whatever the precision of `at`).
 */
export function mirror(at: readonly Block[], grad: unknown, precisions?: Precision[]): Float64Array[] {
  const g = flatten(grad, 'the gradient').blocks
  const byName = new Map(g.map((b) => [b.name, b]))
  const out = at.map((a) => {
    const b = byName.get(a.name)
    if (b === undefined) {
      throw new ShapeMismatchError(
        `Expected the gradient to have \`${a.name}\` (shape ${shapeText(a.shape)}) like \`at\`, but it has no such tensor` +
          (g.length > 0 ? ` (it has ${g.map((x) => `\`${x.name}\``).join(', ')})` : '') +
          '. Return a gradient with the same structure and names as `at`.',
      )
    }
    byName.delete(a.name)
    const sameShape = a.shape.length === b.shape.length && a.shape.every((n, d) => n === b.shape[d])
    if (a.size !== b.size || (!sameShape && !isFlat(a.shape) && !isFlat(b.shape))) {
      throw new ShapeMismatchError(
        `Expected the gradient of \`${a.name}\` to have shape ${shapeText(a.shape)} like \`at\`, got ${shapeText(b.shape)}. ` +
          'Each gradient tensor must have the shape of its parameter.',
      )
    }
    const copy = new Float64Array(a.size)
    for (let i = 0; i < a.size; i++) copy[i] = b.get(i)
    precisions?.push(b.precision)
    return copy
  })
  const extra = [...byName.keys()]
  if (extra.length > 0) {
    throw new ShapeMismatchError(
      `Expected the gradient to have only the tensors of \`at\`, but it also has ${extra.map((n) => `\`${n}\``).join(', ')}. ` +
        'Remove them, or add them to `at` so they are checked.',
    )
  }
  return out
}
