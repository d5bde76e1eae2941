import { describe, expect, it } from '@jest/globals'

// f(x) = (x₀x₁, sin x₂): its Jacobian, its JVP, and a JVP whose first output reads v's terms swapped.
const f = (x: Float64Array): Float64Array => Float64Array.from([x[0]! * x[1]!, Math.sin(x[2]!)])
const jacobian = (x: Float64Array): Float64Array[] => [Float64Array.from([x[1]!, x[0]!, 0]), Float64Array.from([0, 0, Math.cos(x[2]!)])]
const jvp = (x: Float64Array, v: unknown): Float64Array => {
  const u = v as Float64Array
  return Float64Array.from([x[1]! * u[0]! + x[0]! * u[1]!, Math.cos(x[2]!) * u[2]!])
}
const transposed = (x: Float64Array, v: unknown): Float64Array => {
  const u = v as Float64Array
  return Float64Array.from([x[0]! * u[0]! + x[1]! * u[1]!, Math.cos(x[2]!) * u[2]!])
}
const vjp = (x: Float64Array, u: unknown): Float64Array => {
  const w = u as Float64Array
  return Float64Array.from([w[0]! * x[1]!, w[0]! * x[0]!, w[1]! * Math.cos(x[2]!)])
}
const at = (): Float64Array => Float64Array.from([0.5, -1.5, 0.3])

describe('toHaveJacobianMatching in Jest', () => {
  it('passes for a correct Jacobian, VJP and JVP', () => {
    expect(f).toHaveJacobianMatching(jacobian(at()), { at: at() })
    // u and v are copies of the output and of `at` made in the test's own realm (Jest runs tests in a vm).
    expect(f).toHaveJacobianMatching({ vjp }, { at: at() })
    expect(f).toHaveJacobianMatching({ jvp }, { at: at() })
  })

  it('fails for a JVP with a transposed term, naming output and input', () => {
    expect(() => expect(f).toHaveJacobianMatching({ jvp: transposed }, { at: at() })).toThrow(/checks of the Jacobian disagree \(f\[0\], [\s\S]*f\[0\] \/ at\[0\]/)
    expect(f).not.toHaveJacobianMatching({ jvp: transposed }, { at: at() })
  })

  it('returns a promise for an async JVP', async () => {
    await expect(f).toHaveJacobianMatching({ jvp: async (x: Float64Array, v: unknown) => jvp(x, v) }, { at: at() })
  })
})
