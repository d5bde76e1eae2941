// An iterative solver: x* = tanh(W x* + b), loss = c·x*, gradient by implicit differentiation.
import { gaussian, rng } from './util.js'

// ------------------------------------------------------------------ an iterative solver: x* = tanh(W x* + b), loss = c·x*
// Fixed-point iteration until the iterate stops changing (tol 0: machine precision), the gradient by
// implicit differentiation, which is the derivative of x* itself. Stopped at a looser `tol`, the loss
// is the truncated iteration, whose derivative differs from the implicit gradient (by ~1e-7 relative
// at tol 1e-9, ~1e-4 at 1e-6): a correct check then fails it.
export type DeqBug = 'none' | 'noTranspose' | 'b1pct'
export function makeFixedPoint(tol = 0) {
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
      if (delta <= tol) break
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
