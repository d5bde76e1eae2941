// Single-head self-attention: Q = X Wqᵀ, K = X Wkᵀ, V = X Wvᵀ, A = softmax(Q Kᵀ/√k), O = A V, loss = Σ O ⊙ R.
import { type Tensor, gaussian, rng } from './util.js'

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
