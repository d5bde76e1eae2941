// The Jacobian mode (src/modes/jacobian.ts) beyond what test/jacobian.test.ts checks end to end: how outputs
// are named and sampled, the seeded projection's signs, the summary (entries, worst, evaluations) and the
// message, the errors for wrong arguments, and the JVP's calls: columns or directions (which path, how many
// calls, each once), its errors (CallError naming call and v, ShapeMismatchError), and `at` given back bit for bit.
import { CallError, InvalidArgumentError, type JacobianReport, ParameterError, ShapeMismatchError, checkJacobian, formatJacobianReport, registerTensorAdapter } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { checkRows } from '../../src/modes/jacobian.js'

// f(x) = (x₀x₁, sin x₂, x₀² + x₂): three outputs of three inputs, every entry of J its own value.
const x0 = (): Float64Array => Float64Array.from([0.7, -1.3, 0.4])
const f = (p: Float64Array): number[] => [p[0]! * p[1]!, Math.sin(p[2]!), p[0]! * p[0]! + p[2]!]
const J = (p: Float64Array): number[][] => [
  [p[1]!, p[0]!, 0],
  [0, 0, Math.cos(p[2]!)],
  [2 * p[0]!, 0, 1],
]
const jvp = (p: Float64Array, v: unknown): number[] => {
  const u = v as Float64Array
  return J(p).map((row) => row.reduce((s, a, j) => s + a * u[j]!, 0))
}
const vjp = (p: Float64Array, u: unknown): number[] => {
  const w = u as number[]
  return [0, 1, 2].map((j) => J(p).reduce((s, row, o) => s + w[o]! * row[j]!, 0))
}
const sync = (r: unknown): JacobianReport => r as JacobianReport

describe('checkJacobian: outputs are named, sampled and projected as documented', () => {
  it('names the coordinates of an output that is one tensor `f`, and of a structure by their own paths', () => {
    const one = sync(checkJacobian(f, J(x0()), { at: x0() }))
    expect(one.pass).toBe(true)
    expect(one.of).toBe('Jacobian')
    expect(one.rows.map((r) => r.output)).toEqual(['f[0]', 'f[1]', 'f[2]', 'u·f'])
    const named = sync(checkJacobian((p: Float64Array) => ({ a: f(p).slice(0, 2), b: f(p)[2]! }), J(x0()), { at: x0() }))
    expect(named.rows.map((r) => r.output)).toEqual(['a[0]', 'a[1]', 'b', 'u·f'])
    const scalar = sync(checkJacobian((p: Float64Array) => p[0]! * p[1]!, [J(x0())[0]], { at: x0() }))
    expect(scalar.rows.map((r) => r.output)).toEqual(['f', 'u·f'])
    expect(scalar.pass).toBe(true)
  })

  it('prefixes every entry\'s path with its row, sums the calls of every row, and keeps `worst` as many as asked', () => {
    const r = sync(checkJacobian(f, J(x0()), { at: x0(), worst: 2 }))
    expect(r.entries).toHaveLength(4 * 3)
    expect(r.entries.slice(0, 3).map((e) => e.path)).toEqual(['f[0] / at[0]', 'f[0] / at[1]', 'f[0] / at[2]'])
    expect(r.entries.slice(-1)[0]!.path).toBe('u·f / at[2]')
    expect(r.evaluations).toBe(r.rows.reduce((s, row) => s + row.report.evaluations, 0))
    expect(r.evaluations).toBeGreaterThan(r.rows[0]!.report.evaluations)
    expect(r.worst).toHaveLength(2)
    expect(r.worst.every((e) => e.path.includes(' / '))).toBe(true)
    expect(sync(checkJacobian(f, J(x0()), { at: x0() })).worst).toHaveLength(5)
  })

  it("checks all of up to 16 outputs on 'auto', 16 of more, all on 'all', and as many as asked for a number", () => {
    const wide = (n: number) => (p: Float64Array) => Array.from({ length: n }, (_, o) => (o + 1) * p[0]!)
    const rows = (n: number) => Array.from({ length: n }, (_, o) => Float64Array.from([o + 1]))
    const at = () => Float64Array.from([0.5])
    const count = (n: number, outputSample?: 'auto' | 'all' | number) => sync(checkJacobian(wide(n), rows(n), { at: at(), ...(outputSample === undefined ? {} : { outputSample }) })).rows.length - 1
    expect(count(16)).toBe(16)
    expect(count(17)).toBe(16)
    expect(count(17, 'auto')).toBe(16)
    expect(count(17, 'all')).toBe(17)
    expect(count(17, 3)).toBe(3)
  })

  it('draws the sampled rows and the projection\'s ±1 signs from the seed: the same seed the same rows', () => {
    const at = () => Float64Array.from([0.5])
    const wide = (p: Float64Array) => Array.from({ length: 12 }, (_, o) => (o + 1) * p[0]!)
    const rows = Array.from({ length: 12 }, (_, o) => [o + 1])
    const sampled = (seed?: number) => sync(checkJacobian(wide, rows, { at: at(), outputSample: 3, ...(seed === undefined ? {} : { seed }) })).rows.map((r) => r.output)
    expect(sampled(5)).toEqual(sampled(5))
    expect(sampled()).toEqual(sampled(1849))
    const seeds = [1, 2, 3, 4].map((s) => sampled(s).join())
    expect(new Set(seeds).size).toBeGreaterThan(1)
    // The projection's derivative is Σ uₒ·(o + 1) with u = ±1: never 0 for these weights only if the signs vary by seed too.
    const projections = [1, 2, 3, 4].map((seed) => {
      const r = sync(checkJacobian(wide, rows, { at: at(), outputSample: 1, seed }))
      return r.rows[1]!.report.entries[0]!.analytic
    })
    for (const a of projections) expect(Math.abs(a) % 1).toBe(0)
    expect(new Set(projections).size).toBeGreaterThan(1)
  })

  it('sums the full Jacobian\'s rows with the projection\'s signs: a right sum passes, a sign flipped in one row fails only there and in u·f', () => {
    const rows = J(x0())
    rows[1] = rows[1]!.map((v) => -v)
    const r = sync(checkJacobian(f, rows, { at: x0() }))
    expect(r.rows.filter((row) => !row.report.pass).map((row) => row.output)).toEqual(['f[1]', 'u·f'])
    // The projection's analytic value at x₂ is Σ uₒ·J[o][2] over the rows as given.
    const entry = r.rows[3]!.report.entries[2]!
    const good = sync(checkJacobian(f, J(x0()), { at: x0() })).rows[3]!.report.entries[2]!
    expect(entry.analytic).not.toBeCloseTo(good.analytic, 6)
    expect(good.failed).toBe(false)
  })

  it('gives a VJP u shaped like the output (one-hot per row, ±1 for the projection), a copy each time', () => {
    const seen: unknown[] = []
    const spy = (p: Float64Array, u: unknown) => (seen.push(structuredClone(u)), vjp(p, u))
    const r = sync(checkJacobian((p: Float64Array) => ({ y: f(p) }), { vjp: (p: Float64Array, u: unknown) => spy(p, (u as { y: number[] }).y) }, { at: x0() }))
    expect(r.pass).toBe(true)
    expect(seen).toContainEqual([1, 0, 0])
    expect(seen).toContainEqual([0, 1, 0])
    expect(seen).toContainEqual([0, 0, 1])
    const signs = seen.find((u) => (u as number[]).every((v) => v === 1 || v === -1))
    expect(signs).toBeDefined()
    const scalar = sync(checkJacobian((p: Float64Array) => p[0]! * p[1]!, { vjp: (p: Float64Array, u: unknown) => (expect(typeof u).toBe('number'), [(u as number) * p[1]!, (u as number) * p[0]!, 0]) }, { at: x0() }))
    expect(scalar.pass).toBe(true)
  })
})

describe('formatJacobianReport: a headline, then each failing row', () => {
  it('says every checked row and the projection agree, with the calls of f', () => {
    const r = sync(checkJacobian(f, J(x0()), { at: x0() }))
    expect(formatJacobianReport(r)).toBe(`✓ all 3 checked rows of the Jacobian and the projection u·f agree (${r.evaluations} calls of f)`)
  })

  it('names the failing checks, and gives each one\'s report with paths naming output and input', () => {
    const rows = J(x0())
    rows[2] = [rows[2]![0]!, 0, 5]
    const r = sync(checkJacobian(f, rows, { at: x0() }))
    const text = formatJacobianReport(r)
    expect(text.split('\n')[0]).toBe('✗ 2 of 4 checks of the Jacobian disagree (f[2], u·f)')
    expect(text).toContain('\n\n── f[2] ──\n')
    expect(text).toContain('\n\n── u·f ──\n')
    expect(text).not.toContain('── f[0] ──')
    expect(text).toContain('f[2] / at[2]')
    expect(text).not.toContain('grad call')
    expect(text).toMatch(/\(\d+ loss calls; loss /)
  })

  it('speaks of grad for a Hessian, its received values being grad\'s', () => {
    const grad = (p: Float64Array) => [2 * p[0]!, 3 * p[1]! ** 2]
    const hessian = sync(checkRows(grad, { full: [[2, 0], [0, 6 * -1.3 + 1]] }, { at: Float64Array.from([0.7, -1.3]) }, { of: 'Hessian', single: 'g', projection: 'u·grad' }, 2))
    expect(hessian.of).toBe('Hessian')
    expect(hessian.rows.map((r) => r.output)).toEqual(['g[0]', 'g[1]', 'u·grad'])
    const text = formatJacobianReport(hessian)
    expect(text.split('\n')[0]).toBe('✗ 2 of 3 checks of the Hessian disagree (g[1], u·grad)')
    expect(text).toContain('grad g[1]')
    // The replay line counts grad's calls, not the loss's.
    expect(text).toMatch(/\(\d+ grad calls; grad g\[1\] /)
    expect(text).not.toContain('loss call')
    const fine = sync(checkRows(grad, { full: [[2, 0], [0, 6 * -1.3]] }, { at: Float64Array.from([0.7, -1.3]) }, { of: 'Hessian', single: 'g', projection: 'u·grad' }, 2))
    expect(formatJacobianReport(fine)).toBe(`✓ all 2 checked rows of the Hessian and the projection u·grad agree (${fine.evaluations} calls of grad)`)
  })
})

describe('checkJacobian: wrong arguments are usage errors that say what was expected', () => {
  it('refuses an f that is not a function', () => {
    expect(() => checkJacobian(3 as never, J(x0()), { at: x0() })).toThrow(InvalidArgumentError)
    expect(() => checkJacobian(3 as never, J(x0()), { at: x0() })).toThrow('Expected f to be a function, got `3` (number). Pass the function itself: `expect(f)`.')
  })

  it.each([
    ['null', null, '`null`'],
    ['a number', 2, '`2` (number)'],
    ['an object without a function vjp or jvp', { vjp: 1, jvp: 'x' }, 'an object'],
  ])('refuses %s as the Jacobian', (_, spec, described) => {
    expect(() => checkJacobian(f, spec as never, { at: x0() })).toThrow(
      `Expected the Jacobian to be an array (one entry per output coordinate, each mirroring \`at\`), \`{ vjp }\` or \`{ jvp }\`, got ${described}.`,
    )
  })

  it('refuses a full Jacobian with another number of rows than the output has coordinates', () => {
    expect(() => checkJacobian(f, [...J(x0()), [0, 0, 0]], { at: x0() })).toThrow(InvalidArgumentError)
    expect(() => checkJacobian(f, J(x0()).slice(1), { at: x0() })).toThrow('Expected the Jacobian to have one entry per output coordinate (3), got 2. Flatten the output row-major.')
  })

  it('as a Hessian: grad must mirror `at`, and the full Hessian have one row per coordinate', () => {
    const kind = { of: 'Hessian', single: 'g', projection: 'u·grad' } as const
    const at = () => Float64Array.from([0.7, -1.3])
    expect(() => checkRows(() => [1, 2, 3], { full: [] }, { at: at() }, kind, 2)).toThrow(ShapeMismatchError)
    expect(() => checkRows(() => [1, 2, 3], { full: [] }, { at: at() }, kind, 2)).toThrow('Expected grad to return a value mirroring `at` (2 numbers), got an array of length 3 with 3. Return the gradient of the loss, shaped like `at`.')
    expect(() => checkRows((p: Float64Array) => [p[0]!, p[1]!], { full: [[1, 0]] }, { at: at() }, kind, 2)).toThrow(
      'Expected the Hessian to have one entry per coordinate of `at` (2), got 1. Each entry is a row of the Hessian, mirroring `at`.',
    )
  })

  it('takes vjp over jvp when both are given, and a jvp alone', () => {
    let jvps = 0
    const r = sync(checkJacobian(f, { vjp, jvp: () => (jvps++, [0, 0, 0]) } as never, { at: x0() }))
    expect(r.pass).toBe(true)
    expect(jvps).toBe(0)
  })
})

describe('checkJacobian with { jvp }: the columns J·eⱼ within the sample', () => {
  it('calls the JVP once per coordinate of `at`, with v = eⱼ shaped like `at`, and passes a right one', () => {
    const vs: number[][] = []
    const r = sync(checkJacobian(f, { jvp: (p: Float64Array, v: unknown) => (vs.push(Array.from(v as Float64Array)), jvp(p, v)) }, { at: x0() }))
    expect(r.pass).toBe(true)
    expect(vs).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
  })

  it('puts column j of J·eⱼ into every row: a wrong column fails in every row it is not 0 in', () => {
    const wrong = (p: Float64Array, v: unknown) => {
      const jv = jvp(p, v)
      return (v as Float64Array)[0] === 1 ? jv.map((x) => x + 1) : jv
    }
    const r = sync(checkJacobian(f, { jvp: wrong }, { at: x0() }))
    expect(r.entries.filter((e) => e.failed && !e.path.startsWith('u·f')).map((e) => e.path)).toEqual(['f[0] / at[0]', 'f[1] / at[0]', 'f[2] / at[0]'])
  })

  it('wraps the JVP\'s own error in a CallError naming the call and v, the original as cause, and restores `at`', () => {
    const p = x0()
    const e = (() => {
      try {
        checkJacobian(f, { jvp: (q: Float64Array, v: unknown) => { if ((v as Float64Array)[1] === 1) { q[0] = 9; throw new Error('kernel failed') } return jvp(q, v) } }, { at: p })
      } catch (error) {
        return error as CallError
      }
    })()
    expect(e).toBeInstanceOf(CallError)
    expect(e!.message).toBe('The JVP threw on call 2 (v = 1 at `at[1]`, 0 elsewhere): kernel failed')
    expect(e!.call).toBe(2)
    expect(e!.coordinate).toBe('at[1]')
    expect((e!.cause as Error).message).toBe('kernel failed')
    expect(Array.from(p)).toEqual(Array.from(x0()))
  })

  it('says what was thrown when it is not an Error', () => {
    expect(() => checkJacobian(f, { jvp: () => { throw 'out of memory' } }, { at: x0() })).toThrow('The JVP threw on call 1 (v = 1 at `at[0]`, 0 elsewhere): out of memory')
  })

  it('rejects an async JVP\'s rejection as the same CallError, and restores what it wrote', async () => {
    const p = x0()
    const slow = async (q: Float64Array, v: unknown) => {
      if ((v as Float64Array)[2] === 1) {
        q[2] = -0
        throw new Error('late')
      }
      return jvp(q, v)
    }
    const e = await (checkJacobian(f, { jvp: slow }, { at: p }) as Promise<unknown>).then(() => undefined, (x: unknown) => x)
    expect(e).toBeInstanceOf(CallError)
    expect((e as CallError).call).toBe(3)
    expect((e as Error).message).toBe('The JVP threw on call 3 (v = 1 at `at[2]`, 0 elsewhere): late')
    expect(Object.is(p[2], 0.4)).toBe(true)
    const ok = await checkJacobian(f, { jvp: async (q: Float64Array, v: unknown) => jvp(q, v) }, { at: x0() })
    expect(ok.pass).toBe(true)
  })

  it('is a ParameterError when the JVP writes to `at` and returns, with `at` restored bit for bit', () => {
    const p = Float64Array.from([0.7, -0, 0.4])
    const writes = (q: Float64Array, v: unknown) => {
      if ((v as Float64Array)[1] === 1) q[1] = 0
      return jvp(q, v)
    }
    expect(() => checkJacobian((q: Float64Array) => f(q), { jvp: writes }, { at: p })).toThrow(ParameterError)
    expect(() => checkJacobian((q: Float64Array) => f(q), { jvp: writes }, { at: p })).toThrow('Expected the JVP to leave `at` as it is, but it changed `at[1]` from 0 to 0')
    expect(Object.is(p[1], -0)).toBe(true)
  })

  it('is a ShapeMismatchError, not a CallError, when the result has another size or is no tensor', () => {
    const p = x0()
    const short = (q: Float64Array, v: unknown) => jvp(q, v).slice(0, 2)
    const e = (() => {
      try {
        checkJacobian(f, { jvp: short }, { at: p })
      } catch (error) {
        return error as Error
      }
    })()
    expect(e).toBeInstanceOf(ShapeMismatchError)
    expect(Array.from(p)).toEqual(Array.from(x0()))
    expect(() => checkJacobian(f, { jvp: () => [1, 2] }, { at: x0() })).toThrow(
      'Expected the result of the JVP to be shaped like the output of f (3 numbers), got an array of length 2 with 2 (v = 1 at `at[0]`, 0 elsewhere). Return J·v, one value per output coordinate.',
    )
    expect(() => checkJacobian(f, { jvp: () => 'x' }, { at: x0() })).toThrow(ShapeMismatchError)
  })

  it('reads a JVP result of any structure flattened in order, and a v for a structure of tensors', () => {
    type Q = { a: Float64Array; b: number[] }
    const at = (): Q => ({ a: Float64Array.from([0.7, -1.3]), b: [0.4] })
    const g = (q: Q) => ({ y: [q.a[0]! * q.a[1]!, Math.sin(q.b[0]!)], z: q.a[0]! ** 2 + q.b[0]! })
    const vs: unknown[] = []
    const gjvp = (q: Q, v: unknown) => {
      vs.push(structuredClone(v))
      const d = v as Q
      return { y: Float64Array.from([q.a[1]! * d.a[0]! + q.a[0]! * d.a[1]!, Math.cos(q.b[0]!) * d.b[0]!]), z: 2 * q.a[0]! * d.a[0]! + d.b[0]! }
    }
    const r = sync(checkJacobian(g, { jvp: gjvp }, { at: at() }))
    expect(r.pass).toBe(true)
    expect(vs).toEqual([{ a: Float64Array.from([1, 0]), b: [0] }, { a: Float64Array.from([0, 1]), b: [0] }, { a: Float64Array.from([0, 0]), b: [1] }])
    expect(r.rows.map((row) => row.output)).toEqual(['y[0]', 'y[1]', 'z', 'u·f'])
  })
})

describe('checkJacobian with { jvp }: which path, columns or directions', () => {
  const calls = (options: object, n = 3) => {
    let count = 0
    const at = Float64Array.from({ length: n }, (_, j) => 0.1 * (j + 1))
    const g = (p: Float64Array) => [p.reduce((s, v) => s + v * v, 0), p[0]!]
    const gjvp = (p: Float64Array, v: unknown) => {
      count++
      const d = v as Float64Array
      return [p.reduce((s, x, j) => s + 2 * x * d[j]!, 0), d[0]!]
    }
    const r = sync(checkJacobian(g, { jvp: gjvp }, { at, ...options }))
    expect(r.pass, formatJacobianReport(r)).toBe(true)
    return { count, mode: r.rows[0]!.report.options.mode }
  }

  it("takes the columns on 'auto' within the sample and at 'full' (one call per coordinate), directions at 'directional'", () => {
    expect(calls({})).toEqual({ count: 3, mode: 'auto' })
    expect(calls({ mode: 'full' })).toEqual({ count: 3, mode: 'full' })
    expect(calls({ mode: 'directional' }).count).toBe(1)
  })

  it("takes directions on 'auto' once a tensor is larger than the sample (a number, or the default), columns for `sample: 'all'`", () => {
    expect(calls({ sample: 2 }).count).toBe(1)
    expect(calls({ sample: 3 }).count).toBe(3)
    // The default sample is AUTO_SAMPLE = 512 coordinates per tensor. The first JVP call says the path (and throws, to stay quick).
    const path = (options: object, n: number): string => {
      const at = new Float64Array(n)
      try {
        checkJacobian((p: Float64Array) => [p[0]!], { jvp: () => { throw new Error('stop') } }, { at, ...options })
      } catch (error) {
        return (error as Error).message
      }
      return 'no error'
    }
    const column = 'The JVP threw on call 1 (v = 1 at `at[0]`, 0 elsewhere): stop'
    const along = (n: number) => `The JVP threw on call 1 (v along ${n} coordinates of \`at\`): stop`
    expect(path({}, 512)).toBe(column)
    expect(path({}, 513)).toBe(along(513))
    expect(path({ sample: 'auto' }, 513)).toBe(along(513))
    expect(path({ sample: 'all' }, 513)).toBe(column)
    expect(path({ mode: 'full' }, 513)).toBe(column)
    expect(path({ mode: 'directional', sample: 'all' }, 2)).toBe(along(2))
  })

  it('asks each direction once, whichever rows read it, and names a direction over several coordinates in its errors', () => {
    const at = () => Float64Array.from({ length: 600 }, (_, j) => 0.001 * j)
    const g = (p: Float64Array) => [p.reduce((s, v) => s + v * v, 0), 3 * p[1]!, p[2]! * p[3]!]
    let n = 0
    const gjvp = (p: Float64Array, v: unknown) => {
      n++
      const d = v as Float64Array
      return [p.reduce((s, x, j) => s + 2 * x * d[j]!, 0), 3 * d[1]!, p[3]! * d[2]! + p[2]! * d[3]!]
    }
    const r = sync(checkJacobian(g, { jvp: gjvp }, { at: at() }))
    expect(r.pass, formatJacobianReport(r)).toBe(true)
    expect(n).toBe(1)
    expect(() => checkJacobian(g, { jvp: () => { throw new Error('no') } }, { at: at() })).toThrow('The JVP threw on call 1 (v along 600 coordinates of `at`): no')
  })

  it('refuses an adapted tensor in `at` for a JVP, naming it', () => {
    class T { constructor(readonly data: Float64Array) {} }
    const off = registerTensorAdapter<T>({ name: 'T', matches: (v): v is T => v instanceof T, read: (t) => ({ data: t.data, shape: [t.data.length] }), write: (t, d) => void t.data.set(d) })
    try {
      const at = { w: new T(Float64Array.from([1, 2])) }
      expect(() => checkJacobian((p: typeof at) => [p.w.data[0]!], { jvp: () => [0] }, { at })).toThrow(
        'Expected `at` to hold plain arrays for `{ jvp }`, got an adapted tensor (`w`). Pass the full Jacobian instead, or `at` as Float64Arrays.',
      )
      expect(() => checkJacobian((p: typeof at) => [p.w.data[0]!], { jvp: () => [0] }, { at, mode: 'directional' })).toThrow(InvalidArgumentError)
    } finally {
      off()
    }
  })
})

describe('checkJacobian: outputs and rows of any structure', () => {
  it('reads each output coordinate from its own tensor, the second tensor\'s from its own start', () => {
    const g = (p: Float64Array) => ({ a: [p[0]! * p[1]!], b: [Math.sin(p[2]!), p[0]! * p[0]! + p[2]!] })
    const r = sync(checkJacobian(g, J(x0()), { at: x0() }))
    expect(r.rows.map((row) => row.output)).toEqual(['a[0]', 'b[0]', 'b[1]', 'u·f'])
    expect(r.pass, formatJacobianReport(r)).toBe(true)
    const vr = sync(checkJacobian(g, { vjp: (p: Float64Array, u: unknown) => vjp(p, [(u as { a: number[] }).a[0], ...(u as { b: number[] }).b]) }, { at: x0() }))
    expect(vr.pass, formatJacobianReport(vr)).toBe(true)
  })

  it('names the output of f in the error for an output that is no tensor', () => {
    expect(() => checkJacobian(() => 'x', [], { at: x0() })).toThrow(ShapeMismatchError)
    expect(() => checkJacobian(() => 'x', [], { at: x0() })).toThrow(/^Expected the output of f to be a number/)
  })

  it('names `at` in the error for an `at` a JVP cannot read, whichever path the JVP takes', () => {
    for (const mode of ['auto', 'full', 'directional'] as const) {
      expect(() => checkJacobian(() => [1], { jvp: () => [0] }, { at: { w: 'x' } as never, mode })).toThrow(/^Expected `at` `w` to be a number/)
    }
  })

  it('names the result of the JVP in the error for a result that is no tensor', () => {
    expect(() => checkJacobian(f, { jvp: () => 'x' }, { at: x0() })).toThrow(/^Expected the result of the JVP to be a number/)
  })

  it('names the Jacobian in the error for a row that no row check read, found when the projection sums them', () => {
    const at = () => ({ w: Float64Array.from([0.5]) })
    const g = (p: { w: Float64Array }) => [p.w[0]!, 2 * p.w[0]!, 3 * p.w[0]!]
    const good = [{ w: [1] }, { w: [2] }, { w: [3] }]
    const options = { at: at(), outputSample: 1, seed: 7 }
    const sampled = sync(checkJacobian(g, good, options)).rows[0]!.output
    const o = Number(/\[(\d)\]/.exec(sampled)![1])
    // A row the projection reads first (the first) or later (another), neither the sampled one.
    const first = o === 0 ? 1 : 0
    const later = [0, 1, 2].find((j) => j !== o && j !== first)!
    for (const [bad, row] of [[{ w: null }, first], [{ w: 'x' }, later], [{ w: 'x' }, first]] as const) {
      const rows: unknown[] = good.slice()
      rows[row] = bad
      expect(() => checkJacobian(g, rows, { at: at(), outputSample: 1, seed: 7 })).toThrow(ShapeMismatchError)
      expect(() => checkJacobian(g, rows, { at: at(), outputSample: 1, seed: 7 })).toThrow(/^Expected the Jacobian `w` to be a number/)
    }
  })

  it('is refused when given as a function, even one with a `vjp` or `jvp` of its own', () => {
    const spec = Object.assign(() => 0, { vjp, jvp })
    expect(() => checkJacobian(f, spec as never, { at: x0() })).toThrow('`{ vjp }` or `{ jvp }`, got a function.')
  })

  it('turns into a promise as soon as one row does: a VJP async only for the projection', async () => {
    const late = (p: Float64Array, u: unknown) => ((u as number[]).filter((w) => w !== 0).length > 1 ? Promise.resolve(vjp(p, u)) : vjp(p, u))
    const r = checkJacobian(f, { vjp: late }, { at: x0() })
    expect(r).toBeInstanceOf(Promise)
    const done = await r
    expect(done.pass).toBe(true)
    expect(done.rows.map((row) => row.output)).toEqual(['f[0]', 'f[1]', 'f[2]', 'u·f'])
    expect(done.rows.every((row) => typeof row.report.pass === 'boolean')).toBe(true)
  })

  it('names a direction over one coordinate as v = eⱼ in the JVP\'s errors', () => {
    const at = { w: Float64Array.from([0.5]) }
    const e = (() => {
      try {
        checkJacobian((p: typeof at) => [p.w[0]!], { jvp: () => { throw new Error('no') } }, { at, mode: 'directional' })
      } catch (error) {
        return error as CallError
      }
    })()
    expect(e).toBeInstanceOf(CallError)
    expect(e!.message).toBe('The JVP threw on call 1 (v = 1 at `w[0]`, 0 elsewhere): no')
    expect(e!.coordinate).toBe('v = 1 at `w[0]`, 0 elsewhere')
  })
})
