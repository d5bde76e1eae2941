// What a matcher adds around the report: the runner's colours, the HTML file of `htmlReport`, and
// Vitest's test annotations. All three are feature-detected on the matcher's `this`, so older Vitest
// and Jest simply go without what they lack.
import type { Colors, Report } from '../src/index.js'
import { headline, warningText } from '../src/render/text.js'
import { stepPlot } from '../src/render/plot.js'
import { plotted } from '../src/render/html.js'
import { reportPathFor, writeHtmlReportNow } from '../src/render/write.js'
import type { MatcherContext } from './context.js'

type Paint = (s: string) => string

/** The runner's colours: received (red) for the rows that fail, dim for the rows that pass. Plain when colours are off. */
export function colorsOf(ctx: MatcherContext): Colors {
  const utils = ctx.utils as { RECEIVED_COLOR?: Paint; DIM_COLOR?: Paint } | undefined
  const colors: Colors = {}
  if (typeof utils?.RECEIVED_COLOR === 'function') colors.failed = (s) => utils.RECEIVED_COLOR!(s)
  if (typeof utils?.DIM_COLOR === 'function') colors.passed = (s) => utils.DIM_COLOR!(s)
  return colors
}

/** Writes the HTML report when `htmlReport` asks for one; returns the line the message adds. */
export function writeReport(ctx: MatcherContext, r: Report): string {
  const option = r.options.htmlReport
  if (option === false) return ''
  const state = ctx as { testPath?: unknown; currentTestName?: unknown }
  const name = typeof state.currentTestName === 'string' && state.currentTestName !== '' ? state.currentTestName : undefined
  const file = typeof option === 'string' ? option : reportPathFor(typeof state.testPath === 'string' ? state.testPath : 'gradcheck', name)
  try {
    const written = writeHtmlReportNow(r, file, name === undefined ? {} : { title: name })
    // Where `fs` only comes asynchronously, the write finishes after the message is made; it cannot fail the test.
    if (written instanceof Promise) void written
    return `HTML report: ${file}`
  } catch (e) {
    return `HTML report: could not write ${file} (${e instanceof Error ? e.message : String(e)})`
  }
}

interface Annotate {
  (message: string, type?: string, attachment?: { contentType?: string; body?: string | Uint8Array }): Promise<unknown>
}

/** Vitest ≥ 3.2 gives the matcher its test as `this.task`; `annotate` lives on the test's context. */
function annotator(ctx: MatcherContext): Annotate | undefined {
  const task = (ctx as { task?: { context?: { annotate?: unknown } } }).task
  const annotate = task?.context?.annotate
  return typeof annotate === 'function' ? (annotate.bind(task!.context) as Annotate) : undefined
}

/**
 * Annotates the test (Vitest's UI and HTML reporter show it): on failure the verdict line with the
 * worst weight's plot as an SVG image; every warning as a `warning`, even when the check passes.
 * Annotations are async: each rejection is handled here so a synchronous matcher leaves none unhandled.
 */
export function annotate(ctx: MatcherContext, r: Report): void {
  const note = annotator(ctx)
  if (note === undefined) return
  const send = (message: string, type: string, attachment?: { contentType: string; body: Uint8Array }): void => {
    try {
      note(message, type, attachment).then(undefined, () => undefined)
    } catch {
      // The test has already finished (an unawaited check): there is nothing left to annotate.
    }
  }
  if (!r.pass) {
    const worst = plotted(r)[0]
    const attachment = worst === undefined ? undefined : { contentType: 'image/svg+xml', body: new TextEncoder().encode(stepPlot(worst)) }
    send(headline(r), 'error', attachment)
  }
  for (const w of r.warnings) send(warningText(w, r), 'warning')
}
