// Loss functions people hand-derive: Huber / smooth-L1 (C¹, with residuals exactly at ±δ), multiclass
// hinge (on the margin), focal loss, KL divergence both ways, Poisson NLL with λ near 0, Gaussian NLL
// with a learned variance, cosine embedding loss, pinball loss, linear interpolation in a table.
import { randn, rng, sigmoid, softplus } from './util.js'

/** A linear head pred = X w + b over N samples of D features. */
function head(seed: number, N: number, D: number, std = 0.5, dyadic = false) {
  const next = rng(seed)
  // dyadic: small integers and multiples of 1/16, so predictions are exact and residuals land exactly where placed
  const X = dyadic ? Float64Array.from({ length: N * D }, () => Math.floor(5 * next()) - 2) : randn(N * D, next)
  const params = { w: dyadic ? Float64Array.from({ length: D }, () => Math.round(16 * std * (2 * next() - 1)) / 16) : randn(D, next, std), b: dyadic ? 0.125 : (0.1 as number) }
  const pred = (p: { w: Float64Array; b: number }): Float64Array =>
    Float64Array.from({ length: N }, (_, n) => {
      let s = p.b
      for (let d = 0; d < D; d++) s += X[n * D + d]! * p.w[d]!
      return s
    })
  const back = (dpred: ArrayLike<number>) => {
    const w = new Float64Array(D)
    let b = 0
    for (let n = 0; n < N; n++) {
      b += dpred[n]!
      for (let d = 0; d < D; d++) w[d]! += dpred[n]! * X[n * D + d]!
    }
    return { w, b }
  }
  return { next, X, params, pred, back }
}

// ------------------------------------------------------------------ Huber (δ) and smooth-L1 (β), residuals placed exactly at ±δ
export type HuberBug = 'none' | 'linearBranchNoDelta' | 'l1Everywhere' | 'smoothNoBeta' | 'boundaryOffByDelta'
export function makeHuber(kind: 'huber' | 'smoothl1', delta = 0.5) {
  const N = 8
  const h = head(1001, N, 3, 0.5, true)
  const base = h.pred(h.params)
  // targets: residuals r = pred − y of [−2δ, −δ, −δ/2, δ/4, δ, 1.5δ, 3δ, δ] — three exactly at the seam
  const rs = [-2, -1, -0.5, 0.25, 1, 1.5, 3, 1].map((v) => v * delta)
  const Y = base.map((v, n) => v - rs[n]!)
  // make pred − y exactly ±δ in floating point where intended (a Newton step or two on the rounding)
  for (let n = 0; n < N; n++) if (base[n]! - Y[n]! !== rs[n]!) throw new Error('a residual is not exactly at its place')
  const loss = (p: typeof h.params): number => {
    const pr = h.pred(p)
    let s = 0
    pr.forEach((v, n) => {
      const r = v - Y[n]!
      const a = Math.abs(r)
      if (kind === 'huber') s += a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta)
      else s += a < delta ? (0.5 * r * r) / delta : a - 0.5 * delta
    })
    return s / N
  }
  const grad = (p: typeof h.params, bug: HuberBug = 'none') => {
    const pr = h.pred(p)
    const d = pr.map((v, n) => {
      const r = v - Y[n]!
      const a = Math.abs(r)
      let g: number
      if (kind === 'huber') {
        const edge = bug === 'boundaryOffByDelta' ? 2 * delta : delta // clip at 2δ: wrong slope between δ and 2δ
        g = a <= edge ? r : (bug === 'linearBranchNoDelta' ? 1 : delta) * Math.sign(r)
        if (bug === 'l1Everywhere') g = delta * Math.sign(r)
      } else g = a < delta ? (bug === 'smoothNoBeta' ? r : r / delta) : Math.sign(r)
      return g / N
    })
    return h.back(d)
  }
  return { params: h.params, loss, grad, Y, pred: h.pred }
}

// ------------------------------------------------------------------ multiclass hinge (Weston–Watkins), some margins exactly 0
export type McHingeBug = 'none' | 'trueClassNotCounted' | 'marginSign'
export function makeMulticlassHinge() {
  const N = 4
  const D = 3
  const C = 3
  const W = { data: Float64Array.from([0.5, -0.25, 1, 0.75, 0.5, -0.5, -1, 0.25, 0.5]), shape: [C, D] }
  // integer-ish features so that s_j − s_y + 1 is exactly 0 for some pairs
  const X = [
    [1, 0, 0],
    [0, 2, 1],
    [1, 1, 1],
    [2, 0, 1],
  ]
  const labels = [1, 0, 2, 0] // sample 3: s_1 − s_0 + 1 = 1 − 2 + 1 = 0 exactly, a margin on its hinge
  const params = { W }
  const scores = (p: typeof params, n: number): number[] =>
    Array.from({ length: C }, (_, c) => X[n]!.reduce((s, x, d) => s + p.W.data[c * D + d]! * x, 0))
  const loss = (p: typeof params): number => {
    let s = 0
    for (let n = 0; n < N; n++) {
      const sc = scores(p, n)
      for (let c = 0; c < C; c++) if (c !== labels[n]) s += Math.max(0, sc[c]! - sc[labels[n]!]! + 1)
    }
    return s / N
  }
  const grad = (p: typeof params, bug: McHingeBug = 'none') => {
    const g = new Float64Array(C * D)
    for (let n = 0; n < N; n++) {
      const sc = scores(p, n)
      const y = labels[n]!
      for (let c = 0; c < C; c++) {
        if (c === y) continue
        const m = sc[c]! - sc[y]! + 1
        if (m > 0) {
          for (let d = 0; d < D; d++) {
            g[c * D + d]! += (bug === 'marginSign' ? -1 : 1) * X[n]![d]! / N
            if (bug !== 'trueClassNotCounted') g[y * D + d]! -= X[n]![d]! / N
          }
        }
      }
    }
    return { W: { data: g, shape: [C, D] } }
  }
  return { params, loss, grad, margins: () => Array.from({ length: N }, (_, n) => scores(params, n)) }
}

// ------------------------------------------------------------------ focal loss (binary), γ = 2, α = 0.25
export type FocalBug = 'none' | 'modulatorConstant' | 'alphaOnBothClasses' | 'gammaMinusOneMissing'
export function makeFocal() {
  const N = 8
  const h = head(1101, N, 4, 1.2)
  const Y = [1, 0, 1, 1, 0, 0, 1, 0]
  const gamma = 2
  const alpha = 0.25
  const loss = (p: typeof h.params): number => {
    const z = h.pred(p)
    let s = 0
    z.forEach((v, n) => {
      const pt = Y[n] ? sigmoid(v) : sigmoid(-v)
      const at = Y[n] ? alpha : 1 - alpha
      // log pt computed stably: log σ(±z) = −softplus(∓z)
      s += -at * (1 - pt) ** gamma * -softplus(Y[n] ? -v : v)
    })
    return s / N
  }
  const grad = (p: typeof h.params, bug: FocalBug = 'none') => {
    const z = h.pred(p)
    const d = z.map((v, n) => {
      const sgn = Y[n] ? 1 : -1
      const pt = sigmoid(sgn * v)
      const at = Y[n] || bug === 'alphaOnBothClasses' ? alpha : 1 - alpha
      const logpt = -softplus(-sgn * v)
      // dFL/dpt = at·[γ(1−pt)^(γ−1) log pt − (1−pt)^γ / pt],  dpt/dz = sgn·pt(1−pt)
      const gp = bug === 'gammaMinusOneMissing' ? gamma * (1 - pt) ** gamma : gamma * (1 - pt) ** (gamma - 1)
      const dpt = at * ((bug === 'modulatorConstant' ? 0 : gp * logpt) - (1 - pt) ** gamma / pt)
      return (dpt * sgn * pt * (1 - pt)) / N
    })
    return h.back(d)
  }
  return { params: h.params, loss, grad }
}

// ------------------------------------------------------------------ KL divergence between a target distribution and softmax(W x)
export type KlBug = 'none' | 'reverseUsesForward' | 'forwardSign' | 'reverseNoKlTerm'
export function makeKl(direction: 'forward' | 'reverse') {
  const N = 3
  const D = 3
  const C = 4
  const next = rng(1201)
  const params = { W: { data: randn(C * D, next, 0.6), shape: [C, D] } }
  const X = randn(N * D, next)
  const P = Array.from({ length: N }, () => {
    const e = randn(C, next).map(Math.exp)
    const s = e.reduce((a, b) => a + b, 0)
    return e.map((v) => v / s)
  })
  const q = (p: typeof params, n: number): Float64Array => {
    const z = Float64Array.from({ length: C }, (_, c) => {
      let s = 0
      for (let d = 0; d < D; d++) s += p.W.data[c * D + d]! * X[n * D + d]!
      return s
    })
    const mx = Math.max(...z)
    const e = z.map((v) => Math.exp(v - mx))
    const s = e.reduce((a, b) => a + b, 0)
    return e.map((v) => v / s)
  }
  const loss = (p: typeof params): number => {
    let s = 0
    for (let n = 0; n < N; n++) {
      const qn = q(p, n)
      for (let c = 0; c < C; c++) {
        const pc = P[n]![c]!
        const qc = qn[c]!
        s += direction === 'forward' ? pc * Math.log(pc / qc) : qc * Math.log(qc / pc)
      }
    }
    return s / N
  }
  const grad = (p: typeof params, bug: KlBug = 'none') => {
    const g = new Float64Array(C * D)
    for (let n = 0; n < N; n++) {
      const qn = q(p, n)
      const pn = P[n]!
      let kl = 0
      for (let c = 0; c < C; c++) kl += qn[c]! * Math.log(qn[c]! / pn[c]!)
      for (let c = 0; c < C; c++) {
        let dz: number
        if (direction === 'forward' || bug === 'reverseUsesForward') dz = bug === 'forwardSign' ? pn[c]! - qn[c]! : qn[c]! - pn[c]!
        else dz = qn[c]! * (Math.log(qn[c]! / pn[c]!) - (bug === 'reverseNoKlTerm' ? 0 : kl))
        for (let d = 0; d < D; d++) g[c * D + d]! += (dz * X[n * D + d]!) / N
      }
    }
    return { W: { data: g, shape: [C, D] } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ Poisson NLL, λ = softplus(z) with λ ~ 1e-6 for some samples
//   loss = mean(λ − y·log(λ + 1e-8))
export type PoissonBug = 'none' | 'epsDropped' | 'logDerivWrong' | 'softplusDerivExp'
export function makePoisson() {
  const N = 6
  const h = head(1301, N, 3, 0.3)
  h.params.b = -12 // λ = softplus(≈ −12) ≈ 6e-6
  const Y = [0, 1, 0, 2, 1, 0]
  const EPS = 1e-8
  const loss = (p: typeof h.params): number => {
    const z = h.pred(p)
    let s = 0
    z.forEach((v, n) => {
      const lam = softplus(v)
      s += lam - Y[n]! * Math.log(lam + EPS)
    })
    return s / N
  }
  const grad = (p: typeof h.params, bug: PoissonBug = 'none') => {
    const z = h.pred(p)
    const d = z.map((v, n) => {
      const lam = softplus(v)
      const dlam = bug === 'logDerivWrong' ? 1 - Y[n]! * Math.log(lam + EPS) : 1 - Y[n]! / (lam + (bug === 'epsDropped' ? 0 : EPS))
      const dz = bug === 'softplusDerivExp' ? Math.exp(v) : sigmoid(v)
      return (dlam * dz) / N
    })
    return h.back(d)
  }
  return { params: h.params, loss, grad }
}

// ------------------------------------------------------------------ Gaussian NLL with a learned variance (softplus head)
//   μ = X wm + bm, v = softplus(X wv + bv) + 1e-6, loss = mean ½(log v + (y − μ)²/v)
export type GaussBug = 'none' | 'varHalfMissing' | 'muNotScaledByVar' | 'varSquareMissing'
export function makeGaussianNll() {
  const N = 6
  const D = 3
  const next = rng(1401)
  const X = randn(N * D, next)
  const Y = randn(N, next, 1.5)
  const params = { mean: { w: randn(D, next, 0.5), b: [0.2] }, logvar: { w: randn(D, next, 0.5), b: [-1.5] } }
  type P = typeof params
  const lin = (w: Float64Array, b: number, n: number): number => {
    let s = b
    for (let d = 0; d < D; d++) s += w[d]! * X[n * D + d]!
    return s
  }
  const loss = (p: P): number => {
    let s = 0
    for (let n = 0; n < N; n++) {
      const mu = lin(p.mean.w, p.mean.b[0]!, n)
      const v = softplus(lin(p.logvar.w, p.logvar.b[0]!, n)) + 1e-6
      s += 0.5 * (Math.log(v) + (Y[n]! - mu) ** 2 / v)
    }
    return s / N
  }
  const grad = (p: P, bug: GaussBug = 'none') => {
    const g = { mean: { w: new Float64Array(D), b: [0] }, logvar: { w: new Float64Array(D), b: [0] } }
    for (let n = 0; n < N; n++) {
      const mu = lin(p.mean.w, p.mean.b[0]!, n)
      const a = lin(p.logvar.w, p.logvar.b[0]!, n)
      const v = softplus(a) + 1e-6
      const r = Y[n]! - mu
      const dmu = (bug === 'muNotScaledByVar' ? -r : -r / v) / N
      const dv = ((bug === 'varHalfMissing' ? 1 : 0.5) * (1 / v - (bug === 'varSquareMissing' ? (r * r) / v : (r * r) / (v * v)))) / N
      const da = dv * sigmoid(a)
      g.mean.b[0]! += dmu
      g.logvar.b[0]! += da
      for (let d = 0; d < D; d++) {
        g.mean.w[d]! += dmu * X[n * D + d]!
        g.logvar.w[d]! += da * X[n * D + d]!
      }
    }
    return g
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ cosine embedding loss: 1 − cos(W a, W b) over pairs
export type CosBug = 'none' | 'noProjection' | 'normOnlyOnOne'
export function makeCosine() {
  const D = 4
  const E = 3
  const P = 3
  const next = rng(1501)
  const params = { W: { data: randn(E * D, next, 0.6), shape: [E, D] } }
  const A = randn(P * D, next)
  const Bm = randn(P * D, next)
  const emb = (p: typeof params, x: Float64Array, i: number): Float64Array =>
    Float64Array.from({ length: E }, (_, e) => {
      let s = 0
      for (let d = 0; d < D; d++) s += p.W.data[e * D + d]! * x[i * D + d]!
      return s
    })
  const norm = (v: Float64Array): number => Math.hypot(...v)
  const loss = (p: typeof params): number => {
    let s = 0
    for (let i = 0; i < P; i++) {
      const u = emb(p, A, i)
      const v = emb(p, Bm, i)
      s += 1 - u.reduce((t, x, k) => t + x * v[k]!, 0) / (norm(u) * norm(v))
    }
    return s / P
  }
  const grad = (p: typeof params, bug: CosBug = 'none') => {
    const g = new Float64Array(E * D)
    for (let i = 0; i < P; i++) {
      const u = emb(p, A, i)
      const v = emb(p, Bm, i)
      const nu = norm(u)
      const nv = norm(v)
      const cos = u.reduce((t, x, k) => t + x * v[k]!, 0) / (nu * nv)
      // d cos/du = v/(|u||v|) − cos·u/|u|²
      const du = u.map((x, k) => -(v[k]! / (nu * nv) - (bug === 'noProjection' ? 0 : (cos * x) / (nu * nu))) / P)
      const dv = v.map((x, k) => -(u[k]! / (nu * nv) - (bug === 'noProjection' || bug === 'normOnlyOnOne' ? 0 : (cos * x) / (nv * nv))) / P)
      for (let e = 0; e < E; e++) for (let d = 0; d < D; d++) g[e * D + d]! += du[e]! * A[i * D + d]! + dv[e]! * Bm[i * D + d]!
    }
    return { W: { data: g, shape: [E, D] } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ pinball (quantile) loss, residuals exactly 0 for some samples
export type PinballBug = 'none' | 'tauSwapped' | 'zeroResidualBoth'
export function makePinball(tau = 0.8) {
  // integer features and dyadic weights: pred is exact, so r = y − pred is exactly 0 where intended
  const X = [
    [1, 2],
    [2, 1],
    [1, 1],
    [3, 1],
    [0, 1],
  ]
  const params = { w: Float64Array.from([0.5, 0.25]), b: [0.125] }
  type P = typeof params
  const pred = (p: P, n: number): number => p.b[0]! + X[n]![0]! * p.w[0]! + X[n]![1]! * p.w[1]!
  const Y = [pred(params, 0), 2, pred(params, 2), -1, 0.75] // samples 0 and 2 exactly at the kink
  const loss = (p: P): number => {
    let s = 0
    for (let n = 0; n < X.length; n++) {
      const r = Y[n]! - pred(p, n)
      s += r >= 0 ? tau * r : (tau - 1) * r
    }
    return s / X.length
  }
  const grad = (p: P, bug: PinballBug = 'none') => {
    const g = { w: new Float64Array(2), b: [0] }
    for (let n = 0; n < X.length; n++) {
      const r = Y[n]! - pred(p, n)
      const t = bug === 'tauSwapped' ? 1 - tau : tau
      // dℓ/dpred = −τ for r > 0, 1 − τ for r < 0; at r = 0 anything in [−τ, 1 − τ]
      let d = r > 0 ? -t : r < 0 ? 1 - t : -t
      if (bug === 'zeroResidualBoth' && r === 0) d = -t + (1 - t) + 1 // outside the subdifferential
      d /= X.length
      g.b[0]! += d
      g.w[0]! += d * X[n]![0]!
      g.w[1]! += d * X[n]![1]!
    }
    return g
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ piecewise-linear interpolation in a learned table, queries on grid nodes
//   f(q) = lerp(table, q) on a grid 0, 1, …, 5;  loss = Σ_k c_k·f(q_k) + ½ Σ table²·0.01
export type LerpBug = 'none' | 'cellOffByOne' | 'weightsSwapped'
export function makeLerpTable() {
  const table = Float64Array.from([0.5, 1.5, 0.25, -1, 0.75, 2])
  const queries = Float64Array.from([1, 2.5, 3, 0.25, 4]) // 1, 3, 4: exactly on nodes (kinks in q)
  const c = [1, -0.5, 0.75, 0.5, -1]
  const params = { table, queries }
  type P = typeof params
  const cell = (q: number): number => Math.min(table.length - 2, Math.max(0, Math.floor(q)))
  const loss = (p: P): number => {
    let s = 0
    p.queries.forEach((q, k) => {
      const i = cell(q)
      const t = q - i
      s += c[k]! * ((1 - t) * p.table[i]! + t * p.table[i + 1]!)
    })
    for (const v of p.table) s += 0.005 * v * v
    return s
  }
  const grad = (p: P, bug: LerpBug = 'none') => {
    const dt = p.table.map((v) => 0.01 * v)
    const dq = new Float64Array(p.queries.length)
    p.queries.forEach((q, k) => {
      let i = cell(q)
      const t = q - i
      if (bug === 'weightsSwapped') {
        dt[i]! += c[k]! * t
        dt[i + 1]! += c[k]! * (1 - t)
      } else {
        dt[i]! += c[k]! * (1 - t)
        dt[i + 1]! += c[k]! * t
      }
      if (bug === 'cellOffByOne') i = Math.min(table.length - 2, i + 1) // slope of the next cell
      dq[k] = c[k]! * (p.table[i + 1]! - p.table[i]!)
    })
    return { table: dt, queries: dq }
  }
  return { params, loss, grad }
}
