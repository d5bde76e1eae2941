import { expect } from 'vitest'
import { type GradientAsymmetricMatchers, type GradientMatchers, matchers } from './index.js'

expect.extend(matchers)

declare module 'vitest' {
  // Vitest 3.2 to 4 (`gradcheck/vitest5` for Vitest 5's `Matchers<R, T>`).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends GradientMatchers<T> {}
  // `expect.numericalGradientOf(loss, { at })` inside `toEqual` / `toMatchObject`.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface AsymmetricMatchersContaining extends GradientAsymmetricMatchers<any> {}
}
