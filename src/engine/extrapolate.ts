import { EXTRAPOLATED_ROUNDOFF, K, RATIO, SMOOTH_BAND } from './constants.js'
import type { Level } from './differences.js'
import { smooth } from './sweep.js'
import { agree } from './tolerance.js'

export interface Estimate {
  numeric: number
  err: number
  /** The part of `err` that is round-off. */
  roundoff: number
}

/**
 * The numeric derivative from the sweep (levels by increasing step), and its error. Over two smooth
 * levels, Richardson extrapolation R = D(s) + (D(s) − D(4s))/15 removes the h² term; its error is
 * bounded by the truncation left in D(s), |D(s) − D(4s)|/15, or, over three, by how much R moves with
 * the step (|R(s) − R(4s)|, Ridders' `dfridr` criterion) — plus round-off, amplified by the
 * extrapolation. A single level bounds its truncation by its one-sided gap (≈ |f″|·s) and by the
 * difference from its neighbour. The estimate with the smallest error bound is kept.
 */
export function extrapolate(all: readonly Level[], trustAll = false): Estimate {
  const c = RATIO * RATIO - 1
  const R = (sm: Level, big: Level): number => sm.central + (sm.central - big.central) / c
  const candidates: Estimate[] = []
  // Bottom up: a level counts only while every pair below it is smooth; above a kink or past the
  // scale of f, larger steps are not estimates of the derivative at x. (With `kinks: 'ignore'`, every
  // finite level counts: f is taken to be smooth, as asked.)
  const start = Math.max(0, all.findIndex((l) => l.finite))
  let end = start + 1
  while (end < all.length && (trustAll ? all[end]!.finite : smooth(all[end]!, all[end - 1]!))) end++
  const ladder = all.slice(start, end)
  ladder.forEach((l, j) => {
    // Alone, a level's truncation is bounded by its gap (|f″|·s) and by how far its neighbour's
    // differs (which also sees f‴ where f″ vanishes, as for x³ at 0).
    const near = [ladder[j + 1], ladder[j - 1]].find((n) => n !== undefined && n.finite)
    const add = (numeric: number, truncation: number, roundoff: number): void => {
      candidates.push({ numeric, err: truncation + roundoff, roundoff })
    }
    if (l.finite) add(l.central, Math.max(l.gap / 4, near ? Math.abs(l.central - near.central) : 0), l.noise)
    const big = ladder[j + 1]
    if (big === undefined) return
    add(R(l, big), Math.abs(l.central - big.central) / c, EXTRAPOLATED_ROUNDOFF * l.noise)
    const bigger = ladder[j + 2]
    if (bigger === undefined) return
    add(R(l, big), Math.abs(R(l, big) - R(big, bigger)), EXTRAPOLATED_ROUNDOFF * l.noise)
  })
  // From the bottom up, a candidate replaces the best so far only if its bound is smaller and the two
  // agree: an estimate from larger steps that contradicts the smaller ones has crossed something (a
  // kink, the scale of f) its own bound does not know about.
  let best: Estimate = { numeric: Number.NaN, err: Infinity, roundoff: 0 }
  for (const e of candidates) {
    const agrees = !Number.isFinite(best.err) || agree(e.numeric, e.err, best.numeric, best.err)
    if (e.err < best.err && agrees) best = e
  }
  return best
}

/**
 * Next to a domain edge (log, sqrt, 1/x near 0; a clipped input) f is not finite on one side, and a
 * central difference is meaningless, but the one-sided differences of the other side are not:
 * D(s) = f′ ± f″·s/2 + O(s²), so over steps s and 4s the first-order error falls 4×, Richardson's
 * R = D(s) + (D(s) − D(4s))/3 removes it, and |D(s) − D(4s)|/3 bounds what D(s) has left. Round-off
 * is 2ε/s for one side (twice a central difference's), amplified 5/3 by the extrapolation.
 */
export function extrapolateOneSided(all: readonly Level[], side: 'forward' | 'backward'): Estimate {
  const ok = (l: Level): boolean => (side === 'forward' ? l.forwardOk : l.backwardOk)
  const start = all.findIndex(ok)
  if (start < 0) return { numeric: Number.NaN, err: Infinity, roundoff: 0 }
  let end = start + 1
  while (end < all.length && ok(all[end]!)) end++
  const v = (l: Level): number => l[side]
  // Only where the differences behave like a first-order one's: between consecutive levels they change
  // by f″·(3s/2), 4× more at each larger level, within their round-off (2ε/s each). Steps beyond the
  // scale the function changes on (next to an edge, that is the distance to it) do not, and tell nothing.
  const change = (j: number): [number, number] => {
    const [a, b] = [all[j]!, all[j + 1]!]
    return [Math.abs(v(b) - v(a)), 2 * (a.noise + b.noise) * K.KINK_EVIDENCE]
  }
  for (let j = start; j + 2 < end; j++) {
    const [small, es] = change(j)
    const [big, eb] = change(j + 1)
    if (big + eb < SMOOTH_BAND[0] * (small - es) || big - eb > SMOOTH_BAND[1] * (small + es)) {
      end = j + 2
      break
    }
  }
  if (end - start < 3) return { numeric: Number.NaN, err: Infinity, roundoff: 0 }
  const ladder = all.slice(start, end)
  const R = (sm: Level, big: Level): number => v(sm) + (v(sm) - v(big)) / (RATIO - 1)
  const candidates: Estimate[] = []
  ladder.forEach((l, j) => {
    const roundoff = 2 * l.noise
    const big = ladder[j + 1]
    if (big === undefined) return
    candidates.push({ numeric: v(l), err: Math.abs(v(l) - v(big)) / (RATIO - 1) + roundoff, roundoff })
    const bigger = ladder[j + 2]
    if (bigger === undefined) return
    const r = R(l, big)
    const rr = (RATIO + 1) / (RATIO - 1)
    candidates.push({ numeric: r, err: Math.abs(r - R(big, bigger)) + rr * roundoff, roundoff: rr * roundoff })
  })
  let best: Estimate = { numeric: Number.NaN, err: Infinity, roundoff: 0 }
  for (const e of candidates) {
    const agrees = !Number.isFinite(best.err) || agree(e.numeric, e.err, best.numeric, best.err)
    if (e.err < best.err && agrees) best = e
  }
  return best
}
