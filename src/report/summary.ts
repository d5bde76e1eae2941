import type { Point } from '../engine/point.js'
import type { LossStats } from '../engine/noise.js'
import type { TensorScale } from '../engine/scale.js'
import type { Precision } from '../params/flatten.js'
import { hintsFor } from './hints.js'
import type { BlockSummary, Entry, Report, Warning } from './types.js'

/** ‖a − n‖ / ‖a + n‖ over entries with a finite numeric value; 0 when both are 0. */
export function normRatio(entries: readonly Entry[]): number {
  let diff = 0
  let sum = 0
  for (const e of entries) {
    if (!Number.isFinite(e.numeric)) continue
    diff += (e.analytic - e.numeric) ** 2
    sum += (e.analytic + e.numeric) ** 2
  }
  return sum === 0 ? (diff === 0 ? 0 : Infinity) : Math.sqrt(diff / sum)
}

const maxRelative = (entries: readonly Entry[]): number => entries.reduce((m, e) => Math.max(m, e.relativeError), 0)

/** Failing before passing, then by how far beyond its bound. */
const badness = (e: Entry): number => {
  const r = e.absoluteError / e.tolerance
  return Number.isNaN(r) ? Infinity : r
}

/**
 * The `count` worst entries, failing first, then by badness, as a stable sort of all of them would
 * order them (ties keep the entries' order); badness computed once per entry, and only the few kept
 * are sorted: O(n·count), not O(n log n) comparisons that each compute two ratios.
 */
export function worstOf(entries: readonly Entry[], count: number): Entry[] {
  const kept: { e: Entry; failed: number; bad: number }[] = []
  const before = (x: { failed: number; bad: number }, y: { failed: number; bad: number }): boolean => x.failed > y.failed || (x.failed === y.failed && x.bad > y.bad)
  for (const e of entries) {
    const item = { e, failed: Number(e.failed), bad: badness(e) }
    if (kept.length === count && (count === 0 || !before(item, kept[count - 1]!))) continue
    let j = kept.length
    while (j > 0 && before(item, kept[j - 1]!)) j--
    kept.splice(j, 0, item)
    if (kept.length > count) kept.pop()
  }
  return kept.map((k) => k.e)
}

/** How many kink examples a warning names. */
const KINK_EXAMPLES = 3

function warningsOf(p: Point, entries: readonly Entry[], blocks: readonly BlockSummary[], loss: LossStats, declared: Precision): Warning[] {
  const warnings: Warning[] = []
  const accepted = entries.filter((e) => e.kink && !e.failed)
  if (accepted.length > 0) {
    const policy = p.options.kinks === 'skip' ? 'skip' : 'subgradient'
    warnings.push({ kind: 'kinks', count: accepted.length, policy, paths: accepted.slice(0, KINK_EXAMPLES).map((e) => e.path) })
  }
  const broken = entries.filter((e) => e.steps.some((st) => st.moved && !st.finite))
  const along = p.at.nonFiniteAlong ?? 0
  if (broken.length > 0 || loss.nonFinite > 0 || along > 0) {
    warnings.push({ kind: 'non-finite', count: broken.length, paths: broken.slice(0, KINK_EXAMPLES).map((e) => e.path), probe: loss.nonFinite, ...(along > 0 ? { directions: along } : {}) })
  }
  const inconclusive = entries.filter((e) => e.verdict === 'inconclusive')
  if (inconclusive.length > 0) warnings.push({ kind: 'inconclusive', count: inconclusive.length, path: inconclusive[0]!.path })
  if (loss.deterministic && loss.spread > 0) warnings.push({ kind: 'spread', spread: loss.spread })
  if (p.precision !== declared) warnings.push({ kind: 'float32-loss' })
  for (const s of blocks) {
    if (s.checked < s.size) warnings.push({ kind: 'sampled', name: s.name, checked: s.checked, size: s.size, seed: p.options.seed })
  }
  return warnings
}

/** The report of a check: every entry, the summaries per tensor, the worst entries, warnings and hints. */
export function summarize(p: Point, entries: Entry[], scales: readonly TensorScale[], loss: LossStats, evaluations: number, declared: Precision): Report {
  // One pass over the entries, not one per tensor: a model of many tensors checked coordinate by coordinate has as many entries as weights.
  const byName = new Map<string, Entry[]>(p.at.blocks.map((b) => [b.name, []]))
  for (const e of entries) byName.get(e.name)?.push(e)
  const blocks: BlockSummary[] = p.at.blocks.map((b, k) => {
    const mine = byName.get(b.name)!
    return {
      name: b.name,
      shape: [...b.shape],
      size: b.size,
      checked: mine.length,
      failed: mine.filter((e) => e.failed).length,
      maxRelativeError: maxRelative(mine),
      normRatio: normRatio(mine),
      scale: scales[k]!.gradient,
    }
  })
  const failed = entries.filter((e) => e.failed).length
  // Unverified: no estimate of the derivative at all (steps that never moved x, f not finite around
  // it). An estimate too coarse to decide is inconclusive too, but it did measure: the gradient agrees
  // within the noise of the precision, which is all any check can promise.
  const unmeasured = (e: Entry): boolean => !Number.isFinite(e.numeric)
  const missing = entries.filter(unmeasured).length
  const empty = blocks.filter((b) => b.checked > 0 && byName.get(b.name)!.every(unmeasured)).map((b) => b.name)
  const unverified = empty.length > 0 || 2 * missing >= entries.length ? { tensors: empty, unmeasured: missing } : undefined
  const worst = worstOf(entries, p.options.worst)
  const partial: Omit<Report, 'hints'> = {
    pass: failed === 0 && loss.deterministic && unverified === undefined,
    checked: entries.length,
    failed,
    unverified,
    evaluations,
    normRatio: normRatio(entries),
    maxRelativeError: maxRelative(entries),
    worst,
    entries,
    directions: [],
    kinks: entries.filter((e) => e.kink),
    blocks,
    warnings: warningsOf(p, entries, blocks, loss, declared),
    seed: p.options.seed,
    precision: p.precision,
    loss: { value: loss.value, noise: loss.noise, spread: loss.spread, deterministic: loss.deterministic },
    options: p.options,
  }
  return { ...partial, hints: hintsFor(partial, p) }
}
