import { K, RATIO } from './constants.js'
import type { Level } from './differences.js'
import type { Coordinate } from './scale.js'
import { gapNoise, sameGapSign } from './sweep.js'
import { bound } from './tolerance.js'
import type { Judged } from './verdict.js'

/**
 * The one kink detector. A kink's gap J·(1 − d/s) keeps its sign and stays put or shrinks a little
 * with the step; a smooth f's shrinks 4×; one that grows or flips sign is noise. Evidence is a gap at
 * h/4 of the same sign, above the smooth prediction by more than its noise; and as a kink within h/4
 * is within h too, the excess over the smooth prediction must be there at h as well, about as large.
 */
export function kinkEvidence(small: Level, mid: Level, large: Level | undefined): boolean {
  if (!small.finite || !mid.finite) return false
  const excessSmall = small.gap - mid.gap / RATIO
  const excessMid = large?.finite ? mid.gap - large.gap / RATIO : excessSmall
  // Strong evidence stands on its own: more kinks further out can make the larger steps' gaps grow
  // faster than a smooth f's, so the check at h only confirms weak evidence.
  const strong = excessSmall > K.STRONG_KINK * K.KINK_EVIDENCE * gapNoise(small)
  // Beyond its noise, and beyond what a smooth f's higher-order terms do to the gap ratio: a smooth
  // gap grows 4×(1 + O(s²)) per level, so a ratio below 4·(1 − KINK_SHARE) needs steps on the scale f
  // itself changes on; a kink at x gives a ratio of 1.
  const signal = Math.max(K.KINK_EVIDENCE * gapNoise(small), K.KINK_SHARE * small.gap)
  return sameGapSign(small, mid) && excessSmall > signal && small.gap <= K.KINK_GROWTH * mid.gap + gapNoise(small) &&
    (strong || excessMid >= K.KINK_HOLD * excessSmall - gapNoise(mid))
}

/**
 * The smallest three levels (from index `base`) that show a kink. A descent may have gone below them
 * into round-off that hides it, so levels whose gap is within its noise are passed over; a smaller
 * level with signal that shows no kink means any kink higher up is not at x — the smaller steps
 * resolve f there — so the search stops.
 */
export function kinkBase(ladder: readonly Level[]): number {
  for (let base = 0; base + 2 < ladder.length; base++) {
    const [small, mid, large] = [ladder[base]!, ladder[base + 1]!, ladder[base + 2]!]
    if (kinkEvidence(small, mid, large)) return base
    if (small.finite && small.gap > K.KINK_EVIDENCE * gapNoise(small)) return 0
  }
  return 0
}

/**
 * Where the kink is, from the gaps at steps s and s/4 that both straddle it: a kink at distance d with
 * a slope jump J leaves a gap J·(1 − d/s), so gap(s) − gap(s/4) = 3·J·d/s.
 */
export function kinkDistance(wide: Level, narrow: Level): number {
  const jump = wide.gap + (wide.gap - narrow.gap) / 3
  const d = Math.min(narrow.s, Math.max(0, ((wide.gap - narrow.gap) * wide.s) / (3 * jump)))
  return d < K.KINK_AT_X * narrow.s ? 0 : d
}

/**
 * At a kink, any value between the one-sided slopes is a valid subgradient (Clarke; BVLC/caffe#1334):
 * accepted, skipped or failed as `kinks` says; a value outside them is a bug.
 */
export function judgeKink(c: Coordinate, small: Level, mid: Level, err: number, m: number): Omit<Judged, 'steps'> {
  const lo = Math.min(small.forward, small.backward)
  const hi = Math.max(small.forward, small.backward)
  // A one-sided slope is only first-order accurate: its truncation f″·s/2 shrinks 4× from step h to
  // h/4, so a third of how much it moved between the two steps bounds what remains.
  const drift = Math.max(Math.abs(mid.forward - small.forward), Math.abs(mid.backward - small.backward)) / (RATIO - 1)
  const slack = bound(c, 2 * small.noise + drift, m)
  const base = { numeric: small.central, estimatedError: err, tolerance: slack, kink: true, slopes: [lo, hi] as [number, number] }
  const at = { kind: 'kink', distance: kinkDistance(mid, small), step: small.s } as const
  if (c.a < lo - slack || c.a > hi + slack) return { ...base, verdict: 'bug', failed: true, reason: { ...at, outcome: 'outside' } }
  if (c.options.kinks === 'fail') return { ...base, verdict: 'kink', failed: true, reason: { ...at, outcome: 'failed' } }
  if (c.options.kinks === 'skip') return { ...base, verdict: 'kink', failed: false, reason: { ...at, outcome: 'skipped' } }
  return { ...base, verdict: 'kink', failed: false, reason: { ...at, outcome: 'accepted' } }
}

/**
 * The kink judged where its interval is tightest. A kink at x (distance 0) is straddled by every step
 * that shows it, so each such level gives valid one-sided slopes; the smallest has the most round-off
 * (∝ 1/s), larger ones more truncation (their drift, ∝ s): from the smallest level with evidence, go up
 * while the next level still shows the same kink at x, and keep the judgement with the least slack.
 */
export function judgeKinkAt(c: Coordinate, ladder: readonly Level[], base: number, err: number, m: number): Omit<Judged, 'steps'> {
  let best = judgeKink(c, ladder[base]!, ladder[base + 1]!, err, m)
  for (let b = base + 1; b + 1 < ladder.length; b++) {
    const [below, small, mid] = [ladder[b - 1]!, ladder[b]!, ladder[b + 1]!]
    if (kinkDistance(small, below) !== 0 || kinkDistance(mid, small) !== 0 || !kinkEvidence(small, mid, ladder[b + 2])) break
    const judged = judgeKink(c, small, mid, err, m)
    if (judged.tolerance < best.tolerance) best = judged
  }
  return best
}

/**
 * Before a disagreement is called a bug: where round-off blurs a kink at x (float32), one of the two
 * smallest steps may still show it — a gap above its noise that does not grow ~4× at the next step,
 * as a smooth f's would, with one-sided slopes that hold still from one step to the next, as a kink's
 * do (a function finer than the steps makes them wander) — and slopes that straddle the analytic
 * value: a subgradient there.
 */
export function blurredKink(c: Coordinate, ladder: readonly Level[], err: number, m: number): Omit<Judged, 'steps'> | undefined {
  for (let j = 0; j < 2 && j + 1 < ladder.length; j++) {
    const l = ladder[j]!
    const near = ladder[j + 1]!
    const drift = Math.max(Math.abs(near.forward - l.forward), Math.abs(near.backward - l.backward)) / (RATIO - 1)
    if (!l.finite || !near.finite || l.gap <= K.KINK_EVIDENCE * gapNoise(l)) continue
    // A smallest step whose gap stands above its noise and grows as a smooth f's does (or whose slopes wander) resolves
    // f at x: a kink the next step up shows is not at x, and its slopes (with that step's larger slack) are no
    // subgradient of f at x (far-centred float32 7472, out of sample: a derivative missing 98 % of itself was
    // accepted between [1.97e7, 6.00e7] ± 3.9e7 at the second step, while the smallest step's gap had fallen 3×).
    if (near.gap >= K.BLUR_GROWTH * l.gap || drift > K.BLUR_DRIFT * l.gap) return undefined
    const judged = judgeKink(c, l, near, err, m)
    if (judged.verdict === 'kink') return judged
  }
  return undefined
}
