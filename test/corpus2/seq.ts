// Sequence models: a bigram language model (embedding → softmax over the vocabulary, tied or not),
// causal self-attention with a −Infinity mask, and LayerNorm with affine parameters in float32.
import { fill, rng } from './common.js'

// ------------------------------------------------------------------ embedding + softmax over a vocabulary
export type LmBug = 'none' | 'overwriteRepeated' | 'noOneHot' | 'tiedOutputOnly' | 'biasNotMean'
export function makeBigramLm(tied = false, seed = 707) {
  const V = 7
  const D = 3
  const next = rng(seed)
  const tokens = [1, 4, 1, 2, 4, 1, 6, 0, 4, 1] // repeats: a scatter that overwrites loses them
  const params = tied
    ? { E: { data: fill(V * D, next, 0.7), shape: [V, D] }, b: fill(V, next, 0.1) }
    : { E: { data: fill(V * D, next, 0.7), shape: [V, D] }, Wout: { data: fill(V * D, next, 0.7), shape: [V, D] }, b: fill(V, next, 0.1) }
  type P = typeof params
  const out = (q: P): Float64Array => ('Wout' in q ? (q as { Wout: { data: Float64Array } }).Wout.data : q.E.data)
  const n = tokens.length - 1
  const forward = (q: P) => {
    let loss = 0
    const dl: Float64Array[] = []
    for (let t = 0; t < n; t++) {
      const e = q.E.data.subarray(tokens[t]! * D, tokens[t]! * D + D)
      const W = out(q)
      const z = Float64Array.from({ length: V }, (_, v) => {
        let s = q.b[v]!
        for (let d = 0; d < D; d++) s += W[v * D + d]! * e[d]!
        return s
      })
      const mx = Math.max(...z)
      const ex = z.map((v) => Math.exp(v - mx))
      const S = ex.reduce((a, b) => a + b, 0)
      const y = tokens[t + 1]!
      loss += (Math.log(S) + mx - z[y]!) / n
      dl.push(ex.map((v, k) => (v / S - (k === y ? 1 : 0)) / n))
    }
    return { loss, dl }
  }
  const loss = (q: P): number => forward(q).loss
  const grad = (q: P, bug: LmBug = 'none') => {
    const { dl } = forward(q)
    const W = out(q)
    const dE = new Float64Array(V * D)
    const dW = new Float64Array(V * D)
    const db = new Float64Array(V)
    for (let t = 0; t < n; t++) {
      const tok = tokens[t]!
      let g = dl[t]!
      if (bug === 'noOneHot') g = g.map((v, k) => (k === tokens[t + 1] ? v + 1 / n : v))
      const e = q.E.data.subarray(tok * D, tok * D + D)
      for (let v = 0; v < V; v++) {
        db[v]! += bug === 'biasNotMean' ? g[v]! * n : g[v]!
        for (let d = 0; d < D; d++) dW[v * D + d]! += g[v]! * e[d]!
      }
      for (let d = 0; d < D; d++) {
        let s = 0
        for (let v = 0; v < V; v++) s += g[v]! * W[v * D + d]!
        if (bug === 'overwriteRepeated') dE[tok * D + d] = s
        else dE[tok * D + d]! += s
      }
    }
    if (tied) {
      if (bug === 'tiedOutputOnly') return { E: { data: dW, shape: [V, D] }, b: db }
      return { E: { data: dE.map((v, i) => v + dW[i]!), shape: [V, D] }, b: db }
    }
    return { E: { data: dE, shape: [V, D] }, Wout: { data: dW, shape: [V, D] }, b: db }
  }
  return { params, loss, grad }
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
  const params = { Wq: fill(D * dk, next, 0.8), Wk: fill(D * dk, next, 0.8), Wv: fill(D * dk, next, 0.8) }
  type P = typeof params
  const X = fill(N * D, next)
  const T = fill(N * dk, next, 0.5)
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

// ------------------------------------------------------------------ LayerNorm with affine γ, β in float32 (every op rounded)
//   h = x Wᵀ (small activations, ~`act`), y = γ (h − μ)/√(σ² + ε) + β, loss = mean_b Σ_f c_f·y  + ½ mean y²
export type LnBug = 'none' | 'dxNoMean' | 'epsOutsideSqrt' | 'gammaNoXhat' | 'betaTimesGamma'
export function makeLayerNormF32(act = 1, seed = 909) {
  const B = 4
  const D = 3
  const F = 5
  const eps = 1e-5
  const next = rng(seed)
  const R = Math.fround
  const params = {
    W: { data: Float32Array.from(fill(F * D, next, 0.6 * act)), shape: [F, D] },
    gamma: Float32Array.from(fill(F, next, 0.2, 1)),
    beta: Float32Array.from(fill(F, next, 0.1)),
  }
  type P = typeof params
  const X = Float32Array.from(fill(B * D, next))
  const cw = Float32Array.from(fill(F, next, 0.5))
  const forward = (q: P) => {
    let loss = 0
    const rows: { xhat: Float64Array; sigma: number; sigmaNoEps: number; dy: Float64Array }[] = []
    for (let b = 0; b < B; b++) {
      const h = new Float64Array(F)
      for (let f = 0; f < F; f++) {
        let s = 0
        for (let d = 0; d < D; d++) s = R(s + R(X[b * D + d]! * q.W.data[f * D + d]!))
        h[f] = s
      }
      let mu = 0
      for (const v of h) mu = R(mu + v)
      mu = R(mu / F)
      let v2 = 0
      for (const v of h) v2 = R(v2 + R(R(v - mu) * R(v - mu)))
      v2 = R(v2 / F)
      const sigma = R(Math.sqrt(R(v2 + eps)))
      const xhat = h.map((v) => R(R(v - mu) / sigma))
      const dy = new Float64Array(F)
      for (let f = 0; f < F; f++) {
        const y = R(R(q.gamma[f]! * xhat[f]!) + q.beta[f]!)
        loss = R(loss + R(R(R(cw[f]! * y) + R(R(0.5 * y) * y)) / B))
        dy[f] = (cw[f]! + y) / B
      }
      rows.push({ xhat, sigma, sigmaNoEps: Math.sqrt(v2), dy })
    }
    return { loss, rows }
  }
  const loss = (q: P): number => forward(q).loss
  const grad = (q: P, bug: LnBug = 'none') => {
    const { rows } = forward(q)
    const dW = new Float32Array(F * D)
    const dg = new Float32Array(F)
    const dbeta = new Float32Array(F)
    rows.forEach((r, b) => {
      const dxh = r.dy.map((v, f) => v * q.gamma[f]!)
      let m1 = 0
      let m2 = 0
      for (let f = 0; f < F; f++) {
        m1 += dxh[f]! / F
        m2 += (dxh[f]! * r.xhat[f]!) / F
        dg[f]! += r.dy[f]! * (bug === 'gammaNoXhat' ? 1 : r.xhat[f]!)
        dbeta[f]! += r.dy[f]! * (bug === 'betaTimesGamma' ? q.gamma[f]! : 1)
      }
      const sigma = bug === 'epsOutsideSqrt' ? r.sigmaNoEps + eps : r.sigma
      for (let f = 0; f < F; f++) {
        const dh = (dxh[f]! - (bug === 'dxNoMean' ? 0 : m1) - r.xhat[f]! * m2) / sigma
        for (let d = 0; d < D; d++) dW[f * D + d]! += dh * X[b * D + d]!
      }
    })
    return { W: { data: dW, shape: [F, D] }, gamma: dg, beta: dbeta }
  }
  return { params, loss, grad }
}
