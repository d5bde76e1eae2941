import { describe, expect, it } from 'vitest'
import type { Point } from '../../src/engine/point.js'
import type { LossStats } from '../../src/engine/noise.js'
import type { TensorScale } from '../../src/engine/scale.js'
import { normRatio, summarize } from '../../src/report/summary.js'
import type { Entry, Step } from '../../src/report/types.js'

// The report src/report/summary.ts builds from judged entries: its figures, its order of the worst
// entries, when it fails without a disagreement, and each warning's trigger beside its negative control.
const moved: Step = { kind: 'central', h: 1e-5, central: 1, forward: 1, backward: 1, noise: 0, finite: true, moved: true }

const entry = (name: string, i: number, f: Partial<Entry> = {}): Entry =>
  ({
    path: `${name}[${i}]`,
    name,
    index: [i],
    value: 1,
    analytic: 1,
    numeric: 1,
    absoluteError: 0,
    relativeError: 0,
    tolerance: 1e-7,
    estimatedError: 1e-9,
    kink: false,
    verdict: 'ok',
    failed: false,
    reason: { kind: 'first-difference' },
    steps: [moved],
    ...f,
  }) as Entry

const bad = (name: string, i: number, absoluteError: number, f: Partial<Entry> = {}): Entry =>
  entry(name, i, { failed: true, verdict: 'bug', absoluteError, analytic: 1 + absoluteError, relativeError: absoluteError / (1 + absoluteError), ...f })

interface Setup {
  blocks?: { name: string; size: number }[]
  options?: Partial<{ kinks: string; seed: number; worst: number; step: 'auto' | number }>
  precision?: 'float32' | 'float64'
  loss?: Partial<LossStats>
  declared?: 'float32' | 'float64'
  evaluations?: number
}

const run = (entries: Entry[], s: Setup = {}) => {
  const blocks = (s.blocks ?? [{ name: 'w', size: entries.filter((e) => e.name === 'w').length }]).map((b) => ({ ...b, shape: [b.size] }))
  const p = {
    at: { blocks },
    options: { kinks: 'subgradient', seed: 7, worst: 5, step: 'auto', ...s.options },
    precision: s.precision ?? 'float64',
  } as unknown as Point
  const scales = blocks.map((_, k) => ({ gradient: 10 + k })) as unknown as TensorScale[]
  const loss: LossStats = { value: 2, noise: 1e-16, spread: 0, deterministic: true, precision: 'float64', nonFinite: 0, ...s.loss }
  return summarize(p, entries, scales, loss, s.evaluations ?? 12, s.declared ?? s.precision ?? 'float64')
}

describe('normRatio: ‖a − n‖ / ‖a + n‖', () => {
  it('over every finite entry', () => {
    const e = [entry('w', 0, { analytic: 1, numeric: 1 }), entry('w', 1, { analytic: 2, numeric: 1 }), entry('w', 2, { analytic: 5, numeric: Number.NaN })]
    expect(normRatio(e)).toBeCloseTo(Math.sqrt(1 / 13), 15)
  })

  it('0 when both are 0, ∞ when only a + n is', () => {
    expect(normRatio([entry('w', 0, { analytic: 0, numeric: 0 })])).toBe(0)
    expect(normRatio([])).toBe(0)
    expect(normRatio([entry('w', 0, { analytic: 1, numeric: -1 })])).toBe(Infinity)
  })
})

describe('the figures of the report', () => {
  it('counts, the per-tensor summaries, the loss and what the point says', () => {
    const e = [entry('w', 0), bad('w', 1, 0.5), entry('b', 0, { relativeError: 1e-9 }), entry('x', 0)]
    const r = run(e, { blocks: [{ name: 'w', size: 2 }, { name: 'b', size: 1 }], evaluations: 40, loss: { value: 3, noise: 1e-15 } })
    expect(r).toMatchObject({ pass: false, checked: 4, failed: 1, evaluations: 40, seed: 7, precision: 'float64', directions: [], kinks: [] })
    expect(r.loss).toEqual({ value: 3, noise: 1e-15, spread: 0, deterministic: true })
    expect(r.maxRelativeError).toBeCloseTo(0.5 / 1.5, 15)
    expect(r.normRatio).toBe(normRatio(e))
    expect(r.blocks).toEqual([
      { name: 'w', shape: [2], size: 2, checked: 2, failed: 1, maxRelativeError: r.maxRelativeError, normRatio: normRatio(e.slice(0, 2)), scale: 10 },
      { name: 'b', shape: [1], size: 1, checked: 1, failed: 0, maxRelativeError: 1e-9, normRatio: 0, scale: 11 },
    ])
    expect(r.options).toMatchObject({ seed: 7, worst: 5 })
  })

  it('passes when nothing fails, and the kinks are listed', () => {
    const k = entry('w', 1, { kink: true, verdict: 'kink' })
    const r = run([entry('w', 0), k])
    expect(r.pass).toBe(true)
    expect(r.failed).toBe(0)
    expect(r.maxRelativeError).toBe(0)
    expect(r.kinks).toEqual([k])
    expect(r.unverified).toBeUndefined()
  })

  it('negative control: a nondeterministic loss fails it though no entry fails', () => {
    expect(run([entry('w', 0)], { loss: { deterministic: false, spread: 1 } }).pass).toBe(false)
  })

  it('the hints of the report are read from it', () => {
    const e = [1, 2, 3].map((n, i) => entry('w', i, { analytic: 2 * n, numeric: n, failed: true, verdict: 'bug' }))
    expect(run(e).hints).toMatchObject([{ kind: 'factor', factor: 2, names: ['w'] }])
  })
})

describe('unverified: no estimate at all', () => {
  const nan = (name: string, i: number) => entry(name, i, { numeric: Number.NaN, verdict: 'inconclusive' })

  it('a tensor with no finite numeric value fails the check, named', () => {
    const r = run([entry('w', 0), entry('w', 1), entry('w', 2), nan('b', 0)], { blocks: [{ name: 'w', size: 3 }, { name: 'b', size: 1 }] })
    expect(r.unverified).toEqual({ tensors: ['b'], unmeasured: 1 })
    expect(r.pass).toBe(false)
  })

  it('half the weights or more without one fails it, naming no tensor', () => {
    const r = run([entry('w', 0), nan('w', 1)], { blocks: [{ name: 'w', size: 2 }] })
    expect(r.unverified).toEqual({ tensors: [], unmeasured: 1 })
    expect(r.pass).toBe(false)
  })

  it('negative controls: fewer than half, and a tensor with no checked entries', () => {
    const r = run([entry('w', 0), entry('w', 1), nan('w', 2)], { blocks: [{ name: 'w', size: 3 }, { name: 'b', size: 4 }] })
    expect(r.unverified).toBeUndefined()
  })
})

describe('worst: failing first, then by |a − n| ÷ tolerance', () => {
  it('keeps the `worst` most, in order', () => {
    const e = [entry('w', 0, { absoluteError: 9e-8 }), bad('w', 1, 1e-3), bad('w', 2, 1e-1), entry('w', 3, { absoluteError: 5e-8 }), bad('w', 4, 1e-2)]
    const paths = (worst: number) => run(e, { options: { worst } }).worst.map((x) => x.path)
    expect(paths(5)).toEqual(['w[2]', 'w[4]', 'w[1]', 'w[0]', 'w[3]'])
    expect(paths(2)).toEqual(['w[2]', 'w[4]'])
    expect(paths(4)).toEqual(['w[2]', 'w[4]', 'w[1]', 'w[0]'])
    expect(paths(9)).toHaveLength(5)
    expect(paths(0)).toEqual([])
  })

  it('a failing entry beats a passing one however far the passing one is beyond its bound', () => {
    const e = [entry('w', 0, { absoluteError: 1 }), bad('w', 1, 1e-6)]
    expect(run(e, { options: { worst: 1 } }).worst.map((x) => x.path)).toEqual(['w[1]'])
    expect(run([e[1]!, e[0]!]).worst.map((x) => x.path)).toEqual(['w[1]', 'w[0]'])
  })

  it('ties keep the order of the entries', () => {
    const e = [bad('w', 0, 1e-3), bad('w', 1, 1e-3), bad('w', 2, 1e-3)]
    expect(run(e, { options: { worst: 2 } }).worst.map((x) => x.path)).toEqual(['w[0]', 'w[1]'])
    expect(run(e).worst.map((x) => x.path)).toEqual(['w[0]', 'w[1]', 'w[2]'])
  })

  it('an undefined ratio (0 / 0) counts as the worst', () => {
    const e = [bad('w', 0, 1), bad('w', 1, 0, { tolerance: 0 }), bad('w', 2, 2)]
    expect(run(e, { options: { worst: 1 } }).worst.map((x) => x.path)).toEqual(['w[1]'])
  })
})

describe('warnings', () => {
  const kinds = (r: ReturnType<typeof run>) => r.warnings.map((w) => w.kind)

  it('kinks: the accepted ones, the first three named, under the policy', () => {
    const e = [0, 1, 2, 3].map((i) => entry('w', i, { kink: true, verdict: 'kink' }))
    e.push(entry('w', 4, { kink: true, verdict: 'kink', failed: true }))
    expect(run(e).warnings).toEqual([{ kind: 'kinks', count: 4, policy: 'subgradient', paths: ['w[0]', 'w[1]', 'w[2]'] }])
    expect(run(e, { options: { kinks: 'skip' } }).warnings).toMatchObject([{ kind: 'kinks', policy: 'skip' }])
    expect(run(e, { options: { kinks: 'fail' } }).warnings).toMatchObject([{ kind: 'kinks', policy: 'subgradient' }])
  })

  it('negative control: a failing kink alone, or no kink', () => {
    expect(kinds(run([entry('w', 0, { kink: true, failed: true })]))).not.toContain('kinks')
    expect(run([entry('w', 0)]).warnings).toEqual([])
  })

  it('non-finite: moved steps where f was not finite, the first three named', () => {
    const broken = { ...moved, finite: false }
    const e = [0, 1, 2, 3].map((i) => entry('w', i, { steps: [moved, broken] }))
    expect(run(e).warnings).toEqual([{ kind: 'non-finite', count: 4, paths: ['w[0]', 'w[1]', 'w[2]'], probe: 0 }])
  })

  it('non-finite: a probe that was not finite, with no broken step', () => {
    expect(run([entry('w', 0)], { loss: { nonFinite: 2 } }).warnings).toEqual([{ kind: 'non-finite', count: 0, paths: [], probe: 2 }])
  })

  it('negative control: a step that did not move is not a non-finite value', () => {
    expect(kinds(run([entry('w', 0, { steps: [{ ...moved, moved: false, finite: false }] })]))).not.toContain('non-finite')
  })

  it('inconclusive: the count and the first', () => {
    const e = [entry('w', 0), entry('w', 1, { verdict: 'inconclusive' }), entry('w', 2, { verdict: 'inconclusive' })]
    expect(run(e).warnings).toEqual([{ kind: 'inconclusive', count: 2, path: 'w[1]' }])
  })

  it('spread: only on a deterministic loss whose calls differed', () => {
    expect(run([entry('w', 0)], { loss: { spread: 1e-17 } }).warnings).toEqual([{ kind: 'spread', spread: 1e-17 }])
    expect(kinds(run([entry('w', 0)], { loss: { spread: 1, deterministic: false } }))).not.toContain('spread')
  })

  it('float32-loss: the check ran in another precision than declared', () => {
    expect(run([entry('w', 0)], { precision: 'float32', declared: 'float64' }).warnings).toEqual([{ kind: 'float32-loss' }])
    expect(run([entry('w', 0)], { precision: 'float32', declared: 'float32' }).warnings).toEqual([])
  })

  it('sampled: a tensor checked in part, with the seed', () => {
    const r = run([entry('w', 0), entry('w', 1)], { blocks: [{ name: 'w', size: 5 }] })
    expect(r.warnings).toEqual([{ kind: 'sampled', name: 'w', checked: 2, size: 5, seed: 7 }])
  })

  it('in this order when all hold', () => {
    const e = [entry('w', 0, { kink: true }), entry('w', 1, { steps: [{ ...moved, finite: false }], verdict: 'inconclusive' })]
    const r = run(e, { blocks: [{ name: 'w', size: 3 }], loss: { spread: 1e-17 }, precision: 'float32', declared: 'float64' })
    expect(kinds(r)).toEqual(['kinks', 'non-finite', 'inconclusive', 'spread', 'float32-loss', 'sampled'])
  })
})
