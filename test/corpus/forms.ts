// The same kind of model, handed to gradcheck in each parameter form a user may have.
import { type Rng, type Tensor, gaussian, rng } from './util.js'

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
