// Type-checked (never run) in a fresh Vitest 4 project by test/package.test.ts.
import 'gradcheck/vitest'
import { expect, expectTypeOf } from 'vitest'

const at = { w: [1, 2] }
const loss = (p: { w: number[] }): number => p.w[0]! * p.w[1]!
const asyncLoss = async (p: { w: number[] }): Promise<number> => loss(p)
const grad = (p: { w: number[] }) => ({ w: [p.w[1]!, p.w[0]!] })

export function types(): void {
  const r: void = expect(loss).toHaveGradientsMatching(grad, { at })
  const p: Promise<void> = expect(asyncLoss).toHaveGradientsMatching(grad, { at })
  expectTypeOf(expect(asyncLoss).toHaveGradientsMatching(grad, { at })).toEqualTypeOf<Promise<void>>()
  expectTypeOf(expect(loss).toHaveGradientsMatching(grad, { at })).toEqualTypeOf<void>()
  // @ts-expect-error: an async check is not void
  const q: void = expect(asyncLoss).toHaveGradientsMatching(grad, { at })
  // @ts-expect-error: not an option
  expect(loss).toHaveGradientsMatching(grad, { at, tolerance: 1e-3 })
  // @ts-expect-error: `at` is not what the loss receives
  expect(loss).toHaveGradientsMatching(grad, { at: { v: [1] } })
  void [r, p, q]
}
