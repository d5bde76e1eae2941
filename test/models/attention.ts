// Attention: single-head self-attention, and causal self-attention with a −∞ mask.
import { gaussian, randn, rng, type Tensor } from './util.js'

// ------------------------------------------------------------------ single-head self-attention
// Single-head self-attention: Q = X Wqᵀ, K = X Wkᵀ, V = X Wvᵀ, A = softmax(Q Kᵀ/√k), O = A V, loss = Σ O ⊙ R.
export type AttnBug = 'none' | 'softmaxDiag' | 'noScale' | 'dVnoTranspose'

export interface AttnParams {
  Wq: Tensor
  Wk: Tensor
  Wv: Tensor
}

export function makeAttention(seed = 11, N = 4, D = 5, K = 3) {
  const next = rng(seed)
  const g = (n: number, std: number): Float64Array => Float64Array.from({ length: n }, () => std * gaussian(next))
  const params: AttnParams = {
    Wq: { data: g(K * D, 0.8), shape: [K, D] },
    Wk: { data: g(K * D, 0.8), shape: [K, D] },
    Wv: { data: g(K * D, 0.8), shape: [K, D] },
  }
  const X = g(N * D, 1)
  const Rw = g(N * K, 1)
  const sc = 1 / Math.sqrt(K)
  const proj = (W: Float64Array | Float32Array): Float64Array => {
    const out = new Float64Array(N * K)
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) out[n * K + k]! += X[n * D + d]! * W[k * D + d]!
    return out
  }
  const forward = (p: AttnParams) => {
    const Q = proj(p.Wq.data)
    const Km = proj(p.Wk.data)
    const V = proj(p.Wv.data)
    const A = new Float64Array(N * N)
    for (let i = 0; i < N; i++) {
      let m = -Infinity
      for (let j = 0; j < N; j++) {
        let s = 0
        for (let k = 0; k < K; k++) s += Q[i * K + k]! * Km[j * K + k]!
        A[i * N + j] = s * sc
        m = Math.max(m, s * sc)
      }
      let z = 0
      for (let j = 0; j < N; j++) z += (A[i * N + j] = Math.exp(A[i * N + j]! - m))
      for (let j = 0; j < N; j++) A[i * N + j]! /= z
    }
    let loss = 0
    for (let i = 0; i < N; i++)
      for (let k = 0; k < K; k++) {
        let o = 0
        for (let j = 0; j < N; j++) o += A[i * N + j]! * V[j * K + k]!
        loss += o * Rw[i * K + k]!
      }
    return { loss, Q, Km, V, A }
  }
  const grad = (p: AttnParams, bug: AttnBug = 'none') => {
    const { Q, Km, V, A } = forward(p)
    const dA = new Float64Array(N * N)
    const dV = new Float64Array(N * K)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++)
        for (let k = 0; k < K; k++) {
          dA[i * N + j]! += Rw[i * K + k]! * V[j * K + k]!
          // dV[j] = Σ_i A[i,j] R[i]; the bug uses A[j,i]
          dV[j * K + k]! += (bug === 'dVnoTranspose' ? A[j * N + i]! : A[i * N + j]!) * Rw[i * K + k]!
        }
    const dS = new Float64Array(N * N)
    for (let i = 0; i < N; i++) {
      let dot = 0
      for (let j = 0; j < N; j++) dot += A[i * N + j]! * dA[i * N + j]!
      for (let j = 0; j < N; j++) dS[i * N + j] = A[i * N + j]! * (dA[i * N + j]! - (bug === 'softmaxDiag' ? 0 : dot)) * (bug === 'noScale' ? 1 : sc)
    }
    const dQ = new Float64Array(N * K)
    const dK = new Float64Array(N * K)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++)
        for (let k = 0; k < K; k++) {
          dQ[i * K + k]! += dS[i * N + j]! * Km[j * K + k]!
          dK[j * K + k]! += dS[i * N + j]! * Q[i * K + k]!
        }
    const back = (dP: Float64Array): Tensor => {
      const dW = new Float64Array(K * D)
      for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) dW[k * D + d]! += dP[n * K + k]! * X[n * D + d]!
      return { data: dW, shape: [K, D] }
    }
    return { Wq: back(dQ), Wk: back(dK), Wv: back(dV) }
  }
  return { params, loss: (p: AttnParams) => forward(p).loss, grad }
}

// ------------------------------------------------------------------ causal self-attention, mask with −Infinity
//   Q = X Wq, K = X Wk, V = X Wv;  S = Q Kᵀ/√dk + M (M = −∞ above the diagonal);  A = softmax_rows(S);  O = A V
//   loss = ½ Σ (O − T)²
export type CausalBug = 'none' | 'maskForgottenInBackward' | 'dKnoTranspose' | 'softmaxGradNoRowSum' | 'scaleTwice'
export function makeCausalAttention(seed = 808) {
  const N = 4
  const D = 3
  const dk = 2
  const next = rng(seed)
  const params = { Wq: randn(D * dk, next, 0.8), Wk: randn(D * dk, next, 0.8), Wv: randn(D * dk, next, 0.8) }
  type P = typeof params
  const X = randn(N * D, next)
  const T = randn(N * dk, next, 0.5)
  const proj = (W: Float64Array): Float64Array => {
    const out = new Float64Array(N * dk)
    for (let i = 0; i < N; i++) for (let k = 0; k < dk; k++) for (let d = 0; d < D; d++) out[i * dk + k]! += X[i * D + d]! * W[d * dk + k]!
    return out
  }
  const c = 1 / Math.sqrt(dk)
  const softmaxRows = (S: Float64Array): Float64Array => {
    const A = new Float64Array(N * N)
    for (let i = 0; i < N; i++) {
      const row = S.subarray(i * N, i * N + N)
      const mx = Math.max(...row)
      let s = 0
      for (let j = 0; j < N; j++) s += A[i * N + j] = Math.exp(row[j]! - mx)
      for (let j = 0; j < N; j++) A[i * N + j]! /= s
    }
    return A
  }
  const forward = (q: P) => {
    const Q = proj(q.Wq)
    const K = proj(q.Wk)
    const Vv = proj(q.Wv)
    const S = new Float64Array(N * N)
    const Sraw = new Float64Array(N * N)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        let s = 0
        for (let k = 0; k < dk; k++) s += Q[i * dk + k]! * K[j * dk + k]!
        Sraw[i * N + j] = s * c
        S[i * N + j] = s * c + (j > i ? -Infinity : 0)
      }
    const A = softmaxRows(S)
    const O = new Float64Array(N * dk)
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) for (let k = 0; k < dk; k++) O[i * dk + k]! += A[i * N + j]! * Vv[j * dk + k]!
    let loss = 0
    const dO = O.map((v, k) => v - T[k]!)
    O.forEach((v, k) => (loss += 0.5 * (v - T[k]!) ** 2))
    return { Q, K, Vv, A, Sraw, dO, loss }
  }
  const loss = (q: P): number => forward(q).loss
  const grad = (q: P, bug: CausalBug = 'none') => {
    const { Q, K, Vv, Sraw, dO } = forward(q)
    let A = forward(q).A
    if (bug === 'maskForgottenInBackward') A = softmaxRows(Sraw) // the backward recomputes A without the mask
    const dA = new Float64Array(N * N)
    const dV = new Float64Array(N * dk)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++)
        for (let k = 0; k < dk; k++) {
          dA[i * N + j]! += dO[i * dk + k]! * Vv[j * dk + k]!
          dV[j * dk + k]! += A[i * N + j]! * dO[i * dk + k]!
        }
    const dS = new Float64Array(N * N)
    for (let i = 0; i < N; i++) {
      let dot = 0
      for (let j = 0; j < N; j++) dot += dA[i * N + j]! * A[i * N + j]!
      for (let j = 0; j < N; j++) dS[i * N + j] = A[i * N + j]! * (dA[i * N + j]! - (bug === 'softmaxGradNoRowSum' ? 0 : dot)) * (bug === 'scaleTwice' ? c * c : c)
    }
    const dQ = new Float64Array(N * dk)
    const dK = new Float64Array(N * dk)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++)
        for (let k = 0; k < dk; k++) {
          dQ[i * dk + k]! += dS[i * N + j]! * K[j * dk + k]!
          if (bug === 'dKnoTranspose') dK[i * dk + k]! += dS[i * N + j]! * Q[j * dk + k]!
          else dK[j * dk + k]! += dS[i * N + j]! * Q[i * dk + k]!
        }
    const back = (dP: Float64Array): Float64Array => {
      const dW = new Float64Array(D * dk)
      for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) for (let k = 0; k < dk; k++) dW[d * dk + k]! += X[i * D + d]! * dP[i * dk + k]!
      return dW
    }
    return { Wq: back(dQ), Wk: back(dK), Wv: back(dV) }
  }
  return { params, loss, grad }
}
