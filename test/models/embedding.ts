// Embeddings: a big embedding table (sampled by the check), a bigram language model (tied or not).
import { gaussian, randn, rng } from './util.js'

// ------------------------------------------------------------------ a big embedding table (sampled), one wrong row / entry
// loss = Σ_n ½‖E[id_n] − t_n‖² over a table of V×Dm = 60×30 = 1800 entries
export type EmbBug = 'none' | 'oneEntry' | 'lastRowMissing'
export function makeEmbedding() {
  const next = rng(53)
  const V = 60
  const Dm = 30
  const params = { E: { data: Float64Array.from({ length: V * Dm }, () => gaussian(next)), shape: [V, Dm] } }
  const ids = Array.from({ length: 200 }, (_, n) => (n * 7) % V)
  const T = Float64Array.from({ length: ids.length * Dm }, () => gaussian(next))
  const loss = (p: typeof params): number => {
    let s = 0
    ids.forEach((id, n) => {
      for (let d = 0; d < Dm; d++) s += 0.5 * (p.E.data[id * Dm + d]! - T[n * Dm + d]!) ** 2
    })
    return s / ids.length
  }
  const grad = (p: typeof params, bug: EmbBug = 'none') => {
    const g = new Float64Array(V * Dm)
    ids.forEach((id, n) => {
      if (bug === 'lastRowMissing' && id === V - 1) return
      for (let d = 0; d < Dm; d++) g[id * Dm + d]! += (p.E.data[id * Dm + d]! - T[n * Dm + d]!) / ids.length
    })
    if (bug === 'oneEntry') g[3]! *= 1.5 // E[0,3]
    return { E: { data: g, shape: [V, Dm] } }
  }
  return { params, loss, grad }
}

// ------------------------------------------------------------------ embedding + softmax over a vocabulary
export type LmBug = 'none' | 'overwriteRepeated' | 'noOneHot' | 'tiedOutputOnly' | 'biasNotMean'
export function makeBigramLm(tied = false, seed = 707) {
  const V = 7
  const D = 3
  const next = rng(seed)
  const tokens = [1, 4, 1, 2, 4, 1, 6, 0, 4, 1] // repeats: a scatter that overwrites loses them
  const params = tied
    ? { E: { data: randn(V * D, next, 0.7), shape: [V, D] }, b: randn(V, next, 0.1) }
    : { E: { data: randn(V * D, next, 0.7), shape: [V, D] }, Wout: { data: randn(V * D, next, 0.7), shape: [V, D] }, b: randn(V, next, 0.1) }
  type P = typeof params
  const out = (q: P): Float64Array => ('Wout' in q ? (q as { Wout: { data: Float64Array } }).Wout.data : q.E.data)
  const n = tokens.length - 1
  const forward = (q: P) => {
    let loss = 0
    const dl: Float64Array[] = []
    for (let t = 0; t < n; t++) {
      const e = q.E.data.subarray(tokens[t]! * D, tokens[t]! * D + D)
      const W = out(q)
      const z = Float64Array.from({ length: V }, (_, v) => {
        let s = q.b[v]!
        for (let d = 0; d < D; d++) s += W[v * D + d]! * e[d]!
        return s
      })
      const mx = Math.max(...z)
      const ex = z.map((v) => Math.exp(v - mx))
      const S = ex.reduce((a, b) => a + b, 0)
      const y = tokens[t + 1]!
      loss += (Math.log(S) + mx - z[y]!) / n
      dl.push(ex.map((v, k) => (v / S - (k === y ? 1 : 0)) / n))
    }
    return { loss, dl }
  }
  const loss = (q: P): number => forward(q).loss
  const grad = (q: P, bug: LmBug = 'none') => {
    const { dl } = forward(q)
    const W = out(q)
    const dE = new Float64Array(V * D)
    const dW = new Float64Array(V * D)
    const db = new Float64Array(V)
    for (let t = 0; t < n; t++) {
      const tok = tokens[t]!
      let g = dl[t]!
      if (bug === 'noOneHot') g = g.map((v, k) => (k === tokens[t + 1] ? v + 1 / n : v))
      const e = q.E.data.subarray(tok * D, tok * D + D)
      for (let v = 0; v < V; v++) {
        db[v]! += bug === 'biasNotMean' ? g[v]! * n : g[v]!
        for (let d = 0; d < D; d++) dW[v * D + d]! += g[v]! * e[d]!
      }
      for (let d = 0; d < D; d++) {
        let s = 0
        for (let v = 0; v < V; v++) s += g[v]! * W[v * D + d]!
        if (bug === 'overwriteRepeated') dE[tok * D + d] = s
        else dE[tok * D + d]! += s
      }
    }
    if (tied) {
      if (bug === 'tiedOutputOnly') return { E: { data: dW, shape: [V, D] }, b: db }
      return { E: { data: dE.map((v, i) => v + dW[i]!), shape: [V, D] }, b: db }
    }
    return { E: { data: dE, shape: [V, D] }, Wout: { data: dW, shape: [V, D] }, b: db }
  }
  return { params, loss, grad }
}
