import { LOCAL_DEGREE, LOCAL_POSITIONS } from './constants.js'
import { type Level, at, levelOf } from './differences.js'
import type { Check } from './drive.js'
import { noiseFit } from './noise.js'
import type { Coordinate } from './scale.js'
import { smooth } from './sweep.js'

/**
 * The coordinate's own noise, read where the steps were taken: the scatter about a least-squares quartic
 * of the loss at x, at the ladder's points within the window ±w (`smoothReach`), and at 2·LOCAL_POSITIONS.length
 * more points between them (irregular, so a staircase's steps do not repeat). The probe moves every
 * coordinate at once by tiny amounts; the round-off of a large intermediate behind this coordinate (the
 * E[x]² of a variance, a sum rounded to the grid of an affine term) can be a staircase the probe's moves
 * do not resolve, and then the ladder's differences disagree with a by round-off the probe never saw.
 * Over the window a smooth f is a quartic to within its 5th-order term, f⁽⁵⁾·h⁵/120, far below the
 * round-off at any step the sweep settles on (where the truncation f‴·h²/6 of a difference is no larger
 * than its round-off ε/h). 0 where a value is not finite or too few positions are distinct to fit.
 */
export function* localNoise(c: Coordinate, ladder: readonly Level[]): Check<{ noise: number; levels: Level[] }> {
  const w = smoothReach(c, ladder)
  const known = ladder.flatMap((l) => l.samples ?? []).filter((s) => Math.abs(s.x - c.x) <= w * (1 + 1e-9))
  // Each pair x ± t·w is a central difference of its own: evidence the entry shows (a NaN there is counted).
  const levels: Level[] = []
  for (const t of LOCAL_POSITIONS) levels.push(levelOf(c, yield* at(c, t * w), yield* at(c, -t * w)))
  const all = [{ x: c.x, f: c.loss.value }, ...known, ...levels.flatMap((l) => l.samples!)]
  if (!all.every((s) => Number.isFinite(s.f))) return { noise: 0, levels }
  const ts = all.map((s) => s.x - c.x)
  const fs = all.map((s) => s.f)
  const noise = noiseFit(ts, fs, LOCAL_DEGREE)
  // Noise leaves about the same scatter about a polynomial of two degrees more (below a quarter of it
  // with probability 1e-4 for Gaussian noise: the ratio of the residual sums is Beta(3, 1)); f's own shape
  // over a window on f's own scale does not, and is not noise. Of the two, the smaller (the 6 degrees of
  // freedom of the wider fit allowed a factor 2).
  const wider = noiseFit(ts, fs, LOCAL_DEGREE + 2)
  return { noise: wider >= noise / 4 ? Math.min(noise, 2 * wider) : 0, levels }
}

/**
 * The window the coordinate's noise is read over: the largest step up to h where the ladder is smooth
 * from its smallest finite level up (each pair of neighbouring levels `smooth`); the smallest level
 * where no pair is.
 */
function smoothReach(c: Coordinate, ladder: readonly Level[]): number {
  const finite = ladder.filter((l) => l.finite && l.s <= c.h * (1 + 1e-9))
  if (finite.length === 0) return c.h
  let j = 0
  while (j + 1 < finite.length && smooth(finite[j + 1]!, finite[j]!)) j++
  return finite[j]!.s
}

/** The ladder with every level's round-off bound at least the coordinate's own noise ε over its step. */
export const withNoise = (ladder: readonly Level[], eps: number): Level[] =>
  ladder.map((l) => (eps / l.s > l.noise ? { ...l, noise: eps / l.s } : l))
