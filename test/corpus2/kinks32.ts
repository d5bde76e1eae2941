// Piecewise-linear losses on random data (no kink placed on purpose, but with 24 samples some kink
// lies within a float32 step of x): L1 regression, hinge (margin 0.25), a max of two linear maps (max-pool-like),
// |a|·b (abs activation). Two linear maps w, v of D = 4 features.
import { fill, rng } from './common.js'

export type PieceKind = 'l1' | 'hinge' | 'max' | 'absAct'
export type PieceBug = 'none' | 'signFlipped' | 'maskForgotten'
export function makePiecewise(kind: PieceKind, precision: 'float32' | 'float64', seed: number) {
  const next = rng(seed * 7919)
  const R = precision === 'float32' ? Math.fround : (v: number) => v
  const N = 24
  const D = 4
  const X = fill(N * D, next)
  const Y = fill(N, next)
  const mk = (a: Float64Array) => (precision === 'float32' ? Float32Array.from(a) : a)
  const params = { w: mk(fill(D, next, 0.5)), v: mk(fill(D, next, 0.5)) }
  type P = typeof params
  const z = (p: P, n: number, which: 'w' | 'v'): number => {
    let s = 0
    for (let d = 0; d < D; d++) s = R(s + R(X[n * D + d]! * p[which][d]!))
    return s
  }
  const loss = (p: P): number => {
    let s = 0
    for (let n = 0; n < N; n++) {
      const a = z(p, n, 'w')
      const b = z(p, n, 'v')
      let t: number
      if (kind === 'l1') t = Math.abs(R(R(a + R(0.5 * b)) - Y[n]!))
      else if (kind === 'hinge') t = Math.max(0, R(0.25 - R((Y[n]! > 0 ? 1 : -1) * R(a + b))))
      else if (kind === 'max') t = R(Math.max(a, b) * Y[n]!)
      else t = R(Math.abs(a) * b)
      s = R(s + t)
    }
    return R(s / N)
  }
  const grad = (p: P, bug: PieceBug = 'none') => {
    const gw = new Float64Array(D)
    const gv = new Float64Array(D)
    for (let n = 0; n < N; n++) {
      const a = z(p, n, 'w')
      const b = z(p, n, 'v')
      let da = 0
      let db = 0
      if (kind === 'l1') {
        const sg = Math.sign(a + 0.5 * b - Y[n]!) * (bug === 'signFlipped' ? -1 : 1)
        da = sg
        db = 0.5 * sg
      } else if (kind === 'hinge') {
        const y = Y[n]! > 0 ? 1 : -1
        if (0.25 - y * (a + b) > 0 || bug === 'maskForgotten') {
          da = -y
          db = -y
        }
      } else if (kind === 'max') {
        if (a >= b || bug === 'maskForgotten') da = Y[n]!
        if (a < b || bug === 'maskForgotten') db = Y[n]!
      } else {
        da = (bug === 'signFlipped' ? 1 : Math.sign(a)) * b
        db = Math.abs(a)
      }
      for (let d = 0; d < D; d++) {
        gw[d]! += (da * X[n * D + d]!) / N
        gv[d]! += (db * X[n * D + d]!) / N
      }
    }
    return { w: gw, v: gv }
  }
  return { params, loss, grad }
}
