export { checkGradients, type Gradient } from './check.js'
export { formatReport, band, type FormatOptions, type Colors } from './render/text.js'
export { renderHtml, type HtmlOptions } from './render/html.js'
export { writeHtmlReport } from './render/write.js'
export { DEFAULTS, type GradcheckOptions, type ResolvedOptions, type Method, type KinkPolicy, type Mode } from './options.js'
export type { Report, Entry, Step, Reason, Trend, Warning, BlockSummary, Hint, Verdict, DirectionTest, Coverage } from './report/types.js'
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
export { checkJacobian, formatJacobianReport, type JacobianSpec, type JacobianOptions, type JacobianReport, type JacobianRow } from './modes/jacobian.js'
export { checkHessian, type HessianSpec, type HessianOptions } from './modes/hessian.js'
export type { ProgressEvent } from './progress.js'
export { registerTensorAdapter, type TensorAdapter, type TensorData } from './params/adapters.js'
