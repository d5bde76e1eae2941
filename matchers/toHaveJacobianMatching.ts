import { type JacobianOptions, type JacobianReport, type JacobianSpec, checkJacobian, formatJacobianReport } from '../src/index.js'
import type { MatcherContext, MatcherResult } from './context.js'

/**
 * `expect(f).toHaveJacobianMatching(jacobian, { at })`: passes when every checked row of the Jacobian
 * (and the seeded projection u·f) agrees with finite differences of `f`. A promise when `f`, the VJP or the JVP is async.
 */
export function toHaveJacobianMatching(this: MatcherContext, f: unknown, jacobian: readonly unknown[] | { vjp: (params: never, u: never) => unknown } | { jvp: (params: never, v: never) => unknown }, options: JacobianOptions): MatcherResult | Promise<MatcherResult> {
  const report = checkJacobian(f as (p: unknown) => unknown, jacobian as JacobianSpec<unknown>, options)
  const result = (r: JacobianReport): MatcherResult => ({
    pass: r.pass,
    message: () => {
      const hint = this.utils?.matcherHint?.('toHaveJacobianMatching', 'f', 'jacobian', { isNot: this.isNot ?? false, promise: this.promise ?? '' })
      return `${hint === undefined ? '' : `${hint}\n\n`}${this.isNot ? 'Expected the Jacobians not to match, but they do:\n' : ''}${formatJacobianReport(r)}`
    },
  })
  return report instanceof Promise ? report.then(result) : result(report)
}
