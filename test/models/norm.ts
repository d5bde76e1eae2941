// Normalisation layers: LayerNorm and BatchNorm after a linear layer (float64), LayerNorm with affine
// γ, β in float32, BatchNorm2d in training mode over a spatial map (float32).
import { gaussian, randn, rng, type Tensor } from './util.js'

// ------------------------------------------------------------------ LayerNorm / BatchNorm (float64)
// LayerNorm / BatchNorm after a linear layer: h = X Wᵀ, y = γ·(h − μ)/σ + β, loss = ½·mean_b Σ_f (y − T)².
// LayerNorm normalises each row over its F features; BatchNorm each feature over the B rows.
// The backward through the normalisation is the classic place to drop a term:
//   dh = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / σ
export type NormKind = 'layer' | 'batch'
export type NormBug = 'none' | 'noMean' | 'noVar' | 'noEps' | 'gammaNoX' | 'betaMean'

export interface NormParams {
  W: Tensor
  gamma: Float64Array
  beta: Float64Array
}

export function makeNorm(kind: NormKind, seed = 3, B = 5, D = 4, F = 6, eps = 1e-5) {
  const next = rng(seed)
  const g = (n: number, std: number, mean = 0): Float64Array => Float64Array.from({ length: n }, () => mean + std * gaussian(next))
  const params: NormParams = { W: { data: g(F * D, 0.7), shape: [F, D] }, gamma: g(F, 0.2, 1), beta: g(F, 0.1) }
  const X = g(B * D, 1)
  const T = g(B * F, 1)
  // (row, feature) pairs of one normalisation group: a row for LayerNorm, a column for BatchNorm.
  const groups: number[][] =
    kind === 'layer'
      ? Array.from({ length: B }, (_, b) => Array.from({ length: F }, (_, f) => b * F + f))
      : Array.from({ length: F }, (_, f) => Array.from({ length: B }, (_, b) => b * F + f))
  const feat = (i: number): number => i % F

  const forward = (p: NormParams) => {
    const h = new Float64Array(B * F)
    for (let b = 0; b < B; b++)
      for (let f = 0; f < F; f++) {
        let s = 0
        for (let d = 0; d < D; d++) s += X[b * D + d]! * p.W.data[f * D + d]!
        h[b * F + f] = s
      }
    const xhat = new Float64Array(B * F)
    const sigma = new Float64Array(groups.length)
    const sigmaNoEps = new Float64Array(groups.length)
    groups.forEach((grp, k) => {
      const mu = grp.reduce((s, i) => s + h[i]!, 0) / grp.length
      const v = grp.reduce((s, i) => s + (h[i]! - mu) ** 2, 0) / grp.length
      sigma[k] = Math.sqrt(v + eps)
      sigmaNoEps[k] = Math.sqrt(v)
      for (const i of grp) xhat[i] = (h[i]! - mu) / sigma[k]!
    })
    let loss = 0
    const y = new Float64Array(B * F)
    for (let i = 0; i < B * F; i++) {
      y[i] = p.gamma[feat(i)]! * xhat[i]! + p.beta[feat(i)]!
      loss += 0.5 * (y[i]! - T[i]!) ** 2
    }
    return { loss: loss / B, xhat, sigma, sigmaNoEps, y }
  }

  const grad = (p: NormParams, bug: NormBug = 'none') => {
    const { xhat, sigma, sigmaNoEps, y } = forward(p)
    const dy = y.map((v, i) => (v - T[i]!) / B)
    const dgamma = new Float64Array(F)
    const dbeta = new Float64Array(F)
    for (let i = 0; i < B * F; i++) {
      dgamma[feat(i)]! += dy[i]! * (bug === 'gammaNoX' ? 1 : xhat[i]!)
      dbeta[feat(i)]! += dy[i]!
    }
    if (bug === 'betaMean') dbeta.forEach((v, f) => (dbeta[f] = v / B))
    const dxhat = dy.map((v, i) => v * p.gamma[feat(i)]!)
    const dh = new Float64Array(B * F)
    groups.forEach((grp, k) => {
      const n = grp.length
      const m1 = grp.reduce((s, i) => s + dxhat[i]!, 0) / n
      const m2 = grp.reduce((s, i) => s + dxhat[i]! * xhat[i]!, 0) / n
      const sg = bug === 'noEps' ? sigmaNoEps[k]! : sigma[k]!
      for (const i of grp) dh[i] = (dxhat[i]! - (bug === 'noMean' ? 0 : m1) - (bug === 'noVar' ? 0 : xhat[i]! * m2)) / sg
    })
    const dW = new Float64Array(F * D)
    for (let b = 0; b < B; b++) for (let f = 0; f < F; f++) for (let d = 0; d < D; d++) dW[f * D + d]! += dh[b * F + f]! * X[b * D + d]!
    return { W: { data: dW, shape: [F, D] }, gamma: dgamma, beta: dbeta }
  }
  return { params, loss: (p: NormParams) => forward(p).loss, grad }
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
    W: { data: Float32Array.from(randn(F * D, next, 0.6 * act)), shape: [F, D] },
    gamma: Float32Array.from(randn(F, next, 0.2, 1)),
    beta: Float32Array.from(randn(F, next, 0.1)),
  }
  type P = typeof params
  const X = Float32Array.from(randn(B * D, next))
  const cw = Float32Array.from(randn(F, next, 0.5))
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

// ------------------------------------------------------------------ BatchNorm2d in training mode (batch statistics over N, H, W), float32
//   x: N×C×H×W after a 1×1 conv from Cin channels; y = γ x̂ + β; loss = mean Σ c·tanh(y)
export type Bn2dBug = 'none' | 'unbiasedVarInBackward' | 'gammaNoSpatialSum' | 'meanTermPerSample'
export function makeBatchNorm2dF32() {
  const N = 2
  const Cin = 2
  const C = 2
  const HW = 4
  const M = N * HW // elements per channel
  const eps = 1e-5
  const next = rng(4301)
  const R = Math.fround
  const X = Float32Array.from(randn(N * Cin * HW, next))
  const cw = Float32Array.from(randn(N * C * HW, next))
  const params = {
    conv: { data: Float32Array.from(randn(C * Cin, next, 0.7)), shape: [C, Cin] },
    gamma: Float32Array.from(randn(C, next, 0.2, 1)),
    beta: Float32Array.from(randn(C, next, 0.1)),
  }
  type P = typeof params
  const at = (n: number, c: number, q: number, ch: number): number => (n * ch + c) * HW + q
  const forward = (p: P) => {
    const h = new Float64Array(N * C * HW)
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let q = 0; q < HW; q++) {
          let s = 0
          for (let k = 0; k < Cin; k++) s = R(s + R(p.conv.data[c * Cin + k]! * X[at(n, k, q, Cin)]!))
          h[at(n, c, q, C)] = s
        }
    const xhat = new Float64Array(h.length)
    const sig = new Float64Array(C)
    let loss = 0
    const dy = new Float64Array(h.length)
    for (let c = 0; c < C; c++) {
      let mu = 0
      for (let n = 0; n < N; n++) for (let q = 0; q < HW; q++) mu = R(mu + h[at(n, c, q, C)]!)
      mu = R(mu / M)
      let v = 0
      for (let n = 0; n < N; n++) for (let q = 0; q < HW; q++) v = R(v + R((h[at(n, c, q, C)]! - mu) ** 2))
      v = R(v / M)
      sig[c] = R(Math.sqrt(R(v + eps)))
      for (let n = 0; n < N; n++)
        for (let q = 0; q < HW; q++) {
          const i = at(n, c, q, C)
          xhat[i] = R(R(h[i]! - mu) / sig[c]!)
          const y = R(R(p.gamma[c]! * xhat[i]!) + p.beta[c]!)
          const t = R(Math.tanh(y))
          loss = R(loss + R(R(cw[i]! * t) / N))
          dy[i] = (cw[i]! * (1 - t * t)) / N
        }
    }
    return { loss, xhat, sig, dy }
  }
  const loss = (p: P): number => forward(p).loss
  const grad = (p: P, bug: Bn2dBug = 'none') => {
    const { xhat, sig, dy } = forward(p)
    const dconv = new Float64Array(C * Cin)
    const dg = new Float64Array(C)
    const db = new Float64Array(C)
    for (let c = 0; c < C; c++) {
      let m1 = 0
      let m2 = 0
      for (let n = 0; n < N; n++)
        for (let q = 0; q < HW; q++) {
          const i = at(n, c, q, C)
          if (bug !== 'gammaNoSpatialSum' || q === 0) dg[c]! += dy[i]! * xhat[i]!
          db[c]! += dy[i]!
          m1 += dy[i]! * p.gamma[c]!
          m2 += dy[i]! * p.gamma[c]! * xhat[i]!
        }
      const Mv = bug === 'unbiasedVarInBackward' ? M - 1 : M
      for (let n = 0; n < N; n++) {
        let m1n = 0
        if (bug === 'meanTermPerSample') for (let q = 0; q < HW; q++) m1n += dy[at(n, c, q, C)]! * p.gamma[c]!
        for (let q = 0; q < HW; q++) {
          const i = at(n, c, q, C)
          const mean = bug === 'meanTermPerSample' ? m1n / HW : m1 / M
          const dh = (dy[i]! * p.gamma[c]! - mean - (xhat[i]! * m2) / Mv) / sig[c]!
          for (let k = 0; k < Cin; k++) dconv[c * Cin + k]! += dh * X[at(n, k, q, Cin)]!
        }
      }
    }
    return { conv: { data: dconv, shape: [C, Cin] }, gamma: dg, beta: db }
  }
  return { params, loss, grad }
}
