// Jacobian checks (src/modes/jacobian.ts) through the gradient machinery: rows one by one and the seeded
// projection u·f. Negative controls: a wrong column, a wrong row, a VJP and a JVP with a transposed term;
// beyond the sample, a JVP with one wrong entry of J, a transposed term, and a tensor-wide 1% error.
import 'gradcheck/vitest'
import { type JacobianReport, checkJacobian, formatJacobianReport } from 'gradcheck'
import { describe, expect, it } from 'vitest'

const x = [0.5, -1.2, 0.3]
type P = { w: number[][] }
const at = (): P => ({ w: [[0.1, 0.2, -0.3], [0.3, -0.4, 0.2], [0.5, 0.6, 0.1], [-0.2, 0.1, 0.4]] })
const z = (r: number[]): number => r.reduce((s, v, j) => s + v * x[j]!, 0)
/** f(w) = tanh(W x): four logits. */
const f = (p: P) => ({ logits: p.w.map((r) => Math.tanh(z(r))) })
const d = (r: number[]): number => 1 - Math.tanh(z(r)) ** 2

function jacobian(p: P, bug?: 'column' | 'row'): P[] {
  return p.w.map((_, o) => {
    const g = { w: p.w.map((row, k) => row.map((_, j) => (k === o ? d(p.w[o]!) * x[j]! : 0))) }
    if (bug === 'column') g.w.forEach((row) => (row[1] = row[1]! * 1.1))
    if (bug === 'row' && o === 3) g.w[3] = g.w[3]!.map((v) => 2 * v)
    return g
  })
}
/** uᵀJ; `transposed`: the first two outputs' u swapped, as a backward pass that transposes one term. */
const vjp = (transposed = false) => (p: P, u: unknown) => {
  const us = (u as { logits: number[] }).logits
  return { w: p.w.map((r, o) => r.map((_, j) => us[transposed && o < 2 ? 1 - o : o]! * d(r) * x[j]!)) }
}

/** J·v; `transposed`: the first two outputs read each other's row of v; `column`: input column 1 scaled by 1.1. */
const jvp = (bug?: 'transposed' | 'column') => (p: P, v: unknown) => {
  const vs = (v as P).w
  const dot = (o: number): number => vs[bug === 'transposed' && o < 2 ? 1 - o : o]!.reduce((s, vj, j) => s + vj * x[j]! * (bug === 'column' && j === 1 ? 1.1 : 1), 0)
  return { logits: p.w.map((r, o) => d(r) * dot(o)) }
}

// float32: f(x) = (x₀x₁, sin x₂, x₀²) computed and returned in float32.
const f32 = (p: Float32Array): Float32Array => Float32Array.from([p[0]! * p[1]!, Math.sin(p[2]!), p[0]! * p[0]!])
const jvp32 = (p: Float32Array, v: unknown): Float32Array => {
  const u = v as Float32Array
  return Float32Array.from([p[1]! * u[0]! + p[0]! * u[1]!, Math.cos(p[2]!) * u[2]!, 2 * p[0]! * u[0]!])
}

describe('checkJacobian', () => {
  it('passes a correct full Jacobian and a correct VJP', () => {
    expect(f).toHaveJacobianMatching(jacobian(at()), { at: at() })
    expect(f).toHaveJacobianMatching({ vjp: vjp() }, { at: at() })
  })

  it('a wrong column fails in every row, named output / input', () => {
    const r = checkJacobian(f, jacobian(at(), 'column'), { at: at() }) as JacobianReport
    expect(r.pass).toBe(false)
    const failing = r.entries.filter((e) => e.failed && !e.path.startsWith('u·f')).map((e) => e.path)
    expect(failing.sort()).toEqual(['logits[0] / w[0,1]', 'logits[1] / w[1,1]', 'logits[2] / w[2,1]', 'logits[3] / w[3,1]'])
  })

  it('a wrong row fails in that row only (and in the projection)', () => {
    const r = checkJacobian(f, jacobian(at(), 'row'), { at: at() }) as JacobianReport
    expect(r.rows.filter((row) => !row.report.pass).map((row) => row.output)).toEqual(['logits[3]', 'u·f'])
    expect(formatJacobianReport(r)).toContain('logits[3] / w[3,0]')
  })

  it('a wrong row left out of the row sample still fails the projection', () => {
    const r = checkJacobian(f, jacobian(at(), 'row'), { at: at(), outputSample: 1, seed: 2 }) as JacobianReport
    expect(r.rows.map((row) => row.output)).not.toContain('logits[3]')
    expect(r.pass).toBe(false)
    expect(r.rows.find((row) => row.output === 'u·f')!.report.pass).toBe(false)
  })

  it('a VJP with a transposed term fails, naming the rows', () => {
    expect(f).not.toHaveJacobianMatching({ vjp: vjp(true) }, { at: at() })
    const r = checkJacobian(f, { vjp: vjp(true) }, { at: at() }) as JacobianReport
    // The rows name it; the projection sees it only for a u whose first two signs differ (not this seed's).
    expect(r.rows.filter((row) => !row.report.pass && row.output !== 'u·f').map((row) => row.output)).toEqual(['logits[0]', 'logits[1]'])
  })

  it('async f and VJP: a promise, calls in sequence', async () => {
    let running = 0
    const slow = async (p: P) => {
      expect(running++).toBe(0)
      await Promise.resolve()
      running--
      return f(p)
    }
    await expect(slow).toHaveJacobianMatching({ vjp: async (p: P, u: unknown) => vjp()(p, u) }, { at: at() })
    await expect(slow).not.toHaveJacobianMatching({ vjp: vjp(true) }, { at: at() })
  })

  it('says what is wrong with the arguments', () => {
    expect(() => checkJacobian(f, jacobian(at()).slice(1), { at: at() })).toThrow(/one entry per output coordinate \(4\), got 3/)
    expect(() => checkJacobian(f, { hvp: () => 0 } as never, { at: at() })).toThrow(/an array .*, `\{ vjp \}` or `\{ jvp \}`/)
    expect(() => checkJacobian(f, { jvp: () => ({ logits: [1, 2] }) }, { at: at() })).toThrow(
      /Expected the result of the JVP to be shaped like the output of f \(4 numbers\), got .* with 2 \(v = 1 at `w\[0,0\]`, 0 elsewhere\)/,
    )
  })
})

describe('checkJacobian with { jvp }', () => {
  it('passes a correct JVP in float64 and float32', () => {
    expect(f).toHaveJacobianMatching({ jvp: jvp() }, { at: at() })
    const r = checkJacobian(f32, { jvp: jvp32 }, { at: Float32Array.from([0.7, -1.3, 0.4]) }) as JacobianReport
    expect(r.pass).toBe(true)
    expect(r.rows[0]!.report.precision).toBe('float32')
  })

  it('a JVP with a transposed term fails in the rows it swaps, named output / input', () => {
    const r = checkJacobian(f, { jvp: jvp('transposed') }, { at: at() }) as JacobianReport
    expect(r.rows.filter((row) => !row.report.pass && row.output !== 'u·f').map((row) => row.output)).toEqual(['logits[0]', 'logits[1]'])
    const failing = r.entries.filter((e) => e.failed && !e.path.startsWith('u·f')).map((e) => e.path)
    expect(failing).toContain('logits[0] / w[1,0]')
    expect(failing).toContain('logits[1] / w[0,2]')
  })

  it('a JVP with a wrong column fails in every row, at that column', () => {
    const r = checkJacobian(f, { jvp: jvp('column') }, { at: at() }) as JacobianReport
    const failing = r.entries.filter((e) => e.failed && !e.path.startsWith('u·f')).map((e) => e.path)
    expect(failing.sort()).toEqual(['logits[0] / w[0,1]', 'logits[1] / w[1,1]', 'logits[2] / w[2,1]', 'logits[3] / w[3,1]'])
  })

  it('async JVP: a promise, every call in sequence', async () => {
    let running = 0
    const slow = async (p: P, v: unknown) => {
      expect(running++).toBe(0)
      await Promise.resolve()
      running--
      return jvp()(p, v)
    }
    await expect(f).toHaveJacobianMatching({ jvp: slow }, { at: at() })
    await expect(f).not.toHaveJacobianMatching({ jvp: async (p: P, v: unknown) => jvp('transposed')(p, v) }, { at: at() })
  })

  it('leaves `at` as it was when the JVP throws, and names the call', () => {
    const p = at()
    const before = structuredClone(p)
    const throwing = (q: P, v: unknown) => {
      if ((v as P).w[2]![1] === 1) throw new Error('kernel failed')
      return jvp()(q, v)
    }
    expect(() => checkJacobian(f, { jvp: throwing }, { at: p })).toThrow(/The JVP threw on call 8 \(v = 1 at `w\[2,1\]`, 0 elsewhere\): kernel failed/)
    expect(p).toEqual(before)
  })
})

// A JVP beyond the per-tensor sample: every row a directional check, the derivative along v read
// from one JVP call shared by every row. f(w, b)ₒ = tanh(zₒ) + zₒ/2, zₒ = Σⱼ Aₒⱼwⱼ + Σₖ bₖ·cos(k + o).
const OUT = 3
type Big = { w: Float64Array; b: Float64Array }
const bigAt = (n: number, biases = 8): Big => ({ w: Float64Array.from({ length: n }, (_, j) => (0.3 * Math.sin(7 * j + 1)) / Math.sqrt(n)), b: Float64Array.from({ length: biases }, (_, k) => 0.1 * Math.cos(k)) })
const A = (n: number): Float64Array[] => Array.from({ length: OUT }, (_, o) => Float64Array.from({ length: n }, (_, j) => Math.cos(3 * j + o)))
const zOf = (a: Float64Array[], p: Big, v: Big = p): number[] =>
  a.map((row, o) => {
    let s = 0
    for (let j = 0; j < row.length; j++) s += row[j]! * v.w[j]!
    for (let k = 0; k < v.b.length; k++) s += v.b[k]! * Math.cos(k + o)
    return s
  })
const bigF = (a: Float64Array[]) => (p: Big) => ({ out: zOf(a, p).map((z) => Math.tanh(z) + z / 2) })
/** J·v; `entry`: J[i][w_j] off by 0.5 (one entry of J); `transposed`: output 0 reads b's coefficients of output 1. */
const bigJvp = (a: Float64Array[], bug?: { entry: [number, number] } | 'transposed', calls = { n: 0 }) => (p: Big, v: unknown) => {
  calls.n++
  const dv = v as Big
  const z = zOf(a, p)
  const along = zOf(a, p, dv)
  if (bug === 'transposed') for (let k = 0; k < dv.b.length; k++) along[0]! += dv.b[k]! * (Math.cos(k + 1) - Math.cos(k))
  const jv = along.map((s, o) => (1 - Math.tanh(z[o]!) ** 2 + 0.5) * s)
  if (typeof bug === 'object') jv[bug.entry[0]]! += 0.5 * dv.w[bug.entry[1]]!
  return { out: jv }
}

describe('checkJacobian with { jvp } beyond the sample: directional rows, one JVP call per direction', () => {
  it('a correct JVP of 10⁴ and 10⁵ inputs passes with one JVP call per tensor', () => {
    for (const n of [1e4, 1e5]) {
      const a = A(n)
      const calls = { n: 0 }
      const r = checkJacobian(bigF(a), { jvp: bigJvp(a, undefined, calls) }, { at: bigAt(n) }) as JacobianReport
      expect(r.pass, formatJacobianReport(r)).toBe(true)
      // Two tensors, one random direction each, its J·v read by all OUT rows and the projection.
      expect(calls.n).toBe(2)
      expect(r.rows.every((row) => row.report.options.mode === 'directional')).toBe(true)
    }
  })

  it('a tensor of one coordinate is checked along its own eⱼ: one JVP call, shared too', () => {
    const a = A(1e4)
    const calls = { n: 0 }
    const r = checkJacobian(bigF(a), { jvp: bigJvp(a, undefined, calls) }, { at: bigAt(1e4, 1) }) as JacobianReport
    expect(r.pass, formatJacobianReport(r)).toBe(true)
    expect(calls.n).toBe(2)
    expect(r.entries.filter((e) => e.path.endsWith('/ b[0]'))).toHaveLength(r.rows.length)
    // Negative control: that coordinate's column wrong in output 0.
    const wrong = (p: Big, v: unknown) => ({ out: bigJvp(a)(p, v).out.map((x, o) => (o === 0 ? x + 0.5 * (v as Big).b[0]! : x)) })
    const bad = checkJacobian(bigF(a), { jvp: wrong }, { at: bigAt(1e4, 1) }) as JacobianReport
    expect(bad.entries.filter((e) => e.failed && !e.path.startsWith('u·f')).map((e) => e.path)).toEqual(['out[0] / b[0]'])
  })

  it('one wrong entry of J fails naming out[i] / w[j], in O(tensors + log n) JVP calls (negative control)', () => {
    for (const [n, i, j] of [[1e4, 1, 4321], [1e5, 2, 77777]] as const) {
      const a = A(n)
      const calls = { n: 0 }
      const r = checkJacobian(bigF(a), { jvp: bigJvp(a, { entry: [i, j] }, calls) }, { at: bigAt(n) }) as JacobianReport
      expect(r.pass).toBe(false)
      const failing = r.entries.filter((e) => e.failed && !e.path.startsWith('u·f')).map((e) => e.path)
      expect(failing).toEqual([`out[${i}] / w[${j}]`])
      expect(formatJacobianReport(r)).toContain(`out[${i}] / w[${j}]`)
      expect(calls.n).toBeLessThanOrEqual(2 + 3 * Math.ceil(Math.log2(n)))
    }
  })

  it('a JVP with a transposed term fails in the row it touches (negative control)', () => {
    const a = A(1e4)
    const r = checkJacobian(bigF(a), { jvp: bigJvp(a, 'transposed') }, { at: bigAt(1e4) }) as JacobianReport
    expect(r.pass).toBe(false)
    expect(r.rows.filter((row) => !row.report.pass && row.output !== 'u·f').map((row) => row.output)).toEqual(['out[0]'])
  })

  it('a JVP off by 1% over a whole tensor fails in every row (negative control)', () => {
    const a = A(1e4)
    const scaled = (p: Big, v: unknown) => ({ out: bigJvp(a)(p, v).out.map((x) => 1.01 * x) })
    const r = checkJacobian(bigF(a), { jvp: scaled }, { at: bigAt(1e4) }) as JacobianReport
    expect(r.rows.map((row) => row.report.pass)).toEqual([false, false, false, false])
  })

  it("mode: 'directional' takes the same path at small n; a wrong column still fails there (negative control)", () => {
    const calls = { n: 0 }
    const counted = (bug?: 'column') => (p: P, v: unknown) => (calls.n++, jvp(bug)(p, v))
    expect(f).toHaveJacobianMatching({ jvp: counted() }, { at: at(), mode: 'directional' })
    expect(calls.n).toBe(1)
    expect(f).not.toHaveJacobianMatching({ jvp: jvp('column') }, { at: at(), mode: 'directional' })
  })

  it('async JVP: a promise, calls in sequence', async () => {
    const a = A(1e4)
    let running = 0
    const slow = async (p: Big, v: unknown) => {
      expect(running++).toBe(0)
      await Promise.resolve()
      running--
      return bigJvp(a)(p, v)
    }
    await expect(bigF(a)).toHaveJacobianMatching({ jvp: slow }, { at: bigAt(1e4) })
    await expect(bigF(a)).not.toHaveJacobianMatching({ jvp: async (p: Big, v: unknown) => bigJvp(a, { entry: [0, 9] })(p, v) }, { at: bigAt(1e4) })
  })

  it('float32 passes', () => {
    const n = 1e4
    const a = A(n).map((row) => Float32Array.from(row) as unknown as Float64Array)
    const p32 = (): { w: Float32Array; b: Float32Array } => ({ w: Float32Array.from(bigAt(n).w), b: Float32Array.from(bigAt(n).b) })
    const f32big = (p: Big) => ({ out: Float32Array.from(bigF(a)(p).out) })
    const jvp32big = (p: Big, v: unknown) => ({ out: Float32Array.from(bigJvp(a)(p, v).out) })
    const r = checkJacobian(f32big, { jvp: jvp32big }, { at: p32() as unknown as Big }) as JacobianReport
    expect(r.pass, formatJacobianReport(r)).toBe(true)
    expect(r.rows[0]!.report.precision).toBe('float32')
  })

  it('leaves `at` bit for bit when the JVP writes to it and throws midway, and names the call', () => {
    const a = A(1e4)
    const p = bigAt(1e4)
    const before = { w: p.w.slice(), b: p.b.slice() }
    let n = 0
    const throwing = (q: Big, v: unknown) => {
      if (++n === 2) {
        q.w[5] = 42
        throw new Error('kernel failed')
      }
      return bigJvp(a)(q, v)
    }
    expect(() => checkJacobian(bigF(a), { jvp: throwing }, { at: p })).toThrow(/The JVP threw on call 2 \(v along 8 coordinates of `b`\): kernel failed/)
    expect(p.w).toEqual(before.w)
    expect(p.b).toEqual(before.b)
    expect(Object.is(p.w[5], before.w[5])).toBe(true)
  })
})
