import 'gradcheck/vitest'
import { DEFAULTS, checkGradients, formatReport } from 'gradcheck'
import { afterAll, describe, expect, it } from 'vitest'
import { PROBE_CALLS } from '../src/engine/constants.js'

const cube = (w: Float64Array): number => w.reduce((s, v) => s + v * v * v, 0)
const dcube = (w: Float64Array): Float64Array => w.map((v) => 3 * v * v)
const range = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1))

describe('options', () => {
  it('has one frozen DEFAULTS object', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true)
    expect(checkGradients(cube, dcube, { at: range(3) }).options).toMatchObject({ ...DEFAULTS, sample: 512 })
  })

  it('beforeEvaluation runs before every loss and gradient call, and resetting an RNG makes dropout deterministic', () => {
    let seed = 1
    const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    // Inverted dropout on the terms of the loss: a fresh mask per call unless the RNG is reset.
    const mask = (n: number): number[] => Array.from({ length: n }, () => (rand() < 0.5 ? 0 : 2))
    const loss = (w: Float64Array): number => { const m = mask(w.length); return w.reduce((s, v, i) => s + m[i]! * v * v * v, 0) }
    const grad = (w: Float64Array): Float64Array => { const m = mask(w.length); return w.map((v, i) => m[i]! * 3 * v * v) }
    let calls = 0
    const report = checkGradients(loss, (w: Float64Array) => { seed = 1; return grad(w) }, {
      at: range(6),
      beforeEvaluation: () => { calls++; seed = 1 },
    })
    expect(report.pass).toBe(true)
    // Before every loss call and before the one gradient call.
    expect(calls).toBe(report.evaluations + 1)
    const noReset = checkGradients(loss, grad, { at: range(6) })
    expect(noReset.pass).toBe(false)
    expect(noReset.loss.deterministic).toBe(false)
  })

  it('sample: n checks n coordinates per tensor, drawn with the seed; every tensor is covered', () => {
    const at = { big: range(1000), small: range(3) }
    const loss = (p: typeof at): number => cube(p.big) + cube(p.small)
    const grad = (p: typeof at) => ({ big: dcube(p.big), small: dcube(p.small) })
    const a = checkGradients(loss, grad, { at, sample: 20, seed: 1 })
    const b = checkGradients(loss, grad, { at, sample: 20, seed: 2 })
    expect(a.blocks.map((s) => s.checked)).toEqual([20, 3])
    expect(a.entries.map((e) => e.path)).not.toEqual(b.entries.map((e) => e.path))
    expect(checkGradients(loss, grad, { at, sample: 20, seed: 1 }).entries.map((e) => e.path)).toEqual(a.entries.map((e) => e.path))
    expect(checkGradients(loss, grad, { at, sample: 'all' }).checked).toBe(1003)
    // With the default mode 'auto', the 980 not drawn are covered by directional tests, and the report says so.
    expect(a.warnings).toContainEqual({ kind: 'covered', name: 'big', checked: 20, size: 1000, covered: 980, directions: 2 })
    expect(formatReport(a)).toContain('Warning: big: 20 of 1,000 coordinates checked one by one, the other 980 by 2 directional tests')
    const full = checkGradients(loss, grad, { at, sample: 20, seed: 1, mode: 'full' })
    expect(full.warnings).toContainEqual({ kind: 'sampled', name: 'big', checked: 20, size: 1000, seed: 1 })
    expect(formatReport(full)).toContain('Warning: big: 20 of 1000 coordinates checked, drawn with seed 1')
  })

  it('sample catches a single wrong coordinate only when it is drawn: the report names what was checked', () => {
    const wrong = (w: Float64Array): Float64Array => { const g = dcube(w); g[0] = g[0]! + 1; return g }
    const report = checkGradients(cube, wrong, { at: range(10), sample: 'all' })
    expect(report.worst[0]!.path).toBe('at[0]')
  })

  it.each(['central', 'forward', 'richardson'] as const)('method %s passes a right gradient and fails a wrong one', (method) => {
    expect(cube).toHaveGradientsMatching(dcube, { at: range(5), method })
    expect(cube).not.toHaveGradientsMatching((w: Float64Array) => dcube(w).map((v) => v * 1.001), { at: range(5), method })
  })

  it('method costs: forward 1, central about 2, richardson 6 or more loss calls per coordinate (+ PROBE_CALLS to measure the loss)', () => {
    const calls = (method: 'central' | 'forward' | 'richardson'): number => checkGradients(cube, dcube, { at: range(50), method }).evaluations - PROBE_CALLS
    expect(calls('forward') / 50).toBe(1)
    // Central: 2 per weight, and 4 more for the few whose first difference is not clearly fine (x³ near 0).
    expect(calls('central') / 50).toBeGreaterThanOrEqual(2)
    expect(calls('central') / 50).toBeLessThanOrEqual(2.2)
    expect(calls('richardson') / 50).toBeGreaterThanOrEqual(6)
  })

  it('a fixed step is used as given, and a too-large one is named in a hint', () => {
    const report = checkGradients((w: number[]) => Math.exp(10 * w[0]!), (w: number[]) => [10 * Math.exp(10 * w[0]!)], { at: [1], step: 0.05, rtol: 1e-6, atol: 0 })
    expect(report.entries[0]!.step).toBeCloseTo(0.05, 10)
    expect(report.pass).toBe(false)
    expect(report.entries[0]!.reason).toEqual({ kind: 'sweep', trend: 'falls' })
    expect(report.hints.map((h) => h.kind)).toContain('step')
  })

  it("user rtol/atol replace the automatic bound: a 1e-3 error passes rtol 1e-2 and fails rtol 1e-4", () => {
    const off = (w: Float64Array): Float64Array => dcube(w).map((v) => v * 1.001)
    expect(checkGradients(cube, off, { at: range(4), rtol: 1e-2 }).pass).toBe(true)
    expect(checkGradients(cube, off, { at: range(4), rtol: 1e-4 }).pass).toBe(false)
    expect(checkGradients(cube, off, { at: range(4), rtol: 0, atol: 1 }).pass).toBe(true)
  })

  it("precision: 'float32' loosens the bound for a float64 model computed in float32 elsewhere", () => {
    const f32 = (w: Float64Array): number => w.reduce((s, v) => Math.fround(s + Math.fround(Math.fround(v * v) * v)), 0)
    expect(f32).toHaveGradientsMatching(dcube, { at: range(20), precision: 'float32' })
    expect(checkGradients(f32, dcube, { at: range(20), precision: 'float32' }).precision).toBe('float32')
  })

  describe('kinks', () => {
    // relu(w − 0.5) summed: coordinate 0 sits exactly on the kink.
    const relu = (w: Float64Array): number => w.reduce((s, v) => s + Math.max(0, v - 0.5), 0)
    const drelu = (w: Float64Array): Float64Array => w.map((v) => (v > 0.5 ? 1 : 0))
    const at = (): Float64Array => Float64Array.from([0.5, 0.9, 0.1])

    it("'subgradient' (default) accepts any analytic value between the one-sided slopes and warns", () => {
      for (const g0 of [0, 0.3, 1]) {
        const report = checkGradients(relu, (w: Float64Array) => { const g = drelu(w); g[0] = g0; return g }, { at: at() })
        expect(report.pass).toBe(true)
        expect(report.kinks.map((e) => [e.path, e.verdict, e.slopes])).toEqual([['at[0]', 'kink', [0, 1]]])
      }
    })

    it("'subgradient' fails an analytic value outside the slopes", () => {
      const report = checkGradients(relu, (w: Float64Array) => { const g = drelu(w); g[0] = 1.5; return g }, { at: at() })
      expect(report.pass).toBe(false)
      expect(report.worst[0]!.reason).toMatchObject({ kind: 'kink', outcome: 'outside' })
      expect(formatReport(report)).toMatch(/outside the one-sided slopes \[0\.00, 1\.00\]/)
    })

    it("'skip' excludes, 'fail' fails, 'ignore' does not detect", () => {
      const check = (kinks: 'skip' | 'fail' | 'ignore') => checkGradients(relu, drelu, { at: at(), kinks })
      expect(check('skip')).toMatchObject({ pass: true, kinks: [{ verdict: 'kink', failed: false }] })
      expect(check('fail')).toMatchObject({ pass: false, kinks: [{ verdict: 'kink', failed: true }] })
      expect(check('ignore')).toMatchObject({ pass: false, kinks: [] })
    })
  })

  describe('forms of the call', () => {
    it('a stateful closure reading the very arrays passed as `at`', () => {
      const net = { params: { w: range(4) }, loss: (): number => cube(net.params.w), backward: () => ({ w: dcube(net.params.w) }) }
      expect(() => net.loss()).toHaveGradientsMatching(() => net.backward(), { at: net.params })
    })

    it('a precomputed gradient value', () => {
      const w = range(4)
      expect(cube).toHaveGradientsMatching(dcube(w), { at: w })
      expect(cube).not.toHaveGradientsMatching(dcube(w).map((v) => -v), { at: w })
    })

    it('an async gradient function makes the result a promise', async () => {
      const report = checkGradients(cube, async (w: Float64Array) => dcube(w), { at: range(3) })
      expect(report).toBeInstanceOf(Promise)
      expect((await report).pass).toBe(true)
    })

    it('a bare number', () => {
      expect((x: number) => Math.sin(x)).toHaveGradientsMatching((x: number) => Math.cos(x), { at: 0.7 })
      expect((x: number) => Math.sin(x)).not.toHaveGradientsMatching((x: number) => -Math.cos(x), { at: 0.7 })
    })

    // expect.soft records a failure and lets the test go on: `it.fails` passes only if the test failed, and
    // the hook (which runs after the test, whatever the order of the tests) checks that it went on past it.
    describe('expect.soft', () => {
      let ran = false
      let reached = false
      it.fails('records a failing gradient check and lets the test go on', () => {
        ran = true
        expect.soft(cube).toHaveGradientsMatching((w: Float64Array) => dcube(w).map((v) => 2 * v), { at: range(3) })
        reached = true
      })
      afterAll(() => {
        if (ran) expect(reached, 'the test went on past expect.soft').toBe(true)
      })
    })
  })
})
