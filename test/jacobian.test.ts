// Jacobian checks (src/modes/jacobian.ts) through the gradient machinery: rows one by one and the seeded
// projection u·f. Negative controls: a wrong column, a wrong row, a VJP and a JVP with a transposed term.
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
      /Expected the result of the JVP to be shaped like the output of f \(4 numbers\), got .* with 2 \(v = 1 at `w\[0,0\]`\)/,
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
