import { lossAt } from './calls.js'
import type { Check } from './drive.js'
import type { Coordinate } from './scale.js'

/** One central difference at step s, with its one-sided halves. */
export interface Level {
  kind: 'central' | 'forward'
  s: number
  /** (f(x+s) − f(x−s)) / (x₊ − x₋), with the steps actually taken. */
  central: number
  forward: number
  backward: number
  /** |forward − backward|: ≈ |f″|·s where f is smooth, ≈ the jump of the slope at a straddled kink. */
  gap: number
  /** Bound on the round-off of `central`: the loss's noise (at least its last bit) over the step. */
  noise: number
  /** The central difference is usable: both steps moved x and every value is finite. */
  finite: boolean
  /** Both steps moved x: false where x ± s rounds back to x (a step below the parameter's ulp). */
  moved: boolean
  /** Each one-sided difference on its own is usable (next to a domain edge, one of them is not). */
  forwardOk: boolean
  backwardOk: boolean
  /** The loss values it was formed from, where the storage put x (the coordinate's own noise is read from them, `localNoise`). */
  samples?: readonly Sample[]
}

/** A loss value at a perturbed coordinate: where the storage put x, and f there. */
export interface Sample {
  x: number
  f: number
}

/**
 * Noise of one loss value: the measured noise, but never less than one unit round-off of the values
 * actually seen (a loss that is exactly 0 at `at` still rounds at x ± s) nor than the smallest
 * number of the precision (a subnormal step of the result).
 */
export const noiseAt = (c: Coordinate, ...fs: number[]): number => Math.max(c.loss.noise, c.u * Math.max(...fs.map(Math.abs)), c.tiny)

/**
 * A coordinate that is a move along a direction (direction.ts): its x is the step t along it, and
 * `along(s)` the loss there. Every stage below then works on a direction as on one coordinate.
 */
export interface Along {
  along(s: number): Check<Sample>
}

/** f at x + s for coordinate `c` (or at t = s along a direction). */
export const at = (c: Coordinate, s: number): Check<Sample> =>
  'along' in c ? (c as Coordinate & Along).along(s) : lossAt(c.p.at, c.k, c.i, c.x + s)

/** The central difference at step s around coordinate `c`, with its one-sided halves; `up` reuses f(x + s) when it is known. */
export function* level(c: Coordinate, s: number, up?: Sample): Check<Level> {
  const u = up ?? (yield* at(c, s))
  return levelOf(c, u, yield* at(c, -s))
}

/** The central difference of f at the samples `u` (x + s) and `d` (x − s), with its one-sided halves. */
export function levelOf(c: Coordinate, u: Sample, d: Sample): Level {
  const f0 = c.loss.value
  // The steps actually taken: (x + s) − x is not s in floating point, and a Float32Array rounds x + s.
  const hUp = u.x - c.x
  const hDown = c.x - d.x
  const central = (u.f - d.f) / (u.x - d.x)
  const forward = (u.f - f0) / hUp
  const backward = (f0 - d.f) / hDown
  const moved = hUp > 0 && hDown > 0
  const finite = moved && [central, forward, backward].every(Number.isFinite)
  const step = (hUp + hDown) / 2
  const noise = noiseAt(c, ...[u.f, d.f].filter(Number.isFinite)) / step // 2ε over 2s
  // s > 0 and rounding is monotone, so hUp, hDown ≥ 0; a side that did not move divides by 0 (NaN or ±∞).
  const forwardOk = Number.isFinite(forward)
  const backwardOk = Number.isFinite(backward)
  return { kind: 'central', s: step, central, forward, backward, gap: Math.abs(forward - backward), noise, finite, moved, forwardOk, backwardOk, samples: [u, d] }
}

/** One forward difference, (f(x+h) − f(x))/h, as a level without a backward half; and f(x + h) for reuse. */
export function* forwardLevel(c: Coordinate): Check<{ level: Level; up: Sample }> {
  const up = yield* at(c, c.h)
  const hUp = up.x - c.x
  const d = (up.f - c.loss.value) / hUp
  const noise = (2 * noiseAt(c, up.f, c.loss.value)) / hUp
  const finite = Number.isFinite(d) // hUp = 0 gives (f − f₀)/0: NaN or ±∞
  return { level: { kind: 'forward', s: hUp, central: d, forward: d, backward: d, gap: 0, noise, finite, moved: hUp > 0, forwardOk: finite, backwardOk: false, samples: [up] }, up }
}
