// Hessian checks (src/modes/hessian.ts): the Hessian is the Jacobian of the gradient, checked against
// differences of `grad` (docs/numerics.md, "Second order"). Correct Hessians pass in float64 and float32;
// negative controls: an HVP missing a term, a full Hessian with one wrong entry (and its mirror),
// a wrong entry on one side of the diagonal only.
import 'gradcheck/vitest'
import { CallError, InvalidArgumentError, type JacobianReport, ShapeMismatchError, checkHessian, formatJacobianReport } from 'gradcheck'
import { describe, expect, it } from 'vitest'

type Vec = Float64Array | Float32Array
const like = (x: Vec, values: ArrayLike<number>): Vec => (x instanceof Float32Array ? Float32Array.from(values) : Float64Array.from(values))

// ½ xᵀAx + bᵀx: grad Ax + b, Hessian A.
const A = [
  [2, 0.5, -0.3, 0],
  [0.5, 1.5, 0.2, 0.1],
  [-0.3, 0.2, 3, -0.4],
  [0, 0.1, -0.4, 1],
]
const b = [0.1, -0.2, 0.3, 0.05]
const matVec = (M: number[][], v: ArrayLike<number>): number[] => M.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0))
const quadraticGrad = (p: { w: Vec }) => ({ w: like(p.w, matVec(A, p.w).map((v, i) => v + b[i]!)) })
const quadraticHvp = (p: { w: Vec }, v: unknown) => ({ w: like(p.w, matVec(A, (v as { w: Vec }).w)) })
const hessianOf = (M: number[][], w: Vec) => M.map((row) => ({ w: like(w, row) }))
const point = (type: 'float64' | 'float32') => ({ w: (type === 'float32' ? Float32Array : Float64Array).from([0.3, -0.7, 1.1, 0.4]) })

// Softmax cross-entropy of logits z with label y: grad p − e_y, Hessian diag(p) − ppᵀ, H·v = p∘v − p(p·v).
const y = 2
const softmax = (z: ArrayLike<number>): number[] => {
  const m = Math.max(...Array.from(z))
  const e = Array.from(z, (v) => Math.exp(v - m))
  const s = e.reduce((a, c) => a + c, 0)
  return e.map((v) => v / s)
}
const ceGrad = (z: Vec): Vec => like(z, softmax(z).map((p, i) => p - (i === y ? 1 : 0)))
const ceHvp = (z: Vec, v: unknown): Vec => {
  const p = softmax(z)
  const u = v as Vec
  const pv = p.reduce((s, q, i) => s + q * u[i]!, 0)
  return like(z, p.map((q, i) => q * u[i]! - q * pv))
}

// A small tanh net, L = ½(w2·tanh(W1 x) − t)²; its exact Hessian-vector product (no Gauss–Newton
// shortcut: the term through tanh'' is there, and `missing` drops it).
const x = [0.7, -0.4]
const t = 0.3
type Net = { W1: Vec; w2: Vec }
const forward = (p: Net) => {
  const a = [0, 1, 2].map((i) => p.W1[2 * i]! * x[0]! + p.W1[2 * i + 1]! * x[1]!)
  const h = a.map(Math.tanh)
  const r = h.reduce((s, hi, i) => s + p.w2[i]! * hi, 0) - t
  return { h, r }
}
const netGrad = (p: Net): Net => {
  const { h, r } = forward(p)
  return { W1: like(p.W1, [0, 1, 2].flatMap((i) => x.map((xj) => r * p.w2[i]! * (1 - h[i]! ** 2) * xj))), w2: like(p.w2, h.map((hi) => r * hi)) }
}
const netHvp = (missing = false) => (p: Net, v: unknown): Net => {
  const { W1: V1, w2: v2 } = v as Net
  const { h, r } = forward(p)
  const dh = [0, 1, 2].map((i) => (1 - h[i]! ** 2) * (V1[2 * i]! * x[0]! + V1[2 * i + 1]! * x[1]!))
  const dr = [0, 1, 2].reduce((s, i) => s + v2[i]! * h[i]! + p.w2[i]! * dh[i]!, 0)
  const curvature = (i: number): number => (missing ? 0 : r * p.w2[i]! * -2 * h[i]! * dh[i]!)
  return {
    W1: like(p.W1, [0, 1, 2].flatMap((i) => x.map((xj) => xj * (dr * p.w2[i]! * (1 - h[i]! ** 2) + r * v2[i]! * (1 - h[i]! ** 2) + curvature(i))))),
    w2: like(p.w2, h.map((hi, i) => dr * hi + r * dh[i]!)),
  }
}
const net = (type: 'float64' | 'float32'): Net => {
  const T = type === 'float32' ? Float32Array : Float64Array
  return { W1: T.from([0.5, -0.3, 0.8, 0.2, -0.6, 0.9]), w2: T.from([0.7, -1.1, 0.4]) }
}

const failingPaths = (r: JacobianReport): string[] => [...new Set(r.entries.filter((e) => e.failed).map((e) => e.path))].sort()

describe('checkHessian: correct Hessians pass', () => {
  it.each(['float64', 'float32'] as const)('a quadratic form, as an HVP and as a full Hessian (%s)', (type) => {
    expect(quadraticGrad).toHaveHessianMatching({ hvp: quadraticHvp }, { at: point(type) })
    expect(quadraticGrad).toHaveHessianMatching(hessianOf(A, point(type).w), { at: point(type) })
  })

  it.each(['float64', 'float32'] as const)("softmax cross-entropy's Hessian diag(p) − ppᵀ (%s)", (type) => {
    const z = (type === 'float32' ? Float32Array : Float64Array).from([1.2, -0.5, 0.3, 2.0, -1.0])
    expect(ceGrad).toHaveHessianMatching({ hvp: ceHvp }, { at: z })
  })

  it.each(['float64', 'float32'] as const)("a tanh net's exact HVP (%s)", (type) => {
    const r = checkHessian(netGrad, { hvp: netHvp() }, { at: net(type), outputSample: 'all' }) as JacobianReport
    expect(formatJacobianReport(r)).toMatch(/^✓ all 9 checked rows of the Hessian and the projection u·grad agree/)
    expect(r.of).toBe('Hessian')
  })

  it.each(['float64', 'float32'] as const)('a loss with ReLU kinks: ½Σ relu(w)², whose gradient relu(w) kinks at 0, accepted there as a subgradient (%s)', (type) => {
    const relu = (p: { w: Vec }) => ({ w: p.w.map((v) => Math.max(v, 0)) })
    const hvp = (p: { w: Vec }, v: unknown) => ({ w: p.w.map((wi, i) => (wi > 0 ? (v as { w: Vec }).w[i]! : 0)) })
    const r = checkHessian(relu, { hvp }, { at: { w: (type === 'float32' ? Float32Array : Float64Array).from([0.5, 0, -0.8, 1.3]) } }) as JacobianReport
    expect(r.pass).toBe(true)
    // w[1] sits on the kink: its row's diagonal entry lies between the one-sided slopes 0 and 1.
    expect(r.entries.find((e) => e.path === 'w[1] / w[1]')?.kink).toBe(true)
    expect(r.entries.find((e) => e.path === 'w[0] / w[0]')?.kink).toBe(false)
  })
})

describe('checkHessian: wrong Hessians fail, naming the entries', () => {
  it.each(['float64', 'float32'] as const)('an HVP missing the term through tanh″ fails, naming the coordinates (%s)', (type) => {
    expect(netGrad).not.toHaveHessianMatching({ hvp: netHvp(true) }, { at: net(type) })
    const r = checkHessian(netGrad, { hvp: netHvp(true) }, { at: net(type), outputSample: 'all' }) as JacobianReport
    // The dropped term r·w2ᵢ·(−2hᵢ)·dhᵢ·xⱼ couples only the weights of hidden unit i (W1[2i], W1[2i+1],
    // W1 flattened row-major) with each other: the rows of W1 fail, w2's rows do not.
    expect(r.rows.filter((row) => !row.report.pass).map((row) => row.output)).toEqual(['W1[0]', 'W1[1]', 'W1[2]', 'W1[3]', 'W1[4]', 'W1[5]', 'u·grad'])
    expect(failingPaths(r)).toContain('W1[0] / W1[1]')
    const unit = (path: string): number[] => [...path.matchAll(/W1\[(\d)\]/g)].map((m) => Math.floor(Number(m[1]) / 2))
    const named = failingPaths(r).filter((p) => !p.startsWith('u·grad'))
    expect(named.length).toBeGreaterThan(0)
    expect(named.every((p) => unit(p).length === 2 && unit(p)[0] === unit(p)[1])).toBe(true)
  })

  it('a full Hessian with one wrong entry (and its mirror) fails naming w[1] / w[2] and w[2] / w[1]', () => {
    const wrong = A.map((row) => [...row])
    wrong[1]![2] = wrong[2]![1] = 0.25
    const r = checkHessian(quadraticGrad, hessianOf(wrong, point('float64').w), { at: point('float64') }) as JacobianReport
    expect(failingPaths(r).filter((p) => !p.startsWith('u·grad'))).toEqual(['w[1] / w[2]', 'w[2] / w[1]'])
    const message = formatJacobianReport(r)
    expect(message).toMatch(/^✗ 3 of 5 checks of the Hessian disagree \(w\[1\], w\[2\], u·grad\)/)
    // A row's replay line names the gradient coordinate it differences, not a loss.
    expect(message).toMatch(/── w\[1\] ──[\s\S]*Replay: \{ seed: 1849 \}  \(\d+ grad calls; grad w\[1\] /)
  })

  it('the matcher: the message is the report, and .not says the Hessians match', () => {
    const wrong = hessianOf(A.map((row, i) => row.map((a, j) => (i === 0 && j === 0 ? 2 * a : a))), point('float64').w)
    expect(() => expect(quadraticGrad).toHaveHessianMatching(wrong, { at: point('float64') })).toThrow(/toHaveHessianMatching[\s\S]*checks of the Hessian disagree \(w\[0\], u·grad\)[\s\S]*w\[0\] \/ w\[0\]/)
    expect(() => expect(quadraticGrad).not.toHaveHessianMatching({ hvp: quadraticHvp }, { at: point('float64') })).toThrow(/Expected the Hessians not to match, but they do:\n✓ all 4 checked rows of the Hessian/)
  })

  it('a non-symmetric wrong Hessian: one entry off on one side of the diagonal fails in that row alone', () => {
    const wrong = A.map((row) => [...row])
    wrong[3]![0] = 0.3
    const r = checkHessian(quadraticGrad, hessianOf(wrong, point('float32').w), { at: point('float32') }) as JacobianReport
    expect(failingPaths(r).filter((p) => !p.startsWith('u·grad'))).toEqual(['w[3] / w[0]'])
  })
})

describe('checkHessian: async, errors and the parameters', () => {
  it('async grad and HVP: a promise, every call in sequence', async () => {
    let running = 0
    const sequential = <A extends unknown[], R>(fn: (...a: A) => R) => async (...a: A): Promise<R> => {
      expect(running++).toBe(0)
      await Promise.resolve()
      running--
      return fn(...a)
    }
    const pending = expect(sequential(netGrad)).toHaveHessianMatching({ hvp: sequential(netHvp()) }, { at: net('float64') })
    expect(pending).toBeInstanceOf(Promise)
    await pending
    await expect(sequential(netGrad)).not.toHaveHessianMatching({ hvp: sequential(netHvp(true)) }, { at: net('float64') })
  })

  it('restores the parameters bit for bit when the HVP or grad throws', () => {
    const at = net('float64')
    const before = { W1: at.W1.slice(), w2: at.w2.slice() }
    let calls = 0
    const throwing = (p: Net, v: unknown) => {
      if (++calls === 3) throw new Error('out of memory')
      return netHvp()(p, v)
    }
    expect(() => checkHessian(netGrad, { hvp: throwing }, { at })).toThrow(CallError)
    expect(() => checkHessian(netGrad, { hvp: throwing }, { at })).not.toThrow()
    let gradCalls = 0
    const flaky = (p: Net): Net => {
      if (++gradCalls === 20) throw new Error('NaN in the backward pass')
      return netGrad(p)
    }
    expect(() => checkHessian(flaky, { hvp: netHvp() }, { at })).toThrow(/NaN in the backward pass/)
    expect(at.W1).toEqual(before.W1)
    expect(at.w2).toEqual(before.w2)
    expect(Array.from(at.W1, (v, i) => Object.is(v, before.W1[i]))).not.toContain(false)
  })

  it('an HVP that writes to `at` is an error naming the coordinate, and `at` comes back bit for bit', () => {
    const at = point('float64')
    const before = at.w.slice()
    const writing = (p: { w: Vec }, v: unknown) => {
      p.w[2] = 0
      return quadraticHvp(p, v)
    }
    expect(() => checkHessian(quadraticGrad, { hvp: writing }, { at })).toThrow(/leave `at` as it is, but it changed `w\[2\]` from 1.1 to 0/)
    expect(Array.from(at.w, (v, i) => Object.is(v, before[i]))).not.toContain(false)
  })

  it('names what is wrong with the arguments', () => {
    const at = point('float64')
    expect(() => checkHessian(quadraticGrad, { hvp: (p: { w: Vec }) => ({ w: p.w.slice(1) }) }, { at })).toThrow(ShapeMismatchError)
    expect(() => checkHessian(quadraticGrad, { hvp: (p: { w: Vec }) => ({ w: p.w.slice(1) }) }, { at })).toThrow(
      /Expected the result of the HVP to mirror `at` \(4 numbers\), got .* with 3\. Return H·v, shaped like `at`\./,
    )
    expect(() => checkHessian(quadraticGrad, hessianOf(A, at.w).slice(1), { at })).toThrow(InvalidArgumentError)
    expect(() => checkHessian(quadraticGrad, hessianOf(A, at.w).slice(1), { at })).toThrow(/one entry per coordinate of `at` \(4\), got 3/)
    expect(() => checkHessian(quadraticGrad, { jvp: quadraticHvp } as never, { at })).toThrow(/`\{ hvp \}` or an array/)
    expect(() => checkHessian((p: { w: Vec }) => ({ w: p.w.slice(1) }), { hvp: quadraticHvp }, { at })).toThrow(/grad to return a value mirroring `at` \(4 numbers\)/)
  })
})
