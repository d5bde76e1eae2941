import {
  GradcheckError,
  InvalidArgumentError,
  InvalidOptionError,
  LossValueError,
  NonFiniteError,
  ShapeMismatchError,
  checkGradients,
} from 'gradcheck'
import { describe, expect, it } from 'vitest'

const square = (w: Float64Array): number => w.reduce((s, v) => s + v * v, 0)
const dsquare = (w: Float64Array): Float64Array => w.map((v) => 2 * v)
const at = (): Float64Array => Float64Array.from([1, 2, 3])

describe('bad input gets a typed error that names the culprit and the fix', () => {
  it('a loss that is not a function', () => {
    expect(() => checkGradients(3 as never, dsquare, { at: at() })).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: Expected the loss to be a function, got \`3\` (number). Pass the function itself: \`expect(loss)\` or \`expect(() => net.loss(batch))\`, not its value \`expect(loss(params))\`.]`)
    expect(() => checkGradients(3 as never, dsquare, { at: at() })).toThrow(InvalidArgumentError)
  })

  it('missing options or a missing `at`', () => {
    expect(() => checkGradients(square, dsquare, undefined as never)).toThrowErrorMatchingInlineSnapshot(`[InvalidOptionError: Expected \`the options\` to be an object with at least \`at\`, got \`undefined\` (undefined). Pass \`{ at: params }\`: the point to check the gradient at.]`)
    expect(() => checkGradients(square, dsquare, {} as never)).toThrowErrorMatchingInlineSnapshot(`[InvalidOptionError: Expected \`at\` to be the parameters to check at, got \`undefined\` (undefined). Pass \`{ at: params }\`: the very arrays the loss reads.]`)
  })

  it('an empty `at`', () => {
    expect(() => checkGradients(square, dsquare, { at: new Float64Array(0) })).toThrowErrorMatchingInlineSnapshot(`[InvalidOptionError: Expected \`at\` to hold at least one number, got a Float64Array with none. Pass the parameters the loss depends on.]`)
    expect(() => checkGradients(() => 0, {}, { at: {} })).toThrow(InvalidOptionError)
  })

  it('NaN or Infinity in `at`, with its path', () => {
    expect(() => checkGradients(() => 0, { w: [0, 0] }, { at: { w: [1, Number.NaN] } })).toThrowErrorMatchingInlineSnapshot(`[NonFiniteError: Expected \`at\` to be finite, got \`NaN\` at \`w[1]\`. A gradient can only be checked at a finite point: fix the initialisation or the data.]`)
    expect(() => checkGradients(() => 0, 0, { at: Infinity })).toThrow(NonFiniteError)
  })

  it('NaN or Infinity in the analytic gradient, with its path', () => {
    const p = { layer: { weight: { data: Float64Array.from([1, 2, 3, 4]), shape: [2, 2] } } }
    const g = { layer: { weight: { data: Float64Array.from([1, 2, Infinity, 4]), shape: [2, 2] } } }
    expect(() => checkGradients(() => 0, g, { at: p })).toThrowErrorMatchingInlineSnapshot(`[NonFiniteError: Expected the analytic gradient to be finite, got \`Infinity\` at \`layer.weight[1,0]\`. Look for a division by 0, log of 0 or an overflow in the backward pass there.]`)
  })

  it('a loss that returns a non-number, or NaN at `at`', () => {
    expect(() => checkGradients(() => [1] as never, dsquare, { at: at() })).toThrowErrorMatchingInlineSnapshot(`[LossValueError: Expected the loss to return a number (or a promise of one), got an array of length 1 at \`at\`. Return the scalar loss, e.g. \`mean\` of the batch, not a tensor or an object.]`)
    expect(() => checkGradients(() => Number.NaN, dsquare, { at: at() })).toThrowErrorMatchingInlineSnapshot(`[NonFiniteError: Expected the loss at \`at\` to be finite, got \`NaN\`. A gradient cannot be checked where the loss is not finite: check \`at\` (e.g. log of 0, a division by 0) or move it.]`)
    expect(() => checkGradients(() => '1' as never, dsquare, { at: at() })).toThrow(LossValueError)
  })

  it('an async loss that resolves to a non-number rejects with a LossValueError', async () => {
    await expect(checkGradients(async () => ({ loss: 1 }) as never, dsquare, { at: at() })).rejects.toThrow(LossValueError)
  })

  it('shapes that differ', () => {
    expect(() => checkGradients(square, new Float64Array(2), { at: at() })).toThrowErrorMatchingInlineSnapshot(`[ShapeMismatchError: Expected the gradient of \`at\` to have shape [3] like \`at\`, got [2]. Each gradient tensor must have the shape of its parameter.]`)
    expect(() => checkGradients(() => 0, { w: [[0, 0, 0]] }, { at: { w: [[1, 2], [3, 4]] } })).toThrow(ShapeMismatchError)
  })

  it.each([
    [{ step: -1 }],
    [{ step: 'small' }],
    [{ rtol: Number.NaN }],
    [{ atol: -1e-3 }],
    [{ sample: 0 }],
    [{ method: 'five-point' }],
    [{ kinks: 'maybe' }],
    [{ mode: 'fast' }],
    [{ precision: 'float16' }],
    [{ worst: 1.5 }],
    [{ seed: 'abc' }],
    [{ beforeEvaluation: 'reset' }],
    [{ tolerance: 1e-3 }],
  ])('bad options: %o', (bad) => {
    expect(() => checkGradients(square, dsquare, { at: at(), ...(bad as object) })).toThrow(InvalidOptionError)
  })

  it('names the option, what it got, and the fix', () => {
    expect(() => checkGradients(square, dsquare, { at: at(), step: -1 })).toThrowErrorMatchingInlineSnapshot(`[InvalidOptionError: Expected \`step\` to be 'auto' or a positive finite number, got \`-1\` (number). Use 'auto' unless you need one fixed step.]`)
    expect(() => checkGradients(square, dsquare, { at: at(), method: 'five-point' as never })).toThrowErrorMatchingInlineSnapshot(`[InvalidOptionError: Expected \`method\` to be 'central', 'forward' or 'richardson', got \`"five-point"\` (string). See the options table in the README.]`)
    expect(() => checkGradients(square, dsquare, { at: at(), tolerance: 1e-3 } as never)).toThrowErrorMatchingInlineSnapshot(`[InvalidOptionError: Unknown option \`tolerance\`. Known options: \`at\`, \`step\`, \`method\`, \`rtol\`, \`atol\`, \`sample\`, \`mode\`, \`kinks\`, \`precision\`, \`worst\`, \`seed\`, \`beforeEvaluation\`, \`htmlReport\`, \`onProgress\`, \`progress\`.]`)
  })

  it('every error is a GradcheckError, and wrong usage throws instead of failing', () => {
    for (const bad of [() => checkGradients(1 as never, 0, { at: 1 }), () => checkGradients(square, dsquare, { at: at(), step: 0 })]) {
      expect(bad).toThrow(GradcheckError)
    }
  })
})

describe('the parameters are restored bit for bit whatever happens', () => {
  const values = [0.1, -0, 1e-300, 3.141592653589793, -2.5e10]
  const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
    a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]))

  it.each([
    ['throws on the 5th call', (n: number) => { if (n === 5) throw new Error('boom') }],
    ['throws on the 12th call', (n: number) => { if (n === 12) throw new Error('boom') }],
  ])('when the loss %s', (_, fault) => {
    const w = Float64Array.from(values)
    let calls = 0
    const loss = (x: Float64Array): number => {
      fault(++calls)
      return square(x)
    }
    expect(() => checkGradients(loss, dsquare, { at: w })).toThrow('boom')
    expect(same(w, values)).toBe(true)
  })

  it('when the loss returns NaN away from `at` (the coordinate is judged, not crashed)', () => {
    const w = Float64Array.from(values)
    const loss = (x: Float64Array): number => (x[0] === values[0] ? square(x) : Number.NaN)
    const report = checkGradients(loss, dsquare, { at: w })
    expect(report.entries[0]!.verdict).toBe('inconclusive')
    expect(same(w, values)).toBe(true)
  })

  it('when an async loss rejects', async () => {
    const w = Float32Array.from(values)
    const copy = Float32Array.from(w)
    let calls = 0
    const loss = async (x: Float32Array): Promise<number> => {
      if (++calls === 14) throw new Error('rejected')
      return x.reduce((s, v) => s + v * v, 0)
    }
    await expect(checkGradients(loss, (x: Float32Array) => x.map((v) => 2 * v), { at: w })).rejects.toThrow('rejected')
    expect(same(w, copy)).toBe(true)
  })

  it('when the gradient function throws', () => {
    const w = { a: [1, 2], b: { c: 3 } }
    expect(() => checkGradients(() => 0, () => { throw new Error('backward failed') }, { at: w })).toThrow('backward failed')
    expect(w).toEqual({ a: [1, 2], b: { c: 3 } })
  })
})
