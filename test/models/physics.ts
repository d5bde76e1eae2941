// Physics and simulation: springs, stiff decay, circuits, gravity, physical parameters packed in one
// vector, a pendulum (RK4, tangent model), the heat equation (discrete adjoint), stiff springs,
// softened N-body, fast oscillation, a Frenkel–Kontorova chain, coordinates far from the origin.
import { gaussian, randn, rng, type Tensor } from './util.js'

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

// ------------------------------------------------------------------ physical parameters packed in one vector
// θ = [C (1e-8 F), R (1e3 Ω), V0 (5 V)]: V(t) = V0·exp(−t/(R·C)), least squares against samples.
export type PackedBug = 'none' | 'Csign' | 'C1pct'
export function makePackedRc() {
  const ts = Array.from({ length: 12 }, (_, i) => i * 3e-6)
  const obs = ts.map((t, i) => 5.5 * Math.exp(-t / 1.4e-5) + 0.02 * Math.cos(i))
  const params = { theta: Float64Array.from([1.2e-8, 1.1e3, 5.2]) }
  const loss = (p: typeof params): number => {
    const [C, R, V0] = p.theta as unknown as [number, number, number]
    return ts.reduce((s, t, i) => s + (V0 * Math.exp(-t / (R * C)) - obs[i]!) ** 2, 0)
  }
  const grad = (p: typeof params, bug: PackedBug = 'none') => {
    const [C, R, V0] = p.theta as unknown as [number, number, number]
    const g = new Float64Array(3)
    ts.forEach((t, i) => {
      const e = Math.exp(-t / (R * C))
      const r = 2 * (V0 * e - obs[i]!)
      g[0]! += (r * V0 * e * t) / (R * C * C)
      g[1]! += (r * V0 * e * t) / (R * R * C)
      g[2]! += r * e
    })
    if (bug === 'Csign') g[0] = -g[0]!
    if (bug === 'C1pct') g[0]! *= 1.01
    return { theta: g }
  }
  return { params, loss, grad }
}

// θ = [τ (1e-3 s), amp, offset] in one Float64Array: the decay fit of physics.ts, packed.
export function makePackedDecay() {
  const tau0 = 1e-3
  const ts = Array.from({ length: 25 }, (_, i) => (i * 5 * tau0) / 24)
  const obs = ts.map((t) => 2.1 * Math.exp(-t / (1.3 * tau0)) + 0.05 * Math.sin((1e3 * t) / tau0))
  const params = { theta: Float64Array.from([tau0, 2, 0.01]) }
  const loss = (p: typeof params): number => ts.reduce((s, t, i) => s + (p.theta[1]! * Math.exp(-t / p.theta[0]!) + p.theta[2]! - obs[i]!) ** 2, 0)
  const grad = (p: typeof params, bug: PackedBug = 'none') => {
    const [tau, amp, off] = p.theta as unknown as [number, number, number]
    const g = new Float64Array(3)
    ts.forEach((t, i) => {
      const e = Math.exp(-t / tau)
      const r = 2 * (amp * e + off - obs[i]!)
      g[0]! += (r * amp * e * t) / (tau * tau)
      g[1]! += r * e
      g[2]! += r
    })
    if (bug === 'Csign') g[0] = -g[0]!
    if (bug === 'C1pct') g[0]! *= 1.01
    return { theta: g }
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

// ------------------------------------------------------------------ pendulum, RK4, loss on the final state
export type PendulumBug = 'none' | 'frozenJacobian' | 'stageTypo' | 'lengthSign' | 'dtHalfInFinal'
export function makePendulum(steps = 30, dt = 0.05) {
  const g = 9.81
  const params = { phys: Float64Array.from([1.3, 0.15]), init: Float64Array.from([0.9, -0.4]) } // [L, damping c], [θ0, ω0]
  type P = typeof params
  const f = (s: [number, number], L: number, c: number): [number, number] => [s[1], -(g / L) * Math.sin(s[0]) - c * s[1]]
  const simulate = (p: P) => {
    const [L, c] = [p.phys[0]!, p.phys[1]!]
    let s: [number, number] = [p.init[0]!, p.init[1]!]
    const traj: [number, number][] = []
    for (let n = 0; n < steps; n++) {
      traj.push(s)
      const k1 = f(s, L, c)
      const k2 = f([s[0] + (dt / 2) * k1[0], s[1] + (dt / 2) * k1[1]], L, c)
      const k3 = f([s[0] + (dt / 2) * k2[0], s[1] + (dt / 2) * k2[1]], L, c)
      const k4 = f([s[0] + dt * k3[0], s[1] + dt * k3[1]], L, c)
      s = [s[0] + (dt / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]), s[1] + (dt / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])]
    }
    return { s, traj }
  }
  const loss = (p: P): number => {
    const { s } = simulate(p)
    return (s[0] - 0.3) ** 2 + 0.1 * (s[1] + 0.5) ** 2
  }
  const grad = (p: P, bug: PendulumBug = 'none') => {
    const [L, c] = [p.phys[0]!, p.phys[1]!]
    // S: ∂state/∂[L, c, θ0, ω0], 2×4, row-major
    let S = [0, 0, 1, 0, 0, 0, 0, 1]
    let s: [number, number] = [p.init[0]!, p.init[1]!]
    // Jacobian-vector pieces at a state: d f = Js·dS + Jp
    const df = (st: [number, number], dS: number[]): number[] => {
      const out = new Array<number>(8)
      const a = -(g / L) * Math.cos(st[0])
      for (let j = 0; j < 4; j++) {
        out[j] = dS[4 + j]!
        out[4 + j] = a * dS[j]! - c * dS[4 + j]!
      }
      out[4]! += (bug === 'lengthSign' ? -1 : 1) * (g / (L * L)) * Math.sin(st[0]) // ∂/∂L
      out[5]! += -st[1] // ∂/∂c
      return out
    }
    const axpy = (x: number[], a: number, y: number[]): number[] => x.map((v, i) => v + a * y[i]!)
    for (let n = 0; n < steps; n++) {
      const k1 = f(s, L, c)
      const s2: [number, number] = [s[0] + (dt / 2) * k1[0], s[1] + (dt / 2) * k1[1]]
      const k2 = f(s2, L, c)
      const s3: [number, number] = [s[0] + (dt / 2) * k2[0], s[1] + (dt / 2) * k2[1]]
      const k3 = f(s3, L, c)
      const s4: [number, number] = [s[0] + dt * k3[0], s[1] + dt * k3[1]]
      const k4 = f(s4, L, c)
      const frozen = bug === 'frozenJacobian'
      const d1 = df(s, S)
      const d2 = df(frozen ? s : s2, axpy(S, dt / 2, d1))
      const d3 = df(frozen ? s : s3, axpy(S, dt / 2, d2))
      const d4 = df(frozen ? s : s4, axpy(S, dt, bug === 'stageTypo' ? d2 : d3))
      const h = bug === 'dtHalfInFinal' ? dt / 12 : dt / 6
      S = S.map((v, i) => v + h * (d1[i]! + 2 * d2[i]! + 2 * d3[i]! + d4[i]!))
      s = [s[0] + (dt / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]), s[1] + (dt / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])]
    }
    const e0 = 2 * (s[0] - 0.3)
    const e1 = 0.2 * (s[1] + 0.5)
    const gr = [0, 1, 2, 3].map((j) => e0 * S[j]! + e1 * S[4 + j]!)
    return { phys: Float64Array.from(gr.slice(0, 2)), init: Float64Array.from(gr.slice(2)) }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ 1D heat equation, explicit stencil, discrete adjoint
//   u_i ← u_i + r (u_{i+1} − 2u_i + u_{i−1}), r = κ dt/dx², Dirichlet values bc = [left, right] learned
export type HeatBug = 'none' | 'bcForgotten' | 'kappaNoDx2' | 'laplacianOfNext' | 'adjointBoundaryLeak'
export function makeHeat(steps = 25) {
  const N = 10
  const dx = 0.1
  const dt = 0.004
  const next = rng(2101)
  const params = { kappa: 1.0 as number, u0: Float64Array.from({ length: N }, (_, i) => Math.sin((Math.PI * (i + 1)) / (N + 1)) + 0.1 * next()), bc: Float64Array.from([0.2, -0.1]) }
  type P = typeof params
  const target = Float64Array.from({ length: N }, (_, i) => 0.5 * Math.sin((Math.PI * (i + 1)) / (N + 1)))
  const lap = (u: Float64Array, bc: Float64Array): Float64Array =>
    u.map((v, i) => (i + 1 < N ? u[i + 1]! : bc[1]!) - 2 * v + (i > 0 ? u[i - 1]! : bc[0]!))
  const simulate = (p: P) => {
    const r = (p.kappa * dt) / (dx * dx)
    const us = [p.u0.slice()]
    let u = p.u0.slice()
    for (let n = 0; n < steps; n++) {
      const l = lap(u, p.bc)
      u = u.map((v, i) => v + r * l[i]!)
      us.push(u)
    }
    return us
  }
  const loss = (p: P): number => {
    const us = simulate(p)
    return 0.5 * dx * us[steps]!.reduce((s, v, i) => s + (v - target[i]!) ** 2, 0)
  }
  const grad = (p: P, bug: HeatBug = 'none') => {
    const us = simulate(p)
    const r = (p.kappa * dt) / (dx * dx)
    let lam = us[steps]!.map((v, i) => dx * (v - target[i]!))
    let dk = 0
    const dbc = new Float64Array(2)
    const zero = Float64Array.from([0, 0])
    for (let n = steps - 1; n >= 0; n--) {
      const l = lap(bug === 'laplacianOfNext' ? us[n + 1]! : us[n]!, p.bc)
      dk += (bug === 'kappaNoDx2' ? dt : dt / (dx * dx)) * lam.reduce((s, v, i) => s + v * l[i]!, 0)
      if (bug !== 'bcForgotten') {
        dbc[0]! += r * lam[0]!
        dbc[1]! += r * lam[N - 1]!
      }
      // λⁿ = Aᵀ λⁿ⁺¹, A = I + r·Lap with zero boundary (the bc enter as a source, not through λ)
      const lb = lap(lam, bug === 'adjointBoundaryLeak' ? Float64Array.from([lam[0]!, lam[N - 1]!]) : zero)
      lam = lam.map((v, i) => v + r * lb[i]!)
    }
    return { kappa: dk, u0: lam, bc: dbc }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ stiff spring–mass chain, k ~ 1e6, symplectic Euler, forward sensitivities
//   wall —k1— m1 —k2— m2,  v ← v + dt F(x)/m,  x ← x + dt v,  loss = ½·1e6·Σ (x_T − x*)²
export type StiffBug = 'none' | 'explicitEulerTangent' | 'k2OneSided' | 'x0NotPropagated'
export function makeStiffSprings(steps = 60) {
  const dt = 1e-4
  const m = [1, 0.5]
  const params = { k: Float64Array.from([1.0e6, 2.0e6]), x0: Float64Array.from([1.2e-3, -0.7e-3]) }
  type P = typeof params
  const target = [0.4e-3, 0.2e-3]
  const force = (k: Float64Array, x: number[]): number[] => [-k[0]! * x[0]! + k[1]! * (x[1]! - x[0]!), -k[1]! * (x[1]! - x[0]!)]
  const simulate = (p: P) => {
    let x = [p.x0[0]!, p.x0[1]!]
    let v = [0, 0]
    const xs: number[][] = []
    for (let n = 0; n < steps; n++) {
      xs.push(x)
      const F = force(p.k, x)
      v = v.map((vi, i) => vi + (dt * F[i]!) / m[i]!)
      x = x.map((xi, i) => xi + dt * v[i]!)
    }
    return { x, xs }
  }
  const loss = (p: P): number => {
    const { x } = simulate(p)
    return 0.5 * 1e6 * ((x[0]! - target[0]!) ** 2 + (x[1]! - target[1]!) ** 2)
  }
  const grad = (p: P, bug: StiffBug = 'none') => {
    const { x, xs } = simulate(p)
    const k = p.k
    // sensitivities wrt [k1, k2, x01, x02]: dx[i][j], dv[i][j]
    let dX = [
      [0, 0, bug === 'x0NotPropagated' ? 0 : 1, 0],
      [0, 0, 0, bug === 'x0NotPropagated' ? 0 : 1],
    ]
    let dV = [
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]
    for (let n = 0; n < steps; n++) {
      const xn = xs[n]!
      // ∂F/∂x = [[−k1 − k2, k2], [k2, −k2]]
      const dF = [0, 1].map((i) =>
        [0, 1, 2, 3].map((j) => (i === 0 ? (-k[0]! - k[1]!) * dX[0]![j]! + k[1]! * dX[1]![j]! : k[1]! * dX[0]![j]! - k[1]! * dX[1]![j]!)),
      )
      dF[0]![0]! += -xn[0]!
      dF[0]![1]! += xn[1]! - xn[0]!
      dF[1]![1]! += bug === 'k2OneSided' ? 0 : -(xn[1]! - xn[0]!)
      const dVold = dV
      dV = dV.map((row, i) => row.map((v, j) => v + (dt * dF[i]![j]!) / m[i]!))
      const use = bug === 'explicitEulerTangent' ? dVold : dV
      dX = dX.map((row, i) => row.map((v, j) => v + dt * use[i]![j]!))
    }
    const e = [1e6 * (x[0]! - target[0]!), 1e6 * (x[1]! - target[1]!)]
    const gr = [0, 1, 2, 3].map((j) => e[0]! * dX[0]![j]! + e[1]! * dX[1]![j]!)
    return { k: Float64Array.from(gr.slice(0, 2)), x0: Float64Array.from(gr.slice(2)) }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ N-body potential with Plummer softening, a close pair at r ≈ ε
//   E = −Σ_{i<j} m_i m_j / √(r² + ε²)
export type SoftBug = 'none' | 'softeningDroppedInForce' | 'epsSign' | 'massSelf'
export function makeSoftenedNbody() {
  const N = 4
  const next = rng(2301)
  const pos = randn(N * 3, next)
  // bodies 0 and 1 within ε of each other
  for (let d = 0; d < 3; d++) pos[3 + d] = pos[d]! + 0.02 * (d + 1)
  const params = { pos: { data: pos, shape: [N, 3] }, mass: Float64Array.from([1, 2, 0.5, 1.5]), eps: 0.05 as number }
  type P = typeof params
  const pairs: [number, number][] = []
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) pairs.push([i, j])
  const r2 = (p: P, i: number, j: number): number => {
    let s = 0
    for (let d = 0; d < 3; d++) s += (p.pos.data[i * 3 + d]! - p.pos.data[j * 3 + d]!) ** 2
    return s
  }
  const loss = (p: P): number => pairs.reduce((s, [i, j]) => s - (p.mass[i]! * p.mass[j]!) / Math.sqrt(r2(p, i, j) + p.eps * p.eps), 0)
  const grad = (p: P, bug: SoftBug = 'none') => {
    const dpos = new Float64Array(N * 3)
    const dm = new Float64Array(N)
    let de = 0
    for (const [i, j] of pairs) {
      const q = r2(p, i, j)
      const s2 = q + p.eps * p.eps
      const inv = 1 / Math.sqrt(s2)
      const inv3 = bug === 'softeningDroppedInForce' ? 1 / (q * Math.sqrt(q)) : inv / s2
      const mm = p.mass[i]! * p.mass[j]!
      for (let d = 0; d < 3; d++) {
        const diff = p.pos.data[i * 3 + d]! - p.pos.data[j * 3 + d]!
        dpos[i * 3 + d]! += mm * diff * inv3
        dpos[j * 3 + d]! -= mm * diff * inv3
      }
      dm[i]! -= (bug === 'massSelf' ? p.mass[i]! : p.mass[j]!) * inv
      dm[j]! -= p.mass[i]! * inv
      de += (bug === 'epsSign' ? -1 : 1) * mm * p.eps * (inv / s2)
    }
    return { pos: { data: dpos, shape: [N, 3] }, mass: dm, eps: de }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ fast oscillation: Σ c_i sin(ω x_i) + ½ λ Σ x_i², ω = 1e4
//   `span`: x uniform in (0, span); `lambda`: the weight of the smooth (regulariser) term
export type OscBug = 'none' | 'chainFactorMissing' | 'cosForSin'
export function makeOscillation(precision: 'float64' | 'float32' = 'float64', opts: { w?: number; span?: number; lambda?: number } = {}) {
  const next = rng(2401)
  const w = opts.w ?? 1e4
  const lambda = opts.lambda ?? 1
  const R = precision === 'float32' ? Math.fround : (v: number) => v
  const span = opts.span ?? (precision === 'float32' ? 1e-3 : 1)
  const xs = Array.from({ length: 5 }, () => span * next())
  const x = precision === 'float32' ? Float32Array.from(xs) : Float64Array.from(xs)
  const c = randn(5, next, 1)
  const params = { x }
  type P = typeof params
  const loss = (p: P): number => Array.from(p.x).reduce((s, v, i) => R(s + R(R(c[i]! * R(Math.sin(R(w * v)))) + R(R(0.5 * lambda * v) * v))), 0)
  const grad = (p: P, bug: OscBug = 'none') => ({
    x: Float64Array.from(p.x, (v, i) => c[i]! * (bug === 'cosForSin' ? -Math.sin(w * v) * w : Math.cos(w * v) * (bug === 'chainFactorMissing' ? 1 : w)) + lambda * v),
  })
  return { params, loss, grad }
}

// ------------------------------------------------------------------ a small pose graph in ECEF coordinates (metres, |x| ≈ 6.4e6, edges ≈ 1–3 m)
//   loss = Σ_edges (|p_i − p_j| − d_ij)²  +  a prior ½|p_0 − anchor|²
export type EcefBug = 'none' | 'dirNotNormalised' | 'edgeOneEnd'
export function makeEcefPoseGraph() {
  const base = [4.0e6 + 123.456, 0.9e6 + 78.9, 4.87e6 + 4.321]
  const offsets = [
    [0, 0, 0],
    [1.2, 0.3, -0.5],
    [0.4, 2.1, 0.8],
    [-1.1, 1.0, 1.7],
  ]
  const N = offsets.length
  const truth = offsets.map((o) => o.map((v, d) => base[d]! + v))
  const next = rng(2501)
  // the estimate: truth perturbed by ~10 cm
  const pos = Float64Array.from(truth.flat().map((v) => v + 0.1 * (next() - 0.5)))
  const params = { pos: { data: pos, shape: [N, 3] } }
  type P = typeof params
  const edges: [number, number, number][] = []
  for (let i = 0; i < N; i++)
    for (let j = i + 1; j < N; j++) edges.push([i, j, Math.hypot(...[0, 1, 2].map((d) => offsets[i]![d]! - offsets[j]![d]!)) + 0.01 * (next() - 0.5)])
  const anchor = truth[0]!
  const loss = (p: P): number => {
    let s = 0
    for (const [i, j, dij] of edges) {
      const r = Math.hypot(...[0, 1, 2].map((d) => p.pos.data[i * 3 + d]! - p.pos.data[j * 3 + d]!))
      s += (r - dij) ** 2
    }
    for (let d = 0; d < 3; d++) s += 0.5 * (p.pos.data[d]! - anchor[d]!) ** 2
    return s
  }
  const grad = (p: P, bug: EcefBug = 'none') => {
    const g = new Float64Array(N * 3)
    for (const [i, j, dij] of edges) {
      const diff = [0, 1, 2].map((d) => p.pos.data[i * 3 + d]! - p.pos.data[j * 3 + d]!)
      const r = Math.hypot(...diff)
      for (let d = 0; d < 3; d++) {
        const u = bug === 'dirNotNormalised' ? diff[d]! : diff[d]! / r
        g[i * 3 + d]! += 2 * (r - dij) * u
        if (bug !== 'edgeOneEnd') g[j * 3 + d]! -= 2 * (r - dij) * u
      }
    }
    for (let d = 0; d < 3; d++) g[d]! += p.pos.data[d]! - anchor[d]!
    return { pos: { data: g, shape: [N, 3] } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ a daily cycle fitted on UNIX timestamps (t0 ≈ 1.7e9 s)
//   y_k ≈ a·sin(2π (t_k − t0)/86400), loss = mean (a sin(…) − y_k)²; parameters { t0, a }
export type EpochBug = 'none' | 'phaseSign' | 'periodMissing'
export function makeEpochFit() {
  const P = 86400
  const tk = Array.from({ length: 6 }, (_, k) => 1.7e9 + 3600 * 4 * k)
  const y = tk.map((t, k) => 1.5 * Math.sin((2 * Math.PI * (t - 1.7e9 - 1800)) / P) + 0.05 * Math.cos(k))
  const params = { t0: 1.7e9 + 1000, a: 1.3 } // the offset start: 1000 s, a 1.3
  type Pm = typeof params
  const loss = (p: Pm): number => tk.reduce((s, t, k) => s + (p.a * Math.sin((2 * Math.PI * (t - p.t0)) / P) - y[k]!) ** 2, 0) / tk.length
  const grad = (p: Pm, bug: EpochBug = 'none') => {
    let dt0 = 0
    let da = 0
    tk.forEach((t, k) => {
      const ph = (2 * Math.PI * (t - p.t0)) / P
      const r = p.a * Math.sin(ph) - y[k]!
      da += (2 * r * Math.sin(ph)) / tk.length
      const dph = bug === 'periodMissing' ? -2 * Math.PI : (-2 * Math.PI) / P
      dt0 += ((bug === 'phaseSign' ? -1 : 1) * 2 * r * p.a * Math.cos(ph) * dph) / tk.length
    })
    return { t0: dt0, a: da }
  }
  return { params, loss, grad }
}
