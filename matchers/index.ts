import type { GradcheckOptions, Gradient } from '../src/index.js'
import { toHaveGradientsMatching } from './toHaveGradientsMatching.js'

/** The matcher object, for `expect.extend(matchers)`. */
export const matchers = { toHaveGradientsMatching }

/** The matchers' signatures, merged into each runner's `Matchers` by `gradcheck/vitest` and `gradcheck/jest`. */
export interface GradientMatchers<R = unknown> {
  /**
   * Checks the analytic gradient `grad` (a function of the parameters, or a value mirroring them)
   * against finite differences of the received loss at `options.at`. Await it when the loss is async.
   */
  toHaveGradientsMatching<P>(grad: Gradient<P>, options: GradcheckOptions<P>): R
}

export { toHaveGradientsMatching }
export type { MatcherContext, MatcherResult } from './context.js'
