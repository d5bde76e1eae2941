import 'gradcheck/vitest'
import { describe, expect, expectTypeOf, it } from 'vitest'

const loss = (p: { W: number[][]; b: number[] }): number => p.W.flat().reduce((s, v) => s + Math.sin(v), 0) + p.b.reduce((s, v) => s + v * v, 0)
const dW = (p: { W: number[][] }): number[][] => p.W.map((row) => row.map(Math.cos))
const db = (p: { b: number[] }): number[] => p.b.map((v) => 2 * v)
const params = () => ({ W: [[0.3, -0.8], [1.2, 0.1]], b: [0.5, -1.5] })

describe('expect.numericalGradientOf (asymmetric, in Vitest)', () => {
  it('equals a correct gradient inside toEqual and toMatchObject', () => {
    const at = params()
    const grads = { W: dW(at), b: db(at) }
    expect({ step: 3, grads }).toEqual({ step: 3, grads: expect.numericalGradientOf(loss, { at }) })
    expect({ step: 3, grads }).toMatchObject({ grads: expect.numericalGradientOf(loss, { at }) })
    expect(at).toEqual(params())
  })

  it('does not equal a gradient off by ×2 (the negative control), nor one of the wrong shape', () => {
    const at = params()
    const wrong = { W: dW(at).map((r) => r.map((g) => 2 * g)), b: db(at) }
    expect(() => expect({ grads: wrong }).toEqual({ grads: expect.numericalGradientOf(loss, { at }) })).toThrow(/numericalGradientOf/)
    expect({ grads: wrong }).not.toEqual({ grads: expect.numericalGradientOf(loss, { at }) })
    expect(() => expect({ grads: { W: dW(at) } }).toEqual({ grads: expect.numericalGradientOf(loss, { at }) })).toThrow(/Expected the gradient to have `b`/)
  })

  it('explains that an async loss cannot be checked by an asymmetric matcher', () => {
    const at = params()
    const asyncLoss = async (p: ReturnType<typeof params>): Promise<number> => loss(p)
    expect(() => expect({ W: dW(at), b: db(at) }).toEqual(expect.numericalGradientOf(asyncLoss, { at }))).toThrow(/synchronous loss.*await expect\(loss\)\.toHaveGradientsMatching/)
  })

  it('is typed on expect', () => {
    expectTypeOf(expect.numericalGradientOf).toBeFunction()
    // @ts-expect-error: `at` is required
    void (() => expect.numericalGradientOf(loss, {}))
  })
})
