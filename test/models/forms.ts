// The forms a user hands parameters and gradients in: nested number[][], nested objects, lists of
// tensors, stateful nets, a loss read back in float32, Float32Array storage with a float64 loss,
// tensors whose gradient is exactly 0, a TF.js-like float32 forward, a bare number.
import { gaussian, randn, rng, type Rng, sigmoid, type Tensor } from './util.js'

// ------------------------------------------------------------------ nested number[][]: linear regression
// loss = mean_i ‖W x_i + b − t_i‖²
export type LinBug = 'none' | 'bNoMean' | 'WTransposedRows'
export function makeNestedLinear() {
  const next = rng(29)
  const O = 2
  const I = 3
  const N = 5
  const params = {
    W: Array.from({ length: O }, () => Array.from({ length: I }, () => gaussian(next))),
    b: Array.from({ length: O }, () => 0.1 * gaussian(next)),
  }
  const X = Array.from({ length: N }, () => Array.from({ length: I }, () => gaussian(next)))
  const T = Array.from({ length: N }, () => Array.from({ length: O }, () => gaussian(next)))
  const res = (p: typeof params) => X.map((x, n) => p.W.map((row, o) => row.reduce((s, w, i) => s + w * x[i]!, p.b[o]!) - T[n]![o]!))
  const loss = (p: typeof params): number => res(p).reduce((s, r) => s + r.reduce((t, v) => t + v * v, 0), 0) / N
  const grad = (p: typeof params, bug: LinBug = 'none') => {
    const r = res(p)
    const W = p.W.map((row, o) => row.map((_, i) => r.reduce((s, rn, n) => s + (2 * rn[o]! * X[n]![i]!) / N, 0)))
    const b = p.b.map((_, o) => r.reduce((s, rn) => s + 2 * rn[o]!, 0) / (bug === 'bNoMean' ? 1 : N))
    if (bug === 'WTransposedRows') {
      // rows filled in reverse order
      W.reverse()
    }
    return { W, b }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ nested objects: a tanh autoencoder
// h = tanh(enc.weight x + enc.bias), x̂ = dec.weight h + dec.bias, loss = mean ‖x̂ − x‖²
export type AeBug = 'none' | 'decBiasX2' | 'encWeightNoTanhDeriv'
export interface AeParams {
  encoder: { weight: Tensor; bias: Float64Array }
  decoder: { weight: Tensor; bias: Float64Array }
}
export function makeAutoencoder() {
  const next = rng(31)
  const I = 4
  const Hd = 2
  const N = 5
  const g = (n: number, s: number): Float64Array => Float64Array.from({ length: n }, () => s * gaussian(next))
  const params: AeParams = {
    encoder: { weight: { data: g(Hd * I, 0.6), shape: [Hd, I] }, bias: g(Hd, 0.1) },
    decoder: { weight: { data: g(I * Hd, 0.6), shape: [I, Hd] }, bias: g(I, 0.1) },
  }
  const X = g(N * I, 1)
  const fwd = (p: AeParams, n: number) => {
    const h = Array.from({ length: Hd }, (_, j) => {
      let s = p.encoder.bias[j]!
      for (let i = 0; i < I; i++) s += p.encoder.weight.data[j * I + i]! * X[n * I + i]!
      return Math.tanh(s)
    })
    const r = Array.from({ length: I }, (_, i) => {
      let s = p.decoder.bias[i]!
      for (let j = 0; j < Hd; j++) s += p.decoder.weight.data[i * Hd + j]! * h[j]!
      return s - X[n * I + i]!
    })
    return { h, r }
  }
  const loss = (p: AeParams): number => {
    let s = 0
    for (let n = 0; n < N; n++) s += fwd(p, n).r.reduce((t, v) => t + v * v, 0)
    return s / N
  }
  const grad = (p: AeParams, bug: AeBug = 'none'): AeParams => {
    const ew = new Float64Array(Hd * I)
    const eb = new Float64Array(Hd)
    const dw = new Float64Array(I * Hd)
    const db = new Float64Array(I)
    for (let n = 0; n < N; n++) {
      const { h, r } = fwd(p, n)
      const dr = r.map((v) => (2 * v) / N)
      const dh = new Array<number>(Hd).fill(0)
      for (let i = 0; i < I; i++) {
        db[i]! += (bug === 'decBiasX2' ? 2 : 1) * dr[i]!
        for (let j = 0; j < Hd; j++) {
          dw[i * Hd + j]! += dr[i]! * h[j]!
          dh[j]! += dr[i]! * p.decoder.weight.data[i * Hd + j]!
        }
      }
      for (let j = 0; j < Hd; j++) {
        const dz = dh[j]! * (1 - h[j]! * h[j]!)
        eb[j]! += dz
        for (let i = 0; i < I; i++) ew[j * I + i]! += (bug === 'encWeightNoTanhDeriv' ? dh[j]! : dz) * X[n * I + i]!
      }
    }
    return { encoder: { weight: { data: ew, shape: [Hd, I] }, bias: eb }, decoder: { weight: { data: dw, shape: [I, Hd] }, bias: db } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ a list of tensors: logistic regression [w, b]
export type LogBug = 'none' | 'bSign' | 'wNoMean'
export function makeLogistic() {
  const next = rng(37)
  const I = 3
  const N = 8
  const params: [Float64Array, Float64Array] = [Float64Array.from({ length: I }, () => gaussian(next)), Float64Array.from([0.2])]
  const X = Float64Array.from({ length: N * I }, () => gaussian(next))
  const y = Array.from({ length: N }, () => (next() < 0.5 ? 0 : 1))
  const z = (p: [Float64Array, Float64Array], n: number): number => p[0].reduce((s, w, i) => s + w * X[n * I + i]!, p[1][0]!)
  const loss = (p: [Float64Array, Float64Array]): number => {
    let s = 0
    for (let n = 0; n < N; n++) {
      const v = z(p, n)
      // log(1 + e^v) − y v, stably
      s += Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))) - y[n]! * v
    }
    return s / N
  }
  const grad = (p: [Float64Array, Float64Array], bug: LogBug = 'none'): [Float64Array, Float64Array] => {
    const w = new Float64Array(I)
    const b = new Float64Array(1)
    for (let n = 0; n < N; n++) {
      const d = 1 / (1 + Math.exp(-z(p, n))) - y[n]!
      for (let i = 0; i < I; i++) w[i]! += (d * X[n * I + i]!) / (bug === 'wNoMean' ? 1 : N)
      b[0]! += d / N
    }
    if (bug === 'bSign') b[0] = -b[0]!
    return [w, b]
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ a stateful model: net.loss() / net.backward()
export type NetBug = 'none' | 'hiddenBiasMissing' | 'outWeightX2'
export class TinyNet {
  readonly params: { hidden: { weight: Float64Array; bias: Float64Array }; out: { weight: Float64Array; bias: Float64Array } }
  private readonly X: Float64Array
  private readonly T: Float64Array
  private readonly N = 6
  private readonly I = 3
  private readonly H = 4
  /** Dropout: off unless a source is given. */
  constructor(seed = 41, private readonly bug: NetBug = 'none', private readonly dropout?: { p: number; rand: Rng | (() => number) }) {
    const next = rng(seed)
    const g = (n: number, s: number): Float64Array => Float64Array.from({ length: n }, () => s * gaussian(next))
    this.params = {
      hidden: { weight: g(this.H * this.I, 0.7), bias: g(this.H, 0.1) },
      out: { weight: g(this.H, 0.7), bias: g(1, 0.1) },
    }
    this.X = g(this.N * this.I, 1)
    this.T = g(this.N, 1)
  }
  private forward() {
    const { hidden, out } = this.params
    const a: number[][] = []
    const mask: number[][] = []
    const r: number[] = []
    for (let n = 0; n < this.N; n++) {
      a.push([])
      mask.push([])
      let o = out.bias[0]!
      for (let h = 0; h < this.H; h++) {
        let s = hidden.bias[h]!
        for (let i = 0; i < this.I; i++) s += hidden.weight[h * this.I + i]! * this.X[n * this.I + i]!
        const m = this.dropout ? (this.dropout.rand() < this.dropout.p ? 0 : 1 / (1 - this.dropout.p)) : 1
        const v = Math.tanh(s)
        a[n]!.push(v)
        mask[n]!.push(m)
        o += out.weight[h]! * v * m
      }
      r.push(o - this.T[n]!)
    }
    return { a, mask, r }
  }
  loss(): number {
    return this.forward().r.reduce((s, v) => s + v * v, 0) / (2 * this.N)
  }
  backward() {
    const { a, mask, r } = this.forward()
    const { out } = this.params
    const hw = new Float64Array(this.H * this.I)
    const hb = new Float64Array(this.H)
    const ow = new Float64Array(this.H)
    const ob = new Float64Array(1)
    for (let n = 0; n < this.N; n++) {
      const d = r[n]! / this.N
      ob[0]! += d
      for (let h = 0; h < this.H; h++) {
        ow[h]! += (this.bug === 'outWeightX2' ? 2 : 1) * d * a[n]![h]! * mask[n]![h]!
        const dz = d * out.weight[h]! * mask[n]![h]! * (1 - a[n]![h]! ** 2)
        if (this.bug !== 'hiddenBiasMissing') hb[h]! += dz
        for (let i = 0; i < this.I; i++) hw[h * this.I + i]! += dz * this.X[n * this.I + i]!
      }
    }
    return { hidden: { weight: hw, bias: hb }, out: { weight: ow, bias: ob } }
  }
}

// ------------------------------------------------------------------ a loss read back in float32 (TF.js `data()`, WebGL)
// The model runs in float64 but the scalar comes back rounded to float32.
export function float32Readback<P>(loss: (p: P) => number): (p: P) => number {
  return (p) => Math.fround(loss(p))
}

// ------------------------------------------------------------------ weights stored in Float32Array, loss computed in float64 (plain JS numbers)
export function makeF32StorageF64Loss() {
  const next = rng(4201)
  const N = 20
  const D = 3
  const X = randn(N * D, next)
  const Y = randn(N, next)
  const params = { w: Float32Array.from(randn(D, next, 0.5)), b: Float32Array.from([0.1]) }
  type P = { w: Float32Array | Float64Array; b: Float32Array | Float64Array }
  const loss = (p: P): number => {
    let s = 0
    for (let n = 0; n < N; n++) {
      let z = p.b[0]!
      for (let d = 0; d < D; d++) z += X[n * D + d]! * p.w[d]!
      s += (Math.tanh(z) - Y[n]!) ** 2
    }
    return s / N
  }
  const grad = (p: P, factor = 1) => {
    const w = new Float64Array(D)
    let b = 0
    for (let n = 0; n < N; n++) {
      let z = p.b[0]!
      for (let d = 0; d < D; d++) z += X[n * D + d]! * p.w[d]!
      const t = Math.tanh(z)
      const g = (2 * (t - Y[n]!) * (1 - t * t)) / N
      b += g
      for (let d = 0; d < D; d++) w[d]! += g * X[n * D + d]! * factor
    }
    return { w, b: [b] }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ gradients that are exactly 0 for whole tensors
//   used: W (tanh layer); unused: a head not in this loss; dead: weights into ReLU units whose
//   pre-activations are all ≪ 0; stationary: s at 0 in Σ s³ (derivative 3s² = 0, not 0 around)
export type FrozenBug = 'none' | 'weightDecayOnUnused' | 'deadMaskIgnored' | 'stationaryConstant'
export function makeFrozen() {
  const N = 4
  const D = 3
  const next = rng(3301)
  const X = randn(N * D, next)
  const params = {
    W: { data: randn(2 * D, next, 0.5), shape: [2, D] },
    unused: { data: randn(2 * D, next, 0.5), shape: [2, D] },
    dead: { data: randn(2 * D, next, 0.1), shape: [2, D] },
    deadBias: Float64Array.from([-8, -9]),
    stationary: new Float64Array(3),
  }
  type P = typeof params
  const layer = (Wt: Float64Array, n: number, r: number): number => {
    let s = 0
    for (let d = 0; d < D; d++) s += Wt[r * D + d]! * X[n * D + d]!
    return s
  }
  const loss = (p: P): number => {
    let s = 0
    for (let n = 0; n < N; n++)
      for (let r = 0; r < 2; r++) {
        s += Math.tanh(layer(p.W.data, n, r)) ** 2
        s += 0.7 * Math.max(0, layer(p.dead.data, n, r) + p.deadBias[r]!)
      }
    for (const v of p.stationary) s += v * v * v
    return s / N
  }
  const grad = (p: P, bug: FrozenBug = 'none') => {
    const dW = new Float64Array(2 * D)
    const dDead = new Float64Array(2 * D)
    const dDeadBias = new Float64Array(2)
    for (let n = 0; n < N; n++)
      for (let r = 0; r < 2; r++) {
        const t = Math.tanh(layer(p.W.data, n, r))
        for (let d = 0; d < D; d++) dW[r * D + d]! += (2 * t * (1 - t * t) * X[n * D + d]!) / N
        const active = layer(p.dead.data, n, r) + p.deadBias[r]! > 0 || bug === 'deadMaskIgnored'
        if (active) {
          for (let d = 0; d < D; d++) dDead[r * D + d]! += (0.7 * X[n * D + d]!) / N
          dDeadBias[r]! += 0.7 / N
        }
      }
    return {
      W: { data: dW, shape: [2, D] },
      unused: { data: bug === 'weightDecayOnUnused' ? p.unused.data.map((v) => 1e-2 * v) : new Float64Array(2 * D), shape: [2, D] },
      dead: { data: dDead, shape: [2, D] },
      deadBias: dDeadBias,
      stationary: p.stationary.map((v) => (bug === 'stationaryConstant' ? 3 * v * v + 0.01 : (3 * v * v) / N)),
    }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ TF.js-like: Float32Array weights, float32 forward (typed buffers), float64 backward
//   a 2-layer net: h = relu(X W1ᵀ + b1) … with softplus to stay smooth: h = softplus(z), out = h·w2, loss = mean (out − y)²
export type TfBug = 'none' | 'w2OnePct' | 'b1Sigmoid' | 'W1TimesTwo'
export function makeTfLike() {
  const N = 6
  const D = 3
  const H = 4
  const next = rng(3401)
  const X = Float32Array.from(randn(N * D, next))
  const Y = Float32Array.from(randn(N, next))
  const params = { W1: { data: Float32Array.from(randn(H * D, next, 0.7)), shape: [H, D] }, b1: Float32Array.from(randn(H, next, 0.1)), w2: Float32Array.from(randn(H, next, 0.7)) }
  type P = typeof params
  const forward32 = (p: P): number => {
    const z = new Float32Array(N * H)
    for (let n = 0; n < N; n++)
      for (let h = 0; h < H; h++) {
        z[n * H + h] = p.b1[h]!
        for (let d = 0; d < D; d++) z[n * H + h]! += X[n * D + d]! * p.W1.data[h * D + d]!
      }
    const a = z.map((v) => Math.log1p(Math.exp(v))) // a Float32Array: rounded on store
    const out = new Float32Array(N)
    for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) out[n]! += a[n * H + h]! * p.w2[h]!
    const sq = out.map((v, n) => (v - Y[n]!) ** 2)
    const total = new Float32Array(1)
    for (const v of sq) total[0]! += v
    total[0]! /= N
    return total[0]!
  }
  const grad = (p: P, bug: TfBug = 'none') => {
    const dW1 = new Float64Array(H * D)
    const db1 = new Float64Array(H)
    const dw2 = new Float64Array(H)
    for (let n = 0; n < N; n++) {
      const z = Array.from({ length: H }, (_, h) => {
        let s = p.b1[h]!
        for (let d = 0; d < D; d++) s += X[n * D + d]! * p.W1.data[h * D + d]!
        return s
      })
      const a = z.map((v) => Math.log1p(Math.exp(v)))
      const out = a.reduce((s, v, h) => s + v * p.w2[h]!, 0)
      const dout = (2 * (out - Y[n]!)) / N
      for (let h = 0; h < H; h++) {
        dw2[h]! += dout * a[h]!
        const dz = dout * p.w2[h]! * sigmoid(z[h]!)
        db1[h]! += bug === 'b1Sigmoid' ? dout * p.w2[h]! * a[h]! : dz
        for (let d = 0; d < D; d++) dW1[h * D + d]! += dz * X[n * D + d]! * (bug === 'W1TimesTwo' ? 2 : 1)
      }
    }
    if (bug === 'w2OnePct') dw2.forEach((v, i) => (dw2[i] = 1.01 * v))
    return { W1: { data: dW1, shape: [H, D] }, b1: db1, w2: dw2 }
  }
  return { params, loss: forward32, grad }
}

// ------------------------------------------------------------------ distillation temperature as a bare number `at`
//   loss(T) = KL(p_teacher ‖ softmax(z/T)), T ≈ 0.07 (CLIP-like)
export type TempBug = 'none' | 'noSquare' | 'sign'
export function makeTemperature() {
  const z = [0.31, -0.12, 0.05, 0.22, -0.3]
  const pt = [0.35, 0.05, 0.15, 0.4, 0.05]
  const q = (T: number): number[] => {
    const s = z.map((v) => v / T)
    const mx = Math.max(...s)
    const e = s.map((v) => Math.exp(v - mx))
    const S = e.reduce((a, b) => a + b, 0)
    return e.map((v) => v / S)
  }
  const loss = (T: number): number => q(T).reduce((s, qi, i) => s + pt[i]! * Math.log(pt[i]! / qi), 0)
  const grad = (T: number, bug: TempBug = 'none'): number => {
    const qq = q(T)
    // dKL/dz_i' = q_i − p_i for z' = z/T, dz'_i/dT = −z_i/T²
    const d = qq.reduce((s, qi, i) => s + (qi - pt[i]!) * (bug === 'noSquare' ? -z[i]! / T : -z[i]! / (T * T)), 0)
    return bug === 'sign' ? -d : d
  }
  return { params: 0.07, loss, grad }
}
