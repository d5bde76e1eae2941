import { describe, expect, it } from 'vitest'
import { InvalidOptionError } from '../../src/errors.js'
import { AUTO_SAMPLE, DEFAULTS, resolveOptions } from '../../src/options.js'

// resolveOptions: every default applied and every option validated in one place; a wrong option throws an
// InvalidOptionError naming the option, what was expected, what was received and one sentence on the fix.
const at = [1]
const message = (extra: unknown): string => {
  try {
    resolveOptions(extra)
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidOptionError)
    return (e as Error).message
  }
  throw new Error('resolveOptions did not throw')
}
const wrong = (extra: Record<string, unknown>): string => message({ at, ...extra })

describe('DEFAULTS: the documented default of every option', () => {
  it('holds the defaults of the option docs, frozen', () => {
    expect(DEFAULTS).toEqual({
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
    expect(Object.keys(DEFAULTS)).toContain('beforeEvaluation')
    expect(Object.keys(DEFAULTS)).toContain('onProgress')
    expect(Object.isFrozen(DEFAULTS)).toBe(true)
    expect(AUTO_SAMPLE).toBe(512)
  })

  it("resolves `{ at }` alone to the defaults, with sample 'auto' as AUTO_SAMPLE coordinates per tensor", () => {
    const r = resolveOptions({ at })
    expect(r).toEqual({ ...DEFAULTS, sample: AUTO_SAMPLE })
    expect(Object.keys(r).sort()).toEqual(Object.keys(DEFAULTS).sort())
    expect(r.beforeEvaluation).toBeUndefined()
    expect(r.onProgress).toBeUndefined()
  })

  it('treats an option given as undefined as not given', () => {
    const undef = Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, undefined]))
    expect(resolveOptions({ at, ...undef })).toEqual({ ...DEFAULTS, sample: AUTO_SAMPLE })
  })
})

describe('valid values pass through unchanged', () => {
  it('keeps every explicitly given value', () => {
    const before = (): void => {}
    const onProgress = (): void => {}
    const r = resolveOptions({
      at,
      step: 1e-4,
      method: 'richardson',
      rtol: 1e-3,
      atol: 0,
      sample: 7,
      mode: 'directional',
      kinks: 'fail',
      precision: 'float32',
      worst: 0,
      seed: -3,
      beforeEvaluation: before,
      htmlReport: 'out/report.html',
      onProgress,
      progress: true,
    })
    expect(r).toEqual({
      step: 1e-4,
      method: 'richardson',
      rtol: 1e-3,
      atol: 0,
      sample: 7,
      mode: 'directional',
      kinks: 'fail',
      precision: 'float32',
      worst: 0,
      seed: -3,
      beforeEvaluation: before,
      htmlReport: 'out/report.html',
      onProgress,
      progress: true,
    })
    expect(r.beforeEvaluation).toBe(before)
    expect(r.onProgress).toBe(onProgress)
  })

  it.each([
    ['method', ['central', 'forward', 'richardson']],
    ['mode', ['auto', 'full', 'directional']],
    ['kinks', ['subgradient', 'skip', 'fail', 'ignore']],
    ['precision', ['auto', 'float64', 'float32']],
  ] as const)('accepts every documented value of %s', (name, values) => {
    for (const v of values) expect((resolveOptions({ at, [name]: v }) as unknown as Record<string, unknown>)[name]).toBe(v)
  })

  it("accepts sample 'all' and 1, htmlReport true, progress false, rtol/atol 'auto' and tiny positive steps", () => {
    expect(resolveOptions({ at, sample: 'all' }).sample).toBe('all')
    expect(resolveOptions({ at, sample: 1 }).sample).toBe(1)
    expect(resolveOptions({ at, htmlReport: true }).htmlReport).toBe(true)
    expect(resolveOptions({ at, htmlReport: false }).htmlReport).toBe(false)
    expect(resolveOptions({ at, progress: false }).progress).toBe(false)
    expect(resolveOptions({ at, rtol: 'auto', atol: 'auto' })).toMatchObject({ rtol: 'auto', atol: 'auto' })
    expect(resolveOptions({ at, rtol: 0, atol: 2 })).toMatchObject({ rtol: 0, atol: 2 })
    expect(resolveOptions({ at, step: Number.MIN_VALUE }).step).toBe(Number.MIN_VALUE)
    expect(resolveOptions({ at, step: 'auto' }).step).toBe('auto')
    expect(resolveOptions({ at, worst: 12, seed: 0 })).toMatchObject({ worst: 12, seed: 0 })
  })
})

describe('the options themselves', () => {
  it.each([null, undefined, 3, 'at', true])('rejects %s as the options object, and says to pass `{ at: params }`', (v) => {
    const m = message(v)
    expect(m).toMatch(/^Expected `the options` to be an object with at least `at`, got /)
    expect(m).toContain('Pass `{ at: params }`: the point to check the gradient at.')
  })

  it('names the received value in the message', () => {
    expect(message(null)).toBe('Expected `the options` to be an object with at least `at`, got `null`. Pass `{ at: params }`: the point to check the gradient at.')
    expect(message(3)).toContain('got `3` (number).')
  })

  it('checks only the own keys of the options object, not inherited ones', () => {
    expect(resolveOptions(Object.assign(Object.create({ inherited: 1 }), { at })).worst).toBe(5)
  })

  it('rejects an unknown option by name and lists every known one, `at` first', () => {
    const known = ['at', ...Object.keys(DEFAULTS)].map((k) => `\`${k}\``).join(', ')
    expect(wrong({ tolerance: 1 })).toBe(`Unknown option \`tolerance\`. Known options: ${known}.`)
    expect(known.startsWith('`at`, `step`, `method`')).toBe(true)
    // An unknown key is named even when its value is undefined, and whatever comes after it.
    expect(wrong({ Step: undefined })).toMatch(/^Unknown option `Step`\./)
  })

  it('checks every key, not only the first', () => {
    expect(wrong({ step: 'auto', method: 'central', extra: true })).toMatch(/^Unknown option `extra`\./)
  })
})

describe('step', () => {
  it.each([0, -1e-3, Number.NaN, Number.POSITIVE_INFINITY, '1e-3', null, 'Auto'])('rejects %s', (v) => {
    expect(wrong({ step: v })).toMatch(/^Expected `step` to be 'auto' or a positive finite number, got .*\. Use 'auto' unless you need one fixed step\.$/)
  })

  it('names the value received', () => {
    expect(wrong({ step: 0 })).toBe("Expected `step` to be 'auto' or a positive finite number, got `0` (number). Use 'auto' unless you need one fixed step.")
  })
})

describe('rtol and atol', () => {
  it.each(['rtol', 'atol'])('%s rejects negative, non-finite and non-number values, and names itself', (name) => {
    for (const v of [-1e-12, Number.NaN, Number.POSITIVE_INFINITY, '0.1', null]) {
      expect(wrong({ [name]: v })).toMatch(
        new RegExp(`^Expected \`${name}\` to be 'auto' or a non-negative finite number, got .*\\. Use 'auto' to derive it from the estimated numerical error\\.$`),
      )
    }
  })

  it('checks atol even when rtol is fine', () => {
    expect(wrong({ rtol: 1, atol: -1 })).toMatch(/^Expected `atol`/)
  })
})

describe('sample', () => {
  it.each([0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', 'ALL', null])('rejects %s', (v) => {
    expect(wrong({ sample: v })).toMatch(/^Expected `sample` to be 'auto', 'all' or a positive integer, got .*\. It is the number of coordinates checked per tensor\.$/)
  })
})

describe('worst', () => {
  it.each([-1, 0.5, Number.NaN, '5', null, true])('rejects %s', (v) => {
    expect(wrong({ worst: v })).toMatch(/^Expected `worst` to be a non-negative integer, got .*\. It is how many worst weights the message lists\.$/)
  })
})

describe('seed', () => {
  it.each([0.5, Number.NaN, Number.POSITIVE_INFINITY, '1849', null])('rejects %s', (v) => {
    expect(wrong({ seed: v })).toMatch(/^Expected `seed` to be an integer, got .*\. Copy it from the `Replay:` line of a failure message\.$/)
  })
})

describe('callbacks', () => {
  it.each(['beforeEvaluation', 'onProgress'])('%s must be a function', (name) => {
    for (const v of [null, true, 'f', {}]) expect(wrong({ [name]: v })).toMatch(new RegExp(`^Expected \`${name}\` to be a function, got `))
  })

  it('says when each callback is called', () => {
    expect(wrong({ beforeEvaluation: 1 })).toBe('Expected `beforeEvaluation` to be a function, got `1` (number). It is called before every loss call.')
    expect(wrong({ onProgress: 1 })).toBe('Expected `onProgress` to be a function, got `1` (number). It receives `{ done, total, phase }` after every loss call.')
  })
})

describe('htmlReport and progress', () => {
  it.each(['', 0, 1, null, {}])('htmlReport rejects %s: a path must not be empty', (v) => {
    expect(wrong({ htmlReport: v })).toMatch(
      /^Expected `htmlReport` to be true, false or a file path, got .*\. With `true` the matcher writes `__gradcheck__\/<test file>-<test name>\.html` beside the test file\.$/,
    )
  })

  it.each([0, 1, 'yes', null])('progress rejects %s', (v) => {
    expect(wrong({ progress: v })).toMatch(/^Expected `progress` to be true or false, got .*\. Pass `progress: true` for a progress line on stderr\.$/)
  })
})

describe('the string choices', () => {
  it('lists the allowed values quoted, the last after "or"', () => {
    expect(wrong({ method: 'backward' })).toBe(
      "Expected `method` to be 'central', 'forward' or 'richardson', got `\"backward\"` (string). See the options table in the README.",
    )
    expect(wrong({ mode: 'fast' })).toBe("Expected `mode` to be 'auto', 'full' or 'directional', got `\"fast\"` (string). See the options table in the README.")
    expect(wrong({ kinks: 'relu' })).toBe(
      "Expected `kinks` to be 'subgradient', 'skip', 'fail' or 'ignore', got `\"relu\"` (string). See the options table in the README.",
    )
    expect(wrong({ precision: 'float16' })).toBe(
      "Expected `precision` to be 'auto', 'float64' or 'float32', got `\"float16\"` (string). See the options table in the README.",
    )
  })

  it('rejects a non-string even if its string form is allowed', () => {
    expect(wrong({ method: ['central'] })).toMatch(/^Expected `method` to be .* got an array of length 1\./)
    expect(wrong({ mode: { toString: () => 'auto' } })).toMatch(/^Expected `mode`/)
  })
})
