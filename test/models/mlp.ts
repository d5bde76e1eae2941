// A two-layer MLP with hand-written backprop, and the bugs people actually write into it.
//   z1 = X W1ᵀ + b1,  a1 = act(z1) [· dropout mask],  z2 = a1 W2ᵀ + b2,
//   loss = S · reduce_b ℓ(z2_b) + λ/2 (‖W1‖² + ‖W2‖²),  ℓ = softmax cross-entropy or Σ_c (z2 − T)²
import { exact, f32, gaussian, rng, type Rng, type Round, type Tensor, transposedLayout } from './util.js'

export type Act = 'tanh' | 'sigmoid' | 'relu' | 'leaky' | 'gelu'

export interface MlpSpec {
  B?: number
  D?: number
  H?: number
  C?: number
  act?: Act
  loss?: 'ce' | 'mse'
  reduce?: 'mean' | 'sum'
  /** L2 weight decay on W1 and W2. */
  l2?: number
  /** 'float32': Float32Array params and a loss rounded at every op; 'internal': Float64Array params, loss in float32. */
  precision?: 'float64' | 'float32' | 'internal'
  /** Multiplies the loss (units: 1e12 or 1e-12). */
  scale?: number
  /** Multiplies W1 (and divides X, so pre-activations keep their size): raw inputs in odd units. */
  paramScale?: number
  /** Inverted dropout on a1, with its own random source. */
  dropout?: { p: number; rand: () => number }
  seed?: number
  /** Stretch the init (pre-activations of size ~`gain`). */
  gain?: number
}

export type MlpBug =
  | 'none'
  | 'batchSum' // gradient of the summed loss while the loss is the mean: ×B everywhere
  | 'b2NoMean' // db2 = Σ_b dz2 without the 1/B
  | 'b1FirstSample' // db1 = dz1[0]: the batch sum forgotten
  | 'W1T' // dW1 returned in the transposed layout (a flat Float64Array)
  | 'W2T' // dW2 transposed (square W2)
  | 'W2sign' // dW2 negated
  | 'noL2W1' // the λ·W1 term missing
  | 'coord' // one coordinate of dW1 off by 5%
  | 'coordTiny' // one coordinate of dW1 off by 1e-5 relative
  | 'W2x1.01' // dW2 off by 1%
  | 'b1x2' // db1 doubled
  | 'actDeriv' // the classic wrong activation derivative
  | 'mseNo2' // d(z−T)²/dz taken as (z−T)
  | 'b1zero' // db1 never filled in
  | 'b2rowSum' // db2 summed over the wrong axis pattern: each class gets the batch total of all classes

export interface MlpParams {
  W1: Tensor
  b1: Float64Array | Float32Array
  W2: Tensor
  b2: Float64Array | Float32Array
}

export interface Mlp {
  params: MlpParams
  loss: (p: MlpParams) => number
  grad: (p: MlpParams, bug?: MlpBug) => Record<string, unknown>
}

const K_GELU = Math.sqrt(2 / Math.PI)
const LEAK = 0.01

function act(kind: Act, z: number, R: Round): number {
  switch (kind) {
    case 'tanh':
      return R(Math.tanh(z))
    case 'sigmoid':
      return R(1 / R(1 + R(Math.exp(-z))))
    case 'relu':
      return z > 0 ? z : 0
    case 'leaky':
      return z > 0 ? z : R(LEAK * z)
    case 'gelu': {
      const t = R(Math.tanh(R(K_GELU * R(z + R(0.044715 * R(z * R(z * z)))))))
      return R(R(0.5 * z) * R(1 + t))
    }
  }
}

/** act′(z), with the classic mistake when `wrong`. */
function actDeriv(kind: Act, z: number, wrong: boolean): number {
  switch (kind) {
    case 'tanh': {
      const t = Math.tanh(z)
      return wrong ? 1 - t : 1 - t * t
    }
    case 'sigmoid': {
      const s = 1 / (1 + Math.exp(-z))
      return wrong ? s : s * (1 - s)
    }
    case 'relu':
      return wrong ? 1 : z > 0 ? 1 : 0
    case 'leaky':
      return z > 0 ? 1 : wrong ? 0 : LEAK
    case 'gelu': {
      const u = K_GELU * (z + 0.044715 * z * z * z)
      const t = Math.tanh(u)
      const du = K_GELU * (1 + 3 * 0.044715 * z * z)
      return wrong ? 0.5 * (1 + t) : 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * du
    }
  }
}

export function makeMlp(spec: MlpSpec = {}): Mlp {
  const B = spec.B ?? 6
  const D = spec.D ?? 5
  const H = spec.H ?? 4
  const C = spec.C ?? 3
  const kind = spec.act ?? 'tanh'
  const lossKind = spec.loss ?? 'ce'
  const reduce = spec.reduce ?? 'mean'
  const l2 = spec.l2 ?? 0
  const precision = spec.precision ?? 'float64'
  const S = spec.scale ?? 1
  const ps = spec.paramScale ?? 1
  const gain = spec.gain ?? 1
  const R: Round = precision === 'float64' ? exact : f32
  const next = rng(spec.seed ?? 7)
  const Arr = precision === 'float32' ? Float32Array : Float64Array
  const vec = (n: number, std: number, k = 1): Float64Array | Float32Array => Arr.from(Array.from({ length: n }, () => k * std * gaussian(next)))
  const data = (n: number, std: number): Float64Array => Float64Array.from({ length: n }, () => R((std * gaussian(next)) / ps))
  const params: MlpParams = {
    W1: { data: vec(H * D, gain / Math.sqrt(D), ps), shape: [H, D] },
    b1: vec(H, 0.1 * gain),
    W2: { data: vec(C * H, 1 / Math.sqrt(H)), shape: [C, H] },
    b2: vec(C, 0.1),
  }
  const X = data(B * D, 1)
  const y = Array.from({ length: B }, () => Math.floor(next() * C))
  const T = Float64Array.from({ length: B * C }, () => R(gaussian(next)))
  const drop = spec.dropout

  interface Cache {
    z1: Float64Array
    a1: Float64Array
    mask: Float64Array
    z2: Float64Array
    loss: number
  }

  const forward = (p: MlpParams): Cache => {
    const W1 = p.W1.data
    const W2 = p.W2.data
    const z1 = new Float64Array(B * H)
    const a1 = new Float64Array(B * H)
    const mask = new Float64Array(B * H).fill(1)
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        let s = R(p.b1[h]!)
        for (let d = 0; d < D; d++) s = R(s + R(R(W1[h * D + d]!) * X[b * D + d]!))
        z1[b * H + h] = s
        let a = act(kind, s, R)
        if (drop) {
          const keep = drop.rand() >= drop.p ? 1 / (1 - drop.p) : 0
          mask[b * H + h] = keep
          a = R(a * keep)
        }
        a1[b * H + h] = a
      }
    }
    const z2 = new Float64Array(B * C)
    let total = 0
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        let s = R(p.b2[c]!)
        for (let h = 0; h < H; h++) s = R(s + R(R(W2[c * H + h]!) * a1[b * H + h]!))
        z2[b * C + c] = s
      }
      let l = 0
      if (lossKind === 'ce') {
        let m = -Infinity
        for (let c = 0; c < C; c++) m = Math.max(m, z2[b * C + c]!)
        let e = 0
        for (let c = 0; c < C; c++) e = R(e + R(Math.exp(R(z2[b * C + c]! - m))))
        l = R(R(m + R(Math.log(e))) - z2[b * C + y[b]!]!)
      } else {
        for (let c = 0; c < C; c++) {
          const r = R(z2[b * C + c]! - T[b * C + c]!)
          l = R(l + R(r * r))
        }
      }
      total = R(total + l)
    }
    let loss = reduce === 'mean' ? R(total / B) : total
    loss = R(loss * S)
    if (l2 !== 0) {
      let sq = 0
      for (const w of [W1, W2]) for (let i = 0; i < w.length; i++) sq = R(sq + R(R(w[i]!) * R(w[i]!)))
      loss = R(loss + R(R(0.5 * l2) * sq))
    }
    return { z1, a1, mask, z2, loss }
  }

  const grad = (p: MlpParams, bug: MlpBug = 'none'): Record<string, unknown> => {
    const { z1, a1, mask, z2 } = forward(p)
    const W1 = p.W1.data
    const W2 = p.W2.data
    const coef = (S * (reduce === 'mean' && bug !== 'batchSum' ? 1 / B : 1))
    const dz2 = new Float64Array(B * C)
    for (let b = 0; b < B; b++) {
      if (lossKind === 'ce') {
        let m = -Infinity
        for (let c = 0; c < C; c++) m = Math.max(m, z2[b * C + c]!)
        let e = 0
        for (let c = 0; c < C; c++) e += Math.exp(z2[b * C + c]! - m)
        for (let c = 0; c < C; c++) dz2[b * C + c] = coef * (Math.exp(z2[b * C + c]! - m) / e - (c === y[b] ? 1 : 0))
      } else {
        const two = bug === 'mseNo2' ? 1 : 2
        for (let c = 0; c < C; c++) dz2[b * C + c] = coef * two * (z2[b * C + c]! - T[b * C + c]!)
      }
    }
    const dW2 = new Float64Array(C * H)
    const db2 = new Float64Array(C)
    for (let c = 0; c < C; c++) {
      for (let h = 0; h < H; h++) {
        let s = 0
        for (let b = 0; b < B; b++) s += dz2[b * C + c]! * a1[b * H + h]!
        dW2[c * H + h] = s + l2 * W2[c * H + h]!
      }
      for (let b = 0; b < B; b++) db2[c]! += dz2[b * C + c]!
    }
    if (bug === 'b2NoMean') for (let c = 0; c < C; c++) db2[c]! *= B
    if (bug === 'b2rowSum') {
      const all = db2.reduce((s, v) => s + v, 0)
      db2.fill(all)
    }
    const dz1 = new Float64Array(B * H)
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        let s = 0
        for (let c = 0; c < C; c++) s += dz2[b * C + c]! * W2[c * H + h]!
        dz1[b * H + h] = s * mask[b * H + h]! * actDeriv(kind, z1[b * H + h]!, bug === 'actDeriv')
      }
    }
    const dW1 = new Float64Array(H * D)
    const db1 = new Float64Array(H)
    for (let h = 0; h < H; h++) {
      for (let d = 0; d < D; d++) {
        let s = 0
        for (let b = 0; b < B; b++) s += dz1[b * H + h]! * X[b * D + d]!
        dW1[h * D + d] = s + (bug === 'noL2W1' ? 0 : l2 * W1[h * D + d]!)
      }
      for (let b = 0; b < B; b++) db1[h]! += dz1[b * H + h]!
      if (bug === 'b1FirstSample') db1[h] = dz1[h]!
    }
    if (bug === 'b1x2') db1.forEach((v, i) => (db1[i] = 2 * v))
    if (bug === 'b1zero') db1.fill(0)
    if (bug === 'W2sign') dW2.forEach((v, i) => (dW2[i] = -v))
    if (bug === 'W2x1.01') dW2.forEach((v, i) => (dW2[i] = 1.01 * v))
    if (bug === 'coord') dW1[D + 2]! *= 1.05
    if (bug === 'coordTiny') dW1[D + 2]! *= 1 + 1e-5
    const out = precision === 'float32' ? Float32Array : Float64Array
    const W2g = bug === 'W2T' ? transposedLayout(dW2, C, H) : dW2
    return {
      W1: bug === 'W1T' ? out.from(transposedLayout(dW1, H, D)) : { data: out.from(dW1), shape: [H, D] },
      b1: out.from(db1),
      W2: { data: out.from(W2g), shape: [C, H] },
      b2: out.from(db2),
    }
  }

  return { params, loss: (p) => forward(p).loss, grad }
}

/** A dropout source: seeded and resettable. */
export const dropoutRng = (seed: number): Rng => rng(seed)

// ------------------------------------------------------------------ rare dropout: a seeded RNG whose first two masks agree
/** A seed for which, after `skip` forward passes of `draws` draws, the next two passes draw the same dropout mask, and a later one differs. */
export function seedWithEqualMasks(draws: number, p: number, skip: number): number {
  for (let s = 1; s < 100000; s++) {
    const r = rng(s)
    for (let k = 0; k < skip * draws; k++) r()
    const mask = () => Array.from({ length: draws }, () => (r() < p ? 0 : 1)).join('')
    const a = mask()
    const b = mask()
    const c = mask()
    if (a === b && b !== c && a.includes('0')) return s
  }
  throw new Error('no seed found')
}
