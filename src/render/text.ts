import type { BlockSummary, Entry, Hint, Reason, Report, Warning } from '../report/types.js'
import { K } from '../engine/constants.js'

/** Colours for the message, injected by the runner (`this.utils`); plain text without them. */
export interface Colors {
  /** Rows and figures that make the check fail. */
  failed?: (s: string) => string
  /** Rows that pass, shown for contrast. */
  passed?: (s: string) => string
}

export interface FormatOptions {
  colors?: Colors
  /** What the Replay line calls the checked function and its value: the loss by default; a Hessian's row checks a coordinate of `grad`. */
  received?: { call: string; value: string }
}

/** The figure formats of the message, shared with the HTML renderer so both print the same numbers. */
export const exp = (v: number): string => (Number.isFinite(v) ? v.toExponential(1) : String(v))
export const val = (v: number): string => (Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v))
const num = (v: number): string => (Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? Number(v.toPrecision(3)).toString() : v.toExponential(2))
const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`
const weights = (n: number): string => `weight${n === 1 ? '' : 's'}`

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

/** A name for a ratio people recognise: ×2, ×−1, ×1/4. */
function ratioName(r: number): string {
  const inv = 1 / r
  const whole = (v: number): boolean => Math.abs(v) >= 1.5 && Math.abs(v - Math.round(v)) < 1e-3 * Math.abs(v)
  if (Math.abs(r + 1) < 1e-3) return '×−1'
  if (whole(r)) return `×${Math.round(r)}`.replace('-', '−')
  if (whole(inv)) return `×${inv < 0 ? '−' : ''}1/${Math.abs(Math.round(inv))}`
  // Close to 1, say how far from it: ×1.00001 would read as ×1.
  return Math.abs(r - 1) < 1e-3 ? `×(1 ${r < 1 ? '−' : '+'} ${Math.abs(r - 1).toExponential(1)})` : `×${Number(r.toPrecision(4))}`.replace('-', '−')
}

/** The sweep's story in words: how |a − D(h)| moved over the central differences, largest step first. */
function trendText(e: Entry): string {
  if (!('trend' in e.reason) || e.reason.trend === undefined) return ''
  const usable = e.steps.filter((s) => s.kind === 'central' && s.finite)
  const ds = usable.map((s) => Math.abs(e.analytic - s.central))
  const steps = `${exp(usable[0]!.h)} → ${exp(usable[usable.length - 1]!.h)}`
  const values = ds.map(exp).join(', ')
  switch (e.reason.trend) {
    case 'falls':
      return `falls like h² (${values}) as the step shrinks ${steps}: truncation`
    case 'grows':
      return `grows (${values}) as the step shrinks ${steps}: round-off`
    case 'flat':
      // Between a bug's constant and truncation's h²: say which way it went.
      return ds[0]! > K.STILL_FALLING * ds[ds.length - 1]!
        ? `falls, but slower than h² (${values}), as the step shrinks ${steps}`
        : `stays at ${exp(ds[ds.length - 1]!)} as the step shrinks ${steps}`
  }
}

/** Why an entry got its verdict, in words. */
export function reasonText(e: Entry): string {
  const r: Reason = e.reason
  switch (r.kind) {
    case 'first-difference':
      return ''
    case 'sweep':
      return trendText(e)
    case 'weak':
      return `the numerical error (≈${exp(r.error)}) is as large as the derivative itself`
    case 'not-finite':
      return `the loss is not finite at x ± ${exp(r.step)}: the step crosses the edge of its domain`
    case 'unmoved':
      return `x ± ${exp(r.step)} rounds back to x: the step is below the parameter's resolution`
    case 'one-sided':
      return `f is not finite on the ${r.side === 'backward' ? 'upper' : 'lower'} side (a domain edge): judged from ${r.side} differences`
    case 'not-smooth':
      return `${trendText(e)}, and f is not yet smooth at the smallest step: pass a smaller \`step\``
    case 'analytic-not-finite':
      return `the analytic derivative is ${e.analytic}: look for a division by 0, log of 0 or an overflow in the backward pass`
    case 'kink': {
      // The interval the verdict used: the one-sided slopes, each with its stated error.
      const interval = `[${e.slopes!.map((v) => v.toPrecision(3)).join(', ')}] ± ${exp(e.tolerance)}`
      const where = `straddled ${r.distance === 0 ? 'at x itself' : `at ≈${exp(r.distance)} from x`} (step ${exp(r.step)})`
      return {
        outside: `a kink ${where}, but outside the one-sided slopes ${interval}`,
        failed: `${where}; slopes ${interval}`,
        skipped: `${where}; skipped (slopes ${interval})`,
        accepted: `${where}; accepted as a subgradient in ${interval}`,
      }[r.outcome]
    }
  }
}

/** A hint in words (shared by the text and HTML renderers). */
export function hintText(h: Hint): string {
  switch (h.kind) {
    case 'nondeterministic':
      return `the loss is not deterministic: two calls at the same point differ by ${exp(h.spread)} — dropout or sampling is on; turn it off or pass \`beforeEvaluation\` to reset its seed.`
    case 'factor': {
      const c = h.factor
      const why =
        Math.abs(c + 1) < 0.02 ? ' — a sign flip (gradient ascent vs descent, or a − dropped)'
        : Math.abs(c) < 1 ? ' — a missing factor, e.g. the mean over the batch taken twice or a 2 from a square'
        : ' — an extra factor, e.g. a sum where the loss takes a mean, or a 2 from a square counted twice'
      return `${h.names.join(', ')}: analytic = ${ratioName(c)} numeric on all ${h.count} significant checked entries${why}.`
    }
    case 'unread':
      return `${h.name}: the loss returned exactly the same value for all ${h.moves} moves of ${h.name}, yet its gradient is not 0 (${h.path}: ${num(h.analytic)}). If the loss reads a copy of the parameters, pass the very arrays it reads as \`at\`; if ${h.name} really does not matter here, its gradient must be 0.`
    case 'zero':
      return `${h.name}: the analytic gradient is 0 where the numeric one is not (${h.count} ${weights(h.count)}, e.g. ${h.path}: numeric ${num(h.numeric)}) — a missing term, or a parameter the backward pass never reaches.`
    case 'transposed':
      return `${h.name}: the analytic gradient matches the numeric one transposed (${h.pairs} entries) — the backward pass returns Wᵀ's gradient, or a row-major/column-major mix-up.`
    case 'slice': {
      const where = h.shape.map((_, j) => (j === h.axis ? h.indices.join('|') : ':')).join(',')
      const border = h.border ? ' (a border: padding or an off-by-one at the edge?)' : ''
      return `${h.name}: the failures are all in ${h.name}[${where}]; every other index along axis ${h.axis} passes${border}.`
    }
    case 'l2':
      return h.lambda > 0
        ? `${h.name}: numeric − analytic = ${num(h.lambda)}·w on every failing weight — the L2 term λ‖w‖²/2 with λ ≈ ${num(h.lambda)} is missing from the gradient.`
        : `${h.name}: analytic − numeric = ${num(-h.lambda)}·w on every failing weight — the gradient adds an L2 term (λ ≈ ${num(-h.lambda)}) the loss does not have.`
    case 'single':
      return `${h.alone ? `only ${h.path} is off` : `${h.path} is the only weight of ${h.name} that is off`}${h.factor === undefined ? '' : `, by a factor ${ratioName(h.factor).slice(1)}`} — look at how that one weight is accumulated.`
    case 'step':
      return `${h.count} failing ${weights(h.count)} approach the analytic value as the step shrinks: the step ${h.step} is too large; try \`step: 'auto'\`.`
    case 'step-too-small':
      return `the step ${h.step} is below the parameters' resolution: x ± ${h.step} rounds back to x, so nothing was measured; use \`step: 'auto'\`.`
    case 'float32':
      return 'float32 round-off is as large as some derivatives: check a float64 copy of the model to decide them.'
    case 'float32-gradient':
      return `every failing weight (${h.count}) is off by at most ${exp(h.relativeError)} of its value, within float32 round-off: is the backward pass computed in float32 (Math.fround, a Float32Array buffer) while the loss runs in float64? Compute it in float64, or return it as a Float32Array to have it judged with float32's round-off.`
  }
}

/** A warning in words (shared by the text and HTML renderers). */
export function warningText(w: Warning, r: Report): string {
  const entry = (path: string): Entry => r.entries.find((e) => e.path === path)!
  switch (w.kind) {
    case 'kinks': {
      const examples = w.paths.map((path) => {
        const e = entry(path)
        return `${path}: [${e.slopes!.map((v) => v.toPrecision(3)).join(', ')}], analytic ${e.analytic.toPrecision(3)}`
      })
      const judged = w.policy === 'skip' ? 'they were skipped' : 'their analytic values lie between the one-sided slopes (within their error) and were accepted'
      return `${w.count} ${weights(w.count)} ${w.count === 1 ? "moves" : "move"} a ReLU/max-like input across a kink within the step; ${judged} (${examples.join('; ')}${w.count > w.paths.length ? '; …' : ''})`
    }
    case 'non-finite': {
      const at = w.count > 0 ? `${w.count} ${weights(w.count)} saw a NaN or ±∞ at a perturbed point (${w.paths.join(', ')}${w.count > w.paths.length ? ', …' : ''})` : ''
      const probe = w.probe > 0 ? `${w.probe} of the loss values at and around \`at\` that measure its noise were NaN or ±∞` : ''
      const along = (w.directions ?? 0) > 0 ? `${w.directions} of the loss values along directional tests were NaN or ±∞` : ''
      return `${[at, probe, along].filter((x) => x !== '').join('; ')}: a domain edge, or a loss that fails at some inputs`
    }
    case 'inconclusive':
      return `${w.count} ${weights(w.count)} could not be decided (${w.path}: ${reasonText(entry(w.path))})`
    case 'spread':
      return `calls at \`at\` differ by ${exp(w.spread)} (within √u of the loss: a reordered sum?); counted as noise`
    case 'float32-loss':
      return "every value of the loss is a float32 (computed or read back in float32): checked with float32 steps and tolerances; pass `precision: 'float64'` to override"
    case 'sampled':
      return `${w.name}: ${w.checked} of ${w.size} coordinates checked, drawn with seed ${w.seed}`
    case 'covered':
      return `${w.name}: ${w.checked.toLocaleString('en-US')} of ${w.size.toLocaleString('en-US')} coordinates checked one by one, the other ${w.covered.toLocaleString('en-US')} by ${plural(w.directions, 'directional test')}`
    case 'localisation-capped':
      return `at least ${plural(w.atLeast, 'coordinate')} of ${w.name} ${w.atLeast === 1 ? 'disagrees' : 'disagree'}; ${w.shown === 0 ? 'none was found' : `the ${w.shown} found are shown`} (localisation stopped at its call budget)`
    case 'whole-tensor':
      return `${w.name} is wrong as a whole: all ${w.parts} parts of a failing direction fail too; a few of its coordinates are shown`
    case 'unlocalised':
      return `${w.name} disagrees along ${w.direction === 'gradient' ? 'its gradient' : `a ${w.direction} direction`} by ${exp(w.relativeError)} relative, yet no single coordinate does: an error spread over the tensor, below one weight's noise`
    case 'direction-kink':
      return `a direction over ${w.name} crosses kinks; its coordinates, checked one by one, agree`
    case 'analytic-not-finite':
      return `the analytic gradient of ${w.name} is not finite: ${w.value} along ${w.direction === 'gradient' ? 'its gradient' : `a ${w.direction} direction`}${w.path === undefined ? '' : `, and at ${w.path} on its own`} — look for a division by 0, log of 0 or an overflow in the backward pass (the JVP); one NaN or ±∞ in a sum over v makes J·v NaN for every v (0·NaN and 0·∞ are NaN)`
  }
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

/** An entry's verdict with its reason: `bug: sign differs; stays at …`. */
export function verdictText(e: Entry): string {
  const notes = [e.sign && e.verdict !== 'ok' ? 'sign differs' : '', reasonText(e)].filter((s) => s !== '')
  return notes.length > 0 ? `${e.verdict}: ${notes.join('; ')}` : e.verdict
}

/** The verdict line that opens every message. */
export function headline(r: Report): string {
  if (r.pass) {
    const aside = (['kink', 'inconclusive'] as const)
      .map((v) => [v, r.entries.filter((e) => e.verdict === v).length] as const)
      .filter(([, n]) => n > 0)
      .map(([v, n]) => `${n} ${v === 'kink' ? `at ${n === 1 ? 'a kink' : 'kinks'}` : 'inconclusive'}`)
    const agree = r.checked - r.entries.filter((e) => e.verdict === 'kink' || e.verdict === 'inconclusive').length
    const covered = r.blocks.reduce((s, b) => s + (b.coverage !== undefined && b.coverage !== 'coordinates' ? b.size - b.checked : 0), 0)
    const more = covered > 0 ? `, and ${covered.toLocaleString('en-US')} more along ${plural(r.directions.length, 'directional test')}` : ''
    if (r.checked === 0 && covered > 0) return `✓ all ${plural(covered, 'weight')}, along ${plural(r.directions.length, 'directional test')}, agree within what the numerics explain (${setting(r)})`
    return aside.length === 0
      ? `✓ all ${plural(r.checked, 'checked weight')}${more} agree within what the numerics explain (${setting(r)})`
      : `✓ ${agree.toLocaleString('en-US')} of ${plural(r.checked, 'checked weight')}${more} agree within what the numerics explain, ${aside.join(', ')} (${setting(r)})`
  }
  if (!r.loss.deterministic) {
    return `✗ the loss is not deterministic: two calls at the same point differ by ${exp(r.loss.spread)}, so no verdict on the gradient can be trusted ` +
      `(${r.failed.toLocaleString('en-US')} of ${plural(r.checked, 'checked weight')} disagree; ${setting(r)})`
  }
  if (r.failed === 0 && r.unverified !== undefined) {
    const which = r.unverified.tensors.length > 0 ? `; nothing measured in ${r.unverified.tensors.join(', ')}` : ''
    return `✗ too little was measured to pass: no derivative could be estimated for ${r.unverified.unmeasured.toLocaleString('en-US')} of ${plural(r.checked, 'checked weight')}${which} (${setting(r)})`
  }
  if (r.failed === 0) {
    const along = r.directions.filter((d) => d.failed && !d.kink && d.depth === 0).map((d) => `${d.tensor} (${d.kind === 'gradient' ? 'along its gradient' : 'a random direction'})`)
    return `✗ ${along.length > 0 ? along.join(', ') : 'a direction'} ${along.length > 1 ? 'disagree' : 'disagrees'} ${rule(r)}, though none of the ${plural(r.checked, 'checked weight')} does (${setting(r)})`
  }
  return `✗ ${r.failed.toLocaleString('en-US')} of ${plural(r.checked, 'checked weight')} ${r.failed === 1 ? 'disagrees' : 'disagree'} ${rule(r)} (${setting(r)})`
}

/** How a tensor was covered, in the per-tensor table (shown only when some tensor was not checked one by one). */
function coverageText(b: BlockSummary, r: Report): string {
  const n = r.directions.filter((d) => d.tensor === b.name).length
  switch (b.coverage) {
    case undefined:
    case 'coordinates':
      return 'all one by one'
    case 'sampled':
      return `${b.checked} sampled`
    case 'sampled + directions':
      return `sample + ${plural(n, 'direction')}`
    case 'directions':
      return `${plural(n, 'direction')}${b.checked > 0 ? ` → ${b.checked} found` : ''}`
  }
}

/** The directional tests that disagree, first ones first (the parts met while localising are counted, not listed). */
function directionLines(r: Report): string[] {
  const bad = r.directions.filter((d) => d.failed && d.depth === 0)
  if (bad.length === 0) return []
  const rows = [['tensor', 'direction', 'size', 'analytic', 'numeric', 'allowed', 'verdict']]
  for (const d of bad) {
    const parts = r.directions.filter((x) => x.tensor === d.tensor && x.depth > 0 && x.of === d.kind)
    const calls = parts.reduce((s, x) => s + x.calls, 0)
    const note = parts.length > 0 ? `; localised over ${plural(parts.length, 'part')} (${plural(calls, 'loss call')})` : ''
    rows.push([d.tensor, d.kind, String(d.size), val(d.analytic), val(d.numeric), exp(d.bound), `${d.verdict}${note}`])
  }
  return ['Directions that disagree', ...table(rows), '']
}

const paint = (colors: Colors, failed: boolean, line: string): string => (failed ? colors.failed : colors.passed)?.(line) ?? line

function worstTable(entries: readonly Entry[], colors: Colors): string[] {
  // digits: how many significant digits agree, of how many this check resolves for the weight (more
  // may agree by chance: the check vouches only for those it resolves).
  const rows = [['path', 'analytic', 'numeric', 'abs. error', 'allowed', 'rel. error', 'digits', 'verdict']]
  for (const e of entries) {
    rows.push([e.path, val(e.analytic), val(e.numeric), exp(e.absoluteError), exp(e.tolerance), exp(e.relativeError), `${Math.min(e.digits.agree, e.digits.resolvable)} of ${e.digits.resolvable}`, verdictText(e)])
  }
  const [head, ...body] = table(rows)
  return [head!, ...body.map((line, j) => paint(colors, entries[j]!.failed, line))]
}

/** The textbook band, labelled as such where this check's own verdict on the tensor says otherwise. */
function bandText(b: BlockSummary, failing: boolean): string {
  // No weight compared one by one (directions only): no relative error for a band to label.
  if (b.checked === 0) return failing ? 'fails here (directions)' : '—'
  const label = band(b.maxRelativeError)
  const alarming = label === 'probably wrong' || label === 'uncomfortable'
  if (!failing && alarming) return `${label} by the textbook; within the bounds here`
  if (failing && !alarming) return `${label} by the textbook; fails here`
  return label
}

function blockTable(blocks: readonly BlockSummary[], colors: Colors, r: Report): string[] {
  const covered = blocks.some((b) => b.coverage !== undefined && b.coverage !== 'coordinates')
  const rows = [['tensor', 'checked', 'failed', ...(covered ? ['coverage'] : []), 'max rel. error', 'norm ratio', 'cs231n band']]
  // A tensor fails on a failing entry, or on a failing direction no entry explains (capped, unlocalised).
  const failing = blocks.map((b) => b.failed > 0 || r.directions.some((d) => d.tensor === b.name && d.failed))
  blocks.forEach((b, j) => {
    const coverage = covered ? [coverageText(b, r)] : []
    // Errors of no weight compared one by one are not 0: there are none.
    const errors = b.checked === 0 ? ['—', '—'] : [exp(b.maxRelativeError), exp(b.normRatio)]
    rows.push([b.name, String(b.checked), String(b.failed), ...coverage, ...errors, `${bandText(b, failing[j]!)}${failing[j] ? '  ←' : ''}`])
  })
  const [head, ...body] = table(rows)
  return [head!, ...body.map((line, j) => (failing[j] ? paint(colors, true, line) : line))]
}

/** The text of the failure message (and of the `.not` message), made from the report alone. */
export function formatReport(r: Report, options: FormatOptions = {}): string {
  const colors = options.colors ?? {}
  const lines = [headline(r), '']
  if (r.worst.length > 0) lines.push(r.pass ? 'Largest disagreements' : 'Worst weights', ...worstTable(r.worst, colors), '')
  lines.push(...directionLines(r))
  lines.push('Per tensor', ...blockTable(r.blocks, colors, r), '')
  for (const w of r.warnings) lines.push(`Warning: ${warningText(w, r)}`)
  for (const h of r.hints) lines.push(`Hint: ${hintText(h)}`)
  const received = options.received ?? { call: 'loss call', value: 'loss' }
  lines.push(`Replay: { seed: ${r.seed} }  (${plural(r.evaluations, received.call)}; ${received.value} ${val(r.loss.value)} ± ${exp(r.loss.noise)})`)
  return lines.join('\n')
}
