// Extreme scales: variances near the edge of their domain, logsumexp at ±1000, exp/log at large and
// small arguments, functions finer than the parameters' magnitude (Fourier features, a soft
// rasterizer edge), big batches, losses of 1e±20, unnormalised features, a gradient that is round-off.
import { gaussian, randn, rng, sigmoid } from './util.js'

// ------------------------------------------------------------------ logsumexp at ±1000
// f = lse(a) + 2·lse(b), a ≈ 1000, b ≈ −1000 (exp overflows/underflows without the max shift).
export type LseBug = 'none' | 'unnormalised' | 'bMissing2'
export function makeLse(seed = 17, n = 6) {
  const next = rng(seed)
  const params = {
    a: Float64Array.from({ length: n }, () => 1000 + 2 * gaussian(next)),
    b: Float64Array.from({ length: n }, () => -1000 + 2 * gaussian(next)),
  }
  const lse = (v: Float64Array): number => {
    const m = Math.max(...v)
    return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0))
  }
  const softmax = (v: Float64Array, normalise: boolean): Float64Array => {
    const m = Math.max(...v)
    const e = v.map((x) => Math.exp(x - m))
    const z = normalise ? e.reduce((s, x) => s + x, 0) : 1
    return e.map((x) => x / z)
  }
  const loss = (p: typeof params): number => lse(p.a) + 2 * lse(p.b)
  const grad = (p: typeof params, bug: LseBug = 'none') => ({
    a: softmax(p.a, bug !== 'unnormalised'),
    b: softmax(p.b, true).map((x) => (bug === 'bMissing2' ? 1 : 2) * x),
  })
  return { params, loss, grad }
}

// ------------------------------------------------------------------ exp at large arguments, log at small ones
export type ExpBug = 'none' | 'tenthPct' | 'sign'
export function makeExpBig(seed = 19, n = 5) {
  const next = rng(seed)
  const params = { w: Float64Array.from({ length: n }, () => 40 + 3 * gaussian(next)), c: Float64Array.from({ length: n }, () => 1 + next()) }
  // f = Σ c_i·exp(w_i) ≈ 1e18
  const loss = (p: typeof params): number => p.w.reduce((s, w, i) => s + p.c[i]! * Math.exp(w), 0)
  const grad = (p: typeof params, bug: ExpBug = 'none') => ({
    w: p.w.map((w, i) => (bug === 'tenthPct' ? 1.001 : 1) * p.c[i]! * Math.exp(w)),
    c: p.w.map((w) => (bug === 'sign' ? -1 : 1) * Math.exp(w)),
  })
  return { params, loss, grad }
}
export function makeLogSmall(seed = 23, n = 5) {
  const next = rng(seed)
  const params = { v: Float64Array.from({ length: n }, () => 1e-6 * (1 + next())), c: Float64Array.from({ length: n }, () => 1 + next()) }
  // f = Σ c_i·log(v_i) + Σ v_i/1e-6 (the derivative in v is ~1e6)
  const loss = (p: typeof params): number => p.v.reduce((s, v, i) => s + p.c[i]! * Math.log(v) + v / 1e-6, 0)
  const grad = (p: typeof params, bug: ExpBug = 'none') => ({
    v: p.v.map((v, i) => (bug === 'sign' ? -1 : 1) * p.c[i]! / v + 1e6),
    c: p.v.map((v) => (bug === 'tenthPct' ? 1.001 : 1) * Math.log(v)),
  })
  return { params, loss, grad }
}

// ------------------------------------------------------------------ near the edge of the domain
// Per-feature standard deviations, one of them tiny: loss = Σ log σ_i + Σ_n (x_ni − μ_i)²/(2σ_i²), σ = sqrt(v)
export type VarBug = 'none' | 'halfFirst' | 'sign'
export function makeVariances() {
  const next = rng(43)
  const I = 4
  const N = 6
  const X = Float64Array.from({ length: N * I }, (_, k) => (k % I === 0 ? 1e-4 : 1) * gaussian(next))
  // v[0] is tiny (a nearly constant feature): 1e-8, the others ~1
  const params = { v: Float64Array.from([1e-8, 0.8, 1.3, 1.1]), mu: Float64Array.from({ length: I }, () => 0.1 * gaussian(next)) }
  const loss = (p: typeof params): number => {
    let s = 0
    for (let i = 0; i < I; i++) {
      const sd = Math.sqrt(p.v[i]!)
      s += N * Math.log(sd)
      for (let n = 0; n < N; n++) s += (X[n * I + i]! - p.mu[i]!) ** 2 / (2 * sd * sd)
    }
    return s
  }
  const grad = (p: typeof params, bug: VarBug = 'none') => {
    const v = new Float64Array(I)
    const mu = new Float64Array(I)
    for (let i = 0; i < I; i++) {
      let q = 0
      for (let n = 0; n < N; n++) {
        q += (X[n * I + i]! - p.mu[i]!) ** 2
        mu[i]! -= (X[n * I + i]! - p.mu[i]!) / p.v[i]!
      }
      v[i] = N / (2 * p.v[i]!) - q / (2 * p.v[i]! * p.v[i]!)
    }
    if (bug === 'halfFirst') v[0]! *= 0.5
    if (bug === 'sign') v[0] = -v[0]!
    return { v, mu }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ NeRF-style positional encoding γ(p) = [sin(2^k π p), cos(2^k π p)]_{k<L}, then linear
//   the gradient with respect to the positions p (pose refinement, BARF), and to the weights
export type FourierBug = 'none' | 'frequencyMissing' | 'piMissing'
export function makeFourier(levels = 10, precision: 'float32' | 'float64' = 'float32') {
  const next = rng(4101)
  const P = 6
  const F = 2 * levels
  const R = precision === 'float32' ? Math.fround : (v: number) => v
  const pts = Array.from({ length: P }, () => 2 * next() - 1)
  const params = {
    p: precision === 'float32' ? Float32Array.from(pts) : Float64Array.from(pts),
    w: precision === 'float32' ? Float32Array.from(randn(F, next, 0.3)) : randn(F, next, 0.3),
  }
  type P_ = typeof params
  const y = randn(P, next, 0.5)
  const freq = (k: number): number => 2 ** Math.floor(k / 2) * Math.PI
  const loss = (q: P_): number => {
    let s = 0
    for (let i = 0; i < P; i++) {
      let o = 0
      for (let k = 0; k < F; k++) {
        const ph = R(freq(k) * q.p[i]!)
        o = R(o + R(q.w[k]! * R(k % 2 ? Math.cos(ph) : Math.sin(ph))))
      }
      s = R(s + R(R(o - y[i]!) ** 2))
    }
    return R(s / P)
  }
  const grad = (q: P_, bug: FourierBug = 'none') => {
    const dp = new Float64Array(P)
    const dw = new Float64Array(F)
    for (let i = 0; i < P; i++) {
      const x = q.p[i]!
      let o = 0
      for (let k = 0; k < F; k++) o += q.w[k]! * (k % 2 ? Math.cos(freq(k) * x) : Math.sin(freq(k) * x))
      const d = (2 * (o - y[i]!)) / P
      for (let k = 0; k < F; k++) {
        const fr = freq(k)
        dw[k]! += d * (k % 2 ? Math.cos(fr * x) : Math.sin(fr * x))
        const chain = bug === 'frequencyMissing' ? Math.PI : bug === 'piMissing' ? fr / Math.PI : fr
        dp[i]! += d * q.w[k]! * (k % 2 ? -Math.sin(fr * x) : Math.cos(fr * x)) * chain
      }
    }
    return { p: dp, w: dw }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ soft rasterizer, one scanline: coverage_k = σ((c_k − x0)/s)·σ((x1 − c_k)/s)
//   vertices at ≈ 42 and 45 px, pixel centres k + 0.5, s = 0.1 px, loss = Σ (coverage − target)²
export type RasterBug = 'none' | 'sharpnessMissing' | 'rightEdgeSign'
export function makeSoftRaster(precision: 'float32' | 'float64' = 'float32') {
  const s = 0.1
  const R = precision === 'float32' ? Math.fround : (v: number) => v
  const verts = [42.53, 45.46]
  const params = { x: precision === 'float32' ? Float32Array.from(verts) : Float64Array.from(verts) }
  type P = typeof params
  const centres = Array.from({ length: 8 }, (_, k) => 40.5 + k)
  const target = centres.map((c) => (c > 42.5 && c < 45.5 ? 1 : 0))
  const sig = (z: number): number => R(1 / R(1 + R(Math.exp(-z))))
  const loss = (p: P): number => {
    let tot = 0
    centres.forEach((c, k) => {
      const cov = R(sig(R(R(c - p.x[0]!) / s)) * sig(R(R(p.x[1]! - c) / s)))
      tot = R(tot + R(R(cov - target[k]!) ** 2))
    })
    return tot
  }
  const grad = (p: P, bug: RasterBug = 'none') => {
    const g = new Float64Array(2)
    const sg = (z: number): number => 1 / (1 + Math.exp(-z))
    centres.forEach((c, k) => {
      const a = sg((c - p.x[0]!) / s)
      const b = sg((p.x[1]! - c) / s)
      const d = 2 * (a * b - target[k]!)
      const k1 = bug === 'sharpnessMissing' ? 1 : 1 / s
      g[0]! += d * b * a * (1 - a) * -k1
      g[1]! += d * a * b * (1 - b) * k1 * (bug === 'rightEdgeSign' ? -1 : 1)
    })
    return { x: g }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ linear regression over a large batch
//   loss = Σ_n (x_n·w + b − y_n)²  (reduce 'sum', loss ≈ 1e6)  or the mean
export type BatchBug = 'none' | 'meanForSum' | 'lastSampleDropped' | 'sumForMean'
export function makeBigBatch(reduce: 'sum' | 'mean', precision: 'float64' | 'float32' = 'float64', B = 2000) {
  const D = 4
  const next = rng(3101)
  const R = precision === 'float32' ? Math.fround : (v: number) => v
  const X = randn(B * D, next)
  const Y = randn(B, next, 20, 3)
  const arr = (a: Float64Array) => (precision === 'float32' ? Float32Array.from(a) : a)
  const params = { w: arr(randn(D, next, 1)), b: arr(Float64Array.from([0.5])) }
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
  const X = Float32Array.from(randn(N * D, next))
  const Y = Float32Array.from({ length: N }, () => (next() < 0.5 ? 0 : 1))
  const params = { w: Float32Array.from(randn(D, next, 0.8)), b: Float32Array.from([0.2]) }
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
  const w0 = randn(D, next, 0.5)
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

// ------------------------------------------------------------------ least squares exactly at its optimum: the gradient is round-off (~1e-16)
export function makeAtOptimum() {
  const N = 10
  const next = rng(3801)
  const X = randn(N * 2, next)
  const Y = randn(N, next)
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
