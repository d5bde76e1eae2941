// Sums in a random order (GPU atomics, parallel reductions): harmless nondeterminism.
import { randn, rng } from './util.js'

// ------------------------------------------------------------------ a float32 reduction in a random order (GPU atomics): harmless nondeterminism
export function shuffledF32Sum<P>(terms: (p: P) => Float32Array | number[]): (p: P) => number {
  return (p) => {
    const t = Array.from(terms(p))
    for (let i = t.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[t[i], t[j]] = [t[j]!, t[i]!]
    }
    return t.reduce((s, v) => Math.fround(s + v), 0)
  }
}
export function makeRandomOrderF32() {
  const N = 64
  const D = 3
  const next = rng(3501)
  const X = Float32Array.from(randn(N * D, next))
  const Y = Float32Array.from(randn(N, next))
  const params = { w: Float32Array.from(randn(D, next, 0.5)) }
  type P = typeof params
  const R = Math.fround
  const terms = (p: P): Float32Array =>
    Float32Array.from({ length: N }, (_, n) => {
      let s = 0
      for (let d = 0; d < D; d++) s = R(s + R(X[n * D + d]! * p.w[d]!))
      const r = R(Math.tanh(s) - Y[n]!)
      return R(R(r * r) / N)
    })
  const grad = (p: P, bug: 'none' | 'tanhDerivMissing' = 'none') => {
    const w = new Float64Array(D)
    for (let n = 0; n < N; n++) {
      let s = 0
      for (let d = 0; d < D; d++) s += X[n * D + d]! * p.w[d]!
      const t = Math.tanh(s)
      const g = ((2 * (t - Y[n]!)) / N) * (bug === 'tanhDerivMissing' ? 1 : 1 - t * t)
      for (let d = 0; d < D; d++) w[d]! += g * X[n * D + d]!
    }
    return { w }
  }
  return { params, loss: shuffledF32Sum(terms), lossOrdered: (p: P) => terms(p).reduce((s, v) => R(s + v), 0), grad }
}

// ------------------------------------------------------------------ a float64 energy summed in parallel (random order): terms of ±50 that nearly cancel
export function makeParallelEnergy() {
  const N = 256
  const next = rng(3701)
  const X = randn(N * 2, next)
  const Y = randn(N, next)
  const params = { w: Float64Array.from([0.4, -0.3]) }
  type P = typeof params
  const terms = (p: P): number[] =>
    Array.from({ length: N }, (_, n) => (n % 2 ? 50 : -50) + (Math.tanh(X[2 * n]! * p.w[0]! + X[2 * n + 1]! * p.w[1]!) - Y[n]!) ** 2 / N)
  const loss = (p: P): number => {
    const t = terms(p)
    for (let i = t.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[t[i], t[j]] = [t[j]!, t[i]!]
    }
    return t.reduce((s, v) => s + v, 0)
  }
  const lossOrdered = (p: P): number => terms(p).reduce((s, v) => s + v, 0)
  const grad = (p: P) => {
    const g = new Float64Array(2)
    for (let n = 0; n < N; n++) {
      const t = Math.tanh(X[2 * n]! * p.w[0]! + X[2 * n + 1]! * p.w[1]!)
      const d = (2 * (t - Y[n]!) * (1 - t * t)) / N
      g[0]! += d * X[2 * n]!
      g[1]! += d * X[2 * n + 1]!
    }
    return { w: g }
  }
  return { params, loss, lossOrdered, grad }
}
