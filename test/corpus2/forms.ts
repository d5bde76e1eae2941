// Scales, precisions and parameter forms: a large batch summed (loss ~1e6) vs averaged, float32
// losses of 1e-20 and 1e20, tensors whose gradient is exactly 0 (unused, dead ReLU, stationary),
// a TF.js-like float32 forward with a float64 backward, a bare-number temperature, a float32 sum
// reduced in a random order (GPU atomics).
import { fill, rng, sigmoid } from './common.js'

// ------------------------------------------------------------------ linear regression over a large batch
//   loss = Σ_n (x_n·w + b − y_n)²  (reduce 'sum', loss ≈ 1e6)  or the mean
export type BatchBug = 'none' | 'meanForSum' | 'lastSampleDropped' | 'sumForMean'
export function makeBigBatch(reduce: 'sum' | 'mean', precision: 'float64' | 'float32' = 'float64', B = 2000) {
  const D = 4
  const next = rng(3101)
  const R = precision === 'float32' ? Math.fround : (v: number) => v
  const X = fill(B * D, next)
  const Y = fill(B, next, 20, 3)
  const arr = (a: Float64Array) => (precision === 'float32' ? Float32Array.from(a) : a)
  const params = { w: arr(fill(D, next, 1)), b: arr(Float64Array.from([0.5])) }
  type P = typeof params
  const resid = (p: P): Float64Array =>
    Float64Array.from({ length: B }, (_, n) => {
      let s = p.b[0]!
      for (let d = 0; d < D; d++) s = R(s + R(X[n * D + d]! * p.w[d]!))
      return R(s - Y[n]!)
    })
  const loss = (p: P): number => {
    let s = 0
    for (const r of resid(p)) s = R(s + R(r * r))
    return reduce === 'sum' ? s : R(s / B)
  }
  const grad = (p: P, bug: BatchBug = 'none') => {
    const r = resid(p)
    const scale = (reduce === 'sum') !== (bug === 'meanForSum' || bug === 'sumForMean') ? 2 : 2 / B
    const w = new Float64Array(D)
    let b = 0
    const n1 = bug === 'lastSampleDropped' ? B - 1 : B
    for (let n = 0; n < n1; n++) {
      b += scale * r[n]!
      for (let d = 0; d < D; d++) w[d]! += scale * r[n]! * X[n * D + d]!
    }
    return { w, b: [b] }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ logistic regression in float32 with the loss scaled by 1e-20 or 1e20
export type ScaledBug = 'none' | 'wSign' | 'bHalf' | 'scaleForgotten'
export function makeScaledLogisticF32(S: number) {
  const N = 8
  const D = 3
  const next = rng(3201)
  const R = Math.fround
  const X = Float32Array.from(fill(N * D, next))
  const Y = Float32Array.from({ length: N }, () => (next() < 0.5 ? 0 : 1))
  const params = { w: Float32Array.from(fill(D, next, 0.8)), b: Float32Array.from([0.2]) }
  type P = typeof params
  const z = (p: P, n: number): number => {
    let s = p.b[0]!
    for (let d = 0; d < D; d++) s = R(s + R(X[n * D + d]! * p.w[d]!))
    return s
  }
  const loss = (p: P): number => {
    let s = 0
    for (let n = 0; n < N; n++) {
      const zn = z(p, n)
      // BCE with logits: softplus(z) − y z
      const sp = zn > 0 ? R(zn + R(Math.log1p(R(Math.exp(-zn))))) : R(Math.log1p(R(Math.exp(zn))))
      s = R(s + R(sp - R(Y[n]! * zn)))
    }
    return R(R(S * s) / N)
  }
  const grad = (p: P, bug: ScaledBug = 'none') => {
    const w = new Float32Array(D)
    const b = new Float32Array(1)
    const k = bug === 'scaleForgotten' ? 1 : S
    for (let n = 0; n < N; n++) {
      const d = (k * (sigmoid(z(p, n)) - Y[n]!)) / N
      b[0]! += bug === 'bHalf' ? d / 2 : d
      for (let j = 0; j < D; j++) w[j]! += (bug === 'wSign' ? -d : d) * X[n * D + j]!
    }
    return { w, b }
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
  const X = fill(N * D, next)
  const params = {
    W: { data: fill(2 * D, next, 0.5), shape: [2, D] },
    unused: { data: fill(2 * D, next, 0.5), shape: [2, D] },
    dead: { data: fill(2 * D, next, 0.1), shape: [2, D] },
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
  const X = Float32Array.from(fill(N * D, next))
  const Y = Float32Array.from(fill(N, next))
  const params = { W1: { data: Float32Array.from(fill(H * D, next, 0.7)), shape: [H, D] }, b1: Float32Array.from(fill(H, next, 0.1)), w2: Float32Array.from(fill(H, next, 0.7)) }
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

// ------------------------------------------------------------------ a float32 reduction in a random order (GPU atomics): harmless nondeterminism
export function shuffledF32Sum<P>(terms: (p: P) => Float32Array | number[]): (p: P) => number {
  return (p) => {
    const t = Array.from(terms(p))
    for (let i = t.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[t[i], t[j]] = [t[j]!, t[i]!]
    }
    return t.reduce((s, v) => Math.fround(s + v), 0)
  }
}
export function makeRandomOrderF32() {
  const N = 64
  const D = 3
  const next = rng(3501)
  const X = Float32Array.from(fill(N * D, next))
  const Y = Float32Array.from(fill(N, next))
  const params = { w: Float32Array.from(fill(D, next, 0.5)) }
  type P = typeof params
  const R = Math.fround
  const terms = (p: P): Float32Array =>
    Float32Array.from({ length: N }, (_, n) => {
      let s = 0
      for (let d = 0; d < D; d++) s = R(s + R(X[n * D + d]! * p.w[d]!))
      const r = R(Math.tanh(s) - Y[n]!)
      return R(R(r * r) / N)
    })
  const grad = (p: P, bug: 'none' | 'tanhDerivMissing' = 'none') => {
    const w = new Float64Array(D)
    for (let n = 0; n < N; n++) {
      let s = 0
      for (let d = 0; d < D; d++) s += X[n * D + d]! * p.w[d]!
      const t = Math.tanh(s)
      const g = ((2 * (t - Y[n]!)) / N) * (bug === 'tanhDerivMissing' ? 1 : 1 - t * t)
      for (let d = 0; d < D; d++) w[d]! += g * X[n * D + d]!
    }
    return { w }
  }
  return { params, loss: shuffledF32Sum(terms), lossOrdered: (p: P) => terms(p).reduce((s, v) => R(s + v), 0), grad }
}

// ------------------------------------------------------------------ float32 linear regression on unnormalised features (one in km where the others are in m)
//   the weight of the small feature has a gradient ~1e-3 of the others; an unrolled loop (by 4)
//   whose remainder handling adds the last feature twice doubles exactly that entry
export function makeUnnormalised(precision: 'float32' | 'float64', bug: 'none' | 'lastFeatureTwice' = 'none') {
  const N = 16
  const D = 5
  const next = rng(3601)
  const scale = [1, 1, 1, 1, 1e-3]
  const R = precision === 'float32' ? Math.fround : (v: number) => v
  const X = Float32Array.from({ length: N * D }, (_, k) => gaussianLike(next) * scale[k % D]!)
  const Y = Float32Array.from({ length: N }, () => gaussianLike(next))
  const w0 = fill(D, next, 0.5)
  const params = { w: precision === 'float32' ? Float32Array.from(w0) : Float64Array.from(Float32Array.from(w0)) }
  type P = typeof params
  const loss = (p: P): number => {
    let s = 0
    for (let n = 0; n < N; n++) {
      let z = 0
      for (let d = 0; d < D; d++) z = R(z + R(X[n * D + d]! * p.w[d]!))
      s = R(s + R(R(z - Y[n]!) ** 2))
    }
    return R(s / N)
  }
  const grad = (p: P) => {
    const g = new Float64Array(D)
    for (let n = 0; n < N; n++) {
      let z = 0
      for (let d = 0; d < D; d++) z += X[n * D + d]! * p.w[d]!
      const r = (2 * (z - Y[n]!)) / N
      let d = 0
      for (; d + 4 <= D; d += 4) for (let k = 0; k < 4; k++) g[d + k]! += r * X[n * D + d + k]!
      for (let k = d; k < D; k++) g[k]! += r * X[n * D + k]!
      if (bug === 'lastFeatureTwice') g[D - 1]! += r * X[n * D + D - 1]! // the remainder loop started one early
    }
    return { w: g }
  }
  return { params, loss, grad }
}
const gaussianLike = (next: () => number): number => {
  const u = 1 - next()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
}

// ------------------------------------------------------------------ a float64 energy summed in parallel (random order): terms of ±50 that nearly cancel
export function makeParallelEnergy() {
  const N = 256
  const next = rng(3701)
  const X = fill(N * 2, next)
  const Y = fill(N, next)
  const params = { w: Float64Array.from([0.4, -0.3]) }
  type P = typeof params
  const terms = (p: P): number[] =>
    Array.from({ length: N }, (_, n) => (n % 2 ? 50 : -50) + (Math.tanh(X[2 * n]! * p.w[0]! + X[2 * n + 1]! * p.w[1]!) - Y[n]!) ** 2 / N)
  const loss = (p: P): number => {
    const t = terms(p)
    for (let i = t.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[t[i], t[j]] = [t[j]!, t[i]!]
    }
    return t.reduce((s, v) => s + v, 0)
  }
  const lossOrdered = (p: P): number => terms(p).reduce((s, v) => s + v, 0)
  const grad = (p: P) => {
    const g = new Float64Array(2)
    for (let n = 0; n < N; n++) {
      const t = Math.tanh(X[2 * n]! * p.w[0]! + X[2 * n + 1]! * p.w[1]!)
      const d = (2 * (t - Y[n]!) * (1 - t * t)) / N
      g[0]! += d * X[2 * n]!
      g[1]! += d * X[2 * n + 1]!
    }
    return { w: g }
  }
  return { params, loss, lossOrdered, grad }
}

// ------------------------------------------------------------------ least squares exactly at its optimum: the gradient is round-off (~1e-16)
export function makeAtOptimum() {
  const N = 10
  const next = rng(3801)
  const X = fill(N * 2, next)
  const Y = fill(N, next)
  let a = 0, b = 0, c = 0, u = 0, v = 0
  for (let n = 0; n < N; n++) {
    const x0 = X[2 * n]!
    const x1 = X[2 * n + 1]!
    a += x0 * x0
    b += x0 * x1
    c += x1 * x1
    u += x0 * Y[n]!
    v += x1 * Y[n]!
  }
  const det = a * c - b * b
  const params = { w: Float64Array.from([(c * u - b * v) / det, (a * v - b * u) / det]) }
  type P = typeof params
  const loss = (p: P): number => {
    let s = 0
    for (let n = 0; n < N; n++) s += (X[2 * n]! * p.w[0]! + X[2 * n + 1]! * p.w[1]! - Y[n]!) ** 2
    return s
  }
  const grad = (p: P) => {
    const g = new Float64Array(2)
    for (let n = 0; n < N; n++) {
      const r = X[2 * n]! * p.w[0]! + X[2 * n + 1]! * p.w[1]! - Y[n]!
      g[0]! += 2 * r * X[2 * n]!
      g[1]! += 2 * r * X[2 * n + 1]!
    }
    return { w: g }
  }
  return { params, loss, grad }
}
