import { expect } from 'vitest'
import { type GradientMatchers, matchers } from './index.js'

expect.extend(matchers)

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends GradientMatchers<T> {}
}
