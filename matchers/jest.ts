import type {} from 'expect'
import { GradcheckError } from '../src/index.js'
import { type GradientAsymmetricMatchers, type GradientMatchers, matchers } from './index.js'
import { guardUnawaited } from './unawaited.js'

type Extensible = { extend?(m: object): void }

// Jest's global `expect` and the one of `@jest/globals` are the same object: extending it serves both.
// With `injectGlobals: false` there is no global one: Jest's own module registry then hands out
// `@jest/globals` (CommonJS only; an ES module under Jest, or any other runner, has no `require` here).
function jestGlobalsExpect(): Extensible | undefined {
  if (typeof require !== 'function') return undefined
  try {
    return (require('@jest/globals') as { expect?: Extensible }).expect
  } catch {
    return undefined // not under Jest: `@jest/globals` throws outside its test environment
  }
}

const global = (globalThis as { expect?: Extensible }).expect
const jestExpect = typeof global?.extend === 'function' ? global : jestGlobalsExpect()
if (typeof jestExpect?.extend !== 'function') {
  throw new GradcheckError(
    "Expected Jest's `expect` (global, or from `@jest/globals`) when importing 'gradcheck/jest', found none. " +
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
