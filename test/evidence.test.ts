import { checkGradients, formatReport } from 'gradcheck'
import { describe, expect, it } from 'vitest'

// No pass without evidence: each case here passed a wrong gradient once, silently.
const cube = (w: Float64Array): number => w.reduce((s, v) => s + v * v * v, 0)
const dcube = (w: Float64Array): Float64Array => w.map((v) => 3 * v * v)
const doubled = (w: Float64Array): Float64Array => dcube(w).map((v) => 2 * v)
const at = (): Float64Array => Float64Array.from([0.5, -1, 1.5, 2])

describe('a fixed step below the parameters resolution', () => {
  it('fails, says nothing was measured and what to do, whether the gradient is right or ×2', () => {
    for (const grad of [dcube, doubled]) {
      const report = checkGradients(cube, grad, { at: at(), step: 1e-20 })
      expect(report.pass).toBe(false)
      expect(report.entries.map((e) => e.reason)).toEqual(Array(4).fill({ kind: 'unmoved', step: 1e-20 }))
      expect(report.unverified).toEqual({ tensors: ['at'], unmeasured: 4 })
      expect(report.hints).toContainEqual({ kind: 'step-too-small', step: 1e-20 })
      const text = formatReport(report)
      expect(text).toMatch(/^✗ too little was measured to pass: no derivative could be estimated for 4 of 4 checked weights; nothing measured in at/)
      expect(text).toContain("Hint: the step 1e-20 is below the parameters' resolution")
    }
  })
})

describe('a loss that is not finite on one side of a weight (a domain edge)', () => {
  // √w next to its edge at 0: w − h < 0 gives NaN at every step the sweep takes.
  const edge = (w: Float64Array): number => Math.sqrt(w[0]!) + w[1]! * w[1]!
  const dedge = (w: Float64Array): Float64Array => Float64Array.from([0.5 / Math.sqrt(w[0]!), 2 * w[1]!])
  const near = (): Float64Array => Float64Array.from([1e-9, 0.7])

  it('the right gradient passes, with the NaN named; steps shrink until they stay inside the domain', () => {
    const report = checkGradients(edge, dedge, { at: near() })
    expect(report.pass).toBe(true)
    // √w changes on the scale of w = 1e-9 itself and the descent stops at ~w/10: truncation ~1e-4 is expected.
    expect(report.entries[0]!.relativeError).toBeLessThan(1e-3)
    expect(report.warnings).toContainEqual({ kind: 'non-finite', count: 1, paths: ['at[0]'], probe: expect.any(Number) })
  })

  it('fails a ×2 bug there', () => {
    const wrong = (w: Float64Array): Float64Array => { const g = dedge(w); g[0] = 2 * g[0]!; return g }
    const report = checkGradients(edge, wrong, { at: near() })
    expect(report.pass).toBe(false)
    expect(report.worst[0]).toMatchObject({ path: 'at[0]', verdict: 'bug' })
  })

  // A loss defined on p ≤ 1 only (NaN beyond), checked at the edge itself: no central difference exists.
  const clipped = (w: number[]): number => (w[0]! > 1 ? Number.NaN : Math.exp(w[0]!) * (2 - w[0]!) + w[1]! ** 2)
  const dclipped = (w: number[]): number[] => [Math.exp(w[0]!) * (1 - w[0]!) + 0.5, 2 * w[1]!]

  it('at the edge itself, judges the weight from the finite side\'s one-sided differences', () => {
    // d/dp [eᵖ(2 − p)] = eᵖ(1 − p): 0 at p = 1, so the analytic side is offset by 0.5 to be non-zero.
    const f = (w: number[]): number => clipped(w) + 0.5 * w[0]!
    const right = checkGradients(f, dclipped, { at: [1, 0.3] })
    expect(right.pass).toBe(true)
    expect(right.entries[0]!.reason).toEqual({ kind: 'one-sided', side: 'backward' })
    const wrong = checkGradients(f, (w: number[]) => dclipped(w).map((v, i) => (i === 0 ? 2 * v : v)), { at: [1, 0.3] })
    expect(wrong.pass).toBe(false)
    expect(wrong.worst[0]).toMatchObject({ path: 'at[0]', verdict: 'bug', reason: { kind: 'one-sided', side: 'backward' } })
    expect(formatReport(wrong)).toContain('f is not finite on the upper side (a domain edge): judged from backward differences')
  })

  it('and from below where the edge is above: log(1 − w) at w just under 1', () => {
    const f = (w: number[]): number => Math.log(1 - w[0]!)
    const wAt = [1 - 1e-9]
    expect(checkGradients(f, (w: number[]) => [-1 / (1 - w[0]!)], { at: wAt }).pass).toBe(true)
    const report = checkGradients(f, (w: number[]) => [-2 / (1 - w[0]!)], { at: wAt })
    expect(report.pass).toBe(false)
    expect(report.worst[0]).toMatchObject({ path: 'at[0]', verdict: 'bug' })
  })
})

describe('a NaN at a single perturbed call is always reported', () => {
  const f = (w: Float64Array): number => w.reduce((s, v, i) => s + Math.sin((i + 1) * v), 0)
  const df = (w: Float64Array): Float64Array => w.map((v, i) => (i + 1) * Math.cos((i + 1) * v))
  const total = checkGradients(f, df, { at: Float64Array.from([0.3, -0.2, 0.9]) }).evaluations

  it.each(Array.from({ length: total - 2 }, (_, i) => i + 3))('NaN at call %i: a warning (or the check fails), never a silent pass', (k) => {
    let n = 0
    const loss = (w: Float64Array): number => (++n === k ? Number.NaN : f(w))
    const report = checkGradients(loss, df, { at: Float64Array.from([0.3, -0.2, 0.9]) })
    const warned = report.warnings.some((w) => w.kind === 'non-finite')
    expect(warned || !report.pass).toBe(true)
    if (report.pass) expect(formatReport(report)).toMatch(/Warning: .*NaN or ±∞/)
  })
})

describe('a large fixed step is judged like any other', () => {
  it.each([0.3, 0.5, 1])('step %f: a 10%% error fails; the right gradient does not', (step) => {
    const f = (w: number[]): number => Math.exp(w[0]!) + Math.exp(0.5 * w[1]!)
    const df = (w: number[]): number[] => [Math.exp(w[0]!), 0.5 * Math.exp(0.5 * w[1]!)]
    const off = (w: number[]): number[] => df(w).map((v, i) => (i === 0 ? 1.1 * v : v))
    expect(checkGradients(f, off, { at: [0.2, -0.4], step }).pass).toBe(false)
    const right = checkGradients(f, df, { at: [0.2, -0.4], step })
    expect(right.failed).toBe(0)
  })
})
