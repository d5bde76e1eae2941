import { describe, expect, it } from '@jest/globals'

const loss = (p: { W: number[][]; b: number[] }): number => p.W.flat().reduce((s, v) => s + Math.sin(v), 0) + p.b.reduce((s, v) => s + v * v, 0)
const grads = (p: { W: number[][]; b: number[] }, scale = 1) => ({ W: p.W.map((row) => row.map((v) => scale * Math.cos(v))), b: p.b.map((v) => 2 * v) })
const params = () => ({ W: [[0.3, -0.8], [1.2, 0.1]], b: [0.5, -1.5] })

describe('expect.numericalGradientOf (asymmetric, in Jest)', () => {
  it('equals a correct gradient inside toEqual and toMatchObject, and not one off by ×2', () => {
    const at = params()
    expect({ step: 3, grads: grads(at) }).toEqual({ step: 3, grads: expect.numericalGradientOf(loss, { at }) })
    expect({ grads: grads(at) }).toMatchObject({ grads: expect.numericalGradientOf(loss, { at }) })
    expect({ grads: grads(at, 2) }).not.toEqual({ grads: expect.numericalGradientOf(loss, { at }) })
    expect(() => expect({ grads: grads(at, 2) }).toEqual({ grads: expect.numericalGradientOf(loss, { at }) })).toThrow(/numericalGradientOf/)
    expect(at).toEqual(params())
  })

  it('explains that an async loss cannot be checked by an asymmetric matcher', () => {
    const at = params()
    const asyncLoss = async (p: ReturnType<typeof params>): Promise<number> => loss(p)
    expect(() => expect(grads(at)).toEqual(expect.numericalGradientOf(asyncLoss, { at }))).toThrow(/synchronous loss/)
  })
})
