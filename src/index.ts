export { checkGradients, type Gradient } from './check.js'
export { formatReport, band, type FormatOptions, type Colors } from './render/text.js'
export { DEFAULTS, type GradcheckOptions, type ResolvedOptions, type Method, type KinkPolicy } from './options.js'
export type { Report, Entry, Step, Reason, Trend, Warning, BlockSummary, Hint, Verdict } from './report/types.js'
export type { Precision } from './params/flatten.js'
export {
  GradcheckError,
  InvalidArgumentError,
  InvalidOptionError,
  ShapeMismatchError,
  NonFiniteError,
  LossValueError,
  ParameterError,
  CallError,
} from './errors.js'
export { registerTensorAdapter, type TensorAdapter, type TensorData } from './params/adapters.js'
