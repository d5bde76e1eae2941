import type {} from 'expect'
import { GradcheckError } from '../src/index.js'
import { type GradientAsymmetricMatchers, type GradientMatchers, matchers } from './index.js'
import { guardUnawaited } from './unawaited.js'

// Jest's global `expect` and the one of `@jest/globals` are the same object: extending it serves both.
const jestExpect = (globalThis as { expect?: { extend?(m: object): void } }).expect
if (typeof jestExpect?.extend !== 'function') {
  throw new GradcheckError(
    "Expected a global `expect` with `extend` when importing 'gradcheck/jest', found none. " +
      "Import it from a Jest setup file (`setupFilesAfterEnv`), or call `expect.extend(matchers)` with `import { matchers } from 'gradcheck/matchers'`.",
  )
}
jestExpect.extend(guardUnawaited(matchers))

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends GradientMatchers<T, R> {}
  // `expect.numericalGradientOf(loss, { at })`, an asymmetric matcher like `expect.closeTo`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface AsymmetricMatchers extends GradientAsymmetricMatchers<any> {}
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R, T = {}> extends GradientMatchers<T, R> {}
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    interface Expect extends GradientAsymmetricMatchers<any> {}
  }
}
