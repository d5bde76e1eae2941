import { describe as group, expect, it } from 'vitest'
import {
  CallError,
  GradcheckError,
  InvalidArgumentError,
  InvalidOptionError,
  LossValueError,
  NonFiniteError,
  ParameterError,
  ShapeMismatchError,
  describe,
} from '../../src/errors.js'

// The error classes are the public contract of wrong usage: a caller tells them apart by class and by
// `name` (what a test runner prints before the message), and catches them all as GradcheckError.
group('the error classes', () => {
  it.each([
    ['InvalidArgumentError', InvalidArgumentError],
    ['InvalidOptionError', InvalidOptionError],
    ['ShapeMismatchError', ShapeMismatchError],
    ['NonFiniteError', NonFiniteError],
    ['LossValueError', LossValueError],
    ['ParameterError', ParameterError],
  ] as const)('%s is named after itself and is a GradcheckError', (name, Class) => {
    const e = new Class('the message')
    expect(e.name).toBe(name)
    expect(e.message).toBe('the message')
    expect(e).toBeInstanceOf(GradcheckError)
    expect(e).toBeInstanceOf(Error)
    expect(String(e)).toBe(`${name}: the message`)
  })

  it('GradcheckError is named too, and the classes do not catch each other', () => {
    expect(new GradcheckError('m').name).toBe('GradcheckError')
    expect(new InvalidOptionError('m')).not.toBeInstanceOf(InvalidArgumentError)
    expect(new ParameterError('m')).not.toBeInstanceOf(ShapeMismatchError)
  })

  it('CallError keeps which call it was, the coordinate perturbed, and the original error as its cause', () => {
    const cause = new RangeError('inner')
    const e = new CallError('the loss threw', 7, 'w[3]', { cause })
    expect(e.name).toBe('CallError')
    expect(e).toBeInstanceOf(GradcheckError)
    expect(e.message).toBe('the loss threw')
    expect(e.call).toBe(7)
    expect(e.coordinate).toBe('w[3]')
    expect(e.cause).toBe(cause)
    expect(new CallError('at `at`', 1, undefined, { cause: 'text' }).coordinate).toBeUndefined()
  })
})

group('describe: a value with its type, for the messages', () => {
  it.each([
    [null, '`null`'],
    [undefined, '`undefined` (undefined)'],
    [-1, '`-1` (number)'],
    [Number.NaN, '`NaN` (number)'],
    [true, '`true` (boolean)'],
    [10n, '`10` (bigint)'],
    ['abc', '`"abc"` (string)'],
    ['', '`""` (string)'],
    [() => 1, 'a function'],
    [new Float32Array(3), 'a Float32Array'],
    [new DataView(new ArrayBuffer(2)), 'a DataView'],
    [[1, 2, 3], 'an array of length 3'],
    [[], 'an array of length 0'],
    [{ a: 1 }, 'an object'],
    [Object.create(null), 'an object'],
    [new Map(), 'a Map'],
    [new (class Tensor {})(), 'a Tensor'],
  ])('%o → %s', (value, text) => {
    expect(describe(value)).toBe(text)
  })
  it('a symbol is named by its description', () => {
    expect(describe(Symbol('s'))).toBe('`Symbol(s)` (symbol)')
  })
})
