// Harder realistic cases: mixed units in one vector, domain edges, float32 read-back, an iterative
// solver's loss, a loss with a large constant, big tensors, rare dropout.
import { type Rng, gaussian, rng } from './util.js'

// ------------------------------------------------------------------ physical parameters packed in one vector
// θ = [C (1e-8 F), R (1e3 Ω), V0 (5 V)]: V(t) = V0·exp(−t/(R·C)), least squares against samples.
export type PackedBug = 'none' | 'Csign' | 'C1pct'
export function makePackedRc() {
  const ts = Array.from({ length: 12 }, (_, i) => i * 3e-6)
  const obs = ts.map((t, i) => 5.5 * Math.exp(-t / 1.4e-5) + 0.02 * Math.cos(i))
  const params = { theta: Float64Array.from([1.2e-8, 1.1e3, 5.2]) }
  const loss = (p: typeof params): number => {
    const [C, R, V0] = p.theta as unknown as [number, number, number]
    return ts.reduce((s, t, i) => s + (V0 * Math.exp(-t / (R * C)) - obs[i]!) ** 2, 0)
  }
  const grad = (p: typeof params, bug: PackedBug = 'none') => {
    const [C, R, V0] = p.theta as unknown as [number, number, number]
    const g = new Float64Array(3)
    ts.forEach((t, i) => {
      const e = Math.exp(-t / (R * C))
      const r = 2 * (V0 * e - obs[i]!)
      g[0]! += (r * V0 * e * t) / (R * C * C)
      g[1]! += (r * V0 * e * t) / (R * R * C)
      g[2]! += r * e
    })
    if (bug === 'Csign') g[0] = -g[0]!
    if (bug === 'C1pct') g[0]! *= 1.01
    return { theta: g }
  }
  return { params, loss, grad }
}

// θ = [τ (1e-3 s), amp, offset] in one Float64Array: the decay fit of physics.ts, packed.
export function makePackedDecay() {
  const tau0 = 1e-3
  const ts = Array.from({ length: 25 }, (_, i) => (i * 5 * tau0) / 24)
  const obs = ts.map((t) => 2.1 * Math.exp(-t / (1.3 * tau0)) + 0.05 * Math.sin((1e3 * t) / tau0))
  const params = { theta: Float64Array.from([tau0, 2, 0.01]) }
  const loss = (p: typeof params): number => ts.reduce((s, t, i) => s + (p.theta[1]! * Math.exp(-t / p.theta[0]!) + p.theta[2]! - obs[i]!) ** 2, 0)
  const grad = (p: typeof params, bug: PackedBug = 'none') => {
    const [tau, amp, off] = p.theta as unknown as [number, number, number]
    const g = new Float64Array(3)
    ts.forEach((t, i) => {
      const e = Math.exp(-t / tau)
      const r = 2 * (amp * e + off - obs[i]!)
      g[0]! += (r * amp * e * t) / (tau * tau)
      g[1]! += r * e
      g[2]! += r
    })
    if (bug === 'Csign') g[0] = -g[0]!
    if (bug === 'C1pct') g[0]! *= 1.01
    return { theta: g }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ near the edge of the domain
// Per-feature standard deviations, one of them tiny: loss = Σ log σ_i + Σ_n (x_ni − μ_i)²/(2σ_i²), σ = sqrt(v)
export type VarBug = 'none' | 'halfFirst' | 'sign'
export function makeVariances() {
  const next = rng(43)
  const I = 4
  const N = 6
  const X = Float64Array.from({ length: N * I }, (_, k) => (k % I === 0 ? 1e-4 : 1) * gaussian(next))
  // v[0] is tiny (a nearly constant feature): 1e-8, the others ~1
  const params = { v: Float64Array.from([1e-8, 0.8, 1.3, 1.1]), mu: Float64Array.from({ length: I }, () => 0.1 * gaussian(next)) }
  const loss = (p: typeof params): number => {
    let s = 0
    for (let i = 0; i < I; i++) {
      const sd = Math.sqrt(p.v[i]!)
      s += N * Math.log(sd)
      for (let n = 0; n < N; n++) s += (X[n * I + i]! - p.mu[i]!) ** 2 / (2 * sd * sd)
    }
    return s
  }
  const grad = (p: typeof params, bug: VarBug = 'none') => {
    const v = new Float64Array(I)
    const mu = new Float64Array(I)
    for (let i = 0; i < I; i++) {
      let q = 0
      for (let n = 0; n < N; n++) {
        q += (X[n * I + i]! - p.mu[i]!) ** 2
        mu[i]! -= (X[n * I + i]! - p.mu[i]!) / p.v[i]!
      }
      v[i] = N / (2 * p.v[i]!) - q / (2 * p.v[i]! * p.v[i]!)
    }
    if (bug === 'halfFirst') v[0]! *= 0.5
    if (bug === 'sign') v[0] = -v[0]!
    return { v, mu }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ a loss read back in float32 (TF.js `data()`, WebGL)
// The model runs in float64 but the scalar comes back rounded to float32.
export function float32Readback<P>(loss: (p: P) => number): (p: P) => number {
  return (p) => Math.fround(loss(p))
}

// ------------------------------------------------------------------ an iterative solver: x* = tanh(W x* + b), loss = c·x*
// Fixed-point iteration to a tolerance of 1e-9; the gradient by implicit differentiation.
export type DeqBug = 'none' | 'noTranspose' | 'b1pct'
export function makeFixedPoint(tol = 1e-9) {
  const next = rng(47)
  const n = 5
  const params = {
    W: { data: Float64Array.from({ length: n * n }, () => (0.5 / Math.sqrt(n)) * gaussian(next)), shape: [n, n] },
    b: Float64Array.from({ length: n }, () => gaussian(next)),
  }
  const c = Float64Array.from({ length: n }, () => gaussian(next))
  const solve = (p: typeof params): Float64Array => {
    let x = new Float64Array(n)
    for (let it = 0; it < 1000; it++) {
      const y = new Float64Array(n)
      let delta = 0
      for (let i = 0; i < n; i++) {
        let s = p.b[i]!
        for (let j = 0; j < n; j++) s += p.W.data[i * n + j]! * x[j]!
        y[i] = Math.tanh(s)
        delta = Math.max(delta, Math.abs(y[i]! - x[i]!))
      }
      x = y
      if (delta < tol) break
    }
    return x
  }
  const loss = (p: typeof params): number => solve(p).reduce((s, v, i) => s + c[i]! * v, 0)
  const grad = (p: typeof params, bug: DeqBug = 'none') => {
    const x = solve(p)
    const Dg = x.map((v) => 1 - v * v)
    // (I − D W)ᵀ λ = c  →  A λ = c with A[i][j] = δ_ij − D_j W_ji
    const A = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - (bug === 'noTranspose' ? Dg[i]! * p.W.data[i * n + j]! : Dg[j]! * p.W.data[j * n + i]!)),
    )
    const lambda = gaussSolve(A, Array.from(c))
    const db = Float64Array.from({ length: n }, (_, i) => Dg[i]! * lambda[i]!)
    const dW = new Float64Array(n * n)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dW[i * n + j] = db[i]! * x[j]!
    if (bug === 'b1pct') db.forEach((v, i) => (db[i] = 1.01 * v))
    return { W: { data: dW, shape: [n, n] }, b: db }
  }
  return { params, loss, grad }
}

function gaussSolve(A: number[][], rhs: number[]): number[] {
  const n = rhs.length
  const M = A.map((row, i) => [...row, rhs[i]!])
  for (let k = 0; k < n; k++) {
    let piv = k
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i]![k]!) > Math.abs(M[piv]![k]!)) piv = i
    ;[M[k], M[piv]] = [M[piv]!, M[k]!]
    for (let i = k + 1; i < n; i++) {
      const f = M[i]![k]! / M[k]![k]!
      for (let j = k; j <= n; j++) M[i]![j]! -= f * M[k]![j]!
    }
  }
  const x = new Array<number>(n).fill(0)
  for (let i = n - 1; i >= 0; i--) {
    let s = M[i]![n]!
    for (let j = i + 1; j < n; j++) s -= M[i]![j]! * x[j]!
    x[i] = s / M[i]![i]!
  }
  return x
}

// ------------------------------------------------------------------ a big embedding table (sampled), one wrong row / entry
// loss = Σ_n ½‖E[id_n] − t_n‖² over a table of V×Dm = 60×30 = 1800 entries
export type EmbBug = 'none' | 'oneEntry' | 'lastRowMissing'
export function makeEmbedding() {
  const next = rng(53)
  const V = 60
  const Dm = 30
  const params = { E: { data: Float64Array.from({ length: V * Dm }, () => gaussian(next)), shape: [V, Dm] } }
  const ids = Array.from({ length: 200 }, (_, n) => (n * 7) % V)
  const T = Float64Array.from({ length: ids.length * Dm }, () => gaussian(next))
  const loss = (p: typeof params): number => {
    let s = 0
    ids.forEach((id, n) => {
      for (let d = 0; d < Dm; d++) s += 0.5 * (p.E.data[id * Dm + d]! - T[n * Dm + d]!) ** 2
    })
    return s / ids.length
  }
  const grad = (p: typeof params, bug: EmbBug = 'none') => {
    const g = new Float64Array(V * Dm)
    ids.forEach((id, n) => {
      if (bug === 'lastRowMissing' && id === V - 1) return
      for (let d = 0; d < Dm; d++) g[id * Dm + d]! += (p.E.data[id * Dm + d]! - T[n * Dm + d]!) / ids.length
    })
    if (bug === 'oneEntry') g[3]! *= 1.5 // E[0,3]
    return { E: { data: g, shape: [V, Dm] } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ rare dropout: a seeded RNG whose first two masks agree
/** A seed for which, after `skip` forward passes of `draws` draws, the next two passes draw the same dropout mask, and a later one differs. */
export function seedWithEqualMasks(draws: number, p: number, skip: number): number {
  for (let s = 1; s < 100000; s++) {
    const r = rng(s)
    for (let k = 0; k < skip * draws; k++) r()
    const mask = () => Array.from({ length: draws }, () => (r() < p ? 0 : 1)).join('')
    const a = mask()
    const b = mask()
    const c = mask()
    if (a === b && b !== c && a.includes('0')) return s
  }
  throw new Error('no seed found')
}
export type { Rng }
