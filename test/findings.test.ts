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
