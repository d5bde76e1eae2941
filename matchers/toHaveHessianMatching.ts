import { type HessianOptions, type HessianSpec, type JacobianReport, checkHessian, formatJacobianReport } from '../src/index.js'
import type { MatcherContext, MatcherResult } from './context.js'

/**
 * `expect(grad).toHaveHessianMatching({ hvp }, { at })` (or a full Hessian): passes when every checked
 * row of the Hessian (and the seeded projection u·grad) agrees with differences of `grad`. A promise
 * when `grad` or the HVP is async.
 */
export function toHaveHessianMatching(this: MatcherContext, grad: unknown, hessian: readonly unknown[] | { hvp: (params: never, v: never) => unknown }, options: HessianOptions): MatcherResult | Promise<MatcherResult> {
  const report = checkHessian(grad as (p: unknown) => unknown, hessian as HessianSpec<unknown>, options)
  const result = (r: JacobianReport): MatcherResult => ({
    pass: r.pass,
    message: () => {
      const hint = this.utils?.matcherHint?.('toHaveHessianMatching', 'grad', 'hessian', { isNot: this.isNot ?? false, promise: this.promise ?? '' })
      return `${hint === undefined ? '' : `${hint}\n\n`}${this.isNot ? 'Expected the Hessians not to match, but they do:\n' : ''}${formatJacobianReport(r)}`
    },
  })
  return report instanceof Promise ? report.then(result) : result(report)
}
