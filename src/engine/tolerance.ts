import { K, NEGLIGIBLE, UNIT_ROUNDOFF } from './constants.js'
import type { Coordinate } from './scale.js'

/**
 * What passes: |a − n| ≤ atol + rtol·max(|a|, |n|). Automatic atol: SAFETY times the estimated error
 * of n, plus the analytic side's own round-off on the tensor's gradient scale; automatic rtol: that
 * round-off on the value. A number given in the options replaces its part.
 */
export function bound(c: Coordinate, err: number, m: number): number {
  const o = c.options
  const ua = analyticRoundoff(c)
  return (o.atol === 'auto' ? K.SAFETY * err + K.ANALYTIC_ULPS * ua * c.G : o.atol) + (o.rtol === 'auto' ? K.ANALYTIC_ULPS * ua : o.rtol) * m
}

/** The unit round-off of the analytic side: the check's, or float32's where the gradient tensor was stored in float32. */
export const analyticRoundoff = (c: Coordinate): number => (c.p?.analyticPrecision?.[c.k] === 'float32' ? Math.max(c.u, UNIT_ROUNDOFF.float32) : c.u)

/**
 * The share of the derivative an error allows (SAFETY·err / max(|a|, |n|)); 0 for a derivative
 * negligible beside the gradient scale, which is judged against that scale instead.
 */
export function share(c: Coordinate, numeric: number, err: number, negligible: number): number {
  const m = Math.max(Math.abs(c.a), Math.abs(numeric))
  return m > 0 && m >= negligible * c.G ? (K.SAFETY * err) / m : 0
}

/** An estimate whose error is as large as the derivative itself can neither clear nor convict. */
export const weak = (c: Coordinate, numeric: number, err: number): boolean => share(c, numeric, err, NEGLIGIBLE.weak) >= K.WEAK

/**
 * A 10% error of a weight among the tensor's larger ones (≥ 10% of the gradient scale) must stand
 * out: a first difference only clears it on its own when its round-off allows less than COARSE of the
 * derivative, and the sweep climbs while its bound allows COARSE or more (both bite in float32).
 */
export const coarse = (c: Coordinate, numeric: number, err: number): boolean => share(c, numeric, err, NEGLIGIBLE.coarse) >= K.COARSE

/** The one rule for "two estimates agree": they differ by at most AGREE times the sum of their bounds. */
export const agree = (x: number, ex: number, y: number, ey: number): boolean => Math.abs(x - y) <= K.AGREE * (ex + ey)
