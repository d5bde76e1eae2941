// The engine's calls (src/engine/calls.ts) and the generator driver (src/engine/drive.ts): the one place that
// writes to `at` and restores it (a snapshot, never x + h − h), the loss value read back and checked, the
// loss caught writing to `at`, and the driver that runs a check synchronously until the first promise.
// The end-to-end tests below check the library's promise per call index: whatever the loss does on call n
// (throws, rejects, returns NaN or a non-number, writes to `at`), the user gets `at` back bit for bit.
import { CallError, LossValueError, ParameterError, checkGradients } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { Perturbation, lossAlong, lossAt, lossMoved, lossValue, mutated } from '../../src/engine/calls.js'
import { type Call, type Check, drive, isThenable } from '../../src/engine/drive.js'
import { type Block, flatten } from '../../src/params/flatten.js'

/** A block over `data` with `shape`, read and written in place as flatten's blocks are. */
const blockOf = (name: string, data: Float64Array | Float32Array, shape: readonly number[] = [data.length]): Block => ({
  name,
  shape,
  size: data.length,
  precision: data instanceof Float32Array ? 'float32' : 'float64',
  get: (i) => data[i]!,
  set: (i, v) => void (data[i] = v),
})
const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]))

/** Runs `check`, answering each loss call with `loss()` (which sees the storage as it is during the call). */
const run = <T>(check: Check<T>, loss: () => unknown): T =>
  drive(check, (c) => {
    if (c !== 'loss') throw new Error(`unexpected call ${JSON.stringify(c)}`)
    return loss()
  }) as T
const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('Perturbation: a snapshot of every tensor, taken once, that every restore writes back', () => {
  const setup = () => {
    const a = Float64Array.from([0.1, -0, 1e-300, 3])
    const b = Float32Array.from([1.5, -2.25])
    const at = new Perturbation([blockOf('w', a, [2, 2]), blockOf('b', b)])
    return { a, b, at }
  }

  it('keeps the values each coordinate had when it was made, whatever is written later', () => {
    const { a, at } = setup()
    a[1] = 7
    expect(at.original(0, 0)).toBe(0.1)
    expect(Object.is(at.original(0, 1), -0)).toBe(true)
    expect(at.original(1, 1)).toBe(-2.25)
    expect(Array.from(at.originalsOf(0))).toEqual([0.1, -0, 1e-300, 3])
    expect(at.originalsOf(1)).toBeInstanceOf(Float64Array)
    expect(Array.from(at.originalsOf(1))).toEqual([1.5, -2.25])
  })

  it('hands out one scratch buffer per tensor, of its size, the same buffer on every ask (no allocation per call)', () => {
    const { at } = setup()
    const s0 = at.scratch(0)
    expect(s0).toBeInstanceOf(Float64Array)
    expect(s0.length).toBe(4)
    expect(at.scratch(0)).toBe(s0)
    expect(at.scratch(1).length).toBe(2)
    expect(at.scratch(1)).not.toBe(s0)
  })

  it('set returns what the storage holds: a Float32Array rounds, a Float64Array keeps the value', () => {
    const { a, b, at } = setup()
    expect(at.set(1, 0, 0.1)).toBe(Math.fround(0.1))
    expect(b[0]).toBe(Math.fround(0.1))
    expect(at.set(0, 2, 0.1)).toBe(0.1)
    expect(a[2]).toBe(0.1)
  })

  it('restore writes back one coordinate from the snapshot (bit for bit, -0 included) and forgets where it was', () => {
    const { a, at } = setup()
    at.set(0, 1, 0.5)
    at.set(0, 2, 0.5)
    at.where = () => 'w[0,1] = 0.5'
    at.restore(0, 1)
    expect(Object.is(a[1], -0)).toBe(true)
    expect(a[2]).toBe(0.5)
    expect(at.where).toBeUndefined()
  })

  it('restoreAll writes back every coordinate of every tensor and forgets where it was', () => {
    const { a, b, at } = setup()
    a.fill(9)
    b.fill(9)
    at.where = () => 'somewhere'
    at.restoreAll()
    expect(same(a, [0.1, -0, 1e-300, 3])).toBe(true)
    expect(same(b, [1.5, -2.25])).toBe(true)
    expect(at.where).toBeUndefined()
  })

  it('changed finds nothing when every coordinate holds its original', () => {
    const { at } = setup()
    expect(at.changed()).toBeUndefined()
    expect(() => at.assertUnchanged('loss')).not.toThrow()
  })

  it('changed names the first coordinate that differs, tensor by tensor and in order, with its path and both values', () => {
    const { a, b, at } = setup()
    b[1] = 4
    expect(at.changed()).toEqual({ path: 'b[1]', was: -2.25, now: 4 })
    a[3] = 5
    a[2] = 6
    // The first tensor first, and within it the first index: `w` is 2×2, so flat index 2 is w[1,0].
    expect(at.changed()).toEqual({ path: 'w[1,0]', was: 1e-300, now: 6 })
  })

  it('changed compares with Object.is: 0 written over -0 is a change, NaN over NaN is not', () => {
    const a = Float64Array.from([-0, Number.NaN])
    const at = new Perturbation([blockOf('v', a)])
    expect(at.changed()).toBeUndefined()
    a[0] = 0
    expect(at.changed()).toEqual({ path: 'v[0]', was: -0, now: 0 })
    expect(Object.is(at.changed()!.was, -0)).toBe(true)
  })

  it('changed and assertUnchanged compare with `expected` when given (what the engine wrote), not the originals', () => {
    const { a, at } = setup()
    a[0] = 2
    const expected = (k: number, i: number): number => (k === 0 && i === 0 ? 2 : at.original(k, i))
    expect(at.changed(expected)).toBeUndefined()
    expect(() => at.assertUnchanged('grad', expected)).not.toThrow()
    expect(at.changed(() => 0)).toEqual({ path: 'w[0,0]', was: 0, now: 2 })
  })

  it('assertUnchanged throws the ParameterError of `mutated`, naming who wrote, the path and both values', () => {
    const { a, at } = setup()
    a[3] = 8
    const byLoss = thrown(() => at.assertUnchanged('loss'))
    expect(byLoss).toBeInstanceOf(ParameterError)
    expect((byLoss as Error).message).toBe(mutated('loss', 'w[1,1]', 3, 8).message)
    expect((thrown(() => at.assertUnchanged('grad')) as Error).message).toBe(mutated('grad', 'w[1,1]', 3, 8).message)
  })
})

describe('mutated: the error for a loss or gradient function that wrote to `at`', () => {
  it('names the loss, the path, what the coordinate held and holds, and the fix for a loss', () => {
    const e = mutated('loss', 'w[3]', 1.5, 2)
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toBe(
      'Expected the loss to leave `at` as it is, but it changed `w[3]` from 1.5 to 2. ' +
        'A loss must not write to its parameters (an optimizer step or an in-place normalisation inside it?): move the update out of the loss.',
    )
  })

  it('names the gradient function, with the fix for a backward pass', () => {
    const e = mutated('grad', 'b', -1, 0)
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toBe(
      'Expected the gradient function to leave `at` as it is, but it changed `b` from -1 to 0. ' +
        'A backward pass must not write to the parameters (an optimizer step, or `+=` on a weight instead of its gradient?): return the gradient and leave `at` alone.',
    )
  })
})

describe('lossValue: one loss call, a number or a usage error naming where', () => {
  it('yields one loss call and returns the number it gets back, NaN and ±∞ included (those are judged, not usage errors)', () => {
    const calls: Call[] = []
    for (const v of [2.5, Number.NaN, -Infinity]) {
      const got = drive(lossValue(() => 'nowhere'), (c) => (calls.push(c), v))
      expect(Object.is(got, v)).toBe(true)
    }
    expect(calls).toEqual(['loss', 'loss', 'loss'])
  })

  it.each([
    ['a string', '1', '`"1"` (string)'],
    ['undefined', undefined, '`undefined` (undefined)'],
    ['an array', [1], 'an array of length 1'],
    ['a bigint', 1n, '`1` (bigint)'],
  ])('rejects %s with a LossValueError saying what it got and where', (_, v, described) => {
    const e = thrown(() => run(lossValue(() => 'at `w[2]` = 0.5'), () => v))
    expect(e).toBeInstanceOf(LossValueError)
    expect((e as Error).message).toBe(
      `Expected the loss to return a number (or a promise of one), got ${described} at \`w[2]\` = 0.5. ` +
        'Return the scalar loss, e.g. `mean` of the batch, not a tensor or an object.',
    )
  })

  it('asks where only when it has an error to name it in', () => {
    let asked = 0
    run(lossValue(() => `${++asked}`), () => 1)
    expect(asked).toBe(0)
  })
})

describe('lossAt: the loss with one coordinate set, restored whatever happens', () => {
  const setup = (data: Float64Array | Float32Array = Float64Array.from([1, 2, 3, 4])) => {
    const at = new Perturbation([blockOf('w', data, [2, 2])])
    return { data, at }
  }

  it('a coordinate that does not hold its original when it is to be moved was written by the loss on an earlier call: named, no call made', () => {
    // Was: overwritten by the move and then restored, so one write to another coordinate than the one moved went unseen.
    const { data, at } = setup()
    data[2] = -0
    let calls = 0
    expect(() => run(lossAt(at, 0, 2, 3.5), () => (calls++, 0))).toThrow(/Expected the loss to leave `at` as it is, but it changed `w\[1,0\]` from 3 to 0\./)
    expect(calls).toBe(0)
    expect(Object.is(data[2], 3)).toBe(true)
    // −0 where +0 was is a change too (Object.is), and a coordinate that holds its original is moved as before.
    const z = setup(Float64Array.from([0, 2, 3, 4]))
    z.data[0] = -0
    expect(() => z.at.set(0, 0, 1)).toThrow(ParameterError)
    expect(z.at.set(0, 1, 2.5)).toBe(2.5)
  })

  it('the JVP is named as such (checkJacobian), with the fix for a backward pass', () => {
    expect(mutated('jvp', 'x[0]', 1, 2).message).toMatch(/^Expected the JVP to leave `at` as it is, but it changed `x\[0\]` from 1 to 2\. A backward pass must not write/)
  })

  it('writes the value to that coordinate only, for the call, and returns where the storage put it and f there', () => {
    const { data, at } = setup()
    let seen: number[] = []
    let where: string | undefined
    const r = run(lossAt(at, 0, 1, 2.5), () => {
      seen = Array.from(data)
      where = at.where?.()
      return 42
    })
    expect(seen).toEqual([1, 2.5, 3, 4])
    expect(where).toBe('w[0,1] = 2.5')
    expect(r).toEqual({ x: 2.5, f: 42 })
    expect(Array.from(data)).toEqual([1, 2, 3, 4])
    expect(at.where).toBeUndefined()
  })

  it('returns the rounded value a Float32Array stores, and names it in `where`', () => {
    const { data, at } = setup(Float32Array.from([1, 2, 3, 4]))
    let where: string | undefined
    const r = run(lossAt(at, 0, 2, 0.1), () => ((where = at.where?.()), data[2]!))
    expect(r.x).toBe(Math.fround(0.1))
    expect(r.f).toBe(Math.fround(0.1))
    expect(where).toBe(`w[1,0] = ${Math.fround(0.1)}`)
    expect(data[2]).toBe(3)
  })

  it('restores the coordinate when the loss throws, and lets the error through', () => {
    const { data, at } = setup()
    expect(() => run(lossAt(at, 0, 3, 9), () => { throw new Error('boom') })).toThrow('boom')
    expect(Array.from(data)).toEqual([1, 2, 3, 4])
    expect(at.where).toBeUndefined()
  })

  it('names the coordinate and its value when the loss returns a non-number, and restores it', () => {
    const { data, at } = setup()
    const e = thrown(() => run(lossAt(at, 0, 3, 9), () => 'x'))
    expect(e).toBeInstanceOf(LossValueError)
    expect((e as Error).message).toContain('got `"x"` (string) at w[1,1] = 9. ')
    expect(data[3]).toBe(4)
  })

  it('is a ParameterError when the loss writes to the very coordinate it was called at, and still restores it', () => {
    const { data, at } = setup()
    const e = thrown(() => run(lossAt(at, 0, 1, 2.5), () => ((data[1] = 7), 0)))
    expect(e).toBeInstanceOf(ParameterError)
    expect((e as Error).message).toBe(mutated('loss', 'w[0,1]', 2.5, 7).message)
    expect(data[1]).toBe(2)
  })

  it('sees a 0 written over -0 as a write (Object.is), and a NaN stored and left as it was as none', () => {
    const { data, at } = setup()
    expect(() => run(lossAt(at, 0, 0, -0), () => ((data[0] = 0), 1))).toThrow(ParameterError)
    expect(data[0]).toBe(1)
    expect(run(lossAt(at, 0, 0, Number.NaN), () => 1).x).toBeNaN()
    expect(data[0]).toBe(1)
  })
})

describe('lossMoved: the loss with every coordinate moved by t·move from its original, restored whatever happens', () => {
  const setup = () => {
    const a = Float64Array.from([1, 2, 3])
    const b = Float32Array.from([0.5, -0.5])
    const at = new Perturbation([blockOf('a', a), blockOf('b', b)])
    const moves = [Float64Array.from([1, 0, -2]), Float64Array.from([0.1, 0.3])]
    return { a, b, at, moves }
  }

  it('moves every tensor for the call, names the move in `where`, returns f and puts everything back', () => {
    const { a, b, at, moves } = setup()
    let seen: number[][] = []
    let where: string | undefined
    const f = run(lossMoved(at, moves, 0.5, 'near `at` (probe)'), () => {
      seen = [Array.from(a), Array.from(b)]
      where = at.where?.()
      return 3.25
    })
    expect(f).toBe(3.25)
    expect(seen).toEqual([[1.5, 2, 2], [Math.fround(0.5 + 0.05), Math.fround(-0.5 + 0.15)]])
    expect(where).toBe('near `at` (probe)')
    expect(same(a, [1, 2, 3])).toBe(true)
    expect(same(b, [0.5, -0.5])).toBe(true)
    expect(at.where).toBeUndefined()
  })

  it('does not take a Float32Array\'s rounding of the move for a write by the loss', () => {
    const { at, moves } = setup()
    expect(run(lossMoved(at, moves, 1e-3, 'here'), () => 1)).toBe(1)
  })

  it('is a ParameterError naming the first coordinate the loss overwrote, with what was written there, and restores all', () => {
    const { a, b, at, moves } = setup()
    const e = thrown(() => run(lossMoved(at, moves, 1, 'here'), () => ((b[1] = 5), (a[2] = 6), 0)))
    expect(e).toBeInstanceOf(ParameterError)
    // a (the first tensor) first; a[2] held 3 + 1·(−2) = 1 while the loss ran.
    expect((e as Error).message).toBe(mutated('loss', 'a[2]', 1, 6).message)
    expect(same(a, [1, 2, 3])).toBe(true)
    expect(same(b, [0.5, -0.5])).toBe(true)
    expect(at.where).toBeUndefined()
  })

  it('names the first overwritten coordinate within a tensor, not a later one', () => {
    const { a, b, at, moves } = setup()
    const e = thrown(() => run(lossMoved(at, moves, 1, 'here'), () => ((b[1] = 5), (b[0] = 4), 0)))
    expect((e as Error).message).toBe(mutated('loss', 'b[0]', Math.fround(0.6), 4).message)
    expect(same(a, [1, 2, 3])).toBe(true)
    expect(same(b, [0.5, -0.5])).toBe(true)
  })

  it('restores every tensor when the loss throws or returns a non-number', () => {
    const { a, b, at, moves } = setup()
    expect(() => run(lossMoved(at, moves, 1, 'here'), () => { throw new Error('boom') })).toThrow('boom')
    expect(same(a, [1, 2, 3]) && same(b, [0.5, -0.5])).toBe(true)
    expect(at.where).toBeUndefined()
    const e = thrown(() => run(lossMoved(at, moves, 1, 'near `at` (noise probe)'), () => null))
    expect((e as Error).message).toContain('got `null` near `at` (noise probe). ')
    expect(same(a, [1, 2, 3]) && same(b, [0.5, -0.5])).toBe(true)
    expect(at.where).toBeUndefined()
  })

  it('a loss that changed `at` during an earlier call is named before anything is written, and `at` comes back from the snapshot', () => {
    // Was: silently undone by this call's restore, so a loss writing once to `at` could pass.
    const { a, at, moves } = setup()
    a[1] = 99
    let calls = 0
    expect(() => run(lossMoved(at, moves, 0.25, 'here'), () => (calls++, 0))).toThrow(/Expected the loss to leave `at` as it is, but it changed `a\[1\]` from 2 to 99\./)
    expect(calls).toBe(0)
    expect(a[1]).toBe(2)
  })
})

describe('lossAlong: the loss with some coordinates moved by s·v, the step actually taken along v, restored whatever happens', () => {
  it('moves only the listed coordinates, returns t = s on float64 storage and f exactly (no correction), and restores them', () => {
    const data = Float64Array.from([1, 2, 3, 4])
    const at = new Perturbation([blockOf('w', data)])
    const v = Float64Array.from([0.6, -0.8])
    const g = Float64Array.from([5, 7, 11, 13])
    let seen: number[] = []
    let where: string | undefined
    const r = run(lossAlong(at, 0, Int32Array.from([1, 3]), v, 0.1, g, 'along v (t = 0.1)'), () => {
      seen = Array.from(data)
      where = at.where?.()
      return 0.3
    })
    expect(seen).toEqual([1, 2 + 0.1 * 0.6, 3, 4 - 0.1 * 0.8])
    expect(where).toBe('along v (t = 0.1)')
    // t is the projection of the stored move on v: s up to the rounding of x0 + s·v.
    const t = (((2 + 0.1 * 0.6) - 2) * 0.6 + ((4 - 0.1 * 0.8) - 4) * -0.8) / (0.36 + 0.64)
    expect(r.x).toBe(t)
    expect(r.x).toBeCloseTo(0.1, 14)
    expect(r.f).toBe(0.3)
    expect(same(data, [1, 2, 3, 4])).toBe(true)
    expect(at.where).toBeUndefined()
    expect(at.nonFiniteAlong).toBe(0)
  })

  it('makes no first-order correction on float64 storage, even where x0 + s·v rounds off v by an ulp', () => {
    const x0 = [1e8 + 0.3, 7.7]
    const data = Float64Array.from(x0)
    const at = new Perturbation([blockOf('w', data)])
    const v = Float64Array.from([0.6, -0.8])
    const g = Float64Array.from([1e6, -1e6])
    const s = 1e-3
    const stored = [x0[0]! + s * 0.6, x0[1]! - s * 0.8]
    const t = (stored[0]! - x0[0]!) * 0.6 + (stored[1]! - x0[1]!) * -0.8
    // What a float32-style correction would subtract here: not 0, so returning f unchanged is a choice.
    expect(1e6 * (stored[0]! - x0[0]! - t * 0.6) - 1e6 * (stored[1]! - x0[1]! + t * 0.8)).not.toBe(0)
    const r = run(lossAlong(at, 0, Int32Array.from([0, 1]), v, s, g, 'w'), () => 0)
    expect(r.x).toBe(t)
    expect(Object.is(r.f, 0)).toBe(true)
  })

  it('restores a nested number[] tensor when the loss throws, and the loss\'s error is the one that propagates', () => {
    const rows = [[1, 2], [3, 4]]
    const at = new Perturbation(flatten(rows, '`at`', true).blocks)
    const along = lossAlong(at, 0, Int32Array.from([3, 1]), Float64Array.from([1, 1]), 0.5, new Float64Array(4), 'w')
    expect(() => run(along, () => { throw new Error('boom') })).toThrow(/^boom$/)
    expect(rows).toEqual([[1, 2], [3, 4]])
    const moved = lossMoved(at, [Float64Array.from([1, 1, 1, 1])], 0.5, 'w')
    expect(() => run(moved, () => { throw new Error('boom') })).toThrow(/^boom$/)
    expect(rows).toEqual([[1, 2], [3, 4]])
  })

  it('divides by |v|², so an unnormalised v gives the step in units of v', () => {
    const data = Float64Array.from([0, 0])
    const at = new Perturbation([blockOf('w', data)])
    const r = run(lossAlong(at, 0, Int32Array.from([0, 1]), Float64Array.from([2, 0]), 0.5, new Float64Array(2), 'w'), () => 1)
    expect(r.x).toBe(0.5)
  })

  it('on float32 storage, corrects f to first order for the part of the rounded move off v: f − g·(Δ − t·v)', () => {
    const data = Float32Array.from([0.3, 1.7, -2.9])
    const x0 = Array.from(data)
    const at = new Perturbation([blockOf('w', data)])
    const idx = Int32Array.from([0, 2])
    const v = Float64Array.from([0.8, 0.6])
    const g = Float64Array.from([3, 100, -5])
    const s = 1e-3
    const stored = [Math.fround(x0[0]! + s * 0.8), Math.fround(x0[2]! + s * 0.6)]
    const t = ((stored[0]! - x0[0]!) * 0.8 + (stored[1]! - x0[2]!) * 0.6) / 1
    const off = 3 * (stored[0]! - x0[0]! - t * 0.8) + -5 * (stored[1]! - x0[2]! - t * 0.6)
    expect(off).not.toBe(0)
    const r = run(lossAlong(at, 0, idx, v, s, g, 'w'), () => 10)
    expect(r.x).toBe(t)
    expect(r.f).toBe(10 - off)
    expect(same(data, x0)).toBe(true)
  })

  it('counts a NaN or ±∞ loss along a direction (a direction has no entry to carry it), and only those', () => {
    const at = new Perturbation([blockOf('w', Float64Array.from([1, 2]))])
    const call = (f: number) => run(lossAlong(at, 0, Int32Array.from([0]), Float64Array.from([1]), 0.1, new Float64Array(2), 'w'), () => f)
    call(1)
    expect(at.nonFiniteAlong).toBe(0)
    expect(call(Number.NaN).f).toBeNaN()
    call(Infinity)
    call(-Infinity)
    call(-1e308)
    expect(at.nonFiniteAlong).toBe(3)
  })

  it('is a ParameterError naming the first moved coordinate the loss overwrote (its path, not its position in the list), and restores', () => {
    const data = Float64Array.from([1, 2, 3, 4])
    const at = new Perturbation([blockOf('w', data, [2, 2])])
    const e = thrown(() => run(lossAlong(at, 0, Int32Array.from([1, 3]), Float64Array.from([1, 1]), 0.5, new Float64Array(4), 'w'), () => ((data[3] = 0), 0)))
    expect(e).toBeInstanceOf(ParameterError)
    expect((e as Error).message).toBe(mutated('loss', 'w[1,1]', 4.5, 0).message)
    expect(same(data, [1, 2, 3, 4])).toBe(true)
    expect(at.where).toBeUndefined()
  })

  it('restores the moved coordinates when the loss throws or returns a non-number, and forgets where it was', () => {
    const data = Float32Array.from([1, 2, 3])
    const at = new Perturbation([blockOf('w', data)])
    const call = (loss: () => unknown) => thrown(() => run(lossAlong(at, 0, Int32Array.from([2, 0]), Float64Array.from([1, -1]), 0.25, new Float64Array(3), 'along w'), loss))
    expect((call(() => { throw new Error('boom') }) as Error).message).toBe('boom')
    expect(same(data, [1, 2, 3])).toBe(true)
    expect(at.where).toBeUndefined()
    expect((call(() => ({})) as Error).message).toContain('got an object along w. ')
    expect(same(data, [1, 2, 3])).toBe(true)
    expect(at.where).toBeUndefined()
  })
})

describe('isThenable: what drive awaits', () => {
  it('is true for promises and for objects or functions with a `then` method', () => {
    expect(isThenable(Promise.resolve(1))).toBe(true)
    expect(isThenable({ then: () => undefined })).toBe(true)
    expect(isThenable(Object.assign(() => 0, { then: () => undefined }))).toBe(true)
  })

  it('is false for plain values, null, and a `then` that is not a function', () => {
    for (const v of [null, undefined, 1, 'then', {}, () => 0, { then: 1 }, [1]]) expect(isThenable(v)).toBe(false)
  })
})

describe('drive: the check as a generator, synchronous until the first promise', () => {
  /** A check that makes `n` loss calls and returns the values it got, catching the errors it is told to. */
  function* check(n: number, log: string[], catchErrors = false): Check<unknown[]> {
    const got: unknown[] = []
    try {
      for (let j = 0; j < n; j++) {
        try {
          got.push(yield 'loss')
        } catch (error) {
          if (!catchErrors) throw error
          got.push(`caught ${(error as Error).message}`)
        }
      }
      return got
    } finally {
      log.push('finally')
    }
  }

  it('runs a check of plain values synchronously, sending each value back into the generator', () => {
    const log: string[] = []
    let n = 0
    const r = drive(check(3, log), () => ++n * 10)
    expect(r).toEqual([10, 20, 30])
    expect(log).toEqual(['finally'])
  })

  it('passes each call the generator yields, in order, and returns a check that yields nothing at once', () => {
    const seen: Call[] = []
    function* calls(): Check<string> {
      yield 'grad'
      yield 'io'
      yield 'loss'
      return 'done'
    }
    expect(drive(calls(), (c) => void seen.push(c))).toBe('done')
    expect(seen).toEqual(['grad', 'io', 'loss'])
    expect(drive((function* (): Check<number> { return 7 })(), () => { throw new Error('no call') })).toBe(7)
  })

  it('throws a call\'s error into the generator: its finally runs before the error propagates', () => {
    const log: string[] = []
    let n = 0
    const e = thrown(() => drive(check(5, log), () => { if (++n === 2) throw new Error('boom'); return n }))
    expect((e as Error).message).toBe('boom')
    expect(log).toEqual(['finally'])
    expect(n).toBe(2)
  })

  it('lets the generator catch a call\'s error and go on', () => {
    let n = 0
    const r = drive(check(3, [], true), () => { if (++n === 2) throw new Error('boom'); return n })
    expect(r).toEqual([1, 'caught boom', 3])
  })

  it('switches to a promise at the first thenable, and awaits it and every later call (plain or not)', async () => {
    const log: string[] = []
    let n = 0
    const r = drive(check(4, log), () => (++n === 2 || n === 4 ? Promise.resolve(n * 10) : n))
    expect(isThenable(r)).toBe(true)
    expect(log).toEqual([])
    expect(await r).toEqual([1, 20, 3, 40])
    expect(log).toEqual(['finally'])
  })

  it('throws a rejection into the generator, the first pending one or a later one, and rejects with it', async () => {
    for (const at of [1, 3]) {
      const log: string[] = []
      let n = 0
      const r = drive(check(5, log), () => (++n === at ? Promise.reject(new Error(`rejected ${n}`)) : Promise.resolve(n)))
      await expect(r).rejects.toThrow(`rejected ${at}`)
      expect(log).toEqual(['finally'])
      expect(n).toBe(at)
    }
  })

  it('lets the generator catch a rejection, or a synchronous throw once async, and go on', async () => {
    let n = 0
    const r = drive(check(5, [], true), () => {
      n++
      if (n === 1) return Promise.reject(new Error('first'))
      if (n === 3) return Promise.reject(new Error('third'))
      if (n === 4) throw new Error('fourth')
      return Promise.resolve(n)
    })
    expect(await r).toEqual(['caught first', 2, 'caught third', 'caught fourth', 5])
  })

  it('awaits a thenable that is not a promise', async () => {
    const r = drive(check(1, []), () => ({ then: (ok: (v: number) => void) => ok(5) }))
    expect(await r).toEqual([5])
  })
})

describe('checkGradients gives `at` back bit for bit whatever the loss does on call n', () => {
  // Values whose bits a restore by x + h − h would not give back (-0, a subnormal, a float32 rounding).
  const a0 = [0.1, -0, 5e-324, -3.7]
  const b0 = Array.from(Float32Array.from([1 / 3, -2.5]))
  const f = (a: Float64Array, b: Float32Array): number => a[0]! * a[0]! + Math.sin(a[1]!) + a[2]! * 3 + a[3]! ** 3 / 3 + b[0]! * b[1]!
  const df = (a: Float64Array, b: Float32Array) => ({ a: [2 * a[0]!, Math.cos(a[1]!), 3, a[3]! ** 2], b: [b[1]!, b[0]!] })
  type Fault = 'throws' | 'rejects' | 'nan' | 'non-number' | 'writes'
  const setup = (fault: Fault | undefined, on: number) => {
    const at = { a: Float64Array.from(a0), b: Float32Array.from(b0) }
    let n = 0
    const loss = (p: typeof at): number | Promise<number> => {
      n++
      // A loss that writes on every call from call n on (an optimizer step inside it): a single write that the
      // next perturbation overwrites is not caught (docs/guide/tensors.md), but this one always is.
      if (fault === 'writes' && n >= on) p.b[1] = 12
      const value = f(p.a, p.b)
      if (n !== on) return fault === 'rejects' ? Promise.resolve(value) : value
      if (fault === 'throws') throw new Error(`fault ${n}`)
      if (fault === 'rejects') return Promise.reject(new Error(`fault ${n}`))
      if (fault === 'nan') return Number.NaN
      if (fault === 'non-number') return 'oops' as never
      return value
    }
    const restored = (): boolean => same(at.a, a0) && same(at.b, b0)
    return { at, loss, restored, calls: () => n }
  }
  // The clean check runs inside the tests, never while the file is collected: a check run at collection
  // would make the engine's code "static" to Stryker, whose mutants then break the file's import and go uncounted.
  let baseline: { pass: boolean; restored: boolean; indices: number[] } | undefined
  const clean = () => {
    if (baseline !== undefined) return baseline
    const s = setup(undefined, 0)
    const report = checkGradients(s.loss as (p: typeof s.at) => number, () => df(s.at.a, s.at.b), { at: s.at })
    baseline = { pass: report.pass, restored: s.restored(), indices: Array.from({ length: s.calls() }, (_, j) => j + 1) }
    return baseline
  }

  it('passes untouched, over enough calls to cover the probe, the differences and the last call', () => {
    expect(clean().pass).toBe(true)
    expect(clean().indices.length).toBeGreaterThan(20)
    expect(clean().restored).toBe(true)
  })

  it('when the loss throws on any call: a CallError naming that call, `at` restored', () => {
    for (const k of clean().indices) {
      const s = setup('throws', k)
      const e = thrown(() => checkGradients(s.loss as (p: typeof s.at) => number, () => df(s.at.a, s.at.b), { at: s.at }))
      expect(e).toBeInstanceOf(CallError)
      expect((e as CallError).call).toBe(k)
      expect(s.restored()).toBe(true)
    }
  })

  it('when an async loss rejects on any call: the same CallError, `at` restored', async () => {
    for (const k of clean().indices) {
      const s = setup('rejects', k)
      const e = await (checkGradients(s.loss as (p: typeof s.at) => Promise<number>, () => df(s.at.a, s.at.b), { at: s.at }) as Promise<unknown>).then(() => undefined, (x: unknown) => x)
      expect(e).toBeInstanceOf(CallError)
      expect((e as CallError).call).toBe(k)
      expect(s.restored()).toBe(true)
    }
  })

  it('when the loss returns NaN on a call away from `at`, or a non-number on any call, or writes to `at` from any call on', () => {
    for (const k of clean().indices) {
      for (const fault of ['nan', 'non-number', 'writes'] as const) {
        const s = setup(fault, k)
        const result = (() => {
          try {
            return checkGradients(s.loss as (p: typeof s.at) => number, () => df(s.at.a, s.at.b), { at: s.at })
          } catch (error) {
            return error
          }
        })()
        if (fault === 'non-number') expect(result).toBeInstanceOf(LossValueError)
        if (fault === 'writes') expect(result).toBeInstanceOf(ParameterError)
        expect(s.restored()).toBe(true)
      }
    }
  })

  it('names what was perturbed when the loss threw: nothing at `at`, the coordinate and its value, or the probe', () => {
    const coordinates = clean().indices.map((k) => {
      const s = setup('throws', k)
      return (thrown(() => checkGradients(s.loss as (p: typeof s.at) => number, () => df(s.at.a, s.at.b), { at: s.at })) as CallError).coordinate
    })
    expect(coordinates[0]).toBeUndefined()
    expect(coordinates).toContain('near `at` (noise probe)')
    const one = coordinates.find((c) => c?.startsWith('a[0] = '))
    expect(one).toBeDefined()
    expect(Number(one!.slice('a[0] = '.length))).not.toBe(0.1)
    expect(Math.abs(Number(one!.slice('a[0] = '.length)) - 0.1)).toBeLessThan(0.1)
  })
})
