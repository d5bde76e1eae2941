import type { Entry, Report } from '../report/types.js'
import { cellLimit, heatmap } from './heatmap.js'
import { esc, plotCaption, stepPlot, stepPoints } from './plot.js'
import { exp, headline, hintText, val, verdictText, warningText } from './text.js'

/** Failing weights plotted at most (one passing weight is added for contrast). */
export const MAX_PLOTS = 5
/** Kink rows listed at most. */
const MAX_KINKS = 40

/**
 * The weights to plot: the failing worst, and one passing weight for contrast, preferring one
 * whose sweep ran (a slope to read) over one that passed on its first difference (a single point).
 */
export function plotted(r: Report): Entry[] {
  // `worst` may hold fewer than MAX_PLOTS failing weights: the rest come from `entries`, farthest beyond their bound first.
  const beyond = (e: Entry): number => (e.tolerance > 0 ? e.absoluteError / e.tolerance : Infinity)
  const others = r.entries.filter((e) => e.failed && !r.worst.includes(e)).sort((a, b) => beyond(b) - beyond(a))
  const failing = [...r.worst.filter((e) => e.failed), ...others].slice(0, MAX_PLOTS)
  const shown = failing.length > 0 ? failing : r.worst.slice(0, Math.min(3, MAX_PLOTS))
  const passing = r.entries.filter((e) => !e.failed && e.verdict === 'ok' && !shown.includes(e))
  const swept = (e: Entry): number => (e.reason.kind === 'sweep' && e.reason.trend === 'falls' ? 2 : 0) + (stepPoints(e).length > 2 ? 1 : 0)
  let contrast: Entry | undefined
  for (const e of passing) if (contrast === undefined || swept(e) > swept(contrast)) contrast = e
  // Second, beside the worst failing weight, so flat and falling read side by side.
  if (contrast === undefined) return shown
  return shown.length === 0 ? [contrast] : [shown[0]!, contrast, ...shown.slice(1)]
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a202c;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:28px 0 8px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}
.verdict{font-size:16px;font-weight:600;padding:10px 12px;border-radius:6px}.fail{background:#fff5f5;color:#9b2c2c}.pass{background:#f0fff4;color:#276749}
table{border-collapse:collapse;font-size:12.5px}th,td{padding:3px 8px;text-align:right;white-space:nowrap}th{background:#f7fafc;border-bottom:1px solid #cbd5e0}
td:first-child,th:first-child,th:last-child,td.text{text-align:left}td.text{white-space:normal;max-width:560px}tr.failed td{color:#9b2c2c;font-weight:600}
code{font:12px ui-monospace,Menlo,monospace}.note{color:#4a5568;font-size:12.5px}.plots{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;width:460px}figcaption{font-size:12.5px;color:#2d3748;margin-top:4px}.tensor{margin:12px 0 18px}
.legend span{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin:0 4px 0 10px;border:1px solid #ccc}
ul{padding-left:20px}li{margin:4px 0}`

function worstTable(entries: readonly Entry[]): string {
  const rows = entries.map(
    (e) =>
      `<tr${e.failed ? ' class="failed"' : ''}><td><code>${esc(e.path)}</code></td><td>${val(e.analytic)}</td><td>${val(e.numeric)}</td>` +
      `<td>${exp(e.absoluteError)}</td><td>${exp(e.tolerance)}</td><td>${exp(e.relativeError)}</td><td class="text">${esc(verdictText(e))}</td></tr>`,
  )
  return `<table><tr><th>path</th><th>analytic</th><th>numeric</th><th>abs. error</th><th>allowed</th><th>rel. error</th><th>verdict</th></tr>${rows.join('')}</table>`
}

function tensors(r: Report, caps: string[]): string {
  const limit = cellLimit(r.blocks.length)
  const byName = new Map<string, Entry[]>()
  for (const e of r.entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e])
  const legend =
    '<p class="legend note">Colour: |a − n| ÷ bound.<span style="background:#ebf4ff"></span>≤ 1e-6<span style="background:#2b6cb0"></span>at the bound' +
    '<span style="background:#f6ad55"></span>just beyond<span style="background:#9b1c1c"></span>≥ 1e4× beyond<span style="background:#fff;border:2px solid #000"></span>failing' +
    '<span style="background:#d6bcfa"></span>kink<span style="background:#a0aec0"></span>inconclusive<span style="background:#f2f2f2"></span>not checked (sampled)</p>'
  const parts = r.blocks.map((b) => {
    const { svg, note } = heatmap(b, byName.get(b.name) ?? [], limit)
    if (note.includes('cells are drawn')) caps.push(`heatmap of ${b.name}`)
    const counts = `${b.checked.toLocaleString('en-US')} of ${b.size.toLocaleString('en-US')} checked, ${b.failed} failed, max rel. error ${exp(b.maxRelativeError)}`
    return `<div class="tensor"><div><code>${esc(b.name)}</code> [${b.shape.join('×') || 'scalar'}] <span class="note">— ${esc(counts)}; ${esc(note)}</span></div>${svg}</div>`
  })
  return `<h2>Per tensor</h2>${legend}${parts.join('')}`
}

function plots(r: Report, caps: string[]): string {
  const entries = plotted(r)
  if (entries.length === 0) return ''
  const failing = entries.filter((e) => e.failed).length
  if (r.failed > failing) caps.push(`plots of ${failing} of ${r.failed.toLocaleString('en-US')} failing weights`)
  const figures = entries.map((e) => {
    const contrast = !e.failed && entries.some((x) => x.failed) ? 'for contrast, a passing weight: ' : ''
    const numbers = `|a − n| = ${exp(e.absoluteError)}, bound ${exp(e.tolerance)}`
    return `<figure>${stepPlot(e)}<figcaption>${esc(contrast)}<code>${esc(e.path)}</code> — ${esc(plotCaption(e))} (${esc(numbers)})</figcaption></figure>`
  })
  const intro =
    '<p class="note">|a − D(h)| against the step h, log–log, from the differences the check actually took (largest step first). ' +
    'Falling with slope 2 as h shrinks is truncation; flat is a bug; rising as h shrinks is round-off. The dashed line is the bound the weight was held to.</p>'
  return `<h2>The evidence: error against step</h2>${intro}<div class="plots">${figures.join('')}</div>`
}

function kinks(r: Report): string {
  if (r.kinks.length === 0) return ''
  const rows = r.kinks.slice(0, MAX_KINKS).map((e) => {
    const slopes = e.slopes === undefined ? '' : `[${e.slopes.map((v) => v.toPrecision(3)).join(', ')}]`
    return `<tr${e.failed ? ' class="failed"' : ''}><td><code>${esc(e.path)}</code></td><td>${esc(slopes)}</td><td>${val(e.analytic)}</td><td class="text">${esc(verdictText(e))}</td></tr>`
  })
  const more = r.kinks.length > MAX_KINKS ? `<p class="note">…and ${r.kinks.length - MAX_KINKS} more.</p>` : ''
  return `<h2>Kinks (${r.kinks.length})</h2><table><tr><th>path</th><th>one-sided slopes</th><th>analytic</th><th>verdict</th></tr>${rows.join('')}</table>${more}`
}

function list(title: string, items: string[]): string {
  return items.length === 0 ? '' : `<h2>${title}</h2><ul>${items.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`
}

export interface HtmlOptions {
  /** The page title, e.g. the test's name. @default 'gradcheck report' */
  title?: string
}

/**
 * The report as one self-contained HTML page (inline CSS and SVG; nothing fetched, no scripts): the
 * verdict, the worst weights, a heatmap per tensor, the error-against-step plots of the worst weights,
 * kinks, warnings and hints. Drawn from the report alone: nothing is re-evaluated.
 */
export function renderHtml(r: Report, options: HtmlOptions = {}): string {
  const title = options.title ?? 'gradcheck report'
  const caps: string[] = []
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="verdict ${r.pass ? 'pass' : 'fail'}">${esc(headline(r))}</p>`,
    r.worst.length > 0 ? `<h2>${r.pass ? 'Largest disagreements' : 'Worst weights'}</h2>${worstTable(r.worst)}` : '',
    plots(r, caps),
    tensors(r, caps),
    kinks(r),
    list('Warnings', r.warnings.map((w) => warningText(w, r))),
    list('Hints', r.hints.map(hintText)),
    `<p class="note">Replay: <code>{ seed: ${r.seed} }</code> — ${r.evaluations.toLocaleString('en-US')} loss calls; loss ${esc(val(r.loss.value))} ± ${exp(r.loss.noise)}.` +
      `${caps.length > 0 ? ` To keep the page small, it shows only some of the report: ${esc(caps.join('; '))}.` : ''}</p>`,
  ]
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body>${body.join('\n')}</body></html>\n`
}
