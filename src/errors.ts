/**
 * Wrong usage throws one of these; a wrong gradient fails the assertion instead.
 * Every message follows one pattern: what was expected, what was received, and one sentence on the fix.
 */
export class GradcheckError extends Error {
  override name = 'GradcheckError'
}

/** The loss or the gradient is not something gradcheck can call or read (e.g. the loss is not a function). */
export class InvalidArgumentError extends GradcheckError {
  override name = 'InvalidArgumentError'
}

/** An option is missing, of the wrong type, or out of range. */
export class InvalidOptionError extends GradcheckError {
  override name = 'InvalidOptionError'
}

/** A parameter or gradient is not a tensor gradcheck understands, or the gradient does not mirror `at`. */
export class ShapeMismatchError extends GradcheckError {
  override name = 'ShapeMismatchError'
}

/** NaN or ±Infinity where a finite number is needed: in `at`, in the analytic gradient, or as the loss at `at`. */
export class NonFiniteError extends GradcheckError {
  override name = 'NonFiniteError'
}

/** The loss returned something other than a number (or a promise of one). */
export class LossValueError extends GradcheckError {
  override name = 'LossValueError'
}

/**
 * The parameters cannot be checked as given: a tensor that appears twice (aliased), a circular
 * structure, a Map, storage that ignores writes, a loss or gradient that changes `at` itself, or a
 * loss that does not read the tensors it is checked against.
 */
export class ParameterError extends GradcheckError {
  override name = 'ParameterError'
}

/** The loss or the gradient function threw (or rejected); the original error is the `cause`. */
export class CallError extends GradcheckError {
  override name = 'CallError'
  constructor(
    message: string,
    /** Which call it was (1 for the first loss call), counted separately for the loss and the gradient. */
    readonly call: number,
    /** The coordinate that was perturbed at the time (`w[3]`), or undefined at `at` itself. */
    readonly coordinate: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options)
  }
}

/** `String(value)` with its type, as used in every message: `-1` (number), `"abc"` (string). */
export function describe(value: unknown): string {
  if (value === null) return '`null`'
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object') {
    if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`
    if (Array.isArray(value)) return `an array of length ${value.length}`
    const name = (value as object).constructor?.name
    return name && name !== 'Object' ? `a ${name}` : 'an object'
  }
  return `\`${String(value)}\` (${typeof value})`
}
