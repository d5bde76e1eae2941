// Type-checked (never run) in every runner's consumer project, under the runner's imports of `expect` (and
// `expectTypeOf` from expect-type): the matcher's return type follows the loss, `at` and the options are typed.
import { asyncLoss, at, grad, loss } from './params.js'

export function types(): void {
  const r: void = expect(loss).toHaveGradientsMatching(grad, { at: at() })
  const p: Promise<void> = expect(asyncLoss).toHaveGradientsMatching(grad, { at: at() })
  expectTypeOf(expect(asyncLoss).toHaveGradientsMatching(grad, { at: at() })).toEqualTypeOf<Promise<void>>()
  expectTypeOf(expect(loss).toHaveGradientsMatching(grad, { at: at() })).toEqualTypeOf<void>()
  // @ts-expect-error: an async check is not void
  const q: void = expect(asyncLoss).toHaveGradientsMatching(grad, { at: at() })
  // @ts-expect-error: not an option
  expect(loss).toHaveGradientsMatching(grad, { at: at(), tolerance: 1e-3 })
  // @ts-expect-error: `at` is not what the loss receives
  expect(loss).toHaveGradientsMatching(grad, { at: { v: [1] } })
  void [r, p, q]
}
