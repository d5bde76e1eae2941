// A wide two-layer perceptron (W1 is 200×100: 20,000 weights, far above the 512 `sample: 'auto'` checks
// one by one), with a ReLU or tanh hidden layer and softmax cross-entropy, in float64 or float32, and
// bugs planted in its gradient: single weights, a whole tensor, several weights. Used by
// test/directional.test.ts.
import { type Round, exact, f32, gaussian, rng } from './util.js'

export interface WideSpec {
  D?: number
  H?: number
  C?: number
  B?: number
  act?: 'relu' | 'tanh'
  precision?: 'float64' | 'float32'
  seed?: number
}

export interface WideParams {
  W1: { data: Float64Array | Float32Array; shape: number[] }
  b1: Float64Array | Float32Array
  W2: { data: Float64Array | Float32Array; shape: number[] }
  b2: Float64Array | Float32Array
}

/** A planted bug: `scale` entries (tensor, flat index, factor), or a whole tensor `×2`, `zero`, `transposed`. */
export type WideBug = { scale: [keyof WideParams, number, number][] } | { whole: 'x2' | 'zero' | 'transposed'; tensor: 'W1' | 'W2' }

export function makeWide(spec: WideSpec = {}) {
  const D = spec.D ?? 100
  const H = spec.H ?? 200
  const C = spec.C ?? 10
  const B = spec.B ?? 2
  const act = spec.act ?? 'tanh'
  const R: Round = spec.precision === 'float32' ? f32 : exact
  const Arr = spec.precision === 'float32' ? Float32Array : Float64Array
  const next = rng(spec.seed ?? 3)
  const vec = (n: number, std: number): Float64Array | Float32Array => { const v = new Arr(n); for (let i = 0; i < n; i++) v[i] = std * gaussian(next); return v }
  const params: WideParams = {
    W1: { data: vec(H * D, 1 / Math.sqrt(D)), shape: [H, D] },
    b1: vec(H, 0.1),
    W2: { data: vec(C * H, 1 / Math.sqrt(H)), shape: [C, H] },
    b2: vec(C, 0.1),
  }
  const X = Float64Array.from({ length: B * D }, () => R(gaussian(next)))
  const y = Array.from({ length: B }, () => Math.floor(next() * C))
  const f = (z: number): number => (act === 'relu' ? (z > 0 ? z : 0) : R(Math.tanh(z)))
  const df = (z: number): number => (act === 'relu' ? (z > 0 ? 1 : 0) : 1 - Math.tanh(z) ** 2)

  const forward = (p: WideParams) => {
    const z1 = new Float64Array(B * H)
    const a1 = new Float64Array(B * H)
    const prob = new Float64Array(B * C)
    let total = 0
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        let s = p.b1[h]!
        for (let d = 0; d < D; d++) s = R(s + R(p.W1.data[h * D + d]! * X[b * D + d]!))
        z1[b * H + h] = s
        a1[b * H + h] = f(s)
      }
      let m = -Infinity
      const z2 = new Float64Array(C)
      for (let c = 0; c < C; c++) {
        let s = p.b2[c]!
        for (let h = 0; h < H; h++) s = R(s + R(p.W2.data[c * H + h]! * a1[b * H + h]!))
        z2[c] = s
        m = Math.max(m, s)
      }
      let e = 0
      for (let c = 0; c < C; c++) e = R(e + R(Math.exp(R(z2[c]! - m))))
      for (let c = 0; c < C; c++) prob[b * C + c] = Math.exp(z2[c]! - m) / e
      total = R(total + R(R(m + R(Math.log(e))) - z2[y[b]!]!))
    }
    return { z1, a1, prob, loss: R(total / B) }
  }

  const grad = (p: WideParams, bug?: WideBug) => {
    const { z1, a1, prob } = forward(p)
    const gW1 = new Float64Array(H * D)
    const gb1 = new Float64Array(H)
    const gW2 = new Float64Array(C * H)
    const gb2 = new Float64Array(C)
    for (let b = 0; b < B; b++) {
      const dz2 = Float64Array.from({ length: C }, (_, c) => (prob[b * C + c]! - (c === y[b] ? 1 : 0)) / B)
      for (let c = 0; c < C; c++) {
        gb2[c]! += dz2[c]!
        for (let h = 0; h < H; h++) gW2[c * H + h]! += dz2[c]! * a1[b * H + h]!
      }
      for (let h = 0; h < H; h++) {
        let s = 0
        for (let c = 0; c < C; c++) s += dz2[c]! * p.W2.data[c * H + h]!
        const dz1 = s * df(z1[b * H + h]!)
        gb1[h]! += dz1
        for (let d = 0; d < D; d++) gW1[h * D + d]! += dz1 * X[b * D + d]!
      }
    }
    const g = { W1: gW1, b1: gb1, W2: gW2, b2: gb2 }
    if (bug !== undefined && 'scale' in bug) for (const [t, i, factor] of bug.scale) g[t][i]! *= factor
    if (bug !== undefined && 'whole' in bug) {
      const t = g[bug.tensor]
      const [r, c] = bug.tensor === 'W1' ? [H, D] : [C, H]
      if (bug.whole === 'x2') t.forEach((v, i) => (t[i] = 2 * v))
      if (bug.whole === 'zero') t.fill(0)
      if (bug.whole === 'transposed') {
        const old = t.slice()
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = old[i * c + j]!
      }
    }
    return { W1: { data: g.W1, shape: [H, D] }, b1: g.b1, W2: { data: g.W2, shape: [C, H] }, b2: g.b2 }
  }
  return { params, loss: (p: WideParams) => forward(p).loss, grad, sizes: { W1: H * D, b1: H, W2: C * H, b2: C } }
}
