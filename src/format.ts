import type { BlockSummary, Entry, Report } from './report.js'

const exp = (v: number): string => (Number.isFinite(v) ? v.toExponential(1) : String(v))
const val = (v: number): string => (Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v))
const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`

/** Left-aligns the first column and right-aligns the rest; the last column is free text. */
function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  return rows.map((r) =>
    (indent + r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(c === r.length - 1 ? 0 : widths[c]!) : cell.padStart(widths[c]!))).join('  ')).trimEnd(),
  )
}

/**
 * Relative-error bands people know (cs231n "Gradient checks"): labels for a reader, not the pass rule,
 * which is the per-weight bound in the `allowed` column.
 */
export function band(relativeError: number): string {
  if (!(relativeError <= 1e-2)) return 'probably wrong'
  if (relativeError > 1e-4) return 'uncomfortable'
  if (relativeError > 1e-7) return 'ok for kinks or float32'
  return 'happy'
}

function rule(r: Report): string {
  const { rtol, atol } = r.options
  if (rtol === 'auto' && atol === 'auto') return 'beyond what the numerics explain'
  const parts = [atol === 'auto' ? 'the estimated error' : `atol ${atol}`, rtol === 'auto' ? 'round-off' : `rtol ${rtol}·max(|a|, |n|)`]
  return `beyond ${parts.join(' + ')}`
}

function setting(r: Report): string {
  const method = { central: 'central differences', forward: 'forward differences', richardson: 'Richardson extrapolation' }[r.options.method]
  return `${r.precision}, ${method}, ${r.options.step === 'auto' ? 'auto step' : `step ${r.options.step}`}`
}

function verdictText(e: Entry): string {
  const notes = [e.sign && e.verdict !== 'ok' ? 'sign differs' : '', e.note].filter((s) => s !== '')
  return notes.length > 0 ? `${e.verdict}: ${notes.join('; ')}` : e.verdict
}

function headline(r: Report): string {
  if (r.pass) {
    const aside = (['kink', 'inconclusive'] as const)
      .map((v) => [v, r.entries.filter((e) => e.verdict === v).length] as const)
      .filter(([, n]) => n > 0)
      .map(([v, n]) => `${n} ${v === 'kink' ? `at ${n === 1 ? 'a kink' : 'kinks'}` : 'inconclusive'}`)
    const agree = r.checked - r.entries.filter((e) => e.verdict === 'kink' || e.verdict === 'inconclusive').length
    return aside.length === 0
      ? `✓ all ${plural(r.checked, 'checked weight')} agree within what the numerics explain (${setting(r)})`
      : `✓ ${agree.toLocaleString('en-US')} of ${plural(r.checked, 'checked weight')} agree within what the numerics explain, ${aside.join(', ')} (${setting(r)})`
  }
  if (!r.loss.deterministic) {
    return `✗ the loss is not deterministic: two calls at the same point differ by ${exp(r.loss.spread)}, so no verdict on the gradient can be trusted ` +
      `(${r.failed.toLocaleString('en-US')} of ${plural(r.checked, 'checked weight')} disagree; ${setting(r)})`
  }
  return `✗ ${r.failed.toLocaleString('en-US')} of ${plural(r.checked, 'checked weight')} ${r.failed === 1 ? 'disagrees' : 'disagree'} ${rule(r)} (${setting(r)})`
}

function worstTable(entries: readonly Entry[]): string[] {
  const rows = [['path', 'analytic', 'numeric', 'abs. error', 'allowed', 'rel. error', 'verdict']]
  for (const e of entries) {
    rows.push([e.path, val(e.analytic), val(e.numeric), exp(e.absoluteError), exp(e.tolerance), exp(e.relativeError), verdictText(e)])
  }
  return table(rows)
}

function blockTable(blocks: readonly BlockSummary[]): string[] {
  const rows = [['tensor', 'checked', 'failed', 'max rel. error', 'norm ratio', 'cs231n band']]
  for (const b of blocks) {
    rows.push([b.name, String(b.checked), String(b.failed), exp(b.maxRelativeError), exp(b.normRatio), `${band(b.maxRelativeError)}${b.failed > 0 ? '  ←' : ''}`])
  }
  return table(rows)
}

/** The text of the failure message (and of the `.not` message): plain text, made from the report alone. */
export function formatReport(r: Report): string {
  const lines = [headline(r), '']
  if (r.worst.length > 0) lines.push(r.pass ? 'Largest disagreements' : 'Worst weights', ...worstTable(r.worst), '')
  lines.push('Per tensor', ...blockTable(r.blocks), '')
  for (const w of r.warnings) lines.push(`Warning: ${w}`)
  for (const h of r.hints) lines.push(`Hint: ${h.message}`)
  lines.push(`Replay: { seed: ${r.seed} }  (${plural(r.evaluations, 'loss call')}; loss ${val(r.loss.value)} ± ${exp(r.loss.noise)})`)
  return lines.join('\n')
}
