import { K, UNIT_ROUNDOFF } from '../engine/constants.js'
import type { Point } from '../engine/point.js'
import type { Entry, Hint, Report } from './types.js'

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** A pattern holds when every ratio lies within 2% of their median. */
const SPREAD = 0.02
/** …and, for a factor, within a tenth of its distance from 1. */
const FACTOR_SPREAD = 0.1

/** The entries of a tensor whose numeric value is well above its error: the ones a pattern can be read from. */
const significant = (mine: readonly Entry[]): Entry[] => {
  const top = mine.reduce((m, e) => (Number.isFinite(e.numeric) ? Math.max(m, Math.abs(e.numeric)) : m), 0) // a NaN difference (a domain edge) must not hide the pattern of the others
  return mine.filter((e) => Number.isFinite(e.numeric) && Math.abs(e.numeric) > 1e-3 * top && Math.abs(e.numeric) > 10 * e.estimatedError)
}

/** analytic ≈ c · numeric over the whole tensor, c ≠ 1. */
function constantFactor(name: string, mine: readonly Entry[]): Hint | undefined {
  const s = significant(mine)
  if (s.length < 2) return undefined
  const ratios = s.map((e) => e.analytic / e.numeric)
  const c = median(ratios)
  // Every significant entry must fail: a factor that leaves some of them within tolerance explains
  // nothing. And the ratios must hold still beside how far the factor is from 1: ratios spread over
  // 0.986…1.011 are not "×0.998", they are an error of another shape (a missing L2 term).
  const spread = Math.min(SPREAD * Math.abs(c), FACTOR_SPREAD * Math.abs(c - 1))
  if (!s.every((e) => e.failed) || !ratios.every((r) => Math.abs(r - c) <= spread)) return undefined
  return { kind: 'factor', name, names: [name], factor: c, count: s.length }
}

function zeroWhereNot(name: string, failing: readonly Entry[]): Hint | undefined {
  const zeros = failing.filter((e) => e.analytic === 0 && e.numeric !== 0)
  if (zeros.length === 0 || zeros.length < failing.length) return undefined
  return { kind: 'zero', name, count: zeros.length, path: zeros[0]!.path, numeric: zeros[0]!.numeric }
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
  return { kind: 'transposed', name, pairs }
}

/** Failures confined to one or two indices of one axis (a slice, a border), while every other index passes. */
function slice(name: string, shape: readonly number[], mine: readonly Entry[], failing: readonly Entry[]): Hint | undefined {
  if (shape.length === 0 || failing.length < 2) return undefined
  for (let d = 0; d < shape.length; d++) {
    const bad = new Set(failing.map((e) => e.index[d]!))
    const outside = mine.filter((e) => !bad.has(e.index[d]!))
    if (bad.size > 2 || outside.length < 2) continue
    const indices = [...bad].sort((a, b) => a - b)
    const border = indices.every((v) => v === 0 || v === shape[d]! - 1)
    return { kind: 'slice', name, shape: [...shape], axis: d, indices, border }
  }
  return undefined
}

/** analytic − numeric ≈ λ·w: a missing (or extra) L2 term. */
function l2(name: string, failing: readonly Entry[]): Hint | undefined {
  const s = failing.filter((e) => e.value !== 0 && Number.isFinite(e.numeric))
  if (s.length < 3) return undefined
  const lambdas = s.map((e) => (e.numeric - e.analytic) / e.value)
  const lambda = median(lambdas)
  if (!lambdas.every((l) => Math.abs(l - lambda) <= SPREAD * Math.abs(lambda))) return undefined
  return { kind: 'l2', name, lambda }
}

function single(name: string, failing: readonly Entry[], alone: boolean): Hint | undefined {
  if (failing.length !== 1) return undefined
  const e = failing[0]!
  const base = { kind: 'single', name, path: e.path, alone } as const
  // A factor only where it is a number: not for a numeric 0, nor for an analytic NaN or ±∞ (a JVP's).
  const factor = e.analytic / e.numeric
  return e.numeric !== 0 && Number.isFinite(factor) ? { ...base, factor } : base
}

/** One hint per pattern: the same factor on several tensors is said once, naming them all; nothing is said twice. */
function merged(hints: readonly Hint[]): Hint[] {
  const out: Hint[] = []
  for (const h of hints) {
    const same = h.kind === 'factor' ? out.find((o) => o.kind === 'factor' && Math.abs(o.factor - h.factor) <= SPREAD * Math.abs(h.factor)) : undefined
    if (same !== undefined && same.kind === 'factor' && h.kind === 'factor') {
      same.names.push(...h.names)
      same.count += h.count
    } else if (!out.some((o) => JSON.stringify(o) === JSON.stringify(h))) out.push(h.kind === 'factor' ? { ...h, names: [...h.names] } : h)
  }
  return out
}

/**
 * Every move of the tensor left the loss exactly as it was, while its gradient fails: the loss does
 * not read it — a stateful loss reading a copy of the parameters, or a tensor that really does not
 * matter here (a dead ReLU layer), whose gradient must then be 0.
 */
function unread(name: string, mine: readonly Entry[], failing: readonly Entry[]): Hint | undefined {
  if (!mine.every((e) => e.steps.every((s) => s.forward === 0 && s.backward === 0))) return undefined
  return { kind: 'unread', name, moves: mine.reduce((n, e) => n + 2 * e.steps.length, 0), path: failing[0]!.path, analytic: failing[0]!.analytic }
}

/** Hints where a pattern in the report explains the failure (or the lack of one). */
export function hintsFor(r: Omit<Report, 'hints'>, p: Point): Hint[] {
  const hints: Hint[] = []
  if (!r.loss.deterministic) hints.push({ kind: 'nondeterministic', spread: r.loss.spread })
  const failingTensors = r.blocks.filter((b) => b.failed > 0).length
  // Every failure within float32 round-off of its analytic value, in a float64 check: that, not a pattern of a bug,
  // is the first thing to rule out (a ×(1 + 2e-8) "factor" is a Float32 buffer, not a mean taken twice).
  const failed = r.entries.filter((e) => e.failed)
  const relative = failed.map((e) => Math.abs(e.analytic - e.numeric) / Math.max(Math.abs(e.analytic), Math.abs(e.numeric)))
  const float32Gradient = p.precision === 'float64' && p.options.step === 'auto' && r.loss.deterministic && failed.length > 0 &&
    failed.every((e, j) => e.verdict === 'bug' && relative[j]! <= K.ANALYTIC_ULPS * UNIT_ROUNDOFF.float32)
  if (float32Gradient) hints.push({ kind: 'float32-gradient', count: failed.length, relativeError: Math.max(...relative) })
  for (const b of float32Gradient ? [] : r.blocks) {
    const mine = r.entries.filter((e) => e.name === b.name)
    const failing = mine.filter((e) => e.failed && e.verdict !== 'kink')
    if (failing.length === 0 || !r.loss.deterministic) continue
    const found =
      unread(b.name, mine, failing) ??
      zeroWhereNot(b.name, failing) ??
      constantFactor(b.name, mine) ??
      transposed(b.name, b.shape, mine) ??
      l2(b.name, failing) ??
      slice(b.name, b.shape, mine, failing) ??
      single(b.name, failing, failingTensors === 1)
    if (found) hints.push(found)
  }
  const stepped = r.entries.filter((e) => e.failed && e.reason.kind === 'sweep' && e.reason.trend === 'falls')
  if (stepped.length > 0 && p.options.step !== 'auto') hints.push({ kind: 'step', count: stepped.length, step: p.options.step })
  if (p.options.step !== 'auto' && r.entries.some((e) => e.reason.kind === 'unmoved')) hints.push({ kind: 'step-too-small', step: p.options.step })
  else if (p.precision === 'float32' && r.entries.some((e) => e.verdict === 'inconclusive')) hints.push({ kind: 'float32' })
  return merged(hints)
}
