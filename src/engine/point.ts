import type { ResolvedOptions } from '../options.js'
import type { Precision } from '../params/flatten.js'
import type { Progress } from '../progress.js'
import type { Perturbation } from './calls.js'
import type { Direction } from './direction.js'
import type { Check } from './drive.js'

/** What a check works on: the parameters (through the one object that perturbs and restores them), the analytic gradient, the precision and the options. */
export interface Point {
  at: Perturbation
  analytic: readonly Float64Array[]
  precision: Precision
  /**
   * The storage precision of each tensor of the analytic gradient, where one is float32 (a Float32Array returned
   * for a float64 `at`): its values carry float32 rounding, which the analytic side's round-off in `bound` allows.
   */
  analyticPrecision?: readonly Precision[]
  options: ResolvedOptions
  /** Where the modes say what they are doing (onProgress); absent, nothing is told. */
  progress?: Progress
  /**
   * The analytic derivative along a direction, from the analytic side itself (a JVP: one call for any
   * direction); absent, it is g·v from `analytic`. A point with it knows `analytic` only where it asked
   * `along` for a single coordinate, and has no gradient direction.
   */
  along?: (d: Direction) => Check<number>
}
