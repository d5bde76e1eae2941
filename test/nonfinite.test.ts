import { checkGradients, formatReport, type Report } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { PROBE_POINTS } from '../src/engine/constants.js'

// Issue #11: a NaN or ±∞ the loss returns anywhere but at `at`'s first call (which throws) is reported,
// in an entry and the 'non-finite' warning: every path that calls the loss counts what it drops.

const probeWarning = (r: Report): number | undefined => {
  const w = r.warnings.find((x) => x.kind === 'non-finite')
  return w?.kind === 'non-finite' ? w.probe : undefined
}

describe("the probe's wider retry (a side whose values tie)", () => {
  // A staircase of 1e-4: every value of the probe's first moves (≤ 6.4e-6 of the scale) is f(at), so
  // both sides tie and are measured again 100× wider, where the steps show.
  const x0 = [0.7, -0.4]
  const stairs = (w: number[]): number => Math.round(1e4 * (w[0]! ** 2 + w[1]! ** 2)) / 1e4
  const grad = (w: number[]): number[] => [2 * w[0]!, 2 * w[1]!]
  // NaN where both coordinates have moved by more than 1e-5: only the wider moves go that far (the
  // coordinates' differences move one at a time, the first moves stay below 2.5e-6).
  const far = (w: number[]): boolean => Math.abs(w[0]! - x0[0]!) > 1e-5 && Math.abs(w[1]! - x0[1]!) > 1e-5
  const counting = (f: (w: number[]) => number) => {
    const seen = { calls: 0, nonFinite: 0 }
    const loss = (w: number[]): number => {
      const v = f(w)
      seen.calls++
      if (!Number.isFinite(v)) seen.nonFinite++
      return v
    }
    return { loss, seen }
  }

  it('counts the NaN values of the wider moves in the warning of the probe', () => {
    const { loss, seen } = counting((w) => (far(w) ? Number.NaN : stairs(w)))
    const report = checkGradients(loss, grad, { at: [...x0] })
    // Both sides tied and were measured again: every one of the wider moves was NaN, and each is counted.
    expect(seen.nonFinite).toBe(2 * PROBE_POINTS)
    expect(probeWarning(report)).toBe(seen.nonFinite)
    expect(formatReport(report)).toContain(`Warning: ${2 * PROBE_POINTS} of the loss values at and around \`at\` that measure its noise were NaN or ±∞`)
  })

  it('and an ∞ there too', () => {
    const { loss, seen } = counting((w) => (far(w) && w[0]! > x0[0]! ? Number.POSITIVE_INFINITY : stairs(w)))
    const report = checkGradients(loss, grad, { at: [...x0] })
    expect(seen.nonFinite).toBeGreaterThan(0)
    expect(probeWarning(report)).toBe(seen.nonFinite)
  })

  it('control: the same staircase, finite at the wider moves, warns of nothing non-finite', () => {
    const { loss, seen } = counting(stairs)
    const report = checkGradients(loss, grad, { at: [...x0] })
    expect(seen.nonFinite).toBe(0)
    // The retry ran (its calls are beyond the fixed ones), and found nothing to warn of.
    const plain = counting((w) => w[0]! ** 2 + w[1]! ** 2)
    checkGradients(plain.loss, grad, { at: [...x0] })
    expect(seen.calls - plain.seen.calls).toBeGreaterThanOrEqual(2 * PROBE_POINTS - 4)
    expect(probeWarning(report)).toBeUndefined()
  })

  it('control: a loss whose values do not tie makes no wider moves, so a NaN only there is never called', () => {
    const { loss, seen } = counting((w) => (far(w) ? Number.NaN : w[0]! ** 2 + w[1]! ** 2))
    const report = checkGradients(loss, grad, { at: [...x0] })
    expect(seen.nonFinite).toBe(0)
    expect(report.pass).toBe(true)
    expect(probeWarning(report)).toBeUndefined()
  })
})

describe('a NaN at any one call but the first is in the non-finite warning (or, at `at`, an error)', () => {
  const f = (w: Float64Array): number => w.reduce((s, v, i) => s + Math.sin((i % 7) + 1) * v + 0.5 * v * v * ((i % 3) + 1), 0)
  const df = (w: Float64Array): Float64Array => w.map((v, i) => Math.sin((i % 7) + 1) + v * ((i % 3) + 1))
  const staircase = (w: Float64Array): number => Math.round(1e4 * f(w)) / 1e4
  const cases = [
    { name: 'three weights, mode full', loss: f, at: () => Float64Array.from([0.3, -0.2, 0.9]), options: {} },
    { name: 'a staircase (the probe measures again wider), mode full', loss: staircase, at: () => Float64Array.from([0.3, -0.2, 0.9]), options: {} },
    // Directional tests and their localisation: their levels are in no entry.
    { name: '3000 weights, mode directional', loss: f, at: () => Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i)), options: { mode: 'directional' as const } },
    { name: '40 weights, 8 sampled, the rest by a direction', loss: f, at: () => Float64Array.from({ length: 40 }, (_, i) => Math.sin(i)), options: { sample: 8 } },
    // Localisation: a wrong entry is found by halving, and each coordinate it reaches is checked one by one
    // and again as a direction of its own, whose tighter bound may then stand for the entry.
    { name: '600 weights, w[417] ×1.5, mode directional', loss: f, grad: (w: Float64Array) => df(w).map((v, i) => (i === 417 ? 1.5 * v : v)), at: () => Float64Array.from({ length: 600 }, (_, i) => Math.sin(i)), options: { mode: 'directional' as const } },
  ]
  for (const c of cases) {
    const grad = c.grad ?? df
    const total = checkGradients(c.loss, grad, { at: c.at(), ...c.options }).evaluations
    it.each(Array.from({ length: total - 1 }, (_, i) => i + 2))(`${c.name}: NaN at call %i is counted`, (k) => {
      let n = 0
      const report = checkGradients((w: Float64Array) => (++n === k ? Number.NaN : c.loss(w)), grad, { at: c.at(), ...c.options })
      const w = report.warnings.find((x) => x.kind === 'non-finite')
      expect(w).toBeDefined()
      if (w?.kind === 'non-finite') expect(w.count + w.probe + (w.directions ?? 0)).toBeGreaterThanOrEqual(1)
    })
  }

  it('the repeated point of the probe: NaN there is named, not only "not deterministic"', () => {
    // Call 2 + 2·PROBE_POINTS + 1 is the probe's repeated point (noise.ts, measureLoss).
    let n = 0
    const report = checkGradients((w: Float64Array) => (++n === 3 + 2 * PROBE_POINTS ? Number.NaN : f(w)), df, { at: Float64Array.from([0.3, -0.2, 0.9]) })
    expect(report.loss.deterministic).toBe(false)
    expect(probeWarning(report)).toBe(1)
  })

  it('the last call at `at`: NaN there is named too', () => {
    const total = checkGradients(f, df, { at: Float64Array.from([0.3, -0.2, 0.9]) }).evaluations
    let n = 0
    const report = checkGradients((w: Float64Array) => (++n === total ? Number.NaN : f(w)), df, { at: Float64Array.from([0.3, -0.2, 0.9]) })
    expect(report.pass).toBe(false)
    expect(probeWarning(report)).toBe(1)
  })

  it('a direction: NaN at one of its calls is counted as a value along directional tests', () => {
    const at = (): Float64Array => Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i))
    // The probe's calls come first (2 + 2·PROBE_POINTS + 1 of them in a covering mode); the next is a direction's.
    const k = 4 + 2 * PROBE_POINTS
    let n = 0
    const report = checkGradients((w: Float64Array) => (++n === k ? Number.NaN : f(w)), df, { at: at(), mode: 'directional' })
    expect(report.entries).toEqual([])
    expect(report.warnings).toContainEqual({ kind: 'non-finite', count: 0, paths: [], probe: 0, directions: 1 })
    expect(formatReport(report)).toContain('Warning: 1 of the loss values along directional tests were NaN or ±∞')
  })

  it('control: no NaN, no warning', () => {
    for (const c of cases) expect(probeWarning(checkGradients(c.loss, c.grad ?? df, { at: c.at(), ...c.options }))).toBeUndefined()
  })
})
