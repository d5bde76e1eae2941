import { describe, expect, it } from 'vitest'
import type { Point } from '../../src/engine/point.js'
import { hintsFor } from '../../src/report/hints.js'
import type { Entry, Report, Step } from '../../src/report/types.js'

// Each hint of src/report/hints.ts on a report built to hold its pattern, and beside it the same report
// with the pattern broken (its negative control): only the fields hints.ts reads are filled in.
const moved: Step = { kind: 'central', h: 1e-5, central: 1, forward: 1, backward: 1, noise: 0, finite: true, moved: true }

interface Fields {
  analytic: number
  numeric: number
  value?: number
  failed?: boolean
  verdict?: Entry['verdict']
  estimatedError?: number
  tolerance?: number
  steps?: Step[]
  reason?: Entry['reason']
}

const entry = (name: string, index: number[], f: Fields): Entry =>
  ({
    path: index.length === 0 ? name : `${name}[${index.join(',')}]`,
    name,
    index,
    value: f.value ?? 1,
    analytic: f.analytic,
    numeric: f.numeric,
    failed: f.failed ?? true,
    verdict: f.verdict ?? (f.failed === false ? 'ok' : 'bug'),
    estimatedError: f.estimatedError ?? 1e-9,
    tolerance: f.tolerance ?? 1e-7,
    steps: f.steps ?? [moved],
    reason: f.reason ?? { kind: 'first-difference' },
  }) as Entry

/** A vector tensor `name` of entries index 0, 1, … */
const vector = (name: string, fields: Fields[]): Entry[] => fields.map((f, i) => entry(name, [i], f))

const report = (entries: Entry[], shapes: Record<string, number[]> = {}, loss: Partial<Report['loss']> = {}): Omit<Report, 'hints'> => {
  const names = [...new Set(entries.map((e) => e.name))]
  const blocks = names.map((name) => {
    const mine = entries.filter((e) => e.name === name)
    return { name, shape: shapes[name] ?? [mine.length], failed: mine.filter((e) => e.failed).length }
  })
  return { entries, blocks, loss: { value: 1, noise: 0, spread: 0, deterministic: true, ...loss } } as unknown as Omit<Report, 'hints'>
}

const point = (step: 'auto' | number = 'auto', precision: 'float32' | 'float64' = 'float64'): Point => ({ options: { step }, precision }) as unknown as Point

const hints = (entries: Entry[], shapes?: Record<string, number[]>, p = point()) => hintsFor(report(entries, shapes), p)

/** analytic = c · numeric on distinct numeric values 1, 2, 3, … (no other pattern fits them). */
const scaled = (c: number, n = 3): Fields[] => Array.from({ length: n }, (_, i) => ({ analytic: c * (i + 1), numeric: i + 1 }))

describe('nondeterministic', () => {
  it('is said when the loss is not deterministic, and then no tensor is explained', () => {
    const r = report(vector('w', scaled(2)), {}, { deterministic: false, spread: 0.5 })
    expect(hintsFor(r, point())).toEqual([{ kind: 'nondeterministic', spread: 0.5 }])
  })

  it('negative control: a deterministic loss with the same entries gets the factor instead', () => {
    expect(hints(vector('w', scaled(2))).map((h) => h.kind)).toEqual(['factor'])
  })
})

describe('unread: no move changed the loss', () => {
  const still: Step = { ...moved, forward: 0, backward: 0, central: 0 }
  it('counts both moves of every step of the tensor, and names the first failing weight', () => {
    const e = vector('w', [
      { analytic: 1, numeric: 0, steps: [still, still] },
      { analytic: 3, numeric: 0, steps: [still] },
    ])
    expect(hints(e)).toEqual([{ kind: 'unread', name: 'w', moves: 6, path: 'w[0]', analytic: 1 }])
  })

  it('negative controls: one move that changed the loss, forward or backward, rules it out', () => {
    for (const change of [{ forward: 1e-9 }, { backward: -1e-9 }]) {
      const e = vector('w', [
        { analytic: 1, numeric: 0, steps: [still] },
        { analytic: 3, numeric: 0, steps: [still, { ...still, ...change }], failed: false },
      ])
      expect(hints(e).map((h) => h.kind)).not.toContain('unread')
    }
  })
})

describe('zero: analytic 0 where numeric is not, on every failing entry', () => {
  it('counts them and names the first', () => {
    const e = vector('w', [
      { analytic: 1, numeric: 1, failed: false },
      { analytic: 0, numeric: 2 },
      { analytic: 0, numeric: -3 },
    ])
    expect(hints(e)).toEqual([{ kind: 'zero', name: 'w', count: 2, path: 'w[1]', numeric: 2 }])
  })

  it('negative controls: one failing entry with a nonzero analytic value, or numeric 0 too', () => {
    const some = hints(vector('w', [{ analytic: 0, numeric: 2 }, { analytic: 0, numeric: 3 }, { analytic: 5, numeric: 4 }]))
    expect(some.map((h) => h.kind)).not.toContain('zero')
    const both = hints(vector('w', [{ analytic: 0, numeric: 0 }, { analytic: 0, numeric: 3 }]))
    expect(both.map((h) => h.kind)).not.toContain('zero')
  })
})

describe('factor: analytic ≈ c · numeric over the tensor', () => {
  it('still holds when one entry has no finite difference (a domain edge): the NaN is left out, not the pattern', () => {
    const e = vector('w', [...scaled(2), { analytic: 8, numeric: Number.NaN }])
    expect(hints(e).map((h) => h.kind)).toEqual(['factor'])
  })

  it('finds c from the median ratio of the significant entries', () => {
    // Ratios 2.03, 2, 2.01, 2.02: sorted, the median (index 2 of 4) is 2.02; unsorted or reversed it is not.
    const e = vector('w', [2.03, 2, 2.01, 2.02].map((c, i) => ({ analytic: c * (i + 1), numeric: i + 1 })))
    const [h] = hints(e)
    expect(h).toMatchObject({ kind: 'factor', name: 'w', names: ['w'], count: 4 })
    expect(h!.kind === 'factor' && h.factor).toBeCloseTo(2.02, 12)
  })

  it('reads it only from significant entries: not from tiny or noisy numeric values', () => {
    const e = vector('w', [
      ...scaled(2),
      { analytic: 1.4e-2, numeric: 2e-3 }, // below 1e-3 of the largest |numeric| (3e-3), above 1e-3 / 3
      { analytic: 7, numeric: 1, estimatedError: 0.2 }, // numeric within 10× its error
    ])
    expect(hints(e)).toMatchObject([{ kind: 'factor', factor: 2, count: 3 }])
  })

  it('negative control: a significant entry that passes rules it out', () => {
    const e = vector('w', [...scaled(2), { analytic: 8, numeric: 4, failed: false }])
    expect(hints(e).map((h) => h.kind)).not.toContain('factor')
  })

  it('negative control: fewer than two significant entries', () => {
    const e = vector('w', [{ analytic: 2, numeric: 1 }, { analytic: 2e-5, numeric: 1e-5 }])
    expect(hints(e).map((h) => h.kind)).not.toContain('factor')
  })

  it('holds within 2 % of c, not beyond', () => {
    const within = vector('w', [2, 2, 2.039].map((c, i) => ({ analytic: c * (i + 1), numeric: i + 1 })))
    expect(hints(within).map((h) => h.kind)).toEqual(['factor'])
    const beyond = vector('w', [2, 2, 2.041].map((c, i) => ({ analytic: c * (i + 1), numeric: i + 1 })))
    expect(hints(beyond).map((h) => h.kind)).not.toContain('factor')
  })

  it('near 1, holds within a tenth of |c − 1| (tighter than 2 % of c)', () => {
    // c = 1.1: 2 % of c is 0.022, a tenth of |c − 1| is 0.01.
    const within = vector('w', [1.1, 1.1, 1.109].map((c, i) => ({ analytic: c * (i + 1), numeric: i + 1 })))
    expect(hints(within).map((h) => h.kind)).toEqual(['factor'])
    const beyond = vector('w', [1.1, 1.1, 1.115].map((c, i) => ({ analytic: c * (i + 1), numeric: i + 1 })))
    expect(hints(beyond).map((h) => h.kind)).not.toContain('factor')
  })

  it('a negative factor', () => {
    expect(hints(vector('w', scaled(-1)))).toMatchObject([{ kind: 'factor', factor: -1 }])
  })
})

describe('merged: one hint per pattern', () => {
  it('the same factor on two tensors is said once, naming both and counting all their entries', () => {
    const e = [...vector('a', scaled(2)), ...vector('b', scaled(2.01, 4))]
    expect(hints(e)).toMatchObject([{ kind: 'factor', name: 'a', names: ['a', 'b'], count: 7 }])
  })

  it('negative control: different factors are said apart', () => {
    const e = [...vector('a', scaled(2)), ...vector('b', scaled(3))]
    expect(hints(e)).toMatchObject([
      { kind: 'factor', names: ['a'], factor: 2 },
      { kind: 'factor', names: ['b'], factor: 3 },
    ])
  })

  it('merging does not change the hint of the first tensor found for another report', () => {
    const first = hints(vector('a', scaled(2)))
    hints([...vector('a', scaled(2)), ...vector('b', scaled(2))])
    expect(first).toMatchObject([{ names: ['a'], count: 3 }])
  })
})

describe('transposed', () => {
  /** A 2×3 tensor whose analytic data is the numeric gradient read in the transposed layout. */
  const layout = (perturb = 0): Entry[] => {
    const [r, c] = [2, 3]
    const numeric = [1, 2, 3, 4, 5, 6]
    return numeric.map((_, q) => {
      const other = (q % r) * c + Math.floor(q / r)
      return entry('w', [Math.floor(q / c), q % c], { analytic: numeric[other]! + (q === 1 ? perturb : 0), numeric: numeric[q]! })
    })
  }

  it('counts the entries that moved (4 of 6: flat 0 and 5 stay put)', () => {
    const e = layout()
    expect(hints(e, { w: [2, 3] })).toEqual([{ kind: 'transposed', name: 'w', pairs: 4 }])
  })

  it('square: analytic[i, j] = numeric[j, i]', () => {
    const n = [
      [1, 2],
      [3, 4],
    ]
    const e = [0, 1].flatMap((i) => [0, 1].map((j) => entry('w', [i, j], { analytic: n[j]![i]!, numeric: n[i]![j]! })))
    expect(hints(e, { w: [2, 2] })).toEqual([{ kind: 'transposed', name: 'w', pairs: 2 }])
  })

  it('negative control: one entry off by more than its tolerance', () => {
    expect(hints(layout(1e-3), { w: [2, 3] }).map((h) => h.kind)).not.toContain('transposed')
  })

  it('within its tolerance it still holds', () => {
    expect(hints(layout(5e-8), { w: [2, 3] }).map((h) => h.kind)).toEqual(['transposed'])
  })

  it('negative control: not a matrix', () => {
    const e = layout().map((x, q) => ({ ...x, index: [q] }))
    expect(hints(e, { w: [6] }).map((h) => h.kind)).not.toContain('transposed')
  })

  it('a non-finite numeric partner is skipped, not compared', () => {
    const e = layout()
    e[2] = { ...e[2]!, numeric: Number.NaN } // the partner of flat 1 (and 4)
    const [h] = hints(e, { w: [2, 3] })
    expect(h).toMatchObject({ kind: 'transposed' })
  })

  it('a sampled tensor: entries whose partner was not checked are skipped', () => {
    // Without flat 1, flat 2 (whose partner it is) is skipped too: 2 of the 4 pairs are left.
    const e = layout().filter((x) => x.index.join() !== '0,1')
    expect(hints(e, { w: [2, 3] })).toEqual([{ kind: 'transposed', name: 'w', pairs: 2 }])
  })

  it('holds within 1e-6 of the larger value plus the tolerance, not beyond', () => {
    const exact = (perturb: number, tolerance: number) => layout(perturb).map((x) => ({ ...x, tolerance }))
    // flat 1's partner has numeric 4: 1e-6 of it is 4e-6.
    expect(hints(exact(2e-6, 0), { w: [2, 3] }).map((h) => h.kind)).toEqual(['transposed'])
    expect(hints(exact(1e-5, 0), { w: [2, 3] }).map((h) => h.kind)).not.toContain('transposed')
    expect(hints(exact(5e-3, 1e-2), { w: [2, 3] }).map((h) => h.kind)).toEqual(['transposed'])
  })
})

describe('l2: numeric − analytic ≈ λ·w', () => {
  const l2 = (lambdas: number[]): Entry[] =>
    vector(
      'w',
      lambdas.map((lambda, i) => {
        const [value, numeric] = [i + 1, 10 - i]
        return { value, numeric, analytic: numeric - lambda * value }
      }),
    )

  it('finds λ on three failing weights', () => {
    const [h] = hints(l2([0.1, 0.1, 0.1]))
    expect(h!.kind).toBe('l2')
    expect(h!.kind === 'l2' && h.lambda).toBeCloseTo(0.1, 12)
  })

  it('an extra term: λ < 0', () => {
    const [h] = hints(l2([-0.1, -0.1, -0.1]))
    expect(h!.kind === 'l2' && h.lambda).toBeCloseTo(-0.1, 12)
  })

  it('negative controls: two weights, or one λ 3 % off', () => {
    expect(hints(l2([0.1, 0.1])).map((h) => h.kind)).not.toContain('l2')
    expect(hints(l2([0.1, 0.1, 0.103])).map((h) => h.kind)).not.toContain('l2')
  })

  it('weights at 0 and non-finite numeric values are left out of it', () => {
    const e = [...l2([0.1, 0.1, 0.1]), entry('w', [3], { value: 0, numeric: 1, analytic: 5 }), entry('w', [4], { value: 2, numeric: Number.NaN, analytic: 5 })]
    expect(hints(e)[0]!.kind).toBe('l2')
    const fewer = [...l2([0.1, 0.1]), entry('w', [2], { value: 0, numeric: 1, analytic: 5 }), entry('w', [3], { value: 2, numeric: Number.NaN, analytic: 5 })]
    expect(hints(fewer).map((h) => h.kind)).not.toContain('l2')
  })
})

describe('slice: failures on one or two indices of one axis', () => {
  /** A 3×2 tensor: entries failing where `bad(i, j)`, analytic off by an unpatterned amount. */
  const grid = (bad: (i: number, j: number) => boolean, rows = 3): Entry[] =>
    Array.from({ length: rows }, (_, i) => i).flatMap((i) =>
      [0, 1].map((j) => {
        const n = 1 + i * 2 + j
        return entry('w', [i, j], bad(i, j) ? { analytic: n + 0.3 * (n * n), numeric: n, value: 0 } : { analytic: n, numeric: n, failed: false })
      }),
    )

  it('a border row', () => {
    expect(hints(grid((i) => i === 0), { w: [3, 2] })).toEqual([{ kind: 'slice', name: 'w', shape: [3, 2], axis: 0, indices: [0], border: true }])
    expect(hints(grid((i) => i === 2), { w: [3, 2] })).toMatchObject([{ kind: 'slice', axis: 0, indices: [2], border: true }])
  })

  it('an interior row is not a border', () => {
    expect(hints(grid((i) => i === 1), { w: [3, 2] })).toMatchObject([{ kind: 'slice', axis: 0, indices: [1], border: false }])
  })

  it('two rows, sorted; not a border when one is interior', () => {
    expect(hints(grid((i) => i === 2 || i === 0), { w: [3, 2] })).toMatchObject([{ kind: 'slice', axis: 0, indices: [0, 2], border: true }])
    expect(hints(grid((i) => i === 2 || i === 1), { w: [3, 2] })).toMatchObject([{ kind: 'slice', axis: 0, indices: [1, 2], border: false }])
  })

  it('sorted whatever the order of the entries', () => {
    expect(hints(grid((i) => i === 2 || i === 0).reverse(), { w: [3, 2] })).toMatchObject([{ kind: 'slice', indices: [0, 2] }])
  })

  it('a column spread over three rows is a slice of the columns, not of the rows', () => {
    expect(hints(grid((i, j) => j === 1 && i < 3, 4), { w: [4, 2] })).toMatchObject([{ kind: 'slice', axis: 1, indices: [1] }])
  })

  it('a column, when every row fails', () => {
    expect(hints(grid((_, j) => j === 1), { w: [3, 2] })).toMatchObject([{ kind: 'slice', axis: 1, indices: [1], border: true }])
  })

  it('negative control: failures spread over every index of every axis', () => {
    expect(hints(grid((i, j) => (i + j) % 2 === 0 || i === 1), { w: [3, 2] })).toEqual([])
  })

  it('negative control: fewer than two entries outside the slice', () => {
    const e = grid((i) => i !== 2).filter((x) => x.failed || x.index[1] === 0)
    expect(hints(e, { w: [3, 2] })).toEqual([])
  })
})

describe('single', () => {
  it('one failing weight: its path and factor, alone when no other tensor fails', () => {
    const e = vector('w', [{ analytic: 3, numeric: 2 }, { analytic: 1, numeric: 1, failed: false }])
    expect(hints(e)).toEqual([{ kind: 'single', name: 'w', path: 'w[0]', alone: true, factor: 1.5 }])
  })

  it('no factor when the numeric value is 0', () => {
    const e = vector('w', [{ analytic: 3, numeric: 0 }, { analytic: 1, numeric: 1, failed: false }])
    expect(hints(e)).toEqual([{ kind: 'single', name: 'w', path: 'w[0]', alone: true }])
  })

  it('no factor when the analytic value is NaN or ±∞ (a JVP mid-check): never "off by a factor NaN"', () => {
    for (const analytic of [Number.NaN, Infinity, -Infinity]) {
      const e = vector('w', [{ analytic, numeric: 2 }, { analytic: 1, numeric: 1, failed: false }])
      expect(hints(e)).toEqual([{ kind: 'single', name: 'w', path: 'w[0]', alone: true }])
    }
  })

  it('not alone when another tensor fails too', () => {
    const e = [...vector('w', [{ analytic: 3, numeric: 2 }, { analytic: 1, numeric: 1, failed: false }]), ...vector('b', scaled(2))]
    expect(hints(e)[0]).toMatchObject({ kind: 'single', alone: false })
  })

  it('negative control: a weight at a kink does not count as failing, and a passing tensor gets no hint', () => {
    const e = vector('w', [{ analytic: 3, numeric: 2, verdict: 'kink' }, { analytic: 1, numeric: 1, failed: false }])
    expect(hints(e)).toEqual([])
    expect(hints(vector('w', [{ analytic: 1, numeric: 1, failed: false }]))).toEqual([])
    // A passing tensor whose moves left the loss still is not read for a hint either.
    const still: Step = { ...moved, forward: 0, backward: 0 }
    expect(hints(vector('w', [{ analytic: 0, numeric: 0, failed: false, steps: [still] }]))).toEqual([])
  })
})

describe('step hints', () => {
  const sweep = (trend: 'falls' | 'flat', failed = true) => entry('w', [0], { analytic: 1, numeric: 1, failed, reason: { kind: 'sweep', trend } })

  it('a fixed step with failing weights that fall with it is too large', () => {
    const e = [sweep('falls'), sweep('falls'), sweep('falls', false)]
    expect(hintsFor(report(e), point(1e-3)).filter((h) => h.kind === 'step')).toEqual([{ kind: 'step', count: 2, step: 1e-3 }])
  })

  it('negative controls: an automatic step, a flat trend, a passing weight', () => {
    expect(hintsFor(report([sweep('falls')]), point('auto')).map((h) => h.kind)).not.toContain('step')
    expect(hintsFor(report([sweep('flat')]), point(1e-3)).map((h) => h.kind)).not.toContain('step')
    expect(hintsFor(report([sweep('falls', false)]), point(1e-3)).map((h) => h.kind)).not.toContain('step')
    const rough = entry('w', [0], { analytic: 1, numeric: 1, reason: { kind: 'not-smooth', trend: 'falls' } })
    expect(hintsFor(report([rough]), point(1e-3)).map((h) => h.kind)).not.toContain('step')
  })

  const unmoved = entry('w', [0], { analytic: 1, numeric: 0, failed: false, verdict: 'inconclusive', reason: { kind: 'unmoved', step: 1e-20 } })

  it('a fixed step that never moved a weight is too small (said instead of float32)', () => {
    expect(hintsFor(report([unmoved]), point(1e-20, 'float32'))).toEqual([{ kind: 'step-too-small', step: 1e-20 }])
  })

  it('one unmoved weight among others is enough', () => {
    const other = entry('w', [1], { analytic: 1, numeric: 1, failed: false })
    expect(hintsFor(report([other, unmoved]), point(1e-20))).toEqual([{ kind: 'step-too-small', step: 1e-20 }])
  })

  it('negative control: a fixed step that moved every weight', () => {
    const other = entry('w', [1], { analytic: 1, numeric: 1, failed: false })
    expect(hintsFor(report([other]), point(1e-3))).toEqual([])
  })

  it('float32: an inconclusive weight in float32, one among others is enough', () => {
    expect(hintsFor(report([unmoved]), point('auto', 'float32'))).toEqual([{ kind: 'float32' }])
    const other = entry('w', [1], { analytic: 1, numeric: 1, failed: false })
    expect(hintsFor(report([other, unmoved]), point('auto', 'float32'))).toEqual([{ kind: 'float32' }])
  })

  it('negative controls: float64, or no inconclusive weight', () => {
    expect(hintsFor(report([unmoved]), point('auto', 'float64'))).toEqual([])
    expect(hintsFor(report([{ ...unmoved, verdict: 'ok' }]), point('auto', 'float32'))).toEqual([])
  })
})

describe('float32-gradient: every failure within float32 round-off of its value, in a float64 check', () => {
  const f32 = (n: number, rel: number): Fields => ({ analytic: n * (1 + rel), numeric: n })
  // 64 float32 ulps (ANALYTIC_ULPS · 2⁻²⁴ = 3.8e-6) is the edge.
  it('said instead of a pattern (here a "factor ×(1 + 2e-8)"), with the count and the largest relative error', () => {
    const e = vector('w', [f32(1, 2e-8), f32(2, 2e-8), f32(3, 2e-8)])
    expect(hints(e)).toEqual([{ kind: 'float32-gradient', count: 3, relativeError: expect.closeTo(2e-8, 15) }])
    expect(hints(vector('w', [f32(1, 3e-6), f32(2, 1e-8)]))).toMatchObject([{ kind: 'float32-gradient', count: 2 }])
  })
  it('negative controls: one failure beyond float32 round-off, a float32 check, a fixed step, a failure that is not a bug', () => {
    expect(hints(vector('w', [f32(1, 2e-8), f32(2, 1e-5)])).map((h) => h.kind)).not.toContain('float32-gradient')
    expect(hintsFor(report(vector('w', [f32(1, 2e-8), f32(2, 2e-8)])), point('auto', 'float32')).map((h) => h.kind)).not.toContain('float32-gradient')
    expect(hintsFor(report(vector('w', [f32(1, 2e-8), f32(2, 2e-8)])), point(1e-3)).map((h) => h.kind)).not.toContain('float32-gradient')
    expect(hints(vector('w', [{ ...f32(1, 2e-8), verdict: 'nondeterministic' }])).map((h) => h.kind)).not.toContain('float32-gradient')
  })
})
