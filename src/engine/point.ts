import type { ResolvedOptions } from '../options.js'
import type { Precision } from '../params/flatten.js'
import type { Progress } from '../progress.js'
import type { Perturbation } from './calls.js'

/** What a check works on: the parameters (through the one object that perturbs and restores them), the analytic gradient, the precision and the options. */
export interface Point {
  at: Perturbation
  analytic: readonly Float64Array[]
  precision: Precision
  options: ResolvedOptions
  /** Where the modes say what they are doing (onProgress); absent, nothing is told. */
  progress?: Progress
}
