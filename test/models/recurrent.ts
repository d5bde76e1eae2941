// Recurrent nets through time: a vanilla RNN (number[][]), an LSTM (fused weight), a GRU (per-gate objects).
import { randn, rng, type Rng, sigmoid } from './util.js'

// ------------------------------------------------------------------ vanilla RNN, parameters as nested number[][]
//   h_t = tanh(Wx x_t + Wh h_{t−1} + b),  h_0 = learned,  loss = ½ Σ_t ‖Wo h_t − y_t‖² / T
export type RnnBug = 'none' | 'noRecurrent' | 'wrongTimeIndex' | 'WhNoTranspose' | 'h0Missing' | 'lastStepOnly'
export interface RnnParams {
  Wx: number[][]
  Wh: number[][]
  b: number[]
  Wo: number[][]
  h0: number[]
}
const mat = (r: number, c: number, next: () => number, std: number): number[][] =>
  Array.from({ length: r }, () => Array.from(randn(c, next, std)))

export function makeRnn(opts: { T?: number; H?: number; dropout?: { p: number; rand: Rng } } = {}) {
  const T = opts.T ?? 5
  const H = opts.H ?? 4
  const D = 3
  const O = 2
  const next = rng(101)
  const params: RnnParams = { Wx: mat(H, D, next, 0.6), Wh: mat(H, H, next, 0.5), b: Array.from(randn(H, next, 0.1)), Wo: mat(O, H, next, 0.7), h0: Array.from(randn(H, next, 0.3)) }
  const X = Array.from({ length: T }, () => randn(D, next))
  const Y = Array.from({ length: T }, () => randn(O, next))
  const drop = opts.dropout
  // Variational dropout: one mask on the recurrent input h_{t−1}, the same for every step.
  const mask = (): number[] => Array.from({ length: H }, () => (drop ? (drop.rand() < drop.p ? 0 : 1 / (1 - drop.p)) : 1))

  const forward = (p: RnnParams) => {
    const m = mask()
    const hs: number[][] = [p.h0.slice()]
    let loss = 0
    const dys: number[][] = []
    for (let t = 0; t < T; t++) {
      const prev = hs[t]!
      const h = new Array<number>(H)
      for (let i = 0; i < H; i++) {
        let z = p.b[i]!
        for (let d = 0; d < D; d++) z += p.Wx[i]![d]! * X[t]![d]!
        for (let j = 0; j < H; j++) z += p.Wh[i]![j]! * prev[j]! * m[j]!
        h[i] = Math.tanh(z)
      }
      hs.push(h)
      const dy = new Array<number>(O)
      for (let o = 0; o < O; o++) {
        let s = 0
        for (let i = 0; i < H; i++) s += p.Wo[o]![i]! * h[i]!
        dy[o] = (s - Y[t]![o]!) / T
        loss += (0.5 * (s - Y[t]![o]!) ** 2) / T
      }
      dys.push(dy)
    }
    return { loss, hs, dys, m }
  }
  const loss = (p: RnnParams): number => forward(p).loss
  const grad = (p: RnnParams, bug: RnnBug = 'none') => {
    const { hs, dys, m } = forward(p)
    const g: RnnParams = {
      Wx: mat(H, D, () => 0, 0), Wh: mat(H, H, () => 0, 0), b: new Array<number>(H).fill(0), Wo: mat(O, H, () => 0, 0), h0: new Array<number>(H).fill(0),
    }
    let dnext = new Array<number>(H).fill(0)
    for (let t = T - 1; t >= 0; t--) {
      const h = hs[t + 1]!
      const prev = hs[t]!
      const dy = dys[t]!
      if (bug === 'lastStepOnly' && t < T - 1) continue // loss of the last step only in the backward
      for (let o = 0; o < O; o++) for (let i = 0; i < H; i++) g.Wo[o]![i]! += dy[o]! * h[i]!
      const dz = new Array<number>(H)
      for (let i = 0; i < H; i++) {
        let dh = bug === 'noRecurrent' ? 0 : dnext[i]!
        for (let o = 0; o < O; o++) dh += p.Wo[o]![i]! * dy[o]!
        dz[i] = dh * (1 - h[i]! * h[i]!)
      }
      for (let i = 0; i < H; i++) {
        for (let d = 0; d < D; d++) g.Wx[i]![d]! += dz[i]! * X[t]![d]!
        const src = bug === 'wrongTimeIndex' ? h : prev
        for (let j = 0; j < H; j++) g.Wh[i]![j]! += dz[i]! * src[j]! * m[j]!
        g.b[i]! += dz[i]!
      }
      const nd = new Array<number>(H).fill(0)
      for (let j = 0; j < H; j++) {
        for (let i = 0; i < H; i++) nd[j]! += (bug === 'WhNoTranspose' ? p.Wh[j]![i]! : p.Wh[i]![j]!) * dz[i]!
        nd[j]! *= m[j]!
      }
      dnext = nd
    }
    if (bug !== 'h0Missing') g.h0 = dnext
    return g
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ LSTM, one fused weight [4H, D+H], {data, shape}
//   [i f o g] = [σ σ σ tanh](W [x_t; h_{t−1}] + b),  c_t = f c_{t−1} + i g,  h_t = o tanh(c_t)
//   loss = Σ_t ½‖Wo h_t − y_t‖² / T
export type LstmBug = 'none' | 'noCellCarry' | 'forgetWithCt' | 'tanhCNotDerived' | 'outputGateSigmoid' | 'dhNextFromInputPart'
export interface LstmParams {
  W: { data: Float64Array; shape: number[] }
  b: Float64Array
  Wo: { data: Float64Array; shape: number[] }
}
export function makeLstm(opts: { T?: number; float32Loss?: boolean } = {}) {
  const T = opts.T ?? 4
  const H = 3
  const D = 2
  const O = 2
  const K = D + H
  const next = rng(202)
  const b = randn(4 * H, next, 0.1)
  for (let i = H; i < 2 * H; i++) b[i]! += 1 // forget-gate bias 1
  const params: LstmParams = { W: { data: randn(4 * H * K, next, 0.5), shape: [4 * H, K] }, b, Wo: { data: randn(O * H, next, 0.8), shape: [O, H] } }
  const X = Array.from({ length: T }, () => randn(D, next))
  const Y = Array.from({ length: T }, () => randn(O, next, 0.5))
  // In float32 mode every intermediate is rounded (a TF.js-like forward), the backward stays float64.
  const R = opts.float32Loss ? Math.fround : (v: number) => v

  const forward = (p: LstmParams) => {
    const W = p.W.data
    let h = new Float64Array(H)
    let c = new Float64Array(H)
    const steps: { inp: Float64Array; i: Float64Array; f: Float64Array; o: Float64Array; g: Float64Array; cPrev: Float64Array; c: Float64Array; h: Float64Array; dy: Float64Array }[] = []
    let loss = 0
    for (let t = 0; t < T; t++) {
      const inp = Float64Array.from([...X[t]!, ...h])
      const a = new Float64Array(4 * H)
      for (let r = 0; r < 4 * H; r++) {
        let s = p.b[r]!
        for (let k = 0; k < K; k++) s = R(s + R(W[r * K + k]! * inp[k]!))
        a[r] = s
      }
      const gi = new Float64Array(H), gf = new Float64Array(H), go = new Float64Array(H), gg = new Float64Array(H)
      const cn = new Float64Array(H), hn = new Float64Array(H)
      for (let j = 0; j < H; j++) {
        gi[j] = R(sigmoid(a[j]!))
        gf[j] = R(sigmoid(a[H + j]!))
        go[j] = R(sigmoid(a[2 * H + j]!))
        gg[j] = R(Math.tanh(a[3 * H + j]!))
        cn[j] = R(R(gf[j]! * c[j]!) + R(gi[j]! * gg[j]!))
        hn[j] = R(go[j]! * R(Math.tanh(cn[j]!)))
      }
      const dy = new Float64Array(O)
      for (let o = 0; o < O; o++) {
        let s = 0
        for (let j = 0; j < H; j++) s = R(s + R(p.Wo.data[o * H + j]! * hn[j]!))
        const r = R(s - Y[t]![o]!)
        dy[o] = r / T
        loss = R(loss + R(R(0.5 * r * r) / T))
      }
      steps.push({ inp, i: gi, f: gf, o: go, g: gg, cPrev: c, c: cn, h: hn, dy })
      h = hn
      c = cn
    }
    return { loss, steps }
  }
  const loss = (p: LstmParams): number => {
    const v = forward(p).loss
    return opts.float32Loss ? new Float32Array([v])[0]! : v
  }
  const grad = (p: LstmParams, bug: LstmBug = 'none') => {
    const { steps } = forward(p)
    const W = p.W.data
    const dW = new Float64Array(W.length)
    const db = new Float64Array(4 * H)
    const dWo = new Float64Array(O * H)
    let dhNext = new Float64Array(H)
    let dcNext = new Float64Array(H)
    for (let t = T - 1; t >= 0; t--) {
      const s = steps[t]!
      const da = new Float64Array(4 * H)
      const dcPrev = new Float64Array(H)
      for (let o = 0; o < O; o++) for (let j = 0; j < H; j++) dWo[o * H + j]! += s.dy[o]! * s.h[j]!
      for (let j = 0; j < H; j++) {
        let dh = dhNext[j]!
        for (let o = 0; o < O; o++) dh += p.Wo.data[o * H + j]! * s.dy[o]!
        const tc = Math.tanh(s.c[j]!)
        const dOut = dh * tc
        let dc = bug === 'tanhCNotDerived' ? dh * s.o[j]! : dh * s.o[j]! * (1 - tc * tc)
        if (bug !== 'noCellCarry') dc += dcNext[j]!
        const df = dc * (bug === 'forgetWithCt' ? s.c[j]! : s.cPrev[j]!)
        const di = dc * s.g[j]!
        const dg = dc * s.i[j]!
        dcPrev[j] = dc * s.f[j]!
        da[j] = di * s.i[j]! * (1 - s.i[j]!)
        da[H + j] = df * s.f[j]! * (1 - s.f[j]!)
        da[2 * H + j] = bug === 'outputGateSigmoid' ? dOut * s.o[j]! : dOut * s.o[j]! * (1 - s.o[j]!)
        da[3 * H + j] = dg * (1 - s.g[j]! * s.g[j]!)
      }
      const dh = new Float64Array(H)
      for (let r = 0; r < 4 * H; r++) {
        db[r]! += da[r]!
        for (let k = 0; k < K; k++) dW[r * K + k]! += da[r]! * s.inp[k]!
        // dh_{t−1} comes from the columns of W that multiply h_{t−1}: D … D+H−1
        for (let j = 0; j < H; j++) dh[j]! += W[r * K + (bug === 'dhNextFromInputPart' ? j % D : D + j)]! * da[r]!
      }
      dhNext = dh
      dcNext = dcPrev
    }
    return { W: { data: dW, shape: [4 * H, K] }, b: db, Wo: { data: dWo, shape: [O, H] } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ GRU (PyTorch convention), a list of per-gate objects
//   r = σ(Wr x + Ur h), z = σ(Wz x + Uz h), n = tanh(Wn x + r ⊙ (Un h)), h' = (1 − z) n + z h
//   loss = ½ ‖h_T − y‖² + Σ_t 0.1·Σ h_t
export type GruBug = 'none' | 'zSign' | 'resetForgotten' | 'noDirectPath'
export interface Gate {
  W: Float64Array
  U: Float64Array
  b: Float64Array
}
export function makeGru(T = 4) {
  const H = 3
  const D = 2
  const next = rng(303)
  const gate = (): Gate => ({ W: randn(H * D, next, 0.6), U: randn(H * H, next, 0.6), b: randn(H, next, 0.2) })
  const params: Gate[] = [gate(), gate(), gate()] // [r, z, n]
  const X = Array.from({ length: T }, () => randn(D, next))
  const y = randn(H, next, 0.5)
  const lin = (g: Gate, x: Float64Array, h: Float64Array | null): Float64Array =>
    Float64Array.from({ length: H }, (_, i) => {
      let s = g.b[i]!
      for (let d = 0; d < D; d++) s += g.W[i * D + d]! * x[d]!
      if (h) for (let j = 0; j < H; j++) s += g.U[i * H + j]! * h[j]!
      return s
    })
  const forward = (p: Gate[]) => {
    const [pr, pz, pn] = p as [Gate, Gate, Gate]
    let h = new Float64Array(H)
    const st: { h: Float64Array; r: Float64Array; z: Float64Array; n: Float64Array; un: Float64Array; hn: Float64Array }[] = []
    let loss = 0
    for (let t = 0; t < T; t++) {
      const r = lin(pr, X[t]!, h).map(sigmoid)
      const z = lin(pz, X[t]!, h).map(sigmoid)
      const un = Float64Array.from({ length: H }, (_, i) => {
        let s = 0
        for (let j = 0; j < H; j++) s += pn.U[i * H + j]! * h[j]!
        return s
      })
      const wx = lin(pn, X[t]!, null)
      const n = wx.map((v, i) => Math.tanh(v + r[i]! * un[i]!))
      const hn = Float64Array.from({ length: H }, (_, i) => (1 - z[i]!) * n[i]! + z[i]! * h[i]!)
      st.push({ h, r, z, n, un, hn })
      h = hn
      for (let i = 0; i < H; i++) loss += 0.1 * h[i]!
    }
    for (let i = 0; i < H; i++) loss += 0.5 * (h[i]! - y[i]!) ** 2
    return { loss, st, h }
  }
  const loss = (p: Gate[]): number => forward(p).loss
  const grad = (p: Gate[], bug: GruBug = 'none') => {
    const [pr, pz, pn] = p as [Gate, Gate, Gate]
    const { st, h } = forward(p)
    const zero = (): Gate => ({ W: new Float64Array(H * D), U: new Float64Array(H * H), b: new Float64Array(H) })
    const g = [zero(), zero(), zero()] as [Gate, Gate, Gate]
    let dh = Float64Array.from({ length: H }, (_, i) => h[i]! - y[i]!)
    const acc = (gg: Gate, da: Float64Array, x: Float64Array, hp: Float64Array | null): void => {
      for (let i = 0; i < H; i++) {
        gg.b[i]! += da[i]!
        for (let d = 0; d < D; d++) gg.W[i * D + d]! += da[i]! * x[d]!
        if (hp) for (let j = 0; j < H; j++) gg.U[i * H + j]! += da[i]! * hp[j]!
      }
    }
    for (let t = T - 1; t >= 0; t--) {
      const s = st[t]!
      for (let i = 0; i < H; i++) dh[i]! += 0.1
      const dn = dh.map((v, i) => v * (1 - s.z[i]!))
      const dz = dh.map((v, i) => v * (bug === 'zSign' ? s.n[i]! - s.h[i]! : s.h[i]! - s.n[i]!))
      const dan = dn.map((v, i) => v * (1 - s.n[i]! * s.n[i]!))
      const dr = dan.map((v, i) => v * s.un[i]!)
      const daz = dz.map((v, i) => v * s.z[i]! * (1 - s.z[i]!))
      const dar = dr.map((v, i) => v * s.r[i]! * (1 - s.r[i]!))
      acc(g[1], daz, X[t]!, s.h)
      acc(g[0], dar, X[t]!, s.h)
      // n: W and b see dan; U sees dan ⊙ r
      const danR = dan.map((v, i) => (bug === 'resetForgotten' ? v : v * s.r[i]!))
      for (let i = 0; i < H; i++) {
        g[2].b[i]! += dan[i]!
        for (let d = 0; d < D; d++) g[2].W[i * D + d]! += dan[i]! * X[t]![d]!
        for (let j = 0; j < H; j++) g[2].U[i * H + j]! += danR[i]! * s.h[j]!
      }
      const dprev = Float64Array.from({ length: H }, (_, j) => (bug === 'noDirectPath' ? 0 : dh[j]! * s.z[j]!))
      for (let i = 0; i < H; i++)
        for (let j = 0; j < H; j++) dprev[j]! += pz.U[i * H + j]! * daz[i]! + pr.U[i * H + j]! * dar[i]! + pn.U[i * H + j]! * dan[i]! * s.r[i]!
      dh = dprev
    }
    return g
  }
  return { params, loss, grad }
}
