import { isThenable } from '../src/engine/drive.js'
import type { Report } from '../src/index.js'

/**
 * The part of a runner's matcher `this` the matchers use. Vitest's and Jest's `MatcherState` both fit
 * (a type test pins that), so the published types depend on neither runner.
 */
export interface MatcherContext {
  isNot?: boolean
  promise?: string
  /** The test file and the test's name (both runners): where `htmlReport: true` writes. */
  testPath?: string
  currentTestName?: string
  utils?: {
    matcherHint?(name: string, received?: string, expected?: string, options?: { isNot?: boolean; promise?: string }): string
    /** The runner's colours for failing and passing rows; plain text when colours are off. */
    RECEIVED_COLOR?: (s: string) => string
    DIM_COLOR?: (s: string) => string
  }
}

/** What a matcher returns: the runner flips `pass` for `.not` and diffs `actual` against `expected`. */
export interface MatcherResult {
  pass: boolean
  message: () => string
  actual?: unknown
  expected?: unknown
}

/** The failing (else the worst) weights as `{ path: value }`, analytic as actual and numeric as expected. */
function diffable(r: Report): { actual: Record<string, number>; expected: Record<string, number> } {
  const shown = r.worst.filter((e) => e.failed)
  const entries = shown.length > 0 ? shown : r.worst
  return {
    actual: Object.fromEntries(entries.map((e) => [e.path, e.analytic])),
    expected: Object.fromEntries(entries.map((e) => [e.path, e.numeric])),
  }
}

/** Turns a report, or a promise of one, into the matcher's result: the message is the report itself. */
export function settle(
  ctx: MatcherContext,
  name: string,
  args: [received: string, expected: string],
  report: Report | Promise<Report>,
  text: (r: Report) => string,
): MatcherResult | Promise<MatcherResult> {
  const result = (r: Report): MatcherResult => ({
    pass: r.pass,
    message: () => {
      const hint = ctx.utils?.matcherHint?.(name, ...args, { isNot: ctx.isNot ?? false, promise: ctx.promise ?? '' })
      const not = ctx.isNot ? 'Expected the gradients not to match, but they do:\n' : ''
      return `${hint === undefined ? '' : `${hint}\n\n`}${not}${text(r)}`
    },
    ...diffable(r),
  })
  return isThenable(report) ? Promise.resolve(report).then(result) : result(report)
}
