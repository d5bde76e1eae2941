// Physics-style and scale-stressing losses with hand-written gradients.
import { type Tensor, gaussian, rng } from './util.js'

// ------------------------------------------------------------------ spring chain
// E = Σ_e ½ k_e (|p_j − p_i| − L0)² over a chain of N 2-D points.
export type SpringBug = 'none' | 'oneEnd' | 'kNoHalf' | 'unitDir'
export interface SpringParams {
  pos: Tensor
  k: Float64Array
}
export function makeSprings(seed = 5, N = 6) {
  const next = rng(seed)
  const pos = new Float64Array(N * 2)
  for (let i = 0; i < N; i++) {
    pos[2 * i] = i + 0.3 * gaussian(next)
    pos[2 * i + 1] = 0.3 * gaussian(next)
  }
  const params: SpringParams = { pos: { data: pos, shape: [N, 2] }, k: Float64Array.from({ length: N - 1 }, () => 1 + next()) }
  const L0 = 0.9
  const edge = (p: SpringParams, e: number) => {
    const x = p.pos.data
    const dx = x[2 * e + 2]! - x[2 * e]!
    const dy = x[2 * e + 3]! - x[2 * e + 1]!
    const len = Math.hypot(dx, dy)
    return { dx, dy, len }
  }
  const loss = (p: SpringParams): number => {
    let E = 0
    for (let e = 0; e < N - 1; e++) E += 0.5 * p.k[e]! * (edge(p, e).len - L0) ** 2
    return E
  }
  const grad = (p: SpringParams, bug: SpringBug = 'none') => {
    const dpos = new Float64Array(N * 2)
    const dk = new Float64Array(N - 1)
    for (let e = 0; e < N - 1; e++) {
      const { dx, dy, len } = edge(p, e)
      const f = p.k[e]! * (len - L0) / (bug === 'unitDir' ? 1 : len)
      dpos[2 * e + 2]! += f * dx
      dpos[2 * e + 3]! += f * dy
      if (bug !== 'oneEnd') {
        dpos[2 * e]! -= f * dx
        dpos[2 * e + 1]! -= f * dy
      }
      dk[e] = (bug === 'kNoHalf' ? 1 : 0.5) * (len - L0) ** 2
    }
    return { pos: { data: dpos, shape: [N, 2] }, k: dk }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ stiff time constant
// y(t) = amp·exp(−t/τ) + offset, τ ≈ 1e-3 s, fitted by least squares to samples over 5 ms.
export type DecayBug = 'none' | 'tauSign' | 'tauNoSquare' | 'tauHalf'
export interface DecayParams {
  tau: number
  amp: number
  offset: number
}
export function makeDecay(tau = 1e-3) {
  const ts = Array.from({ length: 25 }, (_, i) => (i * 5 * tau) / 24)
  const obs = ts.map((t) => 2.1 * Math.exp(-t / (1.3 * tau)) + 0.05 * Math.sin(1e3 * t / tau))
  const params: DecayParams = { tau, amp: 2, offset: 0.01 }
  const loss = (p: DecayParams): number => ts.reduce((s, t, i) => s + (p.amp * Math.exp(-t / p.tau) + p.offset - obs[i]!) ** 2, 0)
  const grad = (p: DecayParams, bug: DecayBug = 'none'): DecayParams => {
    let tau = 0
    let amp = 0
    let offset = 0
    ts.forEach((t, i) => {
      const e = Math.exp(-t / p.tau)
      const r = 2 * (p.amp * e + p.offset - obs[i]!)
      amp += r * e
      offset += r
      const dtau = bug === 'tauNoSquare' ? (p.amp * e * t) / p.tau : (p.amp * e * t) / (p.tau * p.tau)
      tau += r * dtau
    })
    if (bug === 'tauSign') tau = -tau
    if (bug === 'tauHalf') tau /= 2
    return { tau, amp, offset }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ RC circuit: a tiny capacitance
// V(t) = V0·exp(−t/(R·C)) with C ≈ 1e-8 F, R ≈ 1e3 Ω; several circuits at once.
export type RcBug = 'none' | 'Csign' | 'C0.5pct' | 'RmissingSquare'
export interface RcParams {
  C: Float64Array
  R: Float64Array
  V0: Float64Array
}
export function makeRc(seed = 9, M = 3) {
  const next = rng(seed)
  const params: RcParams = {
    C: Float64Array.from({ length: M }, () => 1e-8 * (1 + 0.5 * next())),
    R: Float64Array.from({ length: M }, () => 1e3 * (1 + 0.5 * next())),
    V0: Float64Array.from({ length: M }, () => 5 + next()),
  }
  const ts = Array.from({ length: 12 }, (_, i) => i * 3e-6)
  const obs = ts.map((t, i) => 5.5 * Math.exp(-t / 1.4e-5) + 0.02 * Math.cos(i))
  const loss = (p: RcParams): number => {
    let s = 0
    for (let m = 0; m < M; m++) for (let i = 0; i < ts.length; i++) s += (p.V0[m]! * Math.exp(-ts[i]! / (p.R[m]! * p.C[m]!)) - obs[i]!) ** 2
    return s
  }
  const grad = (p: RcParams, bug: RcBug = 'none') => {
    const dC = new Float64Array(M)
    const dR = new Float64Array(M)
    const dV = new Float64Array(M)
    for (let m = 0; m < M; m++)
      for (let i = 0; i < ts.length; i++) {
        const Rm = p.R[m]!
        const Cm = p.C[m]!
        const e = Math.exp(-ts[i]! / (Rm * Cm))
        const v = p.V0[m]! * e
        const r = 2 * (v - obs[i]!)
        dV[m]! += r * e
        dC[m]! += r * v * ts[i]! / (Rm * Cm * Cm)
        dR[m]! += r * v * ts[i]! / (bug === 'RmissingSquare' ? Rm * Cm : Rm * Rm * Cm)
      }
    if (bug === 'Csign') dC.forEach((v, i) => (dC[i] = -v))
    if (bug === 'C0.5pct') dC.forEach((v, i) => (dC[i] = 1.005 * v))
    return { C: dC, R: dR, V0: dV }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ gravity: huge positions and masses
// U = −Σ_{i<j} G m_i m_j / |p_i − p_j|, positions ~1e7 m, masses ~1e24 kg: U ~ 1e33.
export type GravBug = 'none' | 'noThirdLaw' | 'massDouble' | 'r2'
export interface GravParams {
  pos: Tensor
  mass: Float64Array
}
export function makeGravity(seed = 13, N = 4) {
  const next = rng(seed)
  const G = 6.674e-11
  const params: GravParams = {
    pos: { data: Float64Array.from({ length: N * 3 }, () => 1e7 * gaussian(next)), shape: [N, 3] },
    mass: Float64Array.from({ length: N }, () => 1e24 * (1 + next())),
  }
  const pair = (p: GravParams, i: number, j: number) => {
    const x = p.pos.data
    const d = [0, 1, 2].map((c) => x[3 * i + c]! - x[3 * j + c]!)
    return { d, r: Math.hypot(d[0]!, d[1]!, d[2]!) }
  }
  const loss = (p: GravParams): number => {
    let U = 0
    for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) U -= (G * p.mass[i]! * p.mass[j]!) / pair(p, i, j).r
    return U
  }
  const grad = (p: GravParams, bug: GravBug = 'none') => {
    const dpos = new Float64Array(N * 3)
    const dm = new Float64Array(N)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        if (i === j) continue
        const { d, r } = pair(p, i, j)
        const gm = G * p.mass[i]! * p.mass[j]!
        // ∂U/∂p_i from the pair (i, j) = G m_i m_j (p_i − p_j)/r³
        if (bug !== 'noThirdLaw' || i < j) for (let c = 0; c < 3; c++) dpos[3 * i + c]! += (gm * d[c]!) / (bug === 'r2' ? r * r : r * r * r)
        // ∂U/∂m_i = −Σ_{j≠i} G m_j / r
        dm[i]! -= (bug === 'massDouble' ? 2 : 1) * (G * p.mass[j]!) / r
      }
    return { pos: { data: dpos, shape: [N, 3] }, mass: dm }
  }
  return { params, loss, grad }
}

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
