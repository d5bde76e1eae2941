import { describe, expect, it } from 'vitest'
import { withCoverage } from '../../src/report/coverage.js'
import type { Coverage, DirectionTest, Entry, Report, Warning } from '../../src/report/types.js'

// How src/report/coverage.ts turns a report into a covering mode's: coverage per tensor, `covered` in
// place of `sampled` only where directions covered the rest, and when it passes. Only the fields it reads.
const direction = (tensor: string, numeric = 1): DirectionTest =>
  ({ tensor, kind: 'random', size: 4, analytic: 1, numeric, bound: 1e-6, verdict: 'ok', failed: false, kink: false, calls: 2, depth: 0 }) as DirectionTest

const base = (r: Partial<Report> = {}): Report =>
  ({
    pass: true,
    failed: 0,
    unverified: undefined,
    entries: [{ name: 'w' } as Entry],
    blocks: [
      { name: 'w', shape: [10], size: 10 },
      { name: 'b', shape: [4], size: 4 },
    ],
    warnings: [],
    directions: [],
    loss: { value: 1, noise: 0, spread: 0, deterministic: true },
    ...r,
  }) as unknown as Report

const sampled = (name: string, checked: number, size: number): Warning => ({ kind: 'sampled', name, checked, size, seed: 1 })
const cover = (r: Report, coverage: Coverage[], directions: DirectionTest[] = [], notes: Warning[] = []) => withCoverage(r, { directions, coverage, notes })

describe('coverage per tensor', () => {
  it('each block gets its own, and the directions are the report’s', () => {
    const d = [direction('w')]
    const r = cover(base(), ['sampled + directions', 'coordinates'], d)
    expect(r.blocks.map((b) => b.coverage)).toEqual(['sampled + directions', 'coordinates'])
    expect(r.directions).toBe(d)
    expect(r.pass).toBe(true)
  })
})

describe('sampled → covered', () => {
  const warnings = [sampled('w', 3, 10), { kind: 'spread', spread: 1e-17 } as Warning, sampled('b', 1, 4)]

  it('where directions covered the rest: how many, by how many directions of that tensor', () => {
    const r = cover(base({ warnings }), ['sampled + directions', 'directions'], [direction('w'), direction('b'), direction('w')])
    expect(r.warnings).toEqual([
      { kind: 'covered', name: 'w', checked: 3, size: 10, covered: 7, directions: 2 },
      { kind: 'spread', spread: 1e-17 },
      { kind: 'covered', name: 'b', checked: 1, size: 4, covered: 3, directions: 1 },
    ])
  })

  it('negative control: a tensor checked one by one or sampled alone keeps its sampled warning', () => {
    const r = cover(base({ warnings }), ['coordinates', 'sampled'], [direction('w')])
    expect(r.warnings).toEqual(warnings)
  })

  it('each tensor by its own coverage, found by name', () => {
    const r = cover(base({ warnings: [sampled('b', 1, 4)] }), ['coordinates', 'sampled + directions'], [direction('b')])
    expect(r.warnings).toEqual([{ kind: 'covered', name: 'b', checked: 1, size: 4, covered: 3, directions: 1 }])
    const kept = cover(base({ warnings: [sampled('b', 1, 4)] }), ['sampled + directions', 'sampled'], [direction('b')])
    expect(kept.warnings).toEqual([sampled('b', 1, 4)])
  })

  it('the notes of localisation follow the warnings', () => {
    const note: Warning = { kind: 'direction-kink', name: 'w', count: 1 }
    const r = cover(base({ warnings: [warnings[1]!] }), ['coordinates', 'coordinates'], [], [note])
    expect(r.warnings).toEqual([warnings[1], note])
    expect(r.pass).toBe(true)
  })
})

describe('pass', () => {
  const notes: Warning[] = [
    { kind: 'unlocalised', name: 'w', direction: 'random', relativeError: 1e-3 },
    { kind: 'whole-tensor', name: 'w', parts: 4 },
    { kind: 'localisation-capped', name: 'w', atLeast: 9, shown: 3 },
    { kind: 'analytic-not-finite', name: 'w', value: Number.NaN, direction: 'random' },
  ]

  it('each failing note fails the check on its own', () => {
    for (const note of notes) expect(cover(base(), ['coordinates', 'coordinates'], [], [note]).pass).toBe(false)
  })

  it('negative controls: a failed entry, a nondeterministic loss', () => {
    expect(cover(base({ failed: 1 }), ['coordinates', 'coordinates']).pass).toBe(false)
    expect(cover(base({ loss: { value: 1, noise: 0, spread: 1, deterministic: false } }), ['coordinates', 'coordinates']).pass).toBe(false)
  })
})

describe('unverified', () => {
  const unverified = (tensors: string[], unmeasured: number) => ({ tensors, unmeasured })

  it('a tensor covered by directions only, with a finite direction, is measured', () => {
    const r = cover(base({ entries: [], unverified: unverified([], 0) }), ['directions', 'directions'], [direction('w')])
    expect(r.unverified).toBeUndefined()
    expect(r.pass).toBe(true)
  })

  it('negative control: no finite direction leaves it unverified', () => {
    const u = unverified([], 0)
    const r = cover(base({ entries: [], unverified: u }), ['directions', 'directions'], [direction('w', Number.NaN)])
    expect(r.unverified).toBe(u)
    expect(r.pass).toBe(false)
  })

  it('negative control: a checked tensor with no estimate stays unverified, directions or not', () => {
    const u = unverified(['b'], 1)
    const r = cover(base({ unverified: u }), ['coordinates', 'coordinates'], [direction('w')])
    expect(r.unverified).toBe(u)
    expect(r.pass).toBe(false)
  })

  it('negative control: half the checked weights unmeasured stays unverified', () => {
    const u = unverified([], 1)
    const r = cover(base({ unverified: u }), ['sampled + directions', 'coordinates'], [direction('w')])
    expect(r.unverified).toBe(u)
    expect(r.pass).toBe(false)
  })
})
