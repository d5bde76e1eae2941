import 'gradcheck/vitest'
import { describe, expect, it } from 'vitest'

const loss = (w: Float64Array): number => w.reduce((s, v) => s + v * v * v, 0)
const grad = (w: Float64Array): Float64Array => w.map((v) => 3 * v * v)
const at = (): Float64Array => Float64Array.from([0.5, -1, 2])

describe('toHaveGradientsMatching in Vitest', () => {
  it('passes for a correct gradient', () => {
    expect(loss).toHaveGradientsMatching(grad, { at: at() })
  })

  it('fails for a gradient off by ×2', () => {
    expect(() => expect(loss).toHaveGradientsMatching((w: Float64Array) => w.map((v) => 6 * v * v), { at: at() })).toThrow(/3 of 3 checked weights disagree/)
  })

  it('supports .not', () => {
    expect(loss).not.toHaveGradientsMatching((w: Float64Array) => w.map((v) => -3 * v * v), { at: at() })
    expect(() => expect(loss).not.toHaveGradientsMatching(grad, { at: at() })).toThrow(/Expected the gradients not to match/)
  })

  it('returns a promise for an async loss', async () => {
    await expect(async (w: Float64Array) => loss(w)).toHaveGradientsMatching(grad, { at: at() })
  })
})
