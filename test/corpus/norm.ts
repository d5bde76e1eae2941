// LayerNorm / BatchNorm after a linear layer: h = X Wᵀ, y = γ·(h − μ)/σ + β, loss = ½·mean_b Σ_f (y − T)².
// LayerNorm normalises each row over its F features; BatchNorm each feature over the B rows.
// The backward through the normalisation is the classic place to drop a term:
//   dh = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / σ
import { type Tensor, gaussian, rng } from './util.js'

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
