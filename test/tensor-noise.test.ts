// The noise of the loss as one tensor alone moves (src/engine/noise.ts `tensorNoise`, src/modes/coordinates.ts
// `perTensor`). The probe moves every tensor at once, so round-off that only one tensor's moves cause (an
// (x + C) − C on its elements) loosens every tensor's bounds. Where a coordinate's disagreement is beyond
// its estimated error, its tensor's own noise is measured and the coordinate checked again with it.
import { checkGradients, type Report } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { PROBE_CALLS } from '../src/engine/constants.js'

interface P {
  a: number[]
  b: number[]
}
// (x + C) − C keeps x to the grid of C = 1e8 (ulp 1.5e-8): a staircase along each a[i]; b is plain.
const C = 1e8
const loss = (p: P): number => p.a.reduce((s, x) => s + (x + C - C) ** 2, 0) + p.b.reduce((s, y) => s + 0.5 * Math.sin(y), 0)
/** The exact gradient, with b[2]'s ×factor. */
const grad =
  (factor: number) =>
  (p: P): P => ({ a: p.a.map((x) => 2 * x), b: p.b.map((y, j) => 0.5 * Math.cos(y) * (j === 2 ? factor : 1)) })
const at = (): P => ({ a: [0.3, -1.2, 0.7, 1.1, -0.4], b: [0.2, 0.9, -0.5, 1.3] })
const check = (factor: number, options: object = {}): Report => checkGradients(loss, grad(factor), { at: at(), ...options }) as Report

describe("one tensor's round-off does not hide a bug in another", () => {
  it('passes the exact gradient without spending a call on the tensors’ own noise (nothing disagrees beyond its estimate)', () => {
    const r = check(1)
    expect(r.pass).toBe(true)
    // The probe reads a's staircase: far above the loss's own rounding u·|f| (≈ 4e-16 here).
    expect(r.loss.noise).toBeGreaterThan(1e-9)
    expect(r.evaluations).toBe(PROBE_CALLS + 2 * r.checked)
  })

  it('fails a ×(1 + 1e-4) bug in b, which the staircase of a hid (a bound of 1.1e-4 against a change of 4.4e-5), at b[2] alone', () => {
    const r = check(1 + 1e-4)
    expect(r.pass).toBe(false)
    expect(r.entries.filter((e) => e.failed).map((e) => e.path)).toEqual(['b[2]'])
    const e = r.entries.find((x) => x.path === 'b[2]')!
    // Judged with b's own noise: a bound five orders below the one the probe's noise gave.
    expect(e.tolerance).toBeLessThan(1e-8)
    // The report's loss noise is still the probe's (what moving everything shows).
    expect(r.loss.noise).toBeGreaterThan(1e-9)
  })

  it('keeps the same verdicts in mode: full', () => {
    expect(check(1, { mode: 'full' }).pass).toBe(true)
    expect(check(1 + 1e-4, { mode: 'full' }).entries.filter((e) => e.failed).map((e) => e.path)).toEqual(['b[2]'])
  })

  it('does not lower the noise of the tensor whose round-off it is: a ×(1 + 1e-6) bug in a stays within its staircase', () => {
    const r = checkGradients(loss, (p: P) => ({ ...grad(1)(p), a: p.a.map((x, i) => 2 * x * (i === 1 ? 1 + 1e-6 : 1)) }), { at: at() }) as Report
    // 2.4e-6 of change against a's own round-off of about 1e-5 at its steps: not a resolvable bug, and not a false alarm either.
    expect(r.entries.find((e) => e.path === 'a[1]')!.failed).toBe(false)
    expect(r.pass).toBe(true)
  })
})
