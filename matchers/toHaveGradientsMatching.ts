import { type GradcheckOptions, type Gradient, checkGradients, formatReport } from '../src/index.js'
import { type MatcherContext, type MatcherResult, settle } from './context.js'

/**
 * `expect(loss).toHaveGradientsMatching(grad, { at })`: passes when every checked weight of `grad`
 * agrees with finite differences of `loss` within what the numerics explain. A promise when the loss is async.
 */
export function toHaveGradientsMatching(
  this: MatcherContext,
  loss: unknown,
  grad: Gradient<unknown>,
  options: GradcheckOptions,
): MatcherResult | Promise<MatcherResult> {
  const report = checkGradients(loss as (p: unknown) => number | Promise<number>, grad, options)
  return settle(this, 'toHaveGradientsMatching', ['loss', 'grad'], report, formatReport)
}
