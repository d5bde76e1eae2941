// The first step of an automatic central difference (src/engine/scale.ts, `firstStep`): the optimal step h*
// for the loss's relative noise, or one level up, RATIO·h*, where round-off swamps the quick path's bound at
// h* (a loss with a constant offset, or a weight whose share of a large loss is small).
import { checkGradients, type Report } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { K, RATIO, UNIT_ROUNDOFF } from '../src/engine/constants.js'
import { firstStep } from '../src/engine/scale.js'

describe('firstStep', () => {
  const u = UNIT_ROUNDOFF.float64
  const r = u
  const L = 1
  const h = Math.cbrt(3 * r) * L
  // The quick bound's parts at h*: round-off ε/h*, prior TRUNCATION_PRIOR·(3r)^(2/3)·m.
  const prior = (m: number): number => K.TRUNCATION_PRIOR * Math.cbrt(3 * r) ** 2 * m
  it('stays at h* while the round-off at h* is at most RATIO·(RATIO + 1) = 20 times the prior', () => {
    const m = 1
    expect(firstStep(h, 19.9 * prior(m) * h, r, L, m)).toBe(h)
    expect(firstStep(h, 1 * prior(m) * h, r, L, m)).toBe(h)
  })
  it('goes one level up, and no further, beyond it', () => {
    const m = 1
    expect(firstStep(h, 20.1 * prior(m) * h, r, L, m)).toBe(RATIO * h)
    expect(firstStep(h, 1e6 * prior(m) * h, r, L, m)).toBe(RATIO * h)
    // m = 0 (no derivative, no gradient scale): no prior at all, one level up still.
    expect(firstStep(h, u, r, L, 0)).toBe(RATIO * h)
  })
  it('never beyond MAX_RELATIVE_STEP of the scale', () => {
    const big = K.MAX_RELATIVE_STEP * 0.5
    expect(firstStep(big, 1, 1e-3, 1, 1e-9)).toBe(K.MAX_RELATIVE_STEP)
  })
})

/** f = K + Σ cᵢ·sin(wᵢ) in float64, K ≫ the sum: ε ≈ u·K while f changes by about cᵢ across the scale of w. */
function offsetLoss(offset: number, bugAt: number, factor: number): Report {
  const c = [0.7, -1.3, 0.4, 1.1, -0.9, 0.6]
  return checkGradients(
    (w: Float64Array) => c.reduce((s, ci, i) => s + ci * Math.sin(w[i]!), offset),
    (w: Float64Array) => Float64Array.from(c, (ci, i) => ci * Math.cos(w[i]!) * (i === bugAt ? factor : 1)),
    { at: Float64Array.from([0.3, -1.2, 0.8, 1.9, -0.4, 0.1]) },
  )
}

describe('a loss with a large constant offset', () => {
  const at = [0.3, -1.2, 0.8, 1.9, -0.4, 0.1]
  const mean = at.reduce((s, v) => s + v, 0) / at.length
  const std = Math.sqrt(at.reduce((s, v) => s + (v - mean) ** 2, 0) / at.length)
  /** log_RATIO(step / h*) for an entry: h* = (3r)^(1/3)·L, r = ε/|f|, L the spread or the distance from the mean. */
  const levelOf = (report: Report, e: Report['entries'][number], h: number): number => {
    const r = report.loss.noise / Math.abs(report.loss.value)
    const optimal = Math.cbrt(3 * r) * Math.max(Math.abs(e.value - mean), std)
    return Math.log(h / optimal) / Math.log(RATIO)
  }
  it('is cleared by one difference at the trial step: a level RATIOᵏ·h* above the first (scale.ts, `trialStep`)', () => {
    const report = offsetLoss(1e7, -1, 1)
    expect(report.pass).toBe(true)
    for (const e of report.entries) {
      // 2 calls a coordinate, as at h*; the level is whole (on the sweep's ladder) and above RATIO·h*,
      // where firstStep alone would go: the offset's round-off is 1e7× the loss's variation.
      expect(e.steps).toHaveLength(1)
      const k = levelOf(report, e, e.steps[0]!.h)
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9)
      expect(Math.round(k)).toBeGreaterThan(1)
    }
  })
  // At h* the bound was round-off: 4.7e-4 for coordinate 3 (derivative −0.356), and ×(1 + 1e-3) (3.4e-4) passed.
  // At the trial step the difference disagrees beyond its quick bound, and its own sweep, on the trial's
  // scale, convicts it.
  it('fails a gradient off by 1e-3 on one coordinate, and only there; the correct one passes', () => {
    expect(offsetLoss(1e7, -1, 1).pass).toBe(true)
    const bug = offsetLoss(1e7, 3, 1 + 1e-3)
    expect(bug.pass).toBe(false)
    expect(bug.entries.filter((e) => e.failed).map((e) => e.index[0])).toEqual([3])
    const e = bug.entries.find((x) => x.index[0] === 3)!
    expect(e.verdict).toBe('bug')
    for (const st of e.steps) {
      const k = levelOf(bug, e, st.h)
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9)
    }
  })
})
