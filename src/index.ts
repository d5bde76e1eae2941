export { checkGradients, type Gradient } from './check.js'
export { formatReport, band } from './format.js'
export { DEFAULTS, type GradcheckOptions, type ResolvedOptions, type Method, type KinkPolicy } from './options.js'
export type { Report, Entry, BlockSummary, Hint, Verdict } from './report.js'
export type { Precision } from './params.js'
export {
  GradcheckError,
  InvalidArgumentError,
  InvalidOptionError,
  ShapeMismatchError,
  NonFiniteError,
  LossValueError,
} from './errors.js'
