// The per-coordinate mode of src/modes/coordinates.ts: `entryOf` (the entry's derived fields), `checkCoordinates`
// (sampling, progress), `perTensor` (a tensor's own noise, measured once and only where it could change a
// verdict), `verdictOf` (a sweep's conviction weighed against the coordinate's own noise), `narrowed` and
// `besideKink`, and the invariant every path of `checkCoordinate` keeps: `steps` holds every difference
// evaluated, each step once, largest first.
import { checkGradients, type Entry, type ProgressEvent, type Report } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { Perturbation } from '../../src/engine/calls.js'
import { LOCAL_POSITIONS, SCALAR_RETRIES } from '../../src/engine/constants.js'
import { type Check, drive } from '../../src/engine/drive.js'
import type { Point } from '../../src/engine/point.js'
import { level } from '../../src/engine/differences.js'
import { coordinate, trialStep } from '../../src/engine/scale.js'
import { firstLevel } from '../../src/engine/sweep.js'
import { type Judged, clearedByFirst, disagrees } from '../../src/engine/verdict.js'
import { checkCoordinate, entryOf, measured, perTensor } from '../../src/modes/coordinates.js'
import { resolveOptions } from '../../src/options.js'
import { namedBlocks, quantisedAtSweep } from './weight.js'

/** A point over `tensors` (name → values) whose loss reads them through `f`; `grad` the analytic gradient. */
const point = (tensors: Record<string, number[]>, grad: number[][], f: (t: Float64Array[]) => number, options: object = {}) => {
  const { data, blocks } = namedBlocks(tensors)
  const at = new Perturbation(blocks)
  const p: Point = { at, analytic: grad.map((g) => Float64Array.from(g)), precision: 'float64', options: resolveOptions({ at: data[0]!, ...options }) }
  let calls = 0
  const run = <T>(check: Check<T>): T =>
    drive(check, (call) => {
      calls++
      if (call === 'loss') return f(data)
      throw new Error(`unexpected call ${JSON.stringify(call)}`)
    }) as T
  return { p, run, calls: () => calls, data }
}

/** A judgement as checkCoordinate returns one, for entryOf. */
const judged = (numeric: number, tolerance: number): Judged & { step: number } =>
  ({ numeric, tolerance, estimatedError: tolerance / 4, kink: false, verdict: 'ok', failed: false, reason: { kind: 'quick' }, step: 1e-5, steps: [] }) as unknown as Judged & { step: number }

describe('entryOf: the entry’s derived fields (report/types.ts `Entry`)', () => {
  const { p } = point({ w: [0.25, -3] }, [[2, 1]], () => 0)
  const entry = (i: number, a: number, n: number, tolerance: number): Entry => {
    p.analytic[0]![i] = a
    return entryOf(p, 0, i, judged(n, tolerance))
  }
  it('absolute and relative error, |a − n| / max(|a|, |n|), with the path, index and value of the coordinate', () => {
    const e = entry(1, 2, 1.5, 1e-3)
    expect(e).toMatchObject({ path: 'w[1]', name: 'w', index: [1], value: -3, analytic: 2, numeric: 1.5, tolerance: 1e-3 })
    expect(e.absoluteError).toBeCloseTo(0.5, 15)
    expect(e.relativeError).toBeCloseTo(0.25, 15)
    // max, not min: with a = 0 the relative error is 1, not 0/0 or ∞.
    expect(entry(0, 0, 0.5, 1e-3).relativeError).toBe(1)
    expect(entry(0, -0.5, 0, 1e-3).relativeError).toBe(1)
  })
  it('relativeError 0 and all 17 digits agree where both are 0; nothing to resolve', () => {
    const e = entry(0, 0, 0, 1e-3)
    expect(e).toMatchObject({ absoluteError: 0, relativeError: 0, sign: false, digits: { agree: 17, resolvable: 0 } })
  })
  it('sign: true only where analytic and numeric have opposite signs', () => {
    expect(entry(0, 1, -1, 1e-3).sign).toBe(true)
    expect(entry(0, -2, 0.5, 1e-3).sign).toBe(true)
    expect(entry(0, 1, 2, 1e-3).sign).toBe(false)
    expect(entry(0, -1, -2, 1e-3).sign).toBe(false)
    // 0 has no sign to oppose.
    expect(entry(0, 0, 0.5, 1e-3).sign).toBe(false)
    expect(entry(0, -1, 0, 1e-3).sign).toBe(false)
  })
  it('digits: ⌊−log₁₀ relativeError⌋ agree and ⌊−log₁₀(tolerance / max)⌋ resolvable, within [0, 17]', () => {
    // relative error 0.005 → 2 digits; tolerance 4e-5 of 2 → 2e-5 → 4 digits.
    expect(entry(0, 2, 1.99, 4e-5).digits).toEqual({ agree: 2, resolvable: 4 })
    // Relative to max(|a|, |n|) = 10: an error of 0.1 is 2 digits, a tolerance of 3e-4 is 4.
    expect(entry(0, 10, 9.9, 3e-4).digits).toEqual({ agree: 2, resolvable: 4 })
    // Exact agreement is all 17; a tolerance far below float64's resolution is capped at 17.
    expect(entry(0, 1, 1, 1e-300).digits).toEqual({ agree: 17, resolvable: 17 })
    // A tolerance larger than the derivative resolves no digit (not a negative count); an infinite one neither.
    expect(entry(0, 1, 1.5, 1e3).digits).toEqual({ agree: 0, resolvable: 0 })
    expect(entry(0, 1, 1.5, Infinity).digits.resolvable).toBe(0)
  })
})

describe('checkCoordinates: `sample` coordinates a tensor, one by one, and the progress it expects', () => {
  // f = Σ ½w² + Σ v³/3: every coordinate is cleared by one difference (2 calls).
  const loss = (p: { w: Float64Array; v: Float64Array }): number => p.w.reduce((s, x) => s + 0.5 * x * x, 0) + p.v.reduce((s, x) => s + Math.sin(x), 0)
  const grad = (p: { w: Float64Array; v: Float64Array }) => ({ w: p.w.map((x) => x), v: p.v.map((x) => Math.cos(x)) })
  const at = () => ({ w: Float64Array.from([0.3, -1.2, 0.7, 1.1, -0.4, 0.9, -0.8, 0.5, 1.4, -1.6]), v: Float64Array.from([0.2, -0.6]) })
  it('checks min(size, sample) coordinates of each tensor, all of them with sample: all', () => {
    const three = checkGradients(loss, grad, { at: at(), mode: 'full', sample: 3 }) as Report
    expect(three.entries.filter((e) => e.name === 'w')).toHaveLength(3)
    expect(three.entries.filter((e) => e.name === 'v')).toHaveLength(2)
    expect(new Set(three.entries.map((e) => e.path)).size).toBe(5)
    const all = checkGradients(loss, grad, { at: at(), mode: 'full', sample: 'all' }) as Report
    expect(all.entries.map((e) => e.path).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `w[${i}]`), 'v[0]', 'v[1]'].sort())
  })
  it('enters `coordinates` expecting 2 calls a checked coordinate and the final one: exactly the calls made where each clears at once', () => {
    for (const sample of [3, 'all'] as const) {
      const events: ProgressEvent[] = []
      const r = checkGradients(loss, grad, { at: at(), mode: 'full', sample, onProgress: (e) => events.push({ ...e }) }) as Report
      expect(r.pass).toBe(true)
      expect(r.entries.every((e) => e.steps.length === 1)).toBe(true)
      const entered = events.find((e) => e.phase === 'coordinates')!
      expect(entered.total).toBe(r.evaluations)
      expect(r.evaluations).toBe(entered.done + 2 * r.checked + 1)
    }
  })
})

/** A check of `at` with the loss calls the noise probe made before the coordinates (progress's `done` as they are entered). */
const checked = (f: (w: Float64Array) => number, g: (w: Float64Array) => number[], o: object): { r: Report; probe: number } => {
  const events: ProgressEvent[] = []
  const r = checkGradients(f, g, { ...o, onProgress: (e: ProgressEvent) => events.push({ ...e }) } as never) as Report
  return { r, probe: events.find((e) => e.phase === 'coordinates')!.done }
}

describe('steps: every difference evaluated for the coordinate, each step once, largest first', () => {
  /** Each call of a single-coordinate check is the probe, the final call, or one side of a listed difference. */
  const accounted = ({ r, probe }: { r: Report; probe: number }, twice = 0): void => {
    const e = r.entries[0]!
    const h = e.steps.map((s) => s.h)
    expect(h.length).toBeGreaterThan(0)
    expect(new Set(h).size).toBe(h.length)
    expect([...h].sort((x, y) => y - x)).toEqual(h)
    expect(h).toContain(e.step)
    // A bug the sweep finds is weighed against the coordinate's own noise: 2·LOCAL_POSITIONS.length calls whose pairs are not shown.
    const local = e.verdict === 'bug' && e.reason.kind === 'sweep' ? 2 * LOCAL_POSITIONS.length : 0
    // A step evaluated twice (the trial below h, then the sweep's own level there) is shown once: at most 2 calls more.
    const extra = r.evaluations - (probe + 1 + local + 2 * h.length)
    expect(extra).toBeGreaterThanOrEqual(0)
    expect(extra).toBeLessThanOrEqual(twice)
  }
  it('cleared at the trial step one level below h', () => {
    const c = checked((w) => Math.sin(w[0]!) + 0.5, (w) => [Math.cos(w[0]!)], { at: Float64Array.from([0.7]) })
    expect(c.r.pass).toBe(true)
    accounted(c)
  })
  it('a loss with a large offset (trial above h): the correct gradient and a 1e-3 bug', () => {
    for (const factor of [1, 1 + 1e-3]) {
      const c = checked((w) => 1e7 + 1.1 * Math.sin(w[0]!), (w) => [1.1 * Math.cos(w[0]!) * factor], { at: Float64Array.from([1.9]) })
      expect(c.r.pass).toBe(factor === 1)
      accounted(c)
    }
  })
  it('a trial below h that disagrees: the sweep from h weighs it, and the step it shares with the sweep is shown once', () => {
    // f = 0.25 + w with a = 2, and sin w + 0.5 with a gradient ×(1 + 1e-8): both convicted by the sweep whose level
    // below h is the trial's step.
    for (const [f, g] of [
      [(w: Float64Array) => 0.25 + w[0]!, () => [2]],
      [(w: Float64Array) => Math.sin(w[0]!) + 0.5, (w: Float64Array) => [Math.cos(w[0]!) * (1 + 1e-8)]],
    ] as const) {
      const c = checked(f, g, { at: Float64Array.from([0.3]) })
      expect(c.r.entries[0]).toMatchObject({ verdict: 'bug', reason: { kind: 'sweep' } })
      expect(c.r.entries[0]!.steps).toHaveLength(3)
      accounted(c, 2)
    }
  })
  it('a kink at x itself (d = 0): the kink’s verdict on the steps that found it, not re-checked on a scale of d', () => {
    // Between the slopes but not their midpoint: a subgradient, accepted at the kink (test/beside-kink.test.ts).
    const c = checked((w) => 1.1 * Math.sin(w[0]!) + 0.5 * Math.abs(w[0]! - 0.4), () => [1.1 * Math.cos(0.4) + 0.3], { at: Float64Array.from([0.4]) })
    expect(c.r.entries[0]).toMatchObject({ kink: true, reason: { kind: 'kink', distance: 0, outcome: 'accepted' } })
    // The trial below h disagrees (the straddled kink) and the sweep evaluates that step again.
    accounted(c, 2)
  })
  it('a fixed step that straddles a kink at d > 0: the kink’s verdict, not re-checked on d (no scale to narrow a fixed step to)', () => {
    const c = checked((w) => 1.1 * Math.sin(w[0]!) + 0.5 * Math.abs(w[0]! - 0.4002), () => [1.1 * Math.cos(0.4) - 0.5], { at: Float64Array.from([0.4]), step: 1e-3 })
    expect(c.r.entries[0]).toMatchObject({ kink: true, reason: { kind: 'kink' } })
    expect((c.r.entries[0]!.reason as { distance: number }).distance).toBeGreaterThan(0)
    accounted(c)
  })
  it('swept: a fixed step the first difference cannot clear, and a bug the sweep convicts', () => {
    for (const [factor, step] of [[1, 0.05], [1.01, 1e-3], [1, 'auto']] as const) {
      const c = checked((w) => Math.exp(w[0]!), (w) => [Math.exp(w[0]!) * factor], { at: Float64Array.from([0.4]), step })
      expect(c.r.pass).toBe(factor === 1)
      accounted(c)
    }
  })
})

describe('verdictOf: a sweep’s conviction is weighed against the coordinate’s own noise', () => {
  // f = t, except that at the sweep's own points below 4h (t = ±h/4ᵏ) it reads (1 + δ)·t: D(h/4) = D(h) = 1 + δ
  // consistently, which the probe (moving far from those points) does not see and localNoise's irregular points do.
  const h = 2 ** -10
  const delta = 1e-4
  const quantised = quantisedAtSweep(h, delta)
  it('the right gradient is cleared, at 2·LOCAL_POSITIONS.length calls beyond the sweep', () => {
    const { r, probe } = checked(quantised, () => [1], { at: Float64Array.from([0]), step: h })
    expect(r.entries[0]).toMatchObject({ verdict: 'ok', failed: false })
    expect(r.evaluations).toBe(probe + 1 + 2 * LOCAL_POSITIONS.length + 2 * r.entries[0]!.steps.length)
  })
  it('negative control: a real error on the same loss still fails, the sweep’s ladder its evidence', () => {
    const { r, probe } = checked(quantised, () => [1.5], { at: Float64Array.from([0]), step: h })
    expect(r.entries[0]).toMatchObject({ verdict: 'bug', failed: true, reason: { kind: 'sweep' } })
    expect(r.entries[0]!.steps.map((x) => x.h)).toEqual([4 * h, h, h / 4])
    expect(r.evaluations).toBe(probe + 1 + 2 * LOCAL_POSITIONS.length + 2 * 3)
  })
  it('a coordinate the sweep clears pays no local noise: the calls are the probe’s, the final one and its differences', () => {
    const { r, probe } = checked((w) => Math.exp(w[0]!), (w) => [Math.exp(w[0]!)], { at: Float64Array.from([0.4]), step: 0.05 })
    expect(r.entries[0]!).toMatchObject({ verdict: 'ok', reason: { kind: 'sweep' } })
    expect(r.evaluations).toBe(probe + 1 + 2 * r.entries[0]!.steps.length)
  })
})

describe('perTensor: a tensor’s own noise, measured once, only where it could change a verdict', () => {
  // (x + C) − C keeps a to the grid of C = 1e8: a staircase the probe sees, which loosens b's bounds too.
  const C = 1e8
  const f = (t: Float64Array[]): number => t[0]!.reduce((s, x) => s + (x + C - C) ** 2, 0) + t[1]!.reduce((s, y) => s + 0.5 * Math.sin(y), 0)
  const a = [0.3, -1.2, 0.7, 1.1, -0.4]
  const b = [0.2, 0.9, -0.5, 1.3]
  const setup = (factor: number) => {
    const s = point({ a, b }, [a.map((x) => 2 * x), b.map((y, j) => 0.5 * Math.cos(y) * (j === 2 ? factor : 1))], f)
    const m = s.run(measured(s.p))
    return { ...s, ...m, own: perTensor(m.p, m.scales, m.stats) }
  }
  it('of(k): measured at its first use, the same stats after, without a call', () => {
    const s = setup(1)
    const first = s.run(s.own.of(1))
    const before = s.calls()
    expect(first.noise).toBeLessThan(s.stats.noise)
    expect(s.run(s.own.of(1))).toBe(first)
    expect(s.calls()).toBe(before)
  })
  it('a bug in b the probe’s noise hid is judged with b’s own, and fails', () => {
    const s = setup(1 + 1e-4)
    const plain = s.run(checkCoordinate(s.p, s.stats, s.scales[1]!, 1, 2))
    expect(plain.failed).toBe(false)
    const j = s.run(s.own.check(1, 2))
    expect(j).toMatchObject({ verdict: 'bug', failed: true })
    expect(j.tolerance).toBeLessThan(plain.tolerance)
  })
  it('closed: the report counts the NaNs a tensor’s own probe met (a loss that is NaN where b alone moves in two coordinates or more)', () => {
    // The joint probe moves a too and each coordinate check moves one element: only b's own noise probe meets the NaNs.
    const a0 = [...a]
    let nan = 0
    const loss = (q: { a: number[]; b: number[] }): number => {
      if (q.a.every((x, i) => x === a0[i]) && q.b.filter((y, i) => y !== b[i]).length >= 2) {
        nan++
        return Number.NaN
      }
      return f([Float64Array.from(q.a), Float64Array.from(q.b)])
    }
    const grad = (q: { a: number[]; b: number[] }) => ({ a: q.a.map((x) => 2 * x), b: q.b.map((y, j) => 0.5 * Math.cos(y) * (j === 2 ? 1 + 1e-4 : 1)) })
    const r = checkGradients(loss, grad, { at: { a: [...a], b: [...b] } }) as Report
    expect(nan).toBeGreaterThan(0)
    expect(r.entries.every((e) => e.steps.every((x) => x.finite))).toBe(true)
    expect(r.warnings.find((w) => w.kind === 'non-finite')).toMatchObject({ count: 0, probe: nan })
    // Negative control: the same loss without its NaNs warns of none.
    const clean = checkGradients((q: { a: number[]; b: number[] }) => f([Float64Array.from(q.a), Float64Array.from(q.b)]), grad, { at: { a: [...a], b: [...b] } }) as Report
    expect(clean.warnings.find((w) => w.kind === 'non-finite')).toBeUndefined()
  })
  it('where the tensor’s own noise is the probe’s (one tensor), the check is the coordinate’s own: no second check', () => {
    // One tensor, a gradient off by a little: beyond its estimated error, within its tolerance.
    const g = (x: number): number => Math.cos(x) * (1 + 1e-7)
    const s = point({ w: [0.4] }, [[g(0.4)]], (t) => Math.sin(t[0]![0]!) + 1e4)
    const m = s.run(measured(s.p))
    const base = s.calls()
    const plain = s.run(checkCoordinate(m.p, m.stats, m.scales[0]!, 0, 0))
    const alone = s.calls() - base
    expect(Math.abs(g(0.4) - plain.numeric)).toBeGreaterThan(plain.estimatedError)
    expect(plain.failed).toBe(false)
    const before = s.calls()
    const j = s.run(perTensor(m.p, m.scales, m.stats).check(0, 0))
    expect(s.calls() - before).toBe(alone)
    expect(j).toEqual(plain)
  })
})

describe('narrowed: only a one-element tensor with a = 0 whose verdict is the far field’s narrows its scale', () => {
  // A bump of width 1e-5 centred 3e-5 from x = 0: the unit-scale steps read its far field, f(x ± h) = 0 bit for bit,
  // a difference of exactly 0; f′(0) = 6e5·e⁻⁹ ≈ 74.
  const bump = (w: Float64Array): number => Math.exp(-(((w[0]! - 3e-5) / 1e-5) ** 2))
  const slope = 6e5 * Math.exp(-9)
  it('a = 0 fails there, judged on a narrower scale; the right derivative passes (negative control)', () => {
    const zero = checkGradients(bump, () => [0], { at: Float64Array.from([0]) }) as Report
    expect(zero.entries[0]).toMatchObject({ verdict: 'bug', failed: true })
    expect(zero.entries[0]!.numeric).toBeCloseTo(slope, 1)
    expect(zero.entries[0]!.step).toBeLessThan(1e-4)
    const right = checkGradients(bump, () => [slope], { at: Float64Array.from([0]) }) as Report
    expect(right.pass).toBe(true)
  })
  it('not in a tensor of two elements: a coordinate the loss ignores, a = 0, is cleared at once with no narrowing', () => {
    const { r, probe } = checked((w) => 0.25 + Math.sin(w[1]!), (w) => [0, Math.cos(w[1]!)], { at: Float64Array.from([0.3, 0.7]) })
    expect(r.pass).toBe(true)
    expect(r.entries[0]).toMatchObject({ verdict: 'ok', numeric: 0 })
    expect(r.evaluations).toBe(probe + 1 + 2 * (r.entries[0]!.steps.length + r.entries[1]!.steps.length))
  })
  it('a scalar the loss ignores, a = 0: the scale shrinks SCALAR_RETRIES times, one difference each, and the first verdict stands', () => {
    // A constant loss: its noise is u·|f| (nothing for tensorNoise to measure), every difference exactly 0.
    const { r, probe } = checked(() => 0.25, () => [0], { at: Float64Array.from([0.3]) })
    expect(r.entries[0]).toMatchObject({ verdict: 'ok', numeric: 0 })
    expect(r.entries[0]!.steps).toHaveLength(1)
    expect(r.evaluations - probe - 1).toBe(2 * (1 + SCALAR_RETRIES))
  })
  it('not on an inconclusive verdict other than weak: a fixed step that rounds back to x, or a loss not finite at x ± step', () => {
    // Nothing a narrower scale can change (the step is fixed): a = 0 is checked at the calls a ≠ 0 is.
    const cases: [(w: Float64Array) => number, number, number, string][] = [
      [(w) => Math.sin(w[0]! * 1e-10), 1e10, 1e-10, 'unmoved'],
      [(w) => (Math.abs(w[0]! - 0.5) < 1e-3 ? Math.sin(w[0]!) : Number.NaN), 0.5, 1e-2, 'not-finite'],
    ]
    for (const [f, x, step, kind] of cases) {
      const zero = checked(f, () => [0], { at: Float64Array.from([x]), step })
      const other = checked(f, () => [0.25], { at: Float64Array.from([x]), step })
      expect(zero.r.entries[0]).toMatchObject({ verdict: 'inconclusive', reason: { kind } })
      expect(other.r.entries[0]).toMatchObject({ verdict: 'inconclusive', reason: { kind } })
      expect(zero.r.evaluations - zero.probe).toBe(other.r.evaluations - other.probe)
    }
  })
  it('not where a ≠ 0: a scalar the loss ignores with a = 0.5 is a bug on its own scale, without SCALAR_RETRIES more checks', () => {
    const { r, probe } = checked(() => 0.25, () => [0.5], { at: Float64Array.from([0.3]) })
    expect(r.entries[0]).toMatchObject({ verdict: 'bug', numeric: 0 })
    // Its differences, the local noise of a sweep's conviction, at most one level evaluated twice (the trial
    // below h and the sweep's own), and the larger steps that look for the loss's grain where every difference is 0
    // (`coarser`, ×RATIO up to L, 8 in float64 from (3u)^⅓·L; the loss never moves): each narrowing would add a noise
    // probe and a check.
    expect(r.evaluations - probe - 1).toBeLessThanOrEqual(2 * r.entries[0]!.steps.length + 2 * LOCAL_POSITIONS.length + 2 + 8)
  })
})

describe('checkCoordinate: a trial step disagreeing with its own, tighter, bound is not cleared by h’s looser one', () => {
  // sin w + 0.5 at 0.7: the trial one level below h clears the right gradient; a gradient off by 1e-8 (7.6e-9 of
  // change) disagrees there, and the sweep from h, with the trial as its level below, convicts it.
  it('fails ×(1 + 1e-8); the right gradient passes at the trial step (negative control)', () => {
    const f = (w: Float64Array): number => Math.sin(w[0]!) + 0.5
    const right = checkGradients(f, (w: Float64Array) => [Math.cos(w[0]!)], { at: Float64Array.from([0.7]) }) as Report
    expect(right.pass).toBe(true)
    expect(right.entries[0]!.steps).toHaveLength(1)
    const bug = checkGradients(f, (w: Float64Array) => [Math.cos(w[0]!) * (1 + 1e-8)], { at: Float64Array.from([0.7]) }) as Report
    expect(bug.entries[0]).toMatchObject({ verdict: 'bug', failed: true })
    // The trial's step is among the levels, below the h the entry names.
    expect(bug.entries[0]!.steps.map((x) => x.h)).toContain(right.entries[0]!.step)
    expect(bug.entries[0]!.step).toBeGreaterThan(right.entries[0]!.step)
  })

  // f = K + Σ cᵢ·sin(wᵢ), K = 1e7 ≫ the sum (test/first-step.test.ts): at h the round-off bound is 4.7e-4 for
  // coordinate 3 (derivative −0.356) and ×(1 + 1e-3) passes there; the trial step above h disagrees beyond its
  // bound, and its own sweep, on the trial's scale, convicts it.
  const c = [0.7, -1.3, 0.4, 1.1, -0.9, 0.6]
  const offset = (factor: number): Report =>
    checkGradients(
      (w: Float64Array) => c.reduce((s, ci, i) => s + ci * Math.sin(w[i]!), 1e7),
      (w: Float64Array) => Float64Array.from(c, (ci, i) => ci * Math.cos(w[i]!) * (i === 3 ? factor : 1)),
      { at: Float64Array.from([0.3, -1.2, 0.8, 1.9, -0.4, 0.1]), mode: 'full' },
    ) as Report
  it('a trial above h: fails ×(1 + 1e-3) at coordinate 3 alone, named by the trial’s step; the right gradient passes', () => {
    const right = offset(1)
    expect(right.pass).toBe(true)
    const bug = offset(1 + 1e-3)
    expect(bug.entries.filter((e) => e.failed).map((e) => e.index[0])).toEqual([3])
    const e = bug.entries.find((x) => x.index[0] === 3)!
    expect(e.verdict).toBe('bug')
    // The step the entry is judged at is the trial's (the level its right gradient was cleared at), above the sweep's h.
    expect(e.step).toBe(right.entries.find((x) => x.index[0] === 3)!.step)
    expect(e.steps.map((x) => x.h)).toContain(e.step)
  })
})

describe('checkCoordinate: where h’s first difference alone would clear, a disagreeing trial is weighed by a sweep', () => {
  /** Coordinate 0 of w = [x, 0.5] under f(w₀) + w₁, with the analytic derivative ×factor: its h clearance and its trial. */
  const coordinateOf = (f: (v: number) => number, df: (v: number) => number, x: number, factor: number) => {
    const s = point({ w: [x, 0.5] }, [[df(x) * factor, 1]], (t) => f(t[0]![0]!) + t[0]![1]!)
    const m = s.run(measured(s.p))
    const c = coordinate(m.p, m.stats, m.scales[0]!, 0, 0)
    const step = trialStep(c)!
    const trial = s.run(level(c, step))
    const atH = clearedByFirst(c, s.run(firstLevel(c)).level)
    const j = s.run(checkCoordinate(m.p, m.stats, m.scales[0]!, 0, 0))
    return { c, step, trial, atH, j }
  }
  // (The factors sit between the two bounds: the error is beyond the trial's bound and within h's.)
  it('a trial below h (x³ + 5 at 1.3, ×(1 + 10^−8.75)): h would clear, the trial disagrees, the sweep convicts', () => {
    const { c, step, trial, atH, j } = coordinateOf((v) => v ** 3 + 5, (v) => 3 * v * v, 1.3, 1 + 10 ** -8.75)
    expect(step).toBeLessThan(c.h)
    expect(atH).toBeDefined()
    expect(disagrees(c, trial)).toBe(true)
    expect(j).toMatchObject({ verdict: 'bug', failed: true, reason: { kind: 'sweep' } })
    expect(j.steps.map((x) => x.h)).toContain(trial.s)
    // Each step once, though the trial's level is also the sweep's level below h.
    expect(new Set(j.steps.map((x) => x.h)).size).toBe(j.steps.length)
    // Negative control: the right derivative is cleared.
    expect(coordinateOf((v) => v ** 3 + 5, (v) => 3 * v * v, 1.3, 1).j.failed).toBe(false)
  })
  it('a trial above h (sin + 1e4 at 0.7, ×(1 + 1e−6)): h would clear, the trial disagrees, its own sweep convicts at its step', () => {
    const { c, step, trial, atH, j } = coordinateOf((v) => Math.sin(v) + 1e4, Math.cos, 0.7, 1 + 1e-6)
    expect(step).toBeGreaterThan(c.h)
    expect(atH).toBeDefined()
    expect(disagrees(c, trial)).toBe(true)
    expect(j).toMatchObject({ verdict: 'bug', failed: true, reason: { kind: 'sweep' }, step: trial.s })
    expect(new Set(j.steps.map((x) => x.h)).size).toBe(j.steps.length)
    expect(coordinateOf((v) => Math.sin(v) + 1e4, Math.cos, 0.7, 1).j.failed).toBe(false)
  })
})

describe('coarser: a conviction where the loss never moved looks for its grain at larger steps', () => {
  // A loss rounded to a grain of 1e-3: the probe's moves and w[1]'s first steps (a = 0.1, round-off-optimal, ~1e-6)
  // never cross a stair, so every difference of w[1] is exactly 0 and a = 0.1 convicts. The stairs are crossed at
  // steps ≥ 5e-3, within w[1]'s scale.
  const q = 1e-3
  const stairs = (t: Float64Array[]): number => q * Math.round((t[0]![0]! ** 2 + 0.1 * t[0]![1]!) / q)
  const setup = (f: (t: Float64Array[]) => number, a = 0.1) => {
    const s = point({ w: [0.5, 0.3] }, [[1, a]], f)
    const m = s.run(measured(s.p))
    return { ...s, ...m, own: perTensor(m.p, m.scales, m.stats) }
  }
  it('the right derivative is not convicted: the first move is the grain, and w[1] is checked again with that noise', () => {
    const s = setup(stairs)
    const plain = s.run(checkCoordinate(s.p, s.stats, s.scales[0]!, 0, 1))
    expect(plain).toMatchObject({ verdict: 'bug', numeric: 0 })
    expect(plain.steps.every((x) => x.forward === 0 && x.backward === 0)).toBe(true)
    const j = s.run(s.own.check(0, 1))
    expect(j.failed).toBe(false)
    // Judged on steps that cross the stairs: the largest at least q/(2a).
    expect(Math.max(...j.steps.map((x) => x.h))).toBeGreaterThanOrEqual(q / (2 * 0.1))
    expect(j.numeric).toBeCloseTo(0.1, 2)
  })
  it('negative control: ×3 on the same staircase still fails, on the steps that see the grain', () => {
    const s = setup(stairs, 0.3)
    const j = s.run(s.own.check(0, 1))
    expect(j).toMatchObject({ verdict: 'bug', failed: true })
    expect(j.numeric).toBeCloseTo(0.1, 2)
  })
  it('a loss that never moves up to the scale keeps the conviction, after one call per ×RATIO up to L', () => {
    const s = setup(() => 0.25)
    const start = s.calls()
    const plain = s.run(checkCoordinate(s.p, s.stats, s.scales[0]!, 0, 1))
    const own = s.calls() - start
    const j = s.run(s.own.check(0, 1))
    expect(j).toMatchObject({ verdict: 'bug', failed: true, numeric: 0 })
    expect(j.steps).toEqual(plain.steps)
    const c = coordinate(s.p, s.stats, s.scales[0]!, 0, 1)
    const top = Math.max(...plain.steps.map((x) => x.h))
    // Steps top·4, top·16, … while ≤ L: one call each, after the coordinate's own check.
    let searched = 0
    for (let h = top * 4; h <= c.L; h *= 4) searched++
    expect(searched).toBeGreaterThan(3)
    expect(s.calls() - start - own).toBe(own + searched)
  })
  it('a NaN met while searching keeps the conviction and is counted for the report’s warning', () => {
    const s = setup((t) => (Math.abs(t[0]![1]! - 0.3) > 1e-4 ? Number.NaN : 0.25))
    const j = s.run(s.own.check(0, 1))
    expect(j).toMatchObject({ verdict: 'bug', failed: true })
    expect(s.own.closed(s.stats).nonFinite).toBe(s.stats.nonFinite + 1)
  })
  it('a conviction with any nonzero difference searches nothing', () => {
    // a = 0.3 against sin's 0.1·cos: the sweep's differences are not 0, so the first verdict stands with its own calls.
    const s = setup((t) => t[0]![0]! ** 2 + 0.1 * Math.sin(t[0]![1]!), 0.3)
    const start = s.calls()
    const plain = s.run(checkCoordinate(s.p, s.stats, s.scales[0]!, 0, 1))
    const own = s.calls() - start
    const j = s.run(s.own.check(0, 1))
    expect(j).toMatchObject({ verdict: 'bug', failed: true })
    expect(s.calls() - start - own).toBe(own)
    expect(j.steps).toEqual(plain.steps)
  })
  it('nor one with a side that moved (a kink whose other side is flat), nor one whose smallest steps alone saw nothing', () => {
    // 0.1·max(0, w₁ − 0.3) at its kink, a = 5: the backward differences are all 0, the forward ones 0.1.
    const oneSided = (t: Float64Array[]): number => t[0]![0]! ** 2 + 0.1 * Math.max(0, t[0]![1]! - 0.3)
    // Flat within 5e-7 of x, linear beyond: the sweep's smallest step sees 0, the larger ones 0.1.
    const nearFlat = (t: Float64Array[]): number => t[0]![0]! ** 2 + (Math.abs(t[0]![1]! - 0.3) > 5e-7 ? 0.1 * (t[0]![1]! - 0.3) : 0)
    for (const f of [oneSided, nearFlat]) {
      const s = setup(f, 5)
      const start = s.calls()
      const plain = s.run(checkCoordinate(s.p, s.stats, s.scales[0]!, 0, 1))
      const own = s.calls() - start
      expect(plain.failed).toBe(true)
      expect(plain.steps.some((x) => x.forward !== 0 || x.backward !== 0)).toBe(true)
      if (f === nearFlat) expect(plain.steps.some((x) => x.forward === 0 && x.backward === 0)).toBe(true)
      if (f === oneSided) expect(plain.steps.every((x) => x.backward === 0)).toBe(true)
      s.run(s.own.check(0, 1))
      expect(s.calls() - start - own).toBe(own)
    }
  })
})
