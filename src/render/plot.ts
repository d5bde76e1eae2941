import type { Entry } from '../report/types.js'
import { exp, reasonText } from './text.js'

/** Escapes text for HTML and SVG: tensor names and paths come from the user's parameter keys. */
export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** The points of the plot: |a − D(h)| of every central difference the engine took that is finite and moved x. */
export function stepPoints(e: Entry): { h: number; d: number; noise: number }[] {
  return e.steps
    .filter((s) => s.kind === 'central' && s.finite && s.moved && Number.isFinite(s.central) && s.h > 0)
    .map((s) => ({ h: s.h, d: Math.abs(e.analytic - s.central), noise: s.noise }))
}

/** One line that says what the plot shows, in the text renderer's words where it has them. */
export function plotCaption(e: Entry): string {
  const points = stepPoints(e)
  const reason = reasonText(e)
  if (points.length === 0) return `no finite central difference was measured${reason === '' ? '' : `: ${reason}`}`
  if (points.length === 1) {
    return e.reason.kind === 'first-difference'
      ? 'passed on the first difference: one step, one point — no sweep was needed, so there is no slope to read'
      : `one finite step${reason === '' ? '' : `: ${reason}`}`
  }
  return reason === '' ? `${points.length} steps` : reason
}

const W = 460
const H = 260
const M = { left: 58, right: 14, top: 26, bottom: 40 }

/** Decades covering [lo, hi] (both > 0), at least one. */
function decades(lo: number, hi: number): [number, number] {
  const a = Math.floor(Math.log10(lo))
  const b = Math.ceil(Math.log10(hi))
  return [a, b > a ? b : a + 1]
}

/**
 * A log–log plot of |a − D(h)| against the step h, drawn only from what the engine measured
 * (`entry.steps`): the h axis runs from the largest step to the smallest, the order of the sweep, so
 * truncation reads as a line falling with slope 2, a bug as a flat line, round-off as a rising one.
 * A standalone SVG (presentation attributes only, no CSS), so the same string is a Vitest attachment.
 */
export function stepPlot(e: Entry): string {
  const points = stepPoints(e)
  const colour = e.failed ? '#c53030' : e.verdict === 'kink' ? '#805ad5' : '#2b6cb0'
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui,sans-serif" font-size="11">`
  const title = `<text x="${M.left}" y="15" font-size="12" font-weight="600" fill="${colour}">${esc(e.path)} — ${esc(e.verdict)}</text>`
  if (points.length === 0) {
    return `${head}<rect width="${W}" height="${H}" fill="#fff"/>${title}<text x="${M.left}" y="${H / 2}" fill="#555">no finite central difference to plot</text></svg>`
  }
  // Zeros (an exact match) cannot sit on a log axis: they are drawn on the floor and said so.
  const positive = points.map((p) => p.d).filter((d) => d > 0)
  const bound = e.tolerance > 0 && Number.isFinite(e.tolerance) ? e.tolerance : undefined
  const ys = [...positive, ...(bound === undefined ? [] : [bound])]
  const floor = ys.length > 0 ? Math.min(...ys) / 10 : 1e-16
  const [y0, y1] = decades(Math.min(floor * 5, ...ys), Math.max(...ys, floor * 10))
  const hs = points.map((p) => p.h)
  const [x0, x1] = decades(Math.min(...hs), Math.max(...hs))
  const px = (h: number): number => M.left + ((x1 - Math.log10(h)) / (x1 - x0)) * (W - M.left - M.right)
  const py = (d: number): number => H - M.bottom - ((Math.log10(Math.max(d, 10 ** y0)) - y0) / (y1 - y0)) * (H - M.top - M.bottom)
  const parts: string[] = [head, `<rect width="${W}" height="${H}" fill="#fff"/>`, title]
  // Decade grid and labels; at most ~8 labels per axis so they stay legible.
  const every = (n: number): number => Math.max(1, Math.ceil(n / 8))
  for (let k = x0; k <= x1; k++) {
    const x = px(10 ** k).toFixed(1)
    parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${H - M.bottom}" stroke="#eee"/>`)
    if ((k - x0) % every(x1 - x0) === 0) parts.push(`<text x="${x}" y="${H - M.bottom + 14}" text-anchor="middle" fill="#555">1e${k}</text>`)
  }
  for (let k = y0; k <= y1; k++) {
    const y = py(10 ** k).toFixed(1)
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#eee"/>`)
    if ((k - y0) % every(y1 - y0) === 0) parts.push(`<text x="${M.left - 6}" y="${y}" dy="4" text-anchor="end" fill="#555">1e${k}</text>`)
  }
  parts.push(
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" fill="#333">step h (the sweep shrinks it →)</text>`,
    `<text transform="translate(13 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#333">|a − D(h)|</text>`,
  )
  if (bound !== undefined) {
    const y = py(bound).toFixed(1)
    parts.push(
      `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#dd6b20" stroke-dasharray="6 4" stroke-width="1.5"/>`,
      `<text x="${W - M.right - 4}" y="${y}" dy="-4" text-anchor="end" fill="#dd6b20">bound ${exp(bound)}</text>`,
    )
  }
  // A slope-2 guide through the largest step: where the measurements follow it, the error is truncation.
  const first = points[0]!
  if (points.length > 1 && first.d > 0) {
    const last = points[points.length - 1]!
    const guide = (h: number): number => first.d * (h / first.h) ** 2
    parts.push(`<line x1="${px(first.h).toFixed(1)}" y1="${py(guide(first.h)).toFixed(1)}" x2="${px(last.h).toFixed(1)}" y2="${py(guide(last.h)).toFixed(1)}" stroke="#aaa" stroke-dasharray="2 3"/>`)
    // Labelled near its start, clear of the bound's label at the right end.
    const mid = Math.sqrt(first.h * points[1]!.h)
    parts.push(`<text x="${px(mid).toFixed(1)}" y="${py(guide(mid)).toFixed(1)}" dx="6" dy="14" fill="#888">slope 2</text>`)
  }
  // The round-off bound of each difference, faint: a line that climbs to meet it is noise, not a bug.
  const noise = points.filter((p) => p.noise > 0).map((p) => `${px(p.h).toFixed(1)},${py(p.noise).toFixed(1)}`)
  if (noise.length > 1) parts.push(`<polyline points="${noise.join(' ')}" fill="none" stroke="#b7b7b7" stroke-width="1"/>`)
  const xy = points.map((p) => `${px(p.h).toFixed(1)},${py(p.d).toFixed(1)}`)
  if (points.length > 1) parts.push(`<polyline points="${xy.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`)
  points.forEach((p, i) => {
    const [x, y] = xy[i]!.split(',')
    parts.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${p.d > 0 ? colour : '#fff'}" stroke="${colour}"><title>h ${exp(p.h)}: |a − D(h)| ${p.d > 0 ? exp(p.d) : '0 (exact)'}</title></circle>`)
  })
  // One point has no slope: the plot itself says why, since an attachment travels without the page's caption.
  if (points.length === 1) {
    const why = e.reason.kind === 'first-difference' ? 'one point: passed on the first difference, no sweep was needed' : 'one point: only one step was finite'
    parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom - 10}" text-anchor="middle" fill="#555">${why}</text>`)
  }
  const legend = `${noise.length > 1 ? 'grey: round-off bound' : ''}${positive.length < points.length ? `${noise.length > 1 ? ' · ' : ''}hollow: 0 (exact)` : ''}`
  // In the title row, right-aligned: inside the frame it would cover the points it explains.
  parts.push(`<text x="${W - M.right}" y="15" text-anchor="end" fill="#666" font-size="10">${legend}</text>`)
  parts.push('</svg>')
  return parts.join('')
}
