import { CallError, LossValueError, NonFiniteError, ParameterError, ShapeMismatchError, checkGradients, formatReport } from 'gradcheck'
import { describe, expect, it } from 'vitest'

// Misuse is named as misuse, with the culprit and the fix, instead of being blamed on the gradient.
const sq = (w: number[]): number => w.reduce((s, v) => s + v * v, 0)
const dsq = (w: number[]): number[] => w.map((v) => 2 * v)
const sqObj = (p: Record<string, number[]>): number => Object.values(p).reduce((s, w) => s + sq(w), 0)
const dsqObj = (p: Record<string, number[]>): Record<string, number[]> => Object.fromEntries(Object.entries(p).map(([k, w]) => [k, dsq(w)]))

describe('parameters that cannot be perturbed as given', () => {
  it('a Map', () => {
    const at = new Map([['w', [1, 2]]])
    expect(() => checkGradients(() => 0, {}, { at })).toThrowErrorMatchingInlineSnapshot(`[ShapeMismatchError: Expected \`at\` to be a tensor or a plain object of tensors, got a Map. Convert it: \`Object.fromEntries(map)\`.]`)
  })

  it('a circular structure', () => {
    const at: Record<string, unknown> = { w: [1, 2] }
    at.self = at
    expect(() => checkGradients(() => 0, {}, { at })).toThrow(ShapeMismatchError)
    expect(() => checkGradients(() => 0, {}, { at })).toThrow(/`at` `self` to be a tree of tensors, but it contains itself/)
  })

  it('the same array under two names (tied weights)', () => {
    const w = [1, 2]
    const at = { enc: w, dec: w }
    expect(() => checkGradients(sqObj, dsqObj, { at })).toThrowErrorMatchingInlineSnapshot(`[ParameterError: Expected every tensor of \`at\` to appear once, but \`enc\` and \`dec\` are the same array of length 2. Tied weights are one parameter: pass it once in \`at\` and return the sum of its gradients.]`)
  })

  it('two typed arrays viewing overlapping bytes of one buffer', () => {
    const all = Float64Array.from([1, 2, 3, 4])
    const at = { a: all.subarray(0, 3), b: all.subarray(2) }
    expect(() => checkGradients(() => 0, { a: [0, 0, 0], b: [0, 0] }, { at })).toThrow(/`a` and `b` view overlapping bytes of one buffer/)
    // Disjoint views of one buffer are fine.
    const ok = { a: all.subarray(0, 2), b: all.subarray(2) }
    const loss = (p: typeof ok): number => sq([...p.a, ...p.b])
    expect(checkGradients(loss, (p: typeof ok) => ({ a: dsq([...p.a]), b: dsq([...p.b]) }), { at: ok }).pass).toBe(true)
  })

  it('a frozen array', () => {
    const at = { w: Object.freeze([1, 2]) as number[] }
    expect(() => checkGradients(sqObj, dsqObj, { at })).toThrow(ParameterError)
    expect(() => checkGradients(sqObj, dsqObj, { at })).toThrow(/Expected `w` to be writable, but writing to it threw/)
  })

  it('a getter-only property', () => {
    const at = {
      get b(): number {
        return 3
      },
    }
    expect(() => checkGradients((p: typeof at) => p.b ** 2, { b: 6 }, { at })).toThrow(/Expected `b` to be writable/)
  })

  it('a proxy that drops writes', () => {
    const w = [1, 2]
    const at = new Proxy(w, { set: () => true })
    expect(() => checkGradients(sq, dsq, { at })).toThrowErrorMatchingInlineSnapshot(`[ParameterError: Expected writes to \`at\` to stick, but writing -1 read back 1. gradcheck perturbs \`at\` in place: pass the arrays the loss reads, not a frozen copy, a getter or a proxy that ignores writes.]`)
    expect(w).toEqual([1, 2])
  })
})

describe('a loss or gradient that misbehaves', () => {
  it('a loss that writes to `at` (an optimizer step inside it) is named, and `at` is restored', () => {
    const w = [0.5, -1.5]
    const loss = (x: number[]): number => {
      const f = sq(x)
      x[1] = x[1]! - 1e-3 * 2 * x[1]!
      return f
    }
    expect(() => checkGradients(loss, dsq, { at: w })).toThrow(ParameterError)
    expect(() => checkGradients(loss, dsq, { at: w })).toThrow(/Expected the loss to leave `at` as it is, but it changed `at\[1\]`/)
    expect(w).toEqual([0.5, -1.5])
  })

  it('a loss that normalises the perturbed weight in place', () => {
    const w = [0.6, 0.8]
    const loss = (x: number[]): number => {
      const n = Math.hypot(...x)
      x.forEach((v, i) => (x[i] = v / n))
      return x[0]!
    }
    expect(() => checkGradients(loss, [1, 0], { at: w })).toThrow(/the loss to leave `at` as it is/)
    expect(w).toEqual([0.6, 0.8])
  })

  it('a gradient function that writes to `at`', () => {
    const w = [0.5, -1.5]
    const grad = (x: number[]): number[] => {
      const g = dsq(x)
      x[0] = x[0]! - 0.1 * g[0]!
      return g
    }
    expect(() => checkGradients(sq, grad, { at: w })).toThrow(/Expected the gradient function to leave `at` as it is, but it changed `at\[0\]` from 0.5 to 0.4/)
    expect(w).toEqual([0.5, -1.5])
  })

  it('a stateful loss that reads a copy of the parameters', () => {
    class Net {
      params = { w: [0.3, -0.7] }
      private readonly frozen = { w: [...this.params.w] }
      loss(): number {
        return sq(this.frozen.w)
      }
      grad(): { w: number[] } {
        return { w: dsq(this.frozen.w) }
      }
    }
    const net = new Net()
    // Not an error: the loss may also really not depend on `w` here (a dead ReLU layer), and then the
    // gradient is wrong. The check fails, and the hint names both readings.
    const report = checkGradients(() => net.loss(), () => net.grad(), { at: net.params })
    expect(report.pass).toBe(false)
    expect(report.hints).toEqual([{ kind: 'unread', name: 'w', moves: 12, path: 'w[0]', analytic: 0.6 }])
    expect(formatReport(report)).toContain('Hint: w: the loss returned exactly the same value for all 12 moves of w, yet its gradient is not 0 (w[0]: 0.6). If the loss reads a copy')
    // A tensor the loss really does not use, with a zero gradient, is fine.
    const unused = { w: [0.3], spare: [1, 2] }
    expect(checkGradients((p: typeof unused) => sq(p.w), { w: [0.6], spare: [0, 0] }, { at: unused }).pass).toBe(true)
  })
})

describe('faults at every call of a whole check: the parameters come back bit for bit', () => {
  const original = [0.1, -0, 1e-300, 3.141592653589793]
  const same = (a: ArrayLike<number>): boolean => a.length === original.length && Array.from(a).every((v, i) => Object.is(v, original[i]))
  const f = (x: ArrayLike<number>): number => Array.from(x).reduce((s, v, i) => s + (i + 1) * Math.sin(v) * v, 0)
  const df = (x: ArrayLike<number>): number[] => Array.from(x).map((v, i) => (i + 1) * (Math.sin(v) + v * Math.cos(v)))
  // How many loss calls a clean check makes; every one of them gets its turn to fail.
  const total = checkGradients(f, df, { at: Float64Array.from(original) }).evaluations
  const calls = Array.from({ length: total }, (_, i) => i + 1)
  type Fault = 'throws' | 'non-number' | 'writes'

  const run = (fault: Fault, at: number, async: boolean, stateful: boolean): { w: Float64Array; result: () => unknown } => {
    const w = Float64Array.from(original)
    let n = 0
    const value = (x: Float64Array): number => {
      if (++n === at) {
        if (fault === 'throws') throw new Error(`fault ${n}`)
        if (fault === 'writes') {
          // One write, on this call only, to a coordinate the engine may not be moving: restoring another
          // coordinate afterwards must not hide it.
          x[3] = 7
          return f(x)
        }
        return 'oops' as never
      }
      return f(x)
    }
    const loss = stateful ? () => value(w) : value
    const lossFn = async ? (x: Float64Array) => Promise.resolve().then(() => loss(x)) : loss
    return { w, result: () => checkGradients(lossFn as (x: Float64Array) => number, df, { at: w }) }
  }

  it('has enough calls to cover the probe, the differences, the sweep and the last call', () => {
    expect(total).toBeGreaterThan(20)
  })

  it.each(calls)('sync loss throws on call %i: a CallError with the call and coordinate, the original as cause', (k) => {
    for (const stateful of [false, true]) {
      const { w, result } = run('throws', k, false, stateful)
      let error: unknown
      try {
        result()
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(CallError)
      expect((error as CallError).call).toBe(k)
      expect((error as CallError).message).toContain(`on call ${k}`)
      expect(((error as CallError).cause as Error).message).toBe(`fault ${k}`)
      expect(same(w)).toBe(true)
    }
  })

  it.each(calls)('async loss rejects on call %i: the same CallError, parameters restored', async (k) => {
    for (const stateful of [false, true]) {
      const { w, result } = run('throws', k, true, stateful)
      const error = await (result() as Promise<unknown>).then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(CallError)
      expect((error as CallError).call).toBe(k)
      expect(same(w)).toBe(true)
    }
  })

  it.each(calls)('loss writes to `at` once, on call %i only: a ParameterError naming the coordinate (was: hidden by later restores, and passed)', async (k) => {
    for (const async of [false, true]) {
      for (const stateful of [false, true]) {
        const { w, result } = run('writes', k, async, stateful)
        const error = async ? await (result() as Promise<unknown>).then(() => undefined, (e: unknown) => e) : (() => { try { result() } catch (e) { return e } })()
        expect(error).toBeInstanceOf(ParameterError)
        expect((error as Error).message).toMatch(/Expected the loss to leave `at` as it is, but it changed `at\[3\]` from .* to 7\./)
        expect(same(w)).toBe(true)
      }
    }
  })

  it.each(calls)('loss returns a non-number on call %i: a LossValueError naming where', async (k) => {
    for (const async of [false, true]) {
      const { w, result } = run('non-number', k, async, false)
      const error = async ? await (result() as Promise<unknown>).then(() => undefined, (e: unknown) => e) : (() => { try { result() } catch (e) { return e } })()
      expect(error).toBeInstanceOf(LossValueError)
      expect((error as Error).message).toMatch(/got `"oops"` \(string\) (at `at`|at at\[\d\] = |near `at`)/)
      expect(same(w)).toBe(true)
    }
  })

  it('a NaN at `at` is a NonFiniteError; the gradient function throwing is a CallError', () => {
    const w = Float64Array.from(original)
    expect(() => checkGradients(() => Number.NaN, df, { at: w })).toThrow(NonFiniteError)
    expect(() => checkGradients(f, () => { throw new Error('backward') }, { at: w })).toThrow(/The gradient function threw on call 1 \(at `at`\): backward/)
    expect(same(w)).toBe(true)
  })
})
