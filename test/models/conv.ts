// Convolutions beyond the plain 3×3/stride-1 case: stride, dilation, groups, 1×1, transposed,
// average pooling, max-pool ties in float32. The input is a parameter too (its gradient is where
// stride and padding bugs show).
import { randn, rng } from './util.js'

export interface ConvSpec {
  N?: number
  Cin?: number
  Cout?: number
  Hin?: number
  K?: number
  stride?: number
  dilation?: number
  pad?: number
  groups?: number
}
export type ConvBug = 'none' | 'dxStride1' | 'dwNoDilation' | 'dwGroupChannel' | 'dxNoPad' | 'dbFirstPixel' | 'dwFlipped'
export interface ConvParams {
  weight: { data: Float64Array; shape: number[] }
  bias: Float64Array
  x: { data: Float64Array; shape: number[] }
}

/** y = conv2d(x, w) + b (NCHW, square), loss = ½·mean_n Σ (tanh y − T)². */
export function makeConv(spec: ConvSpec = {}, seed = 404) {
  const N = spec.N ?? 2
  const Cin = spec.Cin ?? 2
  const Cout = spec.Cout ?? 2
  const Hin = spec.Hin ?? 6
  const K = spec.K ?? 3
  const s = spec.stride ?? 1
  const d = spec.dilation ?? 1
  const pad = spec.pad ?? 0
  const G = spec.groups ?? 1
  const cpg = Cin / G // input channels per group
  const opg = Cout / G
  const Hout = Math.floor((Hin + 2 * pad - d * (K - 1) - 1) / s) + 1
  const next = rng(seed)
  const params: ConvParams = {
    weight: { data: randn(Cout * cpg * K * K, next, 0.4), shape: [Cout, cpg, K, K] },
    bias: randn(Cout, next, 0.1),
    x: { data: randn(N * Cin * Hin * Hin, next), shape: [N, Cin, Hin, Hin] },
  }
  const T = randn(N * Cout * Hout * Hout, next, 0.5)
  const wi = (o: number, c: number, ki: number, kj: number): number => ((o * cpg + c) * K + ki) * K + kj
  const xi = (n: number, c: number, i: number, j: number): number => ((n * Cin + c) * Hin + i) * Hin + j
  const yi = (n: number, o: number, i: number, j: number): number => ((n * Cout + o) * Hout + i) * Hout + j
  /** Visits every (output, weight, input) triple of the convolution, with the input index of `layout`. */
  const each = (f: (n: number, o: number, i: number, j: number, c: number, ki: number, kj: number, cin: number, r: number, q: number) => void) => {
    for (let n = 0; n < N; n++)
      for (let o = 0; o < Cout; o++) {
        const grp = Math.floor(o / opg)
        for (let i = 0; i < Hout; i++)
          for (let j = 0; j < Hout; j++)
            for (let c = 0; c < cpg; c++)
              for (let ki = 0; ki < K; ki++)
                for (let kj = 0; kj < K; kj++) f(n, o, i, j, c, ki, kj, grp * cpg + c, i * s - pad + ki * d, j * s - pad + kj * d)
      }
  }
  const forward = (p: ConvParams) => {
    const y = new Float64Array(N * Cout * Hout * Hout)
    for (let n = 0; n < N; n++) for (let o = 0; o < Cout; o++) for (let q = 0; q < Hout * Hout; q++) y[(n * Cout + o) * Hout * Hout + q] = p.bias[o]!
    each((n, o, i, j, c, ki, kj, cin, r, q) => {
      if (r < 0 || r >= Hin || q < 0 || q >= Hin) return
      y[yi(n, o, i, j)]! += p.weight.data[wi(o, c, ki, kj)]! * p.x.data[xi(n, cin, r, q)]!
    })
    let loss = 0
    const dy = new Float64Array(y.length)
    y.forEach((v, k) => {
      const t = Math.tanh(v)
      loss += (0.5 * (t - T[k]!) ** 2) / N
      dy[k] = ((t - T[k]!) * (1 - t * t)) / N
    })
    return { loss, dy }
  }
  const loss = (p: ConvParams): number => forward(p).loss
  const grad = (p: ConvParams, bug: ConvBug = 'none') => {
    const { dy } = forward(p)
    const dw = new Float64Array(p.weight.data.length)
    const dx = new Float64Array(p.x.data.length)
    const db = new Float64Array(Cout)
    for (let n = 0; n < N; n++)
      for (let o = 0; o < Cout; o++)
        for (let i = 0; i < Hout; i++)
          for (let j = 0; j < Hout; j++) if (bug !== 'dbFirstPixel' || (i === 0 && j === 0)) db[o]! += dy[yi(n, o, i, j)]!
    each((n, o, i, j, c, ki, kj, cin, r, q) => {
      const g = dy[yi(n, o, i, j)]!
      // dW
      {
        const rr = bug === 'dwNoDilation' ? i * s - pad + ki : r
        const qq = bug === 'dwNoDilation' ? j * s - pad + kj : q
        const cc = bug === 'dwGroupChannel' ? c : cin
        const wk = bug === 'dwFlipped' ? wi(o, c, K - 1 - ki, K - 1 - kj) : wi(o, c, ki, kj)
        if (rr >= 0 && rr < Hin && qq >= 0 && qq < Hin) dw[wk]! += g * p.x.data[xi(n, cc, rr, qq)]!
      }
      // dX
      {
        const rr = bug === 'dxStride1' ? i - pad + ki * d : bug === 'dxNoPad' ? i * s + ki * d : r
        const qq = bug === 'dxStride1' ? j - pad + kj * d : bug === 'dxNoPad' ? j * s + kj * d : q
        if (rr >= 0 && rr < Hin && qq >= 0 && qq < Hin) dx[xi(n, cin, rr, qq)]! += g * p.weight.data[wi(o, c, ki, kj)]!
      }
    })
    return { weight: { data: dw, shape: params.weight.shape }, bias: db, x: { data: dx, shape: params.x.shape } }
  }
  return { params, loss, grad, Hout }
}

// ------------------------------------------------------------------ transposed conv 1D (upsampling), 2 channels in, 1 out
//   y[i·s + k − p] += Σ_c x[c, i]·w[c, k],  loss = Σ_m softplus-ish: ½ Σ (y − T)² + 0.1 Σ y³/3 … kept quadratic+cubic
export type TconvBug = 'none' | 'dxFlipped' | 'dwNoStride' | 'dwFirstChannel'
export function makeTransposedConv(seed = 505) {
  const C = 2
  const L = 5
  const K = 4
  const s = 2
  const p = 1
  const Lout = (L - 1) * s - 2 * p + K
  const next = rng(seed)
  const params = { w: { data: randn(C * K, next, 0.5), shape: [C, K] }, x: { data: randn(C * L, next), shape: [C, L] } }
  const T = randn(Lout, next, 0.5)
  type P = typeof params
  const forward = (q: P) => {
    const y = new Float64Array(Lout)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < L; i++)
        for (let k = 0; k < K; k++) {
          const m = i * s + k - p
          if (m >= 0 && m < Lout) y[m]! += q.x.data[c * L + i]! * q.w.data[c * K + k]!
        }
    let loss = 0
    const dy = new Float64Array(Lout)
    y.forEach((v, m) => {
      loss += 0.5 * (v - T[m]!) ** 2 + (0.05 * v ** 3) / 3
      dy[m] = v - T[m]! + 0.05 * v * v
    })
    return { loss, dy }
  }
  const loss = (q: P): number => forward(q).loss
  const grad = (q: P, bug: TconvBug = 'none') => {
    const { dy } = forward(q)
    const dw = new Float64Array(C * K)
    const dx = new Float64Array(C * L)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < L; i++)
        for (let k = 0; k < K; k++) {
          const m = i * s + k - p
          const mx = bug === 'dxFlipped' ? i * s + (K - 1 - k) - p : m
          const mw = bug === 'dwNoStride' ? i + k - p : m
          const cw = bug === 'dwFirstChannel' ? 0 : c
          if (mx >= 0 && mx < Lout) dx[c * L + i]! += dy[mx]! * q.w.data[c * K + k]!
          if (mw >= 0 && mw < Lout) dw[c * K + k]! += dy[mw]! * q.x.data[cw * L + i]!
        }
    return { w: { data: dw, shape: [C, K] }, x: { data: dx, shape: [C, L] } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ conv 3×3 (pad 1) → tanh → avg-pool 2×2 → dense → softmax CE
export type AvgBug = 'none' | 'poolNoQuarter' | 'poolTopLeftOnly' | 'denseBiasSummedClasses'
export function makeAvgPoolNet(seed = 606) {
  const N = 3
  const Hn = 4
  const F = 2 // conv filters
  const P = Hn / 2
  const C = 3
  const next = rng(seed)
  const params = {
    conv: { w: randn(F * 9, next, 0.5), b: randn(F, next, 0.1) },
    fc: { w: { data: randn(C * F * P * P, next, 0.5), shape: [C, F * P * P] }, b: randn(C, next, 0.1) },
  }
  type P_ = typeof params
  const X = randn(N * Hn * Hn, next)
  const labels = [0, 2, 1]
  const forward = (q: P_) => {
    const a = new Float64Array(N * F * Hn * Hn)
    for (let n = 0; n < N; n++)
      for (let f = 0; f < F; f++)
        for (let i = 0; i < Hn; i++)
          for (let j = 0; j < Hn; j++) {
            let z = q.conv.b[f]!
            for (let ki = 0; ki < 3; ki++)
              for (let kj = 0; kj < 3; kj++) {
                const r = i + ki - 1
                const c = j + kj - 1
                if (r >= 0 && r < Hn && c >= 0 && c < Hn) z += q.conv.w[f * 9 + ki * 3 + kj]! * X[n * Hn * Hn + r * Hn + c]!
              }
            a[((n * F + f) * Hn + i) * Hn + j] = Math.tanh(z)
          }
    const pooled = new Float64Array(N * F * P * P)
    for (let n = 0; n < N; n++)
      for (let f = 0; f < F; f++)
        for (let i = 0; i < P; i++)
          for (let j = 0; j < P; j++) {
            let s = 0
            for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) s += a[((n * F + f) * Hn + 2 * i + di) * Hn + 2 * j + dj]!
            pooled[((n * F + f) * P + i) * P + j] = s / 4
          }
    const M = F * P * P
    let loss = 0
    const dz = new Float64Array(N * C)
    for (let n = 0; n < N; n++) {
      const z = Float64Array.from({ length: C }, (_, c) => {
        let s = q.fc.b[c]!
        for (let m = 0; m < M; m++) s += q.fc.w.data[c * M + m]! * pooled[n * M + m]!
        return s
      })
      const mx = Math.max(...z)
      const e = z.map((v) => Math.exp(v - mx))
      const S = e.reduce((u, v) => u + v, 0)
      loss += (Math.log(S) + mx - z[labels[n]!]!) / N
      for (let c = 0; c < C; c++) dz[n * C + c] = (e[c]! / S - (c === labels[n] ? 1 : 0)) / N
    }
    return { loss, a, pooled, dz }
  }
  const loss = (q: P_): number => forward(q).loss
  const grad = (q: P_, bug: AvgBug = 'none') => {
    const { a, pooled, dz } = forward(q)
    const M = F * P * P
    const dfw = new Float64Array(C * M)
    const dfb = new Float64Array(C)
    const dpooled = new Float64Array(N * M)
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const g = dz[n * C + c]!
        if (bug === 'denseBiasSummedClasses') for (let c2 = 0; c2 < C; c2++) dfb[c2]! += g
        else dfb[c]! += g
        for (let m = 0; m < M; m++) {
          dfw[c * M + m]! += g * pooled[n * M + m]!
          dpooled[n * M + m]! += g * q.fc.w.data[c * M + m]!
        }
      }
    const da = new Float64Array(a.length)
    for (let n = 0; n < N; n++)
      for (let f = 0; f < F; f++)
        for (let i = 0; i < P; i++)
          for (let j = 0; j < P; j++) {
            const g = dpooled[((n * F + f) * P + i) * P + j]!
            for (let di = 0; di < 2; di++)
              for (let dj = 0; dj < 2; dj++) {
                if (bug === 'poolTopLeftOnly' && (di > 0 || dj > 0)) continue
                da[((n * F + f) * Hn + 2 * i + di) * Hn + 2 * j + dj] = bug === 'poolNoQuarter' || bug === 'poolTopLeftOnly' ? g : g / 4
              }
          }
    const dcw = new Float64Array(F * 9)
    const dcb = new Float64Array(F)
    for (let n = 0; n < N; n++)
      for (let f = 0; f < F; f++)
        for (let i = 0; i < Hn; i++)
          for (let j = 0; j < Hn; j++) {
            const k = ((n * F + f) * Hn + i) * Hn + j
            const g = da[k]! * (1 - a[k]! * a[k]!)
            dcb[f]! += g
            for (let ki = 0; ki < 3; ki++)
              for (let kj = 0; kj < 3; kj++) {
                const r = i + ki - 1
                const c = j + kj - 1
                if (r >= 0 && r < Hn && c >= 0 && c < Hn) dcw[f * 9 + ki * 3 + kj]! += g * X[n * Hn * Hn + r * Hn + c]!
              }
          }
    return { conv: { w: dcw, b: dcb }, fc: { w: { data: dfw, shape: [C, M] }, b: dfb } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ float32 max-pool with exact ties (integer pixels), then a float32 head
//   x: Float32Array 1×4×4 with integer values (ties in windows), pooled 2×2 → z = w·pooled + c → loss = softplus(z) + ½z² … in float32
export type F32PoolBug = 'none' | 'tieSplit' | 'tieLast' | 'argmin' | 'noChainW' | 'wNoPool'
export function makeF32MaxPool() {
  const x = Float32Array.from([3, 3, 1, 0, 2, 1, 5, 5, 0, 0, 2, 7, 4, 4, 7, 1]) // window maxima tie in 3 of 4 windows
  const w = Float32Array.from([0.25, -0.5, 0.75, 0.125])
  const params = { x, w, c: Float32Array.from([-0.5]) }
  type P = typeof params
  const windows = [0, 1, 2, 3].map((k) => {
    const i0 = 2 * Math.floor(k / 2)
    const j0 = 2 * (k % 2)
    return [i0 * 4 + j0, i0 * 4 + j0 + 1, (i0 + 1) * 4 + j0, (i0 + 1) * 4 + j0 + 1]
  })
  const R = Math.fround
  const forward = (q: P) => {
    const pooled = windows.map((win) => win.reduce((m, i) => Math.max(m, q.x[i]!), -Infinity))
    let z = q.c[0]!
    pooled.forEach((v, k) => (z = R(z + R(q.w[k]! * v))))
    const sp = z > 0 ? R(z + R(Math.log1p(R(Math.exp(-z))))) : R(Math.log1p(R(Math.exp(z))))
    const loss = R(R(0.1 * sp) + R(R(0.5 * z) * z))
    const dz = 0.1 / (1 + Math.exp(-z)) + z
    return { pooled, loss, dz }
  }
  const loss = (q: P): number => forward(q).loss
  const grad = (q: P, bug: F32PoolBug = 'none') => {
    const { pooled, dz } = forward(q)
    const dx = new Float32Array(16)
    windows.forEach((win, k) => {
      const g = bug === 'noChainW' ? dz : dz * q.w[k]!
      const ties = win.filter((i) => q.x[i] === pooled[k])
      if (bug === 'tieSplit') ties.forEach((i) => (dx[i]! += g / ties.length))
      else if (bug === 'tieLast') dx[ties[ties.length - 1]!]! += g
      else if (bug === 'argmin') dx[win.reduce((a, i) => (q.x[i]! < q.x[a]! ? i : a), win[0]!)]! += g
      else dx[ties[0]!]! += g
    })
    const dw = Float32Array.from(pooled, (v) => dz * (bug === 'wNoPool' ? 1 : v))
    return { x: dx, w: dw, c: Float32Array.from([dz]) }
  }
  return { params, loss, grad }
}

// The convolution shapes the suites use: stride 2, dilation 2, groups 2, 1×1.
export const S2: ConvSpec = { stride: 2, pad: 1, Hin: 7 }
export const DIL: ConvSpec = { dilation: 2, pad: 2, Hin: 6 }
export const GRP: ConvSpec = { groups: 2, Cin: 4, Cout: 4, Hin: 5, pad: 1 }
export const ONE: ConvSpec = { K: 1, Cin: 3, Cout: 2, Hin: 4 }
