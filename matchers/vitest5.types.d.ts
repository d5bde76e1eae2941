import type { GradientAsymmetricMatchers, GradientMatchers } from './index.js'

declare module 'vitest' {
  // Vitest 5: `R` is what an assertion returns (`Promise<void>` under `.resolves`), `T` the received loss.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<R, T> extends GradientMatchers<T, R> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface AsymmetricMatchersContaining extends GradientAsymmetricMatchers<any> {}
}
