import { InvalidOptionError, describe } from './errors.js'
import type { Precision } from './params/flatten.js'
import type { ProgressEvent } from './progress.js'

export type Method = 'central' | 'forward' | 'richardson'
export type KinkPolicy = 'subgradient' | 'skip' | 'fail' | 'ignore'
export type Mode = 'auto' | 'full' | 'directional'

/** Options of `checkGradients` and the matchers. Every default is applied in `resolveOptions`. */
export interface GradcheckOptions<P = unknown> {
  /** The point to check at: a tensor or a named set of tensors (see docs/guide/tensors.md, "Parameters"). Required. */
  at: P
  /**
   * `'auto'`: a step per coordinate, scaled to the coordinate, its tensor, and the measured noise of the loss.
   * A number: that absolute step for every coordinate.
   * @default 'auto'
   */
  step?: 'auto' | number
  /**
   * `'central'`: central differences, with a step sweep and Richardson extrapolation only where a
   * coordinate is not clearly fine. `'forward'`: one-sided differences (half the calls, √ε accuracy).
   * `'richardson'`: the sweep for every coordinate (3× the calls, an error estimate everywhere).
   * @default 'central'
   */
  method?: Method
  /**
   * Relative tolerance. `'auto'`: the round-off of the analytic gradient in the chosen precision.
   * A number replaces it in `|a − n| ≤ atol + rtol·max(|a|, |n|)`.
   * @default 'auto'
   */
  rtol?: 'auto' | number
  /**
   * Absolute tolerance. `'auto'`: a multiple of the estimated error of the numerical derivative.
   * A number replaces it in `|a − n| ≤ atol + rtol·max(|a|, |n|)`.
   * @default 'auto'
   */
  atol?: 'auto' | number
  /**
   * Coordinates checked per tensor: `'all'`, a number (drawn with `seed`), or `'auto'`: every
   * coordinate of a tensor of up to 512 entries, 512 drawn from a larger one. Every tensor is covered.
   * @default 'auto'
   */
  sample?: 'auto' | 'all' | number
  /**
   * How the coordinates are covered. `'auto'`: `sample` coordinates per tensor one by one, and in a
   * tensor larger than the sample the others by directional tests (a random direction over them and
   * the tensor's gradient direction), a failing one localised down to the coordinates that disagree;
   * a tensor within the sample is checked one by one only, as with `'full'`. `'full'`: the sample
   * alone. `'directional'`: directions only for every tensor, then localisation.
   * @default 'auto'
   */
  mode?: Mode
  /**
   * What to do where `x ± step` straddles a kink (ReLU, max, abs): `'subgradient'` accepts an analytic
   * value between the one-sided slopes and fails one outside; `'skip'` excludes the coordinate;
   * `'fail'` counts it as a failure; `'ignore'` turns detection off.
   * @default 'subgradient'
   */
  kinks?: KinkPolicy
  /**
   * Precision of the loss. `'auto'`: float32 when any tensor of `at` is a Float32Array, else float64.
   * The measured noise of the loss can only make the check more lenient than this, never stricter.
   * @default 'auto'
   */
  precision?: 'auto' | Precision
  /** How many worst weights the report's `worst` holds and the message lists. @default 5 */
  worst?: number
  /** Seed of every random choice (sampling, the noise probe). @default 1849 */
  seed?: number
  /** Called before every loss call, e.g. to reset the RNG behind dropout. @default undefined */
  beforeEvaluation?: () => void
  /**
   * Also write the report as a self-contained HTML page (`renderHtml`), from the matchers, in Node:
   * `true` writes `__gradcheck__/<test file>-<test name>.html` beside the test file, a string is the
   * file's path. The only file the library ever writes; `checkGradients` itself never writes.
   * @default false
   */
  htmlReport?: boolean | string
  /** Called after every loss call with the calls made, the calls expected in all (an estimate that only grows) and the phase. @default undefined */
  onProgress?: (event: ProgressEvent) => void
  /** One updating line on stderr once a check runs for 2 s, only when stderr is a terminal (never in browsers). @default false */
  progress?: boolean
}

export interface ResolvedOptions {
  step: 'auto' | number
  method: Method
  rtol: 'auto' | number
  atol: 'auto' | number
  sample: 'all' | number
  mode: Mode
  kinks: KinkPolicy
  precision: 'auto' | Precision
  worst: number
  seed: number
  beforeEvaluation: (() => void) | undefined
  htmlReport: boolean | string
  onProgress: ((event: ProgressEvent) => void) | undefined
  progress: boolean
}

/** Per-tensor sample size of `sample: 'auto'`: 2·512 loss calls per tensor keeps a check under a second for losses up to ~1 ms. */
export const AUTO_SAMPLE = 512

export const DEFAULTS: Readonly<Omit<ResolvedOptions, 'sample'> & { sample: 'auto' }> = Object.freeze({
  step: 'auto',
  method: 'central',
  rtol: 'auto',
  atol: 'auto',
  sample: 'auto',
  mode: 'auto',
  kinks: 'subgradient',
  precision: 'auto',
  worst: 5,
  seed: 1849,
  beforeEvaluation: undefined,
  htmlReport: false,
  onProgress: undefined,
  progress: false,
})

const KNOWN = new Set(['at', ...Object.keys(DEFAULTS)])

function fail(name: string, expected: string, got: unknown, fix: string): never {
  throw new InvalidOptionError(`Expected \`${name}\` to be ${expected}, got ${describe(got)}. ${fix}`)
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T
  return fail(name, allowed.map((a) => `'${a}'`).join(', ').replace(/, ([^,]*)$/, ' or $1'), value, 'See the options table in the README.')
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0
const nonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0

/** Applies the defaults and validates every option; the one place either happens. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    return fail('the options', 'an object with at least `at`', options, 'Pass `{ at: params }`: the point to check the gradient at.')
  }
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) {
      throw new InvalidOptionError(`Unknown option \`${key}\`. Known options: ${[...KNOWN].map((k) => `\`${k}\``).join(', ')}.`)
    }
  }
  const get = <K extends keyof typeof DEFAULTS>(k: K): unknown => (o[k] === undefined ? DEFAULTS[k] : o[k])
  const step = get('step')
  if (step !== 'auto' && !positive(step)) fail('step', "'auto' or a positive finite number", step, "Use 'auto' unless you need one fixed step.")
  const tol = (name: 'rtol' | 'atol'): 'auto' | number => {
    const v = get(name)
    if (v !== 'auto' && !nonNegative(v)) fail(name, "'auto' or a non-negative finite number", v, "Use 'auto' to derive it from the estimated numerical error.")
    return v as 'auto' | number
  }
  const sample = get('sample')
  if (sample !== 'auto' && sample !== 'all' && !(Number.isInteger(sample) && (sample as number) > 0)) {
    fail('sample', "'auto', 'all' or a positive integer", sample, 'It is the number of coordinates checked per tensor.')
  }
  const worst = get('worst')
  if (!(Number.isInteger(worst) && (worst as number) >= 0)) fail('worst', 'a non-negative integer', worst, 'It is how many worst weights the message lists.')
  const seed = get('seed')
  if (!Number.isInteger(seed)) fail('seed', 'an integer', seed, 'Copy it from the `Replay:` line of a failure message.')
  const before = get('beforeEvaluation')
  if (before !== undefined && typeof before !== 'function') fail('beforeEvaluation', 'a function', before, 'It is called before every loss call.')
  const html = get('htmlReport')
  if (typeof html !== 'boolean' && !(typeof html === 'string' && html !== '')) {
    fail('htmlReport', 'true, false or a file path', html, 'With `true` the matcher writes `__gradcheck__/<test file>-<test name>.html` beside the test file.')
  }
  const onProgress = get('onProgress')
  if (onProgress !== undefined && typeof onProgress !== 'function') fail('onProgress', 'a function', onProgress, 'It receives `{ done, total, phase }` after every loss call.')
  const progress = get('progress')
  if (typeof progress !== 'boolean') fail('progress', 'true or false', progress, 'Pass `progress: true` for a progress line on stderr.')
  return {
    step: step as 'auto' | number,
    method: oneOf('method', get('method'), ['central', 'forward', 'richardson'] as const),
    rtol: tol('rtol'),
    atol: tol('atol'),
    sample: sample === 'auto' ? AUTO_SAMPLE : (sample as 'all' | number),
    mode: oneOf('mode', get('mode'), ['auto', 'full', 'directional'] as const),
    kinks: oneOf('kinks', get('kinks'), ['subgradient', 'skip', 'fail', 'ignore'] as const),
    precision: oneOf('precision', get('precision'), ['auto', 'float64', 'float32'] as const),
    worst: worst as number,
    seed: seed as number,
    beforeEvaluation: before as (() => void) | undefined,
    htmlReport: html as boolean | string,
    onProgress: onProgress as ((event: ProgressEvent) => void) | undefined,
    progress: progress as boolean,
  }
}
