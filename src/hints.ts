import type { Point } from './engine.js'
import type { Entry, Hint, Report } from './report.js'

const fmt = (v: number): string => v.toExponential(1)
const num = (v: number): string => (Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? Number(v.toPrecision(3)).toString() : v.toExponential(2))

/** A name for a ratio people recognise: ×2, ×−1, ×1/4. */
function ratioName(r: number): string {
  const inv = 1 / r
  const whole = (v: number): boolean => Math.abs(v) >= 1.5 && Math.abs(v - Math.round(v)) < 1e-3 * Math.abs(v)
  if (Math.abs(r + 1) < 1e-3) return '×−1'
  if (whole(r)) return `×${Math.round(r)}`.replace('-', '−')
  if (whole(inv)) return `×${inv < 0 ? '−' : ''}1/${Math.abs(Math.round(inv))}`
  // Close to 1, say how far from it: ×1.00001 would read as ×1.
  return Math.abs(r - 1) < 1e-3 ? `×(1 ${r < 1 ? '−' : '+'} ${Math.abs(r - 1).toExponential(1)})` : `×${Number(r.toPrecision(4))}`
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** The entries of a tensor whose numeric value is well above its error: the ones a pattern can be read from. */
const significant = (mine: readonly Entry[]): Entry[] => {
  const top = mine.reduce((m, e) => Math.max(m, Math.abs(e.numeric)), 0)
  return mine.filter((e) => Number.isFinite(e.numeric) && Math.abs(e.numeric) > 1e-3 * top && Math.abs(e.numeric) > 10 * e.estimatedError)
}

/** analytic ≈ c · numeric over the whole tensor, c ≠ 1. */
function constantFactor(name: string, mine: readonly Entry[]): Hint | undefined {
  const s = significant(mine)
  if (s.length < 2) return undefined
  const ratios = s.map((e) => e.analytic / e.numeric)
  const c = median(ratios)
  // Every significant entry must fail: a factor that leaves some of them within tolerance explains nothing.
  if (!s.every((e) => e.failed) || !ratios.every((r) => Math.abs(r - c) <= 0.02 * Math.abs(c))) return undefined
  const why =
    Math.abs(c + 1) < 0.02 ? ' — a sign flip (gradient ascent vs descent, or a − dropped)'
    : Math.abs(c) < 1 ? ' — a missing factor, e.g. the mean over the batch taken twice or a 2 from a square'
    : ' — an extra factor, e.g. a sum where the loss takes a mean, or a 2 from a square counted twice'
  return { kind: 'factor', name, message: `${name}: analytic = ${ratioName(c)} numeric on all ${s.length} significant checked entries${why}.` }
}

function zeroWhereNot(name: string, failing: readonly Entry[]): Hint | undefined {
  const zeros = failing.filter((e) => e.analytic === 0 && e.numeric !== 0)
  if (zeros.length === 0 || zeros.length < failing.length) return undefined
  return {
    kind: 'zero',
    name,
    message: `${name}: the analytic gradient is 0 where the numeric one is not (${zeros.length} weight${zeros.length === 1 ? '' : 's'}, e.g. ${zeros[0]!.path}: numeric ${num(zeros[0]!.numeric)}) — a missing term, or a parameter the backward pass never reaches.`,
  }
}

/** analytic[i, j] ≈ numeric[j, i], or the analytic data laid out as the transposed matrix. */
function transposed(name: string, shape: readonly number[], mine: readonly Entry[]): Hint | undefined {
  if (shape.length !== 2) return undefined
  const [r, c] = shape as [number, number]
  const byFlat = new Map(mine.map((e) => [e.index[0]! * c + e.index[1]!, e]))
  let pairs = 0
  for (const e of mine) {
    const q = e.index[0]! * c + e.index[1]!
    // Read as the transposed layout: flat q holds the gradient of (q mod r, ⌊q / r⌋).
    const other = byFlat.get((q % r) * c + Math.floor(q / r))
    if (other === undefined || !Number.isFinite(other.numeric)) continue
    if (Math.abs(e.analytic - other.numeric) > 1e-6 * Math.max(Math.abs(e.analytic), Math.abs(other.numeric)) + other.tolerance) return undefined
    if (other !== e) pairs++
  }
  if (pairs < 2) return undefined
  return { kind: 'transposed', name, message: `${name}: the analytic gradient matches the numeric one transposed (${pairs} entries) — the backward pass returns Wᵀ's gradient, or a row-major/column-major mix-up.` }
}

/** Failures confined to one or two indices of one axis (a slice, a border), while every other index passes. */
function slice(name: string, shape: readonly number[], mine: readonly Entry[], failing: readonly Entry[]): Hint | undefined {
  if (shape.length === 0 || failing.length < 2) return undefined
  for (let d = 0; d < shape.length; d++) {
    const bad = new Set(failing.map((e) => e.index[d]!))
    const outside = mine.filter((e) => !bad.has(e.index[d]!))
    if (bad.size > 2 || outside.length < 2) continue
    const n = shape[d]!
    const values = [...bad].sort((a, b) => a - b)
    const border = values.every((v) => v === 0 || v === n - 1) ? ' (a border: padding or an off-by-one at the edge?)' : ''
    const where = shape.map((_, j) => (j === d ? values.join('|') : ':')).join(',')
    return { kind: 'slice', name, message: `${name}: the failures are all in ${name}[${where}]; every other index along axis ${d} passes${border}.` }
  }
  return undefined
}

/** analytic − numeric ≈ λ·w: a missing (or extra) L2 term. */
function l2(name: string, failing: readonly Entry[]): Hint | undefined {
  const s = failing.filter((e) => e.value !== 0 && Number.isFinite(e.numeric))
  if (s.length < 3) return undefined
  const lambdas = s.map((e) => (e.numeric - e.analytic) / e.value)
  const lambda = median(lambdas)
  if (!lambdas.every((l) => Math.abs(l - lambda) <= 0.02 * Math.abs(lambda))) return undefined
  return lambda > 0
    ? { kind: 'l2', name, message: `${name}: numeric − analytic = ${num(lambda)}·w on every failing weight — the L2 term λ‖w‖²/2 with λ ≈ ${num(lambda)} is missing from the gradient.` }
    : { kind: 'l2', name, message: `${name}: analytic − numeric = ${num(-lambda)}·w on every failing weight — the gradient adds an L2 term (λ ≈ ${num(-lambda)}) the loss does not have.` }
}

function single(name: string, failing: readonly Entry[]): Hint | undefined {
  if (failing.length !== 1) return undefined
  const e = failing[0]!
  const factor = e.numeric !== 0 ? `, by a factor ${ratioName(e.analytic / e.numeric).slice(1)}` : ''
  return { kind: 'single', name, message: `only ${e.path} is off${factor} — look at how that one weight is accumulated.` }
}

/** Hints where a pattern in the report explains the failure (or the lack of one). */
export function hintsFor(r: Omit<Report, 'hints'>, p: Point): Hint[] {
  const hints: Hint[] = []
  if (!r.loss.deterministic) {
    hints.push({
      kind: 'nondeterministic',
      message: `the loss is not deterministic: two calls at the same point differ by ${fmt(r.loss.spread)} — dropout or sampling is on; turn it off or pass \`beforeEvaluation\` to reset its seed.`,
    })
  }
  for (const b of r.blocks) {
    const mine = r.entries.filter((e) => e.name === b.name)
    const failing = mine.filter((e) => e.failed && e.verdict !== 'kink')
    if (failing.length === 0 || !r.loss.deterministic) continue
    const found =
      zeroWhereNot(b.name, failing) ??
      constantFactor(b.name, mine) ??
      transposed(b.name, b.shape, mine) ??
      l2(b.name, failing) ??
      slice(b.name, b.shape, mine, failing) ??
      single(b.name, failing)
    if (found) hints.push(found)
  }
  const stepped = r.entries.filter((e) => e.failed && e.note.includes('truncation'))
  if (stepped.length > 0 && p.options.step !== 'auto') {
    hints.push({ kind: 'step', message: `${stepped.length} failing weight${stepped.length === 1 ? '' : 's'} approach the analytic value as the step shrinks: the step ${p.options.step} is too large; try \`step: 'auto'\`.` })
  }
  if (p.precision === 'float32' && r.entries.some((e) => e.verdict === 'inconclusive')) {
    hints.push({ kind: 'float32', message: 'float32 round-off is as large as some derivatives: check a float64 copy of the model to decide them.' })
  }
  return hints
}
