// Non-differentiable points: losses evaluated exactly at their kinks (dyadic values, so the kinks are
// hit exactly), and piecewise-linear losses on random data (kinks near x by chance).
import { exact, f32, randn, rng, type Round, type Tensor } from './util.js'

// ------------------------------------------------------------------ ReLU net with pre-activations exactly 0
// z1 = X W1ᵀ + b1 (integer X, quarter-integer W1, b1: many z1 are exactly 0), a1 = relu(z1),
// z2 = a1 W2ᵀ + b2, loss = mean softmax cross-entropy.
export type ReluBug = 'none' | 'atZeroHalf' | 'atZeroOne' | 'atZeroMinus' | 'noMask'
export interface ReluParams {
  W1: Tensor
  b1: Float64Array | Float32Array
  W2: Tensor
  b2: Float64Array | Float32Array
}
export function makeReluKinks(precision: 'float64' | 'float32' = 'float64') {
  const B = 4
  const D = 3
  const H = 4
  const C = 3
  const R: Round = precision === 'float32' ? f32 : exact
  const Arr = precision === 'float32' ? Float32Array : Float64Array
  const X = [1, -1, 2, 0, 1, 1, -2, 1, 0, 1, 2, -1]
  const y = [0, 2, 1, 2]
  const params: ReluParams = {
    // Four pre-activations are exactly 0: z1[0,0], z1[0,2], z1[1,3], z1[2,1].
    W1: { data: Arr.from([0.5, 0.5, 0, 0.25, -0.5, 0.75, -0.25, 0.5, 0.25, 0.75, 0.25, -0.5]), shape: [H, D] },
    b1: Arr.from([0, 1, 0.25, 0.25]),
    W2: { data: Arr.from([0.3, -0.7, 0.45, 0.1, -0.2, 0.6, -0.35, 0.8, 0.55, 0.15, -0.4, -0.65]), shape: [C, H] },
    b2: Arr.from([0.05, -0.1, 0.02]),
  }
  const forward = (p: ReluParams) => {
    const z1 = new Float64Array(B * H)
    const a1 = new Float64Array(B * H)
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++) {
        let s = R(p.b1[h]!)
        for (let d = 0; d < D; d++) s = R(s + R(p.W1.data[h * D + d]! * X[b * D + d]!))
        z1[b * H + h] = s
        a1[b * H + h] = s > 0 ? s : 0
      }
    const P = new Float64Array(B * C)
    let loss = 0
    for (let b = 0; b < B; b++) {
      const z = Array.from({ length: C }, (_, c) => {
        let s = R(p.b2[c]!)
        for (let h = 0; h < H; h++) s = R(s + R(p.W2.data[c * H + h]! * a1[b * H + h]!))
        return s
      })
      const m = Math.max(...z)
      const e = z.map((v) => R(Math.exp(R(v - m))))
      const Z = e.reduce((s, v) => R(s + v), 0)
      e.forEach((v, c) => (P[b * C + c] = v / Z))
      loss = R(loss + R(R(m + R(Math.log(Z))) - z[y[b]!]!))
    }
    return { loss: R(loss / B), z1, a1, P }
  }
  /** relu′(0): 0 (the usual), ½ or 1 are all valid subgradients; −1 is not. */
  const grad = (p: ReluParams, bug: ReluBug = 'none') => {
    const { z1, a1, P } = forward(p)
    const atZero = bug === 'atZeroHalf' ? 0.5 : bug === 'atZeroOne' ? 1 : bug === 'atZeroMinus' ? -1 : 0
    const dz2 = P.map((v, i) => (v - (i % C === y[Math.floor(i / C)] ? 1 : 0)) / B)
    const dW2 = new Float64Array(C * H)
    const db2 = new Float64Array(C)
    const dW1 = new Float64Array(H * D)
    const db1 = new Float64Array(H)
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        db2[c]! += dz2[b * C + c]!
        for (let h = 0; h < H; h++) dW2[c * H + h]! += dz2[b * C + c]! * a1[b * H + h]!
      }
      for (let h = 0; h < H; h++) {
        let da = 0
        for (let c = 0; c < C; c++) da += dz2[b * C + c]! * p.W2.data[c * H + h]!
        const z = z1[b * H + h]!
        const slope = bug === 'noMask' ? 1 : z > 0 ? 1 : z < 0 ? 0 : atZero
        const dz = da * slope
        db1[h]! += dz
        for (let d = 0; d < D; d++) dW1[h * D + d]! += dz * X[b * D + d]!
      }
    }
    return { W1: { data: dW1, shape: [H, D] }, b1: db1, W2: { data: dW2, shape: [C, H] }, b2: db2 }
  }
  const zeros = () => Array.from(forward(params).z1).filter((z) => z === 0).length
  return { params, loss: (p: ReluParams) => forward(p).loss, grad, zeros }
}

// ------------------------------------------------------------------ 2×2 max-pool with ties
// loss = Σ_p r_p·max(pool_p) + 0.05·Σ x²
export type PoolBug = 'none' | 'split' | 'last' | 'argmin' | 'double'
export function makeMaxPool() {
  const S = 4
  const x = Float64Array.from([
    1, 3, 2, 2,
    3, 0, -1, 0,
    -2, 5, 4, 4,
    -1, 1, 4, 4,
  ])
  const r = [0.7, -1.3, 0.4, 2.1]
  const params = { x: { data: x, shape: [S, S] } }
  const pools = [0, 1, 2, 3].map((p) => {
    const pr = 2 * Math.floor(p / 2)
    const pc = 2 * (p % 2)
    return [pr * S + pc, pr * S + pc + 1, (pr + 1) * S + pc, (pr + 1) * S + pc + 1]
  })
  const loss = (p: typeof params): number => {
    const v = p.x.data
    let s = 0
    pools.forEach((idx, k) => (s += r[k]! * Math.max(...idx.map((i) => v[i]!))))
    for (let i = 0; i < v.length; i++) s += 0.05 * v[i]! * v[i]!
    return s
  }
  const grad = (p: typeof params, bug: PoolBug = 'none') => {
    const v = p.x.data
    const g = Float64Array.from(v, (w) => 0.1 * w)
    pools.forEach((idx, k) => {
      const m = Math.max(...idx.map((i) => v[i]!))
      const ties = idx.filter((i) => v[i] === m)
      const lo = idx.reduce((a, i) => (v[i]! < v[a]! ? i : a), idx[0]!)
      if (bug === 'split') for (const i of ties) g[i]! += r[k]! / ties.length
      else if (bug === 'double') for (const i of ties) g[i]! += r[k]!
      else if (bug === 'last') g[ties[ties.length - 1]!]! += r[k]!
      else if (bug === 'argmin') g[lo]! += r[k]!
      else g[ties[0]!]! += r[k]!
    })
    return { x: { data: g, shape: [S, S] } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ hinge loss with points exactly on the margin
// loss = mean_i max(0, 1 − y_i (w·x_i + b)) + ½λ‖w‖²
export type HingeBug = 'none' | 'atMarginActive' | 'noMean' | 'atMarginWrongSign'
export function makeHinge() {
  const X = [[2, 1], [-2, 1], [-1, 2], [0, 1], [3, 0], [-2, -2]]
  const y = [1, -1, 1, -1, 1, -1]
  const lambda = 0.1
  const params = { w: Float64Array.from([0.5, -0.25]), b: 0.25 }
  // margins y(w·x+b): 1 and 1 (exactly on the margin), −0.75, 0, 1.75, 0.25
  const margin = (p: typeof params, i: number): number => y[i]! * (p.w[0]! * X[i]![0]! + p.w[1]! * X[i]![1]! + p.b)
  const loss = (p: typeof params): number =>
    X.reduce((s, _, i) => s + Math.max(0, 1 - margin(p, i)), 0) / X.length + 0.5 * lambda * (p.w[0]! ** 2 + p.w[1]! ** 2)
  const grad = (p: typeof params, bug: HingeBug = 'none') => {
    const w = Float64Array.from(p.w, (v) => lambda * v)
    let b = 0
    const n = bug === 'noMean' ? 1 : X.length
    X.forEach((x, i) => {
      const m = margin(p, i)
      let active = m < 1 ? 1 : 0
      if (m === 1) active = bug === 'atMarginActive' ? 1 : bug === 'atMarginWrongSign' ? -1 : 0
      w[0]! -= (active * y[i]! * x[0]!) / n
      w[1]! -= (active * y[i]! * x[1]!) / n
      b -= (active * y[i]!) / n
    })
    return { w, b }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ L1 (abs) at 0
// loss = ½·mean (X w − t)² + λ‖w‖₁, several w exactly 0
export type L1Bug = 'none' | 'signOfZeroOne' | 'bothBranches' | 'noLambda'
export function makeLasso() {
  const X = [[1, 2, -1, 0.5], [0, 1, 1, -2], [2, -1, 0.5, 1], [-1, 0, 2, 1], [1, 1, 1, 1]]
  const t = [1, -0.5, 2, 0.25, 1.5]
  const lambda = 0.3
  const params = { w: Float64Array.from([0, 0.75, 0, -0.5]) }
  const res = (w: Float64Array) => X.map((x, i) => x.reduce((s, v, j) => s + v * w[j]!, 0) - t[i]!)
  const loss = (p: typeof params): number =>
    (0.5 * res(p.w).reduce((s, r) => s + r * r, 0)) / X.length + lambda * p.w.reduce((s, v) => s + Math.abs(v), 0)
  const grad = (p: typeof params, bug: L1Bug = 'none') => {
    const r = res(p.w)
    return {
      w: p.w.map((v, j) => {
        const smooth = X.reduce((s, x, i) => s + x[j]! * r[i]!, 0) / X.length
        let sg = Math.sign(v)
        if (v === 0 && bug === 'signOfZeroOne') sg = 1 // still a valid subgradient
        if (v === 0 && bug === 'bothBranches') sg = 2 // `if (w >= 0) g += λ; if (w <= 0) g += λ`
        return smooth + (bug === 'noLambda' ? 1 : lambda) * sg
      }),
    }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ clamp at its bounds
// loss = Σ r_i·clamp(w_i, −1, 1) + 0.1·Σ w_i², with w_i exactly at ±1 and outside
export type ClampBug = 'none' | 'inclusive' | 'straightThrough' | 'boundSign'
export function makeClamp() {
  const r = [0.8, -1.1, 0.5, 1.7, -0.6, 0.9]
  const params = { w: [1, -1, 0.25, 1.5, -1, -2] }
  const loss = (p: typeof params): number => p.w.reduce((s, w, i) => s + r[i]! * Math.min(1, Math.max(-1, w)) + 0.1 * w * w, 0)
  const grad = (p: typeof params, bug: ClampBug = 'none') => ({
    w: p.w.map((w, i) => {
      let inside = Math.abs(w) < 1 ? 1 : 0
      if (Math.abs(w) === 1) inside = bug === 'inclusive' ? 1 : bug === 'boundSign' ? -1 : 0
      if (bug === 'straightThrough') inside = 1
      return r[i]! * inside + 0.2 * w
    }),
  })
  return { params, loss, grad }
}

// ------------------------------------------------------------------ piecewise-linear losses on random data
// Piecewise-linear losses on random data (no kink placed on purpose, but with 24 samples some kink
// lies within a float32 step of x): L1 regression, hinge (margin 0.25), a max of two linear maps (max-pool-like),
// |a|·b (abs activation). Two linear maps w, v of D = 4 features.
export type PieceKind = 'l1' | 'hinge' | 'max' | 'absAct'
export type PieceBug = 'none' | 'signFlipped' | 'maskForgotten'
export function makePiecewise(kind: PieceKind, precision: 'float32' | 'float64', seed: number) {
  const next = rng(seed * 7919)
  const R = precision === 'float32' ? Math.fround : (v: number) => v
  const N = 24
  const D = 4
  const X = randn(N * D, next)
  const Y = randn(N, next)
  const mk = (a: Float64Array) => (precision === 'float32' ? Float32Array.from(a) : a)
  const params = { w: mk(randn(D, next, 0.5)), v: mk(randn(D, next, 0.5)) }
  type P = typeof params
  const z = (p: P, n: number, which: 'w' | 'v'): number => {
    let s = 0
    for (let d = 0; d < D; d++) s = R(s + R(X[n * D + d]! * p[which][d]!))
    return s
  }
  const loss = (p: P): number => {
    let s = 0
    for (let n = 0; n < N; n++) {
      const a = z(p, n, 'w')
      const b = z(p, n, 'v')
      let t: number
      if (kind === 'l1') t = Math.abs(R(R(a + R(0.5 * b)) - Y[n]!))
      else if (kind === 'hinge') t = Math.max(0, R(0.25 - R((Y[n]! > 0 ? 1 : -1) * R(a + b))))
      else if (kind === 'max') t = R(Math.max(a, b) * Y[n]!)
      else t = R(Math.abs(a) * b)
      s = R(s + t)
    }
    return R(s / N)
  }
  const grad = (p: P, bug: PieceBug = 'none') => {
    const gw = new Float64Array(D)
    const gv = new Float64Array(D)
    for (let n = 0; n < N; n++) {
      const a = z(p, n, 'w')
      const b = z(p, n, 'v')
      let da = 0
      let db = 0
      if (kind === 'l1') {
        const sg = Math.sign(a + 0.5 * b - Y[n]!) * (bug === 'signFlipped' ? -1 : 1)
        da = sg
        db = 0.5 * sg
      } else if (kind === 'hinge') {
        const y = Y[n]! > 0 ? 1 : -1
        if (0.25 - y * (a + b) > 0 || bug === 'maskForgotten') {
          da = -y
          db = -y
        }
      } else if (kind === 'max') {
        if (a >= b || bug === 'maskForgotten') da = Y[n]!
        if (a < b || bug === 'maskForgotten') db = Y[n]!
      } else {
        da = (bug === 'signFlipped' ? 1 : Math.sign(a)) * b
        db = Math.abs(a)
      }
      for (let d = 0; d < D; d++) {
        gw[d]! += (da * X[n * D + d]!) / N
        gv[d]! += (db * X[n * D + d]!) / N
      }
    }
    return { w: gw, v: gv }
  }
  return { params, loss, grad }
}
