import { checkGradients, formatReport } from 'gradcheck'
import { describe, expect, it } from 'vitest'

// Issue #11's engine findings, end to end: each a verdict the numerics did not explain, with the
// deliberately wrong gradient that must still fail beside the right one.

describe('a kink near x that every step straddles (|x − 1e-4| at 0, step 1e-3)', () => {
  const loss = (w: Float64Array): number => Math.abs(w[0]! - 1e-4)
  const check = (a: number) => checkGradients(loss, () => Float64Array.of(a), { at: Float64Array.of(0), step: 1e-3 })

  it('the right gradient −1 is judged at the kink, not left inconclusive for round-off the loss does not have', () => {
    const e = check(-1).entries[0]!
    expect(e.verdict).toBe('kink')
    expect(e.failed).toBe(false)
    expect(e.reason).toMatchObject({ kind: 'kink', outcome: 'accepted' })
    // Straddled 1e-4 from x, as the loss says, with the one-sided slopes around −1.
    expect((e.reason as { distance: number }).distance).toBeCloseTo(1e-4, 10)
    expect(e.slopes![0]).toBeCloseTo(-1, 12)
    // The estimated error is the loss's round-off, not ε raised from D(s) ∝ 1/s (it was 0.27).
    expect(e.estimatedError).toBeLessThan(1e-12)
  })

  it('negative control: ×2 (−2) lies outside the one-sided slopes and fails as a bug', () => {
    const r = check(-2)
    expect(r.pass).toBe(false)
    expect(r.entries[0]).toMatchObject({ verdict: 'bug', failed: true, reason: { kind: 'kink', outcome: 'outside' } })
    expect(formatReport(r)).toContain('outside the one-sided slopes')
  })
})

describe('a fixed step below the loss’s resolution (1e8 + sin(x) at x = 1, step 1e-8)', () => {
  // The ulp of 1e8 is 1.5e-8: at the step and a quarter of it the loss ties, D = 0; at 4× it reads 0.56.
  // The sweep climbs to larger steps (the step is the user's; the climb is how any step is judged).
  const loss = (w: Float64Array): number => 1e8 + Math.sin(w[0]!)
  const check = (k: number) => checkGradients(loss, (w: Float64Array) => Float64Array.of(k * Math.cos(w[0]!)), { at: Float64Array.of(1), step: 1e-8 })

  it('the right gradient is ok, on steps that resolve it (it was inconclusive, error 0.84)', () => {
    const r = check(1)
    const e = r.entries[0]!
    expect(r.pass).toBe(true)
    expect(e.verdict).toBe('ok')
    expect(e.estimatedError).toBeLessThan(0.01 * Math.cos(1))
    expect(Math.max(...e.steps.map((s) => s.h))).toBeGreaterThan(16e-8)
  })

  it('negative control: ×1.1 fails as a bug', () => {
    const r = check(1.1)
    expect(r.pass).toBe(false)
    expect(r.entries[0]).toMatchObject({ verdict: 'bug', failed: true })
  })
})
