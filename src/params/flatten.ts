import { NonFiniteError, ParameterError, ShapeMismatchError, describe } from '../errors.js'
import { AdaptedBlock, adapterOf } from './adapters.js'

export type Precision = 'float64' | 'float32'

/** One named tensor of `at`, seen as a flat vector that can be read and written in place. */
export interface Block {
  readonly name: string
  readonly shape: readonly number[]
  readonly size: number
  /** float32 when the storage rounds what is written to it (a Float32Array), else float64. */
  readonly precision: Precision
  get(i: number): number
  /** Writes `v`; the storage may round it, so read it back with `get` to learn what was written. */
  set(i: number, v: number): void
}

/** The flattened view of a parameter structure: its tensors, and the value to hand to the loss. */
export interface Flat {
  readonly blocks: readonly Block[]
  /** What the loss and a gradient function receive: `at` itself, or the current number for a bare number. */
  argument(): unknown
}

type Leaf = Float64Array | Float32Array | number[]

const isTyped = (v: unknown): v is Float64Array | Float32Array =>
  v instanceof Float64Array || v instanceof Float32Array

function isDataShape(v: unknown): v is { data: unknown; shape: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isTyped(v) && 'data' in v && 'shape' in v
}

/** A nested `number[]` tensor, as opposed to a list of tensors: its first leaf is a number (or it is empty). */
function isNumericArray(v: unknown[]): boolean {
  let x: unknown = v
  while (Array.isArray(x)) {
    if (x.length === 0) return true
    x = x[0]
  }
  return typeof x === 'number'
}

/** Shape of a rectangular nested array, and its innermost rows (which are written in place). */
function nestedRows(root: unknown[], label: string): { shape: number[]; rows: number[][] } {
  const shape: number[] = []
  for (let x: unknown = root; Array.isArray(x); x = x[0]) shape.push(x.length)
  const rows: number[][] = []
  const walk = (x: unknown, depth: number, where: string): void => {
    const expected = shape[depth]
    if (!Array.isArray(x) || x.length !== expected) {
      throw new ShapeMismatchError(
        `Expected \`${label}${where}\` to be an array of length ${expected} like its siblings, got ${describe(x)}. ` +
          'Nested arrays must be rectangular; pass a Float64Array with a `shape` for anything else.',
      )
    }
    if (depth === shape.length - 1) {
      x.forEach((v, j) => {
        if (typeof v !== 'number') {
          throw new ShapeMismatchError(
            `Expected \`${label}${where}[${j}]\` to be a number, got ${describe(v)}. A nested array tensor holds numbers only.`,
          )
        }
      })
      rows.push(x as number[])
    } else x.forEach((y, j) => walk(y, depth + 1, `${where}[${j}]`))
  }
  if (shape.length > 0 && shape.every((n) => n > 0)) walk(root, 0, '')
  return { shape, rows }
}

function shapeOf(value: { data: unknown; shape: unknown }, label: string): { data: Leaf; shape: number[] } {
  const { data, shape } = value
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new ShapeMismatchError(
      `Expected \`${label}.shape\` to be an array of non-negative integers, got ${describe(shape)}. Pass e.g. \`{ data, shape: [4, 3] }\`.`,
    )
  }
  if (!isTyped(data) && !(Array.isArray(data) && data.every((v) => typeof v === 'number'))) {
    throw new ShapeMismatchError(
      `Expected \`${label}.data\` to be a Float64Array, Float32Array or flat number[], got ${describe(data)}.`,
    )
  }
  const size = shape.reduce((p: number, n: number) => p * n, 1)
  if (size !== data.length) {
    throw new ShapeMismatchError(
      `Expected \`${label}.data\` to hold ${size} numbers for shape [${shape.join(', ')}], got ${data.length}. Fix the shape or the data.`,
    )
  }
  return { data, shape: shape as number[] }
}

function flatBlock(name: string, data: Leaf, shape: readonly number[]): Block {
  return {
    name,
    shape,
    size: data.length,
    precision: data instanceof Float32Array ? 'float32' : 'float64',
    get: (i) => data[i]!,
    set: (i, v) => {
      data[i] = v
    },
  }
}

function rowsBlock(name: string, rows: number[][], shape: readonly number[]): Block {
  const width = shape[shape.length - 1] ?? 0
  return {
    name,
    shape,
    size: rows.length * width,
    precision: 'float64',
    get: (i) => rows[Math.floor(i / width)]![i % width]!,
    set: (i, v) => {
      rows[Math.floor(i / width)]![i % width] = v
    },
  }
}

/** A number stored as a property of an object (or of the root box), written back in place. */
function propertyBlock(name: string, holder: Record<string, unknown>, key: string): Block {
  return {
    name,
    shape: [],
    size: 1,
    precision: 'float64',
    get: () => holder[key] as number,
    set: (_, v) => {
      holder[key] = v
    },
  }
}

const ROOT = 'at'
const join = (prefix: string, key: string): string => (prefix === '' ? key : `${prefix}.${key}`)

/**
 * Flattens a parameter structure (docs/guide/tensors.md, "Parameters") into named blocks that read and write
 * the caller's own storage. `label` names the structure in error messages (`at` or `the gradient`).
 * With `writable`, the structure is one the engine will write to: a tensor that appears twice (the
 * same array under two names, or two views of one buffer) is an error, since a move of one would
 * move the other and the numeric derivative would be their sum.
 */
export function flatten(value: unknown, label: string, writable = false): Flat {
  const blocks: Block[] = []
  const box = { value }
  const seen = new Map<object, string>()
  const ancestors = new Set<object>()
  const views: { view: Float64Array | Float32Array; name: string }[] = []
  const once = (o: object, name: string): void => {
    const first = seen.get(o)
    if (first !== undefined && writable) {
      throw new ParameterError(
        `Expected every tensor of ${label} to appear once, but \`${first}\` and \`${name}\` are the same ${describe(o).replace(/^an? /, '')}. ` +
          'Tied weights are one parameter: pass it once in `at` and return the sum of its gradients.',
      )
    }
    seen.set(o, name)
  }
  const visit = (v: unknown, name: string, holder: Record<string, unknown>, key: string): void => {
    const where = name === '' ? label : `${label} \`${name}\``
    const blockName = name === '' ? ROOT : name
    if (typeof v === 'object' && v !== null) {
      if (ancestors.has(v)) {
        throw new ShapeMismatchError(`Expected ${where} to be a tree of tensors, but it contains itself (a circular reference). Pass only the parameters.`)
      }
      if (v instanceof Map || v instanceof Set) {
        throw new ShapeMismatchError(`Expected ${where} to be a tensor or a plain object of tensors, got ${describe(v)}. Convert it: \`Object.fromEntries(map)\`.`)
      }
      once(v, blockName)
    }
    const adapter = adapterOf(v)
    // A registered tensor type (docs/guide/tensors.md, "Tensor adapters"): read through its adapter before the check starts.
    if (adapter !== undefined) blocks.push(new AdaptedBlock(blockName, v, adapter, holder, key))
    else if (typeof v === 'number') blocks.push(propertyBlock(blockName, holder, key))
    else if (isTyped(v)) {
      views.push({ view: v, name: blockName })
      blocks.push(flatBlock(blockName, v, [v.length]))
    } else if (isDataShape(v)) {
      const { data, shape } = shapeOf(v, name === '' ? label : name)
      if (isTyped(data)) views.push({ view: data, name: blockName })
      else once(data, blockName)
      blocks.push(flatBlock(blockName, data, shape))
    } else if (Array.isArray(v) && isNumericArray(v)) {
      const { shape, rows } = nestedRows(v, name === '' ? label : name)
      rows.forEach((row) => row !== v && once(row, blockName))
      blocks.push(rowsBlock(blockName, rows, shape))
    } else if (Array.isArray(v) || (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v))) {
      ancestors.add(v)
      if (Array.isArray(v)) v.forEach((item, i) => visit(item, `${name}[${i}]`, v as unknown as Record<string, unknown>, String(i)))
      else for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], join(name, k), v as Record<string, unknown>, k)
      ancestors.delete(v)
    } else {
      throw new ShapeMismatchError(
        `Expected ${where} to be a number, a (nested) number[], a Float64Array or Float32Array, \`{ data, shape }\`, ` +
          `or an object or list of those, got ${describe(v)}.`,
      )
    }
  }
  visit(value, '', box as Record<string, unknown>, 'value')
  if (writable) assertDisjoint(views, label)
  return { blocks, argument: () => box.value }
}

/** Two typed arrays of `at` that view overlapping bytes of one buffer alias each other. */
function assertDisjoint(views: readonly { view: Float64Array | Float32Array; name: string }[], label: string): void {
  const sorted = [...views].sort((x, y) => x.view.byteOffset - y.view.byteOffset)
  for (let j = 0; j < sorted.length; j++) {
    for (let k = j + 1; k < sorted.length; k++) {
      const [a, b] = [sorted[j]!, sorted[k]!]
      if (a.view.buffer !== b.view.buffer || b.view.byteOffset >= a.view.byteOffset + a.view.byteLength || b.view.byteLength === 0) continue
      throw new ParameterError(
        `Expected the tensors of ${label} not to share memory, but \`${a.name}\` and \`${b.name}\` view overlapping bytes of one buffer. ` +
          'Pass each parameter once, or copy one of them.',
      )
    }
  }
}

/**
 * Writes to every tensor of `at` must stick: each tensor's first coordinate is set to another value,
 * read back and restored. Frozen arrays, getter-only properties and proxies that drop writes fail here,
 * with the tensor named, instead of passing a check whose perturbations never happened.
 */
export function assertWritable(blocks: readonly Block[]): void {
  for (const b of blocks) {
    if (b.size === 0) continue
    const v = b.get(0)
    const probe = v === 0 ? 1 : -v
    let read: number
    try {
      b.set(0, probe)
      read = b.get(0)
    } catch (error) {
      throw new ParameterError(
        `Expected \`${b.name}\` to be writable, but writing to it threw (${error instanceof Error ? error.message : String(error)}). ` +
          'gradcheck perturbs `at` in place and restores it: pass arrays that are not frozen, read-only or behind a getter.',
      )
    }
    b.set(0, v)
    if (read !== probe || !Object.is(b.get(0), v)) {
      throw new ParameterError(
        `Expected writes to \`${b.name}\` to stick, but writing ${probe} read back ${read}. ` +
          'gradcheck perturbs `at` in place: pass the arrays the loss reads, not a frozen copy, a getter or a proxy that ignores writes.',
      )
    }
  }
}

/** `[2,0,1,1]` for flat index `i` of a tensor of `shape` (row-major); `` for a scalar. */
export function multiIndex(shape: readonly number[], i: number): number[] {
  const index = new Array<number>(shape.length)
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!
    index[d] = i % n
    i = Math.floor(i / n)
  }
  return index
}

export const pathOf = (name: string, shape: readonly number[], i: number): string =>
  shape.length === 0 ? name : `${name}[${multiIndex(shape, i).join(',')}]`

/** Throws a NonFiniteError naming the first NaN or ±Infinity in `blocks`. */
export function assertFinite(blocks: readonly Block[], label: string, fix: string): void {
  for (const b of blocks) {
    for (let i = 0; i < b.size; i++) {
      const v = b.get(i)
      if (!Number.isFinite(v)) {
        throw new NonFiniteError(`Expected ${label} to be finite, got \`${v}\` at \`${pathOf(b.name, b.shape, i)}\`. ${fix}`)
      }
    }
  }
}
