import { describe, expect, it } from '@jest/globals'

// L(w) = w₀²w₁ + sin w₂: grad (2w₀w₁, w₀², cos w₂); H·v, and one missing the cross term 2w₀·v₁ in its first row.
const grad = (w: Float64Array): Float64Array => Float64Array.from([2 * w[0]! * w[1]!, w[0]! * w[0]!, Math.cos(w[2]!)])
const hvp = (missing: boolean) => (w: Float64Array, v: unknown): Float64Array => {
  const u = v as Float64Array
  return Float64Array.from([2 * w[1]! * u[0]! + (missing ? 0 : 2 * w[0]! * u[1]!), 2 * w[0]! * u[0]!, -Math.sin(w[2]!) * u[2]!])
}
const at = (): Float64Array => Float64Array.from([0.8, -0.6, 1.1])

describe('toHaveHessianMatching in Jest', () => {
  it('passes for a correct HVP', () => {
    expect(grad).toHaveHessianMatching({ hvp: hvp(false) }, { at: at() })
  })

  it('fails for an HVP missing a term, naming the entry', () => {
    // Row i is hvp(x, eᵢ): the term dropped from coordinate 0 of H·v for v = e₁ is entry at[1] / at[0] (= H₀₁).
    expect(() => expect(grad).toHaveHessianMatching({ hvp: hvp(true) }, { at: at() })).toThrow(/checks of the Hessian disagree \(at\[1\], u·grad\)[\s\S]*at\[1\] \/ at\[0\]/)
    expect(grad).not.toHaveHessianMatching({ hvp: hvp(true) }, { at: at() })
  })

  it('returns a promise for an async gradient', async () => {
    await expect(async (w: Float64Array) => grad(w)).toHaveHessianMatching({ hvp: hvp(false) }, { at: at() })
  })
})
