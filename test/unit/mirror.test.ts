// `mirror` (src/params/mirror.ts): the analytic gradient copied into one Float64Array per tensor of `at`,
// in `at`'s order, matched by name. A flat gradient (typed array, flat list, scalar) fits any tensor of its
// size; any other shape must be the tensor's own. Missing and extra tensors are ShapeMismatchErrors that name them.
import { ShapeMismatchError } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { flatten } from '../../src/params/flatten.js'
import { mirror } from '../../src/params/mirror.js'

const blocks = (at: unknown) => flatten(at, '`at`', true).blocks
const values = (out: Float64Array[]): number[][] => out.map((a) => Array.from(a))
const error = (at: unknown, grad: unknown): Error => {
  try {
    mirror(blocks(at), grad)
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a ShapeMismatchError')
}

describe('mirror: a gradient of the same structure is copied tensor by tensor', () => {
  it('reports each gradient tensor\'s storage precision in `at`\'s order when asked: a Float32Array is float32 whatever `at` is', () => {
    const at = { w: [1, 2], b: Float32Array.from([5]) }
    const precisions: string[] = []
    mirror(blocks(at), { b: [0.5], w: Float32Array.from([1, 2]) }, precisions as never)
    expect(precisions).toEqual(['float32', 'float64'])
  })

  it('copies each tensor into its own Float64Array, in `at`\'s order, whatever order the gradient lists them in', () => {
    const at = { w: [[1, 2], [3, 4]], b: Float32Array.from([5]), s: 6 }
    const grad = { s: 0.5, b: [0.25], w: [[-1, -2], [-3, -4]] }
    const out = mirror(blocks(at), grad)
    expect(out).toHaveLength(3)
    for (const a of out) expect(a).toBeInstanceOf(Float64Array)
    expect(values(out)).toEqual([[-1, -2, -3, -4], [0.25], [0.5]])
  })

  it('copies: a gradient changed afterwards (a buffer reused by the backward pass) does not change what was read', () => {
    const g = Float64Array.from([1, 2, 3])
    const out = mirror(blocks(Float64Array.from([0, 0, 0])), g)
    g.fill(9)
    expect(values(out)).toEqual([[1, 2, 3]])
    expect(out[0]).not.toBe(g)
  })

  it('keeps the values bit for bit (-0, subnormals, a Float32Array\'s own values)', () => {
    const g = Float32Array.from([0.1, -0])
    const out = mirror(blocks({ a: [1, 2], b: [3] }), { a: g, b: [5e-324] })
    expect(Object.is(out[0]![1], -0)).toBe(true)
    expect(out[0]![0]).toBe(Math.fround(0.1))
    expect(out[1]![0]).toBe(5e-324)
  })

  it('takes a bare number for a bare number, and a nested list for a tensor of that very shape', () => {
    expect(values(mirror(blocks(2), 0.75))).toEqual([[0.75]])
    expect(values(mirror(blocks({ w: { data: new Float64Array(6), shape: [2, 3] } }), { w: [[1, 2, 3], [4, 5, 6]] }))).toEqual([[1, 2, 3, 4, 5, 6]])
    expect(values(mirror(blocks({ w: [[[1], [2]]] }), { w: { data: [7, 8], shape: [1, 2, 1] } }))).toEqual([[7, 8]])
  })
})

describe('mirror: a flat gradient fits any tensor of the same size', () => {
  it('takes a typed array or a flat list for a 2×2 tensor, and a nested 2×2 list for a flat tensor of 4', () => {
    expect(values(mirror(blocks({ w: [[1, 2], [3, 4]] }), { w: Float64Array.from([4, 3, 2, 1]) }))).toEqual([[4, 3, 2, 1]])
    expect(values(mirror(blocks({ w: [[1, 2], [3, 4]] }), { w: [4, 3, 2, 1] }))).toEqual([[4, 3, 2, 1]])
    expect(values(mirror(blocks({ w: [1, 2, 3, 4] }), { w: [[4, 3], [2, 1]] }))).toEqual([[4, 3, 2, 1]])
  })

  it('takes a scalar for a one-element tensor and a one-element list for a scalar', () => {
    expect(values(mirror(blocks({ w: [[5]] }), { w: 2 }))).toEqual([[2]])
    expect(values(mirror(blocks({ w: 5 }), { w: [2] }))).toEqual([[2]])
    expect(values(mirror(blocks({ w: [[5]] }), { w: [2] }))).toEqual([[2]])
  })
})

describe('mirror: any other shape is an error naming the tensor and both shapes', () => {
  it('refuses the transposed shape of the same size ([3, 2] for [2, 3])', () => {
    const e = error({ w: { data: new Float64Array(6), shape: [2, 3] } }, { w: [[1, 2], [3, 4], [5, 6]] })
    expect(e).toBeInstanceOf(ShapeMismatchError)
    expect(e.message).toBe('Expected the gradient of `w` to have shape [2, 3] like `at`, got [3, 2]. Each gradient tensor must have the shape of its parameter.')
  })

  it('refuses a shape of another rank that is not flat ([1, 4] for [2, 2], [4, 1] for [1, 4])', () => {
    expect(error({ w: [[1, 2], [3, 4]] }, { w: [[1, 2, 3, 4]] }).message).toBe(
      'Expected the gradient of `w` to have shape [2, 2] like `at`, got [1, 4]. Each gradient tensor must have the shape of its parameter.',
    )
    expect(error({ w: [[1, 2, 3, 4]] }, { w: [[1], [2], [3], [4]] }).message).toContain('shape [1, 4] like `at`, got [4, 1].')
    expect(error({ w: [[[1, 2]]] }, { w: [[1, 2]] }).message).toContain('shape [1, 1, 2] like `at`, got [1, 2].')
  })

  it('refuses a shape that agrees on some dimensions only, or on every dimension of `at` with one more (size 1) after them', () => {
    const t = (shape: number[]) => ({ data: new Float64Array(shape.reduce((p, n) => p * n, 1)), shape })
    expect(error({ w: t([2, 2, 3]) }, { w: t([2, 3, 2]) }).message).toContain('shape [2, 2, 3] like `at`, got [2, 3, 2].')
    expect(error({ w: [[1, 2], [3, 4]] }, { w: t([2, 2, 1]) }).message).toContain('shape [2, 2] like `at`, got [2, 2, 1].')
  })

  it('refuses another size, flat or not, scalar or not', () => {
    expect(error({ b: [1, 2, 3] }, { b: [1, 2] }).message).toBe(
      'Expected the gradient of `b` to have shape [3] like `at`, got [2]. Each gradient tensor must have the shape of its parameter.',
    )
    expect(error({ b: [1, 2] }, { b: 1 }).message).toContain('shape [2] like `at`, got [].')
    expect(error({ b: 1 }, { b: [1, 2] }).message).toContain('shape [] like `at`, got [2].')
    expect(error({ w: [[1, 2], [3, 4]] }, { w: [[1, 2, 3], [4, 5, 6]] }).message).toContain('shape [2, 2] like `at`, got [2, 3].')
    expect(error({ w: [[1, 2], [3, 4]] }, { w: [] }).message).toContain('got [0].')
  })
})

describe('mirror: the gradient must hold exactly the tensors of `at`, by name', () => {
  it('names a tensor the gradient lacks, its shape, and the tensors it has', () => {
    const e = error({ w: [[1, 2], [3, 4]], b: [1] }, { w: [[0, 0], [0, 0]], c: [0], d: 1 })
    expect(e).toBeInstanceOf(ShapeMismatchError)
    expect(e.message).toBe(
      'Expected the gradient to have `b` (shape [1]) like `at`, but it has no such tensor (it has `w`, `c`, `d`). ' +
        'Return a gradient with the same structure and names as `at`.',
    )
  })

  it('says nothing of what it has when the gradient holds no tensor at all', () => {
    expect(error({ w: [1] }, {}).message).toBe(
      'Expected the gradient to have `w` (shape [1]) like `at`, but it has no such tensor. Return a gradient with the same structure and names as `at`.',
    )
  })

  it('names a bare number given for a structure as the tensor `at`', () => {
    expect(error({ w: 2 }, 3).message).toContain('to have `w` (shape []) like `at`, but it has no such tensor (it has `at`).')
    expect(error(2, { w: 3 }).message).toContain('to have `at` (shape []) like `at`, but it has no such tensor (it has `w`).')
  })

  it('names every extra tensor, in the gradient\'s order, once every tensor of `at` was found', () => {
    const e = error({ w: [1, 2] }, { v: [0], w: [3, 4], 'u.x': 1 })
    expect(e).toBeInstanceOf(ShapeMismatchError)
    expect(e.message).toBe(
      'Expected the gradient to have only the tensors of `at`, but it also has `v`, `u.x`. Remove them, or add them to `at` so they are checked.',
    )
  })

  it('names a nested extra by its path', () => {
    expect(error({ layer: { w: [1] } }, { layer: { w: [1], b: [2] } }).message).toContain('but it also has `layer.b`.')
  })

  it('reads the gradient as `the gradient` in flatten\'s errors', () => {
    expect(error({ w: [1] }, { w: 'x' }).message).toMatch(/^Expected the gradient `w` to be a number/)
  })
})
