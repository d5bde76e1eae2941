import { describe, expect, it } from 'vitest'
import { NonFiniteError, ParameterError, ShapeMismatchError } from '../../src/errors.js'
import { type Block, assertFinite, assertWritable, flatten, multiIndex, pathOf } from '../../src/params/flatten.js'

// flatten.ts turns `at` into named blocks that read and write the caller's own storage
// (docs/guide/tensors.md, "Parameters"). What matters: every form is found with its name and shape, a
// write through a block lands in the caller's array, and every form the engine cannot perturb is refused.
const summary = (b: Block) => ({ name: b.name, shape: b.shape, size: b.size, precision: b.precision })

describe('flatten: the forms of a parameter and their names', () => {
  it('a bare number is one scalar block named `at`, written back to the box the loss reads', () => {
    const flat = flatten(3, 'at')
    expect(flat.blocks.map(summary)).toEqual([{ name: 'at', shape: [], size: 1, precision: 'float64' }])
    flat.blocks[0]!.set(0, 5)
    expect(flat.blocks[0]!.get(0)).toBe(5)
    expect(flat.argument()).toBe(5)
  })

  it('typed arrays, { data, shape }, nested arrays and numbers inside objects and lists', () => {
    const w = new Float32Array([1, 2, 3, 4, 5, 6])
    const at = { layer: { w: { data: w, shape: [2, 3] }, b: new Float64Array([0, 0]) }, list: [new Float64Array([1]), [[1, 2], [3, 4]], 7], s: 2 }
    const flat = flatten(at, 'at')
    expect(flat.blocks.map(summary)).toEqual([
      { name: 'layer.w', shape: [2, 3], size: 6, precision: 'float32' },
      { name: 'layer.b', shape: [2], size: 2, precision: 'float64' },
      { name: 'list[0]', shape: [1], size: 1, precision: 'float64' },
      { name: 'list[1]', shape: [2, 2], size: 4, precision: 'float64' },
      { name: 'list[2]', shape: [], size: 1, precision: 'float64' },
      { name: 's', shape: [], size: 1, precision: 'float64' },
    ])
    expect(flat.argument()).toBe(at)
    // A list whose first leaf is a number is one nested tensor, not a list of tensors.
    expect(() => flatten({ list: [[[1, 2], [3, 4]], 7] }, 'at')).toThrow(/`list\[1\]` to be an array of length 2/)
  })

  it('each block reads and writes the caller’s storage in place, row-major', () => {
    const nested = [
      [1, 2, 3],
      [4, 5, 6],
    ]
    const at = { n: nested, s: 1, d: { data: [1, 2, 3, 4], shape: [2, 2] } }
    const [n, s, d] = flatten(at, 'at').blocks as [Block, Block, Block]
    expect(Array.from({ length: 6 }, (_, i) => n.get(i))).toEqual([1, 2, 3, 4, 5, 6])
    n.set(4, 50)
    expect(nested[1]![1]).toBe(50)
    n.set(2, 30)
    expect(nested[0]![2]).toBe(30)
    s.set(0, 9)
    expect(at.s).toBe(9)
    d.set(3, 40)
    expect(at.d.data[3]).toBe(40)
    // A Float32Array rounds what is written: the block says so by its precision and by what it reads back.
    const f = flatten(new Float32Array([0]), 'at').blocks[0]!
    f.set(0, 0.1)
    expect(f.get(0)).toBe(Math.fround(0.1))
  })

  it('a nested array of three dimensions, and an empty one', () => {
    const t = [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]
    const b = flatten(t, 'at').blocks[0]!
    expect(summary(b)).toEqual({ name: 'at', shape: [2, 2, 2], size: 8, precision: 'float64' })
    expect(b.get(5)).toBe(6)
    expect(summary(flatten({ e: [] }, 'at').blocks[0]!)).toEqual({ name: 'e', shape: [0], size: 0, precision: 'float64' })
    expect(flatten({ e: [[], []] }, 'at').blocks[0]!.size).toBe(0)
  })
})

describe('flatten: what it refuses, naming where', () => {
  it.each([
    ['a ragged nested array', { w: [[1, 2], [3]] }, /`w\[1\]` to be an array of length 2/],
    ['a non-number inside a nested array', { w: [[1, 'x']] }, /`w\[0\]\[1\]` to be a number, got `"x"` \(string\)/],
    ['a shape that is not a list of non-negative integers', { w: { data: [1], shape: [-1] } }, /`w.shape` to be an array of non-negative integers/],
    ['a shape of fractions', { w: { data: [1], shape: [0.5] } }, /non-negative integers/],
    ['data that is not numbers', { w: { data: ['a'], shape: [1] } }, /`w.data` to be a Float64Array, Float32Array or flat number\[\]/],
    ['data of the wrong length for its shape', { w: { data: [1, 2, 3], shape: [2, 2] } }, /`w.data` to hold 4 numbers for shape \[2, 2\], got 3/],
    ['a Map', { w: new Map() }, /at `w` to be a tensor or a plain object of tensors, got a Map/],
    ['a Set', { w: new Set() }, /got a Set/],
    ['a string', { w: 'abc' }, /at `w` to be a number, a \(nested\) number\[\]/],
    ['an Int32Array (not a float storage)', { w: new Int32Array(2) }, /got a Int32Array/],
    ['a shape with one negative size among others', { w: { data: [1], shape: [1, -1] } }, /`w.shape` to be an array of non-negative integers/],
    ['data with a string among numbers', { w: { data: [1, 'a'], shape: [2] } }, /`w.data` to be a Float64Array/],
    ['null', { w: null }, /at `w` to be a number, a \(nested\) number\[\], .* got `null`/],
  ])('%s', (_, at, message) => {
    expect(() => flatten(at, 'at')).toThrow(ShapeMismatchError)
    expect(() => flatten(at, 'at')).toThrow(message)
  })

  it('each refusal ends with the sentence on the fix', () => {
    expect(() => flatten({ w: [[1, 2], [3]] }, 'at')).toThrow(/Nested arrays must be rectangular; pass a Float64Array with a `shape` for anything else\./)
    const w = new Float64Array(1)
    expect(() => flatten({ a: w, b: w }, 'at', true)).toThrow(/Tied weights are one parameter: pass it once in `at` and return the sum of its gradients\./)
    const buffer = new ArrayBuffer(16)
    expect(() => flatten({ a: new Float64Array(buffer), b: new Float64Array(buffer, 8) }, 'at', true)).toThrow(/Pass each parameter once, or copy one of them\./)
  })

  it('a zero size in a shape is a tensor with no values, not an error', () => {
    expect(flatten({ w: { data: [], shape: [0, 3] } }, 'at').blocks[0]!.size).toBe(0)
  })

  it('the root is named by the label', () => {
    expect(() => flatten('abc', 'the gradient')).toThrow(/Expected the gradient to be a number/)
    expect(() => flatten({ data: [1], shape: [2] }, 'the gradient')).toThrow(/`the gradient.data` to hold 2 numbers/)
    expect(() => flatten([[1], [2, 3]], 'the gradient')).toThrow(/`the gradient\[1\]` to be an array of length 1/)
  })

  it('a structure that contains itself', () => {
    const at: Record<string, unknown> = { w: [1, 2] }
    at.self = at
    expect(() => flatten(at, 'at')).toThrow(/contains itself \(a circular reference\)/)
    // The same (non-tensor) object twice, side by side, is not a cycle.
    const shared = { x: 1 }
    expect(flatten({ a: shared, b: { c: 2 } }, 'at').blocks).toHaveLength(2)
  })

  it('a tensor that appears twice is refused only where the engine writes (tied weights)', () => {
    const w = new Float64Array(3)
    expect(() => flatten({ a: w, b: w }, 'at', true)).toThrow(ParameterError)
    expect(() => flatten({ a: w, b: w }, 'at', true)).toThrow(/`a` and `b` are the same Float64Array/)
    expect(flatten({ a: w, b: w }, 'the gradient').blocks).toHaveLength(2)
    const row = [1, 2]
    expect(() => flatten({ a: [row, [3, 4]], b: [row, [5, 6]] }, 'at', true)).toThrow(/`a` and `b` are the same array/)
    const data = [1, 2]
    expect(() => flatten({ a: { data, shape: [2] }, b: { data, shape: [2] } }, 'at', true)).toThrow(/`a` and `b`/)
    // Not aliases: equal numbers, a one-row nested array (its row is itself), two { data: number[] } tensors.
    expect(flatten({ a: 1, b: 1 }, 'at', true).blocks).toHaveLength(2)
    expect(flatten({ w: [1, 2] }, 'at', true).blocks).toHaveLength(1)
    expect(flatten({ a: { data: [1, 2], shape: [2] }, b: { data: [3], shape: [1] } }, 'at', true).blocks).toHaveLength(2)
    const obj = { data: new Float64Array(2), shape: [2] }
    expect(() => flatten({ a: obj, b: obj }, 'at', true)).toThrow(/`a` and `b` are the same object/)
  })

  it('two typed arrays viewing overlapping bytes alias each other; adjacent or empty views do not', () => {
    const buffer = new ArrayBuffer(8 * 4)
    const overlapping = { a: new Float64Array(buffer, 0, 3), b: new Float64Array(buffer, 16, 2) }
    expect(() => flatten(overlapping, 'at', true)).toThrow(/`a` and `b` view overlapping bytes of one buffer/)
    // Listed in the other order: found too (the views are sorted by offset).
    expect(() => flatten({ b: overlapping.b, a: overlapping.a }, 'at', true)).toThrow(/`a` and `b` view overlapping/)
    const adjacent = { a: new Float64Array(buffer, 0, 2), b: new Float64Array(buffer, 16, 2) }
    expect(flatten(adjacent, 'at', true).blocks).toHaveLength(2)
    const empty = { a: new Float64Array(buffer, 0, 4), b: new Float64Array(buffer, 8, 0) }
    expect(flatten(empty, 'at', true).blocks).toHaveLength(2)
    expect(flatten({ a: new Float64Array(2), b: new Float64Array(2) }, 'at', true).blocks).toHaveLength(2)
    // Through { data, shape } as well, and a third view overlapping the first only.
    const three = { a: new Float64Array(buffer, 0, 4), b: new Float64Array(buffer, 32, 0), c: { data: new Float64Array(buffer, 24, 1), shape: [1] } }
    expect(() => flatten(three, 'at', true)).toThrow(/`a` and `c`/)
    expect(flatten(overlapping, 'the gradient').blocks).toHaveLength(2)
  })
})

describe('assertWritable: a write must stick', () => {
  it('passes on ordinary storage and leaves every value as it was', () => {
    const at = { w: [0, 2], b: new Float32Array([3]) }
    const { blocks } = flatten(at, 'at')
    assertWritable(blocks)
    expect(at).toEqual({ w: [0, 2], b: new Float32Array([3]) })
    assertWritable(flatten({ e: [] }, 'at').blocks)
  })

  it('storage that drops writes is named, with what it read back', () => {
    const dropping = (v: number): Block => ({ name: 'w', shape: [1], size: 1, precision: 'float64', get: () => v, set: () => undefined })
    expect(() => assertWritable([dropping(1)])).toThrow(ParameterError)
    expect(() => assertWritable([dropping(1)])).toThrow(/writes to `w` to stick, but writing -1 read back 1/)
    expect(() => assertWritable([dropping(1)])).toThrow(/pass the arrays the loss reads, not a frozen copy/)
    // 0 is probed with 1 (−0 would read back as equal).
    expect(() => assertWritable([dropping(0)])).toThrow(/writing 1 read back 0/)
    // A frozen array throws on a write in strict code: named as well.
    expect(() => assertWritable(flatten({ w: Object.freeze([1, 2]) }, 'at').blocks)).toThrow(/Expected `w` to be writable/)
  })

  it('storage whose writes throw is named, with the error', () => {
    const block: Block = { name: 'w', shape: [1], size: 1, precision: 'float64', get: () => 1, set: () => { throw new Error('read-only') } }
    expect(() => assertWritable([block])).toThrow(/Expected `w` to be writable, but writing to it threw \(read-only\)/)
    expect(() => assertWritable([block])).toThrow(/gradcheck perturbs `at` in place and restores it: pass arrays that are not frozen/)
    const text: Block = { ...block, set: () => { throw 'plain' } }
    expect(() => assertWritable([text])).toThrow(/threw \(plain\)/)
  })

  it('storage that takes the write but does not restore is refused too', () => {
    let stored = 1
    let writes = 0
    const block: Block = { name: 'w', shape: [1], size: 1, precision: 'float64', get: () => stored, set: (_, v) => { if (writes++ === 0) stored = v } }
    expect(() => assertWritable([block])).toThrow(/writes to `w` to stick/)
  })
})

describe('multiIndex, pathOf, assertFinite', () => {
  it('row-major indices, the last axis fastest', () => {
    expect(multiIndex([2, 3], 0)).toEqual([0, 0])
    expect(multiIndex([2, 3], 4)).toEqual([1, 1])
    expect(multiIndex([3, 1, 4, 2], 2 * 8 + 0 + 1 * 2 + 1)).toEqual([2, 0, 1, 1])
    expect(multiIndex([], 0)).toEqual([])
  })
  it('paths: a scalar is its name, a tensor its name and index', () => {
    expect(pathOf('b', [], 0)).toBe('b')
    expect(pathOf('w', [2, 3], 5)).toBe('w[1,2]')
    expect(pathOf('v', [4], 3)).toBe('v[3]')
  })
  it('assertFinite names the first NaN or ±∞ with its path, and passes finite values', () => {
    const { blocks } = flatten({ a: [1, 2], w: [[1, 2], [3, Infinity]], z: Number.NaN }, 'at')
    expect(() => assertFinite(blocks, 'at', 'Fix it.')).toThrow(NonFiniteError)
    expect(() => assertFinite(blocks, 'at', 'Fix it.')).toThrow('Expected at to be finite, got `Infinity` at `w[1,1]`. Fix it.')
    expect(() => assertFinite(flatten({ a: [1, 2] }, 'at').blocks, 'at', '')).not.toThrow()
  })
})
