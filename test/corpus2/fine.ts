// Functions that vary on a scale much finer than the parameters' magnitude: Fourier features
// (NeRF positional encoding, float32), a soft rasterizer edge (vertex coordinates in pixels,
// σ = 0.1 px, float32), and a BatchNorm in training mode over a spatial map in float32. Also a
// model that stores its weights in Float32Array but computes its loss in float64.
import { fill, rng } from './common.js'

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
    w: precision === 'float32' ? Float32Array.from(fill(F, next, 0.3)) : fill(F, next, 0.3),
  }
  type P_ = typeof params
  const y = fill(P, next, 0.5)
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

// ------------------------------------------------------------------ weights stored in Float32Array, loss computed in float64 (plain JS numbers)
export function makeF32StorageF64Loss() {
  const next = rng(4201)
  const N = 20
  const D = 3
  const X = fill(N * D, next)
  const Y = fill(N, next)
  const params = { w: Float32Array.from(fill(D, next, 0.5)), b: Float32Array.from([0.1]) }
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
  const X = Float32Array.from(fill(N * Cin * HW, next))
  const cw = Float32Array.from(fill(N * C * HW, next))
  const params = {
    conv: { data: Float32Array.from(fill(C * Cin, next, 0.7)), shape: [C, Cin] },
    gamma: Float32Array.from(fill(C, next, 0.2, 1)),
    beta: Float32Array.from(fill(C, next, 0.1)),
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

// ------------------------------------------------------------------ Frenkel–Kontorova chain: atoms on a periodic substrate joined by springs
//   E = Σ_i K (1 − cos(2π x_i / a)) + ½ Σ_i (x_{i+1} − x_i − b)²,  substrate period a, spring rest length b
export type FkBug = 'none' | 'periodMissing' | 'springOneEnd'
export function makeFrenkelKontorova(opts: { precision?: 'float32' | 'float64'; a?: number; N?: number; origin?: number } = {}) {
  const precision = opts.precision ?? 'float32'
  const a = opts.a ?? 1
  const N = opts.N ?? 8
  const b = 1.3 * a
  const K = 0.2
  const R = precision === 'float32' ? Math.fround : (v: number) => v
  const next = rng(4401)
  const xs = Array.from({ length: N }, (_, i) => (opts.origin ?? 0) + i * b + 0.2 * a * (next() - 0.5))
  const params = { x: precision === 'float32' ? Float32Array.from(xs) : Float64Array.from(xs) }
  type P = typeof params
  const k = (2 * Math.PI) / a
  const loss = (p: P): number => {
    let e = 0
    for (let i = 0; i < N; i++) e = R(e + R(K * R(1 - R(Math.cos(R(k * p.x[i]!))))))
    for (let i = 0; i + 1 < N; i++) e = R(e + R(0.5 * R(R(R(p.x[i + 1]! - p.x[i]!) - b) ** 2)))
    return e
  }
  const grad = (p: P, bug: FkBug = 'none') => {
    const g = new Float64Array(N)
    for (let i = 0; i < N; i++) g[i] = K * Math.sin(k * p.x[i]!) * (bug === 'periodMissing' ? 2 * Math.PI : k)
    for (let i = 0; i + 1 < N; i++) {
      const s = p.x[i + 1]! - p.x[i]! - b
      g[i + 1]! += s
      if (bug !== 'springOneEnd') g[i]! -= s
    }
    return { x: g }
  }
  return { params, loss, grad }
}
