// The argument checks and naming of src/modes/hessian.ts (the checks themselves: test/hessian.test.ts): what is
// wrong with grad, the Hessian or `at` is said before any call, the HVP's result is named as such, and a bare
// tensor `at` keeps its name in the rows and entries (a gradient mirrors `at`).
import { InvalidArgumentError, ShapeMismatchError, checkHessian } from 'gradcheck'
import { describe, expect, it } from 'vitest'

// ½ xᵀAx: grad Ax, Hessian A.
const A = [
  [2, 0.5],
  [0.5, 1],
]
const matVec = (M: number[][], v: ArrayLike<number>): Float64Array => Float64Array.from(M.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0)))
const grad = (x: Float64Array): Float64Array => matVec(A, x)
const hvp = (_x: Float64Array, v: unknown): Float64Array => matVec(A, v as Float64Array)
const at = (): Float64Array => Float64Array.from([0.3, -0.7])

describe('checkHessian: the arguments, checked before any call', () => {
  it('grad that is not a function: an InvalidArgumentError saying what it got and to pass the function itself', () => {
    let calls = 0
    const counting = { hvp: (x: Float64Array, v: unknown) => (calls++, hvp(x, v)) }
    for (const value of [3, grad(at()), undefined]) {
      expect(() => checkHessian(value as never, counting, { at: at() })).toThrow(InvalidArgumentError)
    }
    expect(() => checkHessian(3 as never, counting, { at: at() })).toThrow('Expected grad to be a function, got `3` (number). Pass the gradient function itself: `expect(grad)`, not its value.')
    expect(calls).toBe(0)
  })
  it('a Hessian that is null, or an object without an hvp function: an InvalidArgumentError, not a TypeError', () => {
    for (const hessian of [null, undefined, {}, { hvp: 1 }, 'H']) {
      expect(() => checkHessian(grad, hessian as never, { at: at() })).toThrow(InvalidArgumentError)
    }
    expect(() => checkHessian(grad, null as never, { at: at() })).toThrow(/^Expected the Hessian to be `\{ hvp \}` or an array \(one entry per coordinate of `at`, each mirroring `at`\), got `null`\.$/)
  })
  it('an `at` that is not a tree of numbers is named `at`', () => {
    expect(() => checkHessian(grad, { hvp }, { at: { w: 'x' } as never })).toThrow(ShapeMismatchError)
    expect(() => checkHessian(grad, { hvp }, { at: { w: 'x' } as never })).toThrow(/^Expected `at` `w` to be a number/)
  })
  it('an HVP whose result is not a tree of numbers is named as the result of the HVP', () => {
    expect(() => checkHessian(grad, { hvp: () => 'nope' }, { at: at() })).toThrow(ShapeMismatchError)
    expect(() => checkHessian(grad, { hvp: () => 'nope' }, { at: at() })).toThrow(/^Expected the result of the HVP to be a number/)
  })
  it('an HVP whose result has the wrong size says how many numbers `at` has and how many it got', () => {
    expect(() => checkHessian(grad, { hvp: () => Float64Array.of(1, 2, 3) }, { at: at() })).toThrow(/^Expected the result of the HVP to mirror `at` \(2 numbers\), got .* with 3\. Return H·v, shaped like `at`\.$/)
  })
})

describe('checkHessian: names', () => {
  it('a bare tensor `at`: rows and entries named at[i] (and at[i] / at[j]), the projection u·grad', () => {
    const viaHvp = checkHessian(grad, { hvp }, { at: at() })
    if (viaHvp instanceof Promise) throw new Error('expected a synchronous report')
    expect(viaHvp.pass).toBe(true)
    expect(viaHvp.of).toBe('Hessian')
    expect(viaHvp.rows.map((r) => r.output)).toEqual(['at[0]', 'at[1]', 'u·grad'])
    expect(viaHvp.entries.map((e) => e.path).slice(0, 4)).toEqual(['at[0] / at[0]', 'at[0] / at[1]', 'at[1] / at[0]', 'at[1] / at[1]'])
    const wrong = checkHessian(grad, [Float64Array.from([2, 0.5]), Float64Array.from([0.5, 1.5])], { at: at() })
    if (wrong instanceof Promise) throw new Error('expected a synchronous report')
    expect(wrong.pass).toBe(false)
    expect(wrong.rows.filter((r) => !r.report.pass).map((r) => r.output)).toEqual(['at[1]', 'u·grad'])
  })
})
