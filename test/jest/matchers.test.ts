import { describe, expect, it } from '@jest/globals'
import { checkGradients } from 'gradcheck'

const loss = (w: Float64Array): number => w.reduce((s, v) => s + v * v * v, 0)
const grad = (w: Float64Array): Float64Array => w.map((v) => 3 * v * v)

describe('toHaveGradientsMatching in Jest', () => {
  it('passes for a correct gradient', () => {
    expect(loss).toHaveGradientsMatching(grad, { at: Float64Array.from([0.5, -1, 2]) })
  })

  it('fails for a gradient off by ×2, with the report as its message', () => {
    const wrong = (w: Float64Array): Float64Array => w.map((v) => 6 * v * v)
    expect(() => expect(loss).toHaveGradientsMatching(wrong, { at: Float64Array.from([0.5, -1, 2]) })).toThrow(
      /3 of 3 checked weights disagree[\s\S]*Hint: at: analytic = ×2 numeric/,
    )
  })

  it('supports .not', () => {
    const wrong = (w: Float64Array): Float64Array => w.map((v) => -3 * v * v)
    expect(loss).not.toHaveGradientsMatching(wrong, { at: Float64Array.from([0.5, -1, 2]) })
    expect(() => expect(loss).not.toHaveGradientsMatching(grad, { at: Float64Array.from([0.5, -1, 2]) })).toThrow(
      /Expected the gradients not to match, but they do/,
    )
  })

  it('returns a promise for an async loss', async () => {
    const asyncLoss = async (w: Float64Array): Promise<number> => loss(w)
    await expect(asyncLoss).toHaveGradientsMatching(grad, { at: Float64Array.from([0.5, -1, 2]) })
    await expect(expect(asyncLoss).toHaveGradientsMatching((w: Float64Array) => w.map(() => 0), { at: Float64Array.from([0.5, -1, 2]) })).rejects.toThrow(
      /analytic gradient is 0 where the numeric one is not/,
    )
  })

  it('exposes the engine through the package entry', () => {
    expect(checkGradients(loss, grad, { at: Float64Array.from([1, 2]) }).pass).toBe(true)
  })
})
