// A kink the steps straddle at a distance d > 0 from x is not at x: f is differentiable there, with the near
// side's slope (coordinates.ts `besideKink`). f(w) = 1.1·sin w + J·|w − (x + d)|, checked at x.
import { checkGradients } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { makePiecewise } from './models/kinks.js'

type Precision = 'float64' | 'float32'
function check(precision: Precision, x: number, d: number, J: number, a: (near: number) => number) {
  const r = precision === 'float32' ? Math.fround : (v: number) => v
  const at = precision === 'float32' ? Float32Array.from([x]) : Float64Array.from([x])
  const k = r(at[0]! + d)
  const f = (w: Float64Array | Float32Array): number => r(r(1.1 * r(Math.sin(w[0]!))) + r(J * Math.abs(r(w[0]! - k))))
  const near = 1.1 * Math.cos(at[0]!) + (d > 0 ? -J : J)
  return checkGradients(f, () => [a(near)], { at })
}

describe.each([
  ['float64', 1e-6],
  ['float64', 1e-4],
  ['float32', 1e-3],
] as const)('a kink at distance d from x (%s, d = %s)', (precision, d) => {
  for (const J of [0.5, 5]) {
    it(`J = ${J}: the near side's slope passes; a value outside both sides fails`, () => {
      expect(check(precision, 0.4, d, J, (near) => near).pass).toBe(true)
      // Before: the straddling steps' slopes mixed both sides, with a slack of ~1.6·J, and 1.5·J below the near
      // slope (outside [near, near + 2J]) was accepted as a subgradient.
      const r = check(precision, 0.4, d, J, (near) => near - 1.5 * J)
      expect(r.pass).toBe(false)
      expect(r.entries[0]!.verdict).toBe('bug')
      expect(r.entries[0]!.kink).toBe(false)
    })
  }
})

describe('a kink at x itself (d = 0) stays a kink', () => {
  it('a value between the slopes passes as a subgradient; one outside them fails', () => {
    const f = (w: Float64Array): number => 1.1 * Math.sin(w[0]!) + 0.5 * Math.abs(w[0]! - 0.4)
    const at = Float64Array.from([0.4])
    const mid = checkGradients(f, () => [1.1 * Math.cos(0.4)], { at })
    // (The central difference at a kink at x is the slopes' midpoint itself: cleared by one difference.)
    expect(mid.pass).toBe(true)
    const outside = checkGradients(f, () => [1.1 * Math.cos(0.4) + 0.9], { at })
    expect(outside.pass).toBe(false)
    expect(outside.entries[0]).toMatchObject({ kink: true, reason: { kind: 'kink', distance: 0, outcome: 'outside' } })
    // Between the slopes but not the midpoint: a subgradient, accepted at the kink.
    const between = checkGradients(f, () => [1.1 * Math.cos(0.4) + 0.3], { at })
    expect(between.pass).toBe(true)
    expect(between.entries[0]).toMatchObject({ kink: true, reason: { kind: 'kink', distance: 0, outcome: 'accepted' } })
  })
})

describe('a hinge loss whose nearest kink is 1.7e-3 from x (float32, makePiecewise hinge seed 30, bench:seeds)', () => {
  it('v[3] ×1.1 fails on the near side’s slope, with the gradient scale of x’s own scale; the correct gradient passes', () => {
    const m = makePiecewise('hinge', 'float32', 30)
    expect(checkGradients(m.loss, (p: typeof m.params) => m.grad(p), { at: m.params }).pass).toBe(true)
    const off = (p: typeof m.params) => {
      const g = m.grad(p)
      const v = Float32Array.from(g.v)
      v[3] = Math.fround(v[3]! * 1.1)
      return { ...g, v }
    }
    const r = checkGradients(m.loss, off, { at: m.params })
    expect(r.pass).toBe(false)
    expect(r.entries.filter((e) => e.failed).map((e) => e.path)).toEqual(['v[3]'])
  })
})
