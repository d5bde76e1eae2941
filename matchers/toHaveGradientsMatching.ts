import { isThenable } from '../src/engine/drive.js'
import { type GradcheckOptions, type Gradient, type Report, checkGradients, formatReport } from '../src/index.js'
import { type MatcherContext, type MatcherResult, settle } from './context.js'
import { annotate, colorsOf, writeReport } from './evidence.js'

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
  // The file and the annotations come once per check, when the report is in; the message may be made later, or never.
  const notes = new WeakMap<Report, string>()
  const evidence = (r: Report): Report => {
    notes.set(r, writeReport(this, r))
    annotate(this, r)
    return r
  }
  const text = (r: Report): string => {
    const note = notes.get(r) ?? ''
    return `${formatReport(r, { colors: colorsOf(this) })}${note === '' ? '' : `\n${note}`}`
  }
  return settle(this, 'toHaveGradientsMatching', ['loss', 'grad'], isThenable(report) ? Promise.resolve(report).then(evidence) : evidence(report), text)
}
