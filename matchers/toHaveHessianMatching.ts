import { type HessianOptions, type HessianSpec, checkHessian } from '../src/index.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { rowsResult } from './toHaveJacobianMatching.js'

/**
 * `expect(grad).toHaveHessianMatching({ hvp }, { at })` (or a full Hessian): passes when every checked
 * row of the Hessian (and the seeded projection u·grad) agrees with differences of `grad`. A promise
 * when `grad` or the HVP is async.
 */
export function toHaveHessianMatching(this: MatcherContext, grad: unknown, hessian: readonly unknown[] | { hvp: (params: never, v: never) => unknown }, options: HessianOptions): MatcherResult | Promise<MatcherResult> {
  const report = checkHessian(grad as (p: unknown) => unknown, hessian as HessianSpec<unknown>, options)
  return rowsResult(this, report, { matcher: 'toHaveHessianMatching', received: 'grad', expected: 'hessian' })
}
