import { type JacobianOptions, type JacobianReport, type JacobianSpec, checkJacobian, formatJacobianReport } from '../src/index.js'
import type { MatcherContext, MatcherResult } from './context.js'

/**
 * The result of a matcher over the rows of a Jacobian (or a Hessian, the Jacobian of `grad`): the runner's
 * hint with the matcher's own names, then the report. A promise of it for a promise of the report.
 */
export function rowsResult(ctx: MatcherContext, report: JacobianReport | Promise<JacobianReport>, names: { matcher: string; received: string; expected: string }): MatcherResult | Promise<MatcherResult> {
  const result = (r: JacobianReport): MatcherResult => ({
    pass: r.pass,
    message: () => {
      const hint = ctx.utils?.matcherHint?.(names.matcher, names.received, names.expected, { isNot: ctx.isNot ?? false, promise: ctx.promise ?? '' })
      return `${hint === undefined ? '' : `${hint}\n\n`}${ctx.isNot ? `Expected the ${r.of}s not to match, but they do:\n` : ''}${formatJacobianReport(r)}`
    },
  })
  return report instanceof Promise ? report.then(result) : result(report)
}

/**
 * `expect(f).toHaveJacobianMatching(jacobian, { at })`: passes when every checked row of the Jacobian
 * (and the seeded projection u·f) agrees with finite differences of `f`. A promise when `f`, the VJP or the JVP is async.
 */
export function toHaveJacobianMatching(this: MatcherContext, f: unknown, jacobian: readonly unknown[] | { vjp: (params: never, u: never) => unknown } | { jvp: (params: never, v: never) => unknown }, options: JacobianOptions): MatcherResult | Promise<MatcherResult> {
  const report = checkJacobian(f as (p: unknown) => unknown, jacobian as JacobianSpec<unknown>, options)
  return rowsResult(this, report, { matcher: 'toHaveJacobianMatching', received: 'f', expected: 'jacobian' })
}
