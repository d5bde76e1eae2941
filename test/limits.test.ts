// Known limits of the engine, asserted as they are today, so that a fix shows up as a change here.
// Each test names the limit and what a fix would change. The models live in test/models/.
import { checkGradients, type Report } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { makeEmbedding, type EmbBug } from './models/embedding.js'
import { makeF32StorageF64Loss } from './models/forms.js'
import { makeOscillation, type OscBug } from './models/physics.js'

const verdicts = (r: Report): Record<string, string> => Object.fromEntries(r.entries.map((e) => [e.path, e.verdict]))

describe('limits', () => {
  // LIMIT (by design of `sample`, with `mode: 'full'`): a tensor above 512 entries is sampled, so a bug in one
  // entry of a 60×30 table is missed unless that entry is drawn (72% of seeds miss it; the default seed 1849
  // does). With `sample: 'all'` it is caught (models/embedding.test.ts), and with the default `mode: 'auto'`
  // the unsampled entries are covered by a direction that localises it (test/directional.test.ts).
  it("embedding table 60×30, one entry ×1.5: missed with mode 'full' when E[0,3] is not sampled; found by default", () => {
    const m = makeEmbedding()
    const grad = (p: typeof m.params) => m.grad(p, 'oneEntry' as EmbBug)
    const report = checkGradients(m.loss, grad, { at: m.params, mode: 'full' })
    expect(report.blocks[0]!.checked).toBe(512)
    expect(report.entries.some((e) => e.path === 'E[0,3]')).toBe(false)
    expect(report.pass).toBe(true)
    const auto = checkGradients(m.loss, grad, { at: m.params })
    expect(auto.pass).toBe(false)
    expect(auto.worst[0]).toMatchObject({ path: 'E[0,3]', failed: true, found: { by: 'localisation' } })
  })

  // LIMIT (a scale no heuristic sees; pass `step`): Σ c sin(1e4·x) + ½Σ x², x up to 100, float64. |f| ≈ 1e4
  // comes from the ½x² term, so the steps (2.4e-1 … 1.8e-4) span many periods (6.3e-4) and the correct
  // gradient is reported as a bug on all 5 weights (x[1]: analytic 396.7, numeric 85.9, tolerance 6.5e-4).
  // The numeric is the derivative of ½x² alone: larger steps average the oscillation out and agree with
  // each other. (Until kinks needed a gap ratio a smooth f cannot give, x[3] was taken for a kink.) A fix
  // makes this pass.
  it('sin(1e4·x) + ½x², x in (0, 100), float64: the correct gradient is reported as a bug', () => {
    const m = makeOscillation('float64', { span: 100 })
    const report = checkGradients(m.loss, (p: typeof m.params) => m.grad(p), { at: m.params })
    expect(report.pass).toBe(false)
    expect(verdicts(report)).toEqual({ 'x[0]': 'bug', 'x[1]': 'bug', 'x[2]': 'bug', 'x[3]': 'bug', 'x[4]': 'bug' })
    const x1 = report.entries.find((e) => e.path === 'x[1]')!
    expect(x1.analytic).toBeCloseTo(396.72, 1)
    expect(Math.abs(x1.numeric - 85.86)).toBeLessThan(1) // λ·x[1] = 85.86: the oscillation is not seen at all
  })

  // LIMIT (same): Σ c sin(100·x) + ½Σ x², x in (0, 10), float32, period 0.063; steps ~1 → 4e-3. The
  // larger steps alias the oscillation (x[0]: analytic 4.05, D ≈ 7.29 from 0.03 to 2). It was reported as
  // a bug on x[0] (numeric 7.29, tolerance 0.16) while the audit read the 1/s-like moves of the aliased
  // D(s) as round-off and climbed; since those moves count as round-off only where no three levels show a
  // kink (sweep.ts, `audited`), the smallest step (7.8e-3, D = 4.36) keeps its weight: x[0] and x[4] are
  // inconclusive (weak), no kink invented. x[1]–x[3] were 'ok' on their smallest step alone, whose own noise
  // (7.4 against a tolerance of 0.51 on x[1]) was the only agreement: a fall into a level noisier than the bound
  // is not evidence (verdict.ts `judge`), so they are inconclusive (not-smooth) too, and the check passes on
  // what it measured, with a warning. A fix judges every weight 'ok' on evidence.
  it('float32 sin(100·x) + ½x², x in (0, 10): the correct gradient is not failed, and no weight is called ok', () => {
    const m = makeOscillation('float32', { w: 100, span: 10 })
    const report = checkGradients(m.loss, (p: typeof m.params) => m.grad(p), { at: m.params })
    expect(report.entries.filter((e) => e.failed)).toEqual([])
    expect(report.entries.filter((e) => e.verdict === 'inconclusive').map((e) => e.path)).toEqual(['x[0]', 'x[1]', 'x[2]', 'x[3]', 'x[4]'])
    expect(report.entries.filter((e) => e.verdict === 'inconclusive' && e.reason.kind === 'weak').map((e) => e.path)).toEqual(['x[0]', 'x[4]'])
    expect(report.warnings.some((w) => w.kind === 'inconclusive')).toBe(true)
    expect(report.kinks).toEqual([])
  })

  // LIMIT (same), the consequence: with the chain factor 100 missing, the analytic gradient is that of ½x²,
  // which is what the aliased numeric measures: most weights are not failed (ok, or inconclusive).
  // Whether the check fails at all is chance, on the weights where the aliased numeric happens to differ.
  // (In float64, 1e4·x over (0, 1), the same bug is caught on evidence: models/physics.test.ts.) A fix
  // fails every weight.
  it('float32 sin(100·x) + ½x², x in (0, 10): the chain factor 100 missing is accepted on most weights', () => {
    const m = makeOscillation('float32', { w: 100, span: 10 })
    const report = checkGradients(m.loss, (p: typeof m.params) => m.grad(p, 'chainFactorMissing' as OscBug), { at: m.params })
    expect(report.entries.filter((e) => e.verdict === 'bug').length).toBeLessThanOrEqual(2)
  })

  // Was a LIMIT: weights in Float32Array, loss computed in float64 (a model kept in Float32Array is checked
  // in float32 unless `precision: 'float64'`). Every bound uses float32's unit round-off, and at h the quick
  // bound let dw off by 0.1% pass (w[0]: analytic −0.20448, numeric −0.20428, tolerance 4.9e-4). The trial
  // one level below h, where that bound is 4.5× tighter (scale.ts `trialStep`), makes 0.1% fail.
  it('Float32Array weights, float64 loss: the gradient passes, dw off by 0.1% and 0.3% fail', () => {
    const m = makeF32StorageF64Loss()
    const off = (f: number): Report => checkGradients(m.loss, (p: typeof m.params) => m.grad(p, f), { at: m.params })
    const right = off(1)
    expect(right.precision).toBe('float32')
    expect(right.pass).toBe(true)
    const tenth = off(1.001)
    expect(tenth.pass).toBe(false)
    expect(tenth.entries.filter((e) => e.failed).every((e) => e.verdict === 'bug')).toBe(true)
    const third = off(1.003)
    expect(third.pass).toBe(false)
    expect(verdicts(third)).toEqual({ 'w[0]': 'bug', 'w[1]': 'bug', 'w[2]': 'bug', 'b[0]': 'ok' })
  })
})
