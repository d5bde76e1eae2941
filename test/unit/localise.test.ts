// Localisation of a failing direction (src/modes/localise.ts, docs/numerics.md §8): halving until single
// coordinates are found, one half measured and the other inferred from linearity where that suffices,
// breadth first down to WHOLE_DEPTH (a tensor-wide error named as such), depth first below, the shared
// call budget, the found coordinates' entries (re-measured as a direction of their own where that is
// tighter), and `testOf` / `suspicious`. On f(w) = Σ cᵢwᵢ + ½Σ wᵢ² through the real Perturbation.
import { describe, expect, it } from 'vitest'
import { Perturbation } from '../../src/engine/calls.js'
import { DIRECTIONS, RATIO, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import { type Direction, type DirectionResult, analyticAlong, checkDirection, gradientDirection, partOf, randomDirection } from '../../src/engine/direction.js'
import { type Check, drive } from '../../src/engine/drive.js'
import type { LossStats } from '../../src/engine/noise.js'
import type { Point } from '../../src/engine/point.js'
import type { TensorScale } from '../../src/engine/scale.js'
import { checkCoordinate } from '../../src/modes/coordinates.js'
import { type Localised, localise, suspicious, testOf } from '../../src/modes/localise.js'
import { resolveOptions } from '../../src/options.js'
import type { Block } from '../../src/params/flatten.js'
import { random, sampleIndices } from '../../src/random.js'

const u = UNIT_ROUNDOFF.float64
const N = 8
const w = Array.from({ length: N }, (_, i) => 0.1 * i - 0.3)
const c = w.map((_, i) => 0.3 + 0.1 * i)
/** The right gradient c + w, with entries scaled by `bad` (index → factor). */
const gradient = (bad: Record<number, number> = {}): number[] => w.map((x, i) => (c[i]! + x) * (bad[i] ?? 1))
const right = Float64Array.from(gradient())

const setup = (g: number[], o: { worst?: number; seed?: number; along?: Point['along']; w?: number[]; c?: number[]; nanAlong5?: boolean } = {}) => {
  const w0 = o.w ?? w
  const c0 = o.c ?? c
  const data = Float64Array.from(w0)
  const block: Block = { name: 'w', shape: [w0.length], size: w0.length, precision: 'float64', get: (i) => data[i]!, set: (i, v) => void (data[i] = v) }
  const at = new Perturbation([block])
  // With `nanAlong5`, NaN where w[5] alone has moved by more than 1e-4 (beyond its own check's steps).
  const lone5 = (): boolean => Math.abs(data[5]! - w0[5]!) > 1e-4 && data.every((x, i) => i === 5 || x === w0[i])
  const f = (): number => (o.nanAlong5 && lone5() ? Number.NaN : data.reduce((s, x, i) => s + c0[i]! * x + 0.5 * x * x, 0))
  const options = resolveOptions({ at: data, ...(o.worst !== undefined ? { worst: o.worst } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) })
  const p: Point = { at, analytic: [Float64Array.from(g)], precision: 'float64', options, ...(o.along ? { along: o.along } : {}) }
  const loss = { value: f(), noise: u * Math.abs(f()), spread: 0, deterministic: true, precision: 'float64', nonFinite: 0 } as LossStats
  const t: TensorScale = { value: { centre: 0, scale: 1 }, gradient: Math.max(...g.map(Math.abs)), change: 0 }
  let calls = 0
  const run = <T>(check: Check<T>): T =>
    drive(check, (call) => {
      calls++
      if (call === 'loss') return f()
      throw new Error(`unexpected call ${JSON.stringify(call)}`)
    }) as T
  return { p, loss, t, run, calls: () => calls, data }
}
type Setup = ReturnType<typeof setup>

const all = Int32Array.from(w.map((_, i) => i))
const seeded = (): Direction => randomDirection(0, all, random(7))
/** The failing direction localisation starts from, and what it found. */
const localised = (S: Setup, d: Direction = seeded(), checked = new Set<number>(), budget: { calls: number } = { calls: DIRECTIONS.LOCALISE_CALLS }) => {
  const top = S.run(checkDirection(S.p, S.loss, S.t, d))
  const before = S.calls()
  const out: Localised = S.run(localise(S.p, S.loss, S.t, top, checked, budget))
  return { top, out, spent: S.calls() - before, budget, checked }
}
const shape = (out: Localised) => out.tests.map((d) => [d.size, d.depth, d.failed, d.inferred === true])

describe('one bad coordinate: halved down to it, one half measured and the other inferred', () => {
  // Run inside each test, not once here: a mutant is only active while a test runs.
  const one = () => {
    const S = setup(gradient({ 5: 1.01 }))
    return { S, ...localised(S) }
  }
  it('the direction fails first (the premise), and the coordinate found is entered as failing, found by localisation after every call', () => {
    const { top, out, checked } = one()
    expect(top.failed).toBe(true)
    expect(out.entries.map((e) => [e.path, e.failed])).toEqual([['w[5]', true]])
    expect(out.entries[0]!.found).toEqual({ by: 'localisation', calls: out.calls })
    expect(out.whole).toBe(false)
    expect(out.capped).toBeUndefined()
    expect(checked.has(5)).toBe(true)
  })
  it('every call counted: the calls localisation made, taken from the shared budget', () => {
    const { out, spent, budget } = one()
    expect(out.calls).toBe(spent)
    expect(budget.calls).toBe(DIRECTIONS.LOCALISE_CALLS - spent)
  })
  it('8 → [0,4) clean, so [4,8) is convicted by inference; [4,6) measured bad leaves [6,8) unmeasured; [4] clean, so [5] by inference', () => {
    const { out } = one()
    expect(shape(out)).toEqual([
      [4, 1, false, false],
      [4, 1, true, true],
      [2, 2, true, false],
      [1, 3, false, false],
      [1, 3, true, true],
    ])
    for (const d of out.tests) expect(d).toMatchObject({ tensor: 'w', kind: 'part', of: 'random' })
    for (const d of out.tests.filter((d) => d.inferred !== true)) expect(d).not.toHaveProperty('inferred')
  })
  it('an inferred part: no calls, a bug, the analytic derivative along it, and a numeric one that is the right derivative there within the bound', () => {
    const { S, top, out } = one()
    const B = partOf(top.direction, 4, 8).part
    const inferred = out.tests[1]!
    expect(inferred).toMatchObject({ calls: 0, verdict: 'bug', failed: true, kink: false, depth: 1, size: 4 })
    expect(inferred.analytic).toBe(analyticAlong(S.p.analytic[0]!, B))
    expect(Math.abs(inferred.numeric - analyticAlong(right, B))).toBeLessThanOrEqual(inferred.bound)
    expect(Math.abs(inferred.analytic - inferred.numeric)).toBeGreaterThan(inferred.bound)
    // The last one, over [5] alone: ±(c₅ + w₅) against ±1.01·(c₅ + w₅).
    const last = out.tests[4]!
    const sign = Math.sign(top.direction.v[5]!)
    expect(last.analytic).toBeCloseTo(sign * 1.01 * right[5]!, 14)
    expect(Math.abs(last.numeric - sign * right[5]!)).toBeLessThanOrEqual(last.bound)
    expect(last.bound).toBeLessThan(0.01 * right[5]!)
  })
  it('a measured part is checked from a level below the step its parent settled at, and not weighed again (weigh = false)', () => {
    const { top, out } = one()
    const A = partOf(top.direction, 0, 4).part
    const again = setup(gradient({ 5: 1.01 }))
    const rA = again.run(checkDirection(again.p, again.loss, again.t, A, top.settled / RATIO, false))
    expect(out.tests[0]).toEqual(testOf(again.p, rA, 'random'))
    // And the next measured part, [4, 6) of [4, 8), from a level below where [0, 4) settled.
    const A2 = partOf(partOf(top.direction, 4, 8).part, 0, 2).part
    const r2 = again.run(checkDirection(again.p, again.loss, again.t, A2, rA.settled / RATIO, false))
    expect(out.tests[2]).toEqual(testOf(again.p, r2, 'random'))
  })
})

describe('the order of the search, and when it stops', () => {
  it('two bad coordinates: both found, the first half first (depth first below WHOLE_DEPTH), each after more calls', () => {
    const { out, top } = localised(setup(gradient({ 1: 1.05, 6: 0.95 })))
    expect(out.entries.map((e) => [e.path, e.failed])).toEqual([
      ['w[1]', true],
      ['w[6]', true],
    ])
    expect(out.entries[0]!.found!.calls).toBeLessThan(out.entries[1]!.found!.calls)
    expect(out.entries[1]!.found!.calls).toBe(out.calls)
    // Depth 1 both bad ([0,4) measured, [4,8) inferred); breadth first there, so both are split before going deeper:
    // [4,8) first ([4,6) clean, [6,8) inferred bad), then [0,4) ([0,2) bad, [2,4) inferred clean and dropped).
    expect(shape(out).slice(0, 5)).toEqual([
      [4, 1, true, false],
      [4, 1, true, true],
      [2, 2, false, false],
      [2, 2, true, true],
      [2, 2, true, false],
    ])
    // [0,2) is measured from a level below where its parent [0,4), measured bad, settled.
    const again = setup(gradient({ 1: 1.05, 6: 0.95 }))
    const A = partOf(top.direction, 0, 4).part
    const rA = again.run(checkDirection(again.p, again.loss, again.t, A, top.settled / RATIO, false))
    const rAA = again.run(checkDirection(again.p, again.loss, again.t, partOf(A, 0, 2).part, rA.settled / RATIO, false))
    expect(out.tests[4]).toEqual(testOf(again.p, rAA, 'random'))
    // Then depth first: [0,2) (the part pushed last) is split before [6,8): [0] clean so [1] inferred; [6] bad, [7] dropped.
    expect(shape(out).slice(5)).toEqual([
      [1, 3, false, false],
      [1, 3, true, true],
      [1, 3, true, false],
    ])
    expect(out.whole).toBe(false)
  })
  it('every part at depth 2 disagrees: the tensor is wrong as a whole, and `worst` coordinates drawn with seed ^ 0x2545f491 are shown', () => {
    const bad = Object.fromEntries(w.map((_, i) => [i, 1.02]))
    for (const worst of [3, 0]) {
      const checked = new Set([2])
      const { out } = localised(setup(gradient(bad), { worst }), seeded(), checked)
      expect(out.whole).toBe(true)
      expect(out.capped).toBeUndefined()
      // No part below depth 2 is tested.
      expect(Math.max(...out.tests.map((d) => d.depth))).toBe(DIRECTIONS.WHOLE_DEPTH)
      const pool = Array.from(all).filter((i) => i !== 2)
      const shown = sampleIndices(pool.length, Math.max(1, worst), random(1849 ^ 0x2545f491)).map((j) => pool[j]!)
      expect(out.entries.map((e) => e.index[0])).toEqual(shown)
      for (const e of out.entries) expect(e.found).toMatchObject({ by: 'localisation' })
      for (const i of shown) expect(checked.has(i)).toBe(true)
    }
  })
  it('four bad coordinates, every part at depth 2 bad: its depth-2 parts are single coordinates, so it is localised, not called whole', () => {
    const S = setup(gradient({ 1: 2, 2: 2, 3: 2, 4: 2 }))
    const d = randomDirection(0, Int32Array.from([1, 2, 3, 4]), random(7))
    const { out } = localised(S, d)
    expect(out.whole).toBe(false)
    expect(out.entries.map((e) => [e.path, e.failed])).toEqual([
      ['w[1]', true],
      ['w[2]', true],
      ['w[3]', true],
      ['w[4]', true],
    ])
  })
  it('four parts waiting, not all at depth 2: not tensor-wide; each bad coordinate found', () => {
    // 16 weights, bad at 1 and 3 (both halves of the first quarter), 5 and 9: the last quarter is clean, and once the
    // first quarter is split, four parts wait (two quarters at depth 2, two halves of a quarter at depth 3).
    const n = 16
    const w16 = Array.from({ length: n }, (_, i) => 0.05 * i - 0.3)
    const c16 = w16.map((_, i) => 0.3 + 0.1 * i)
    const bad: Record<number, number> = { 1: 1.05, 3: 1.05, 5: 1.05, 9: 1.05 }
    const S = setup(w16.map((x, i) => (c16[i]! + x) * (bad[i] ?? 1)), { w: w16, c: c16 })
    const { out } = localised(S, randomDirection(0, Int32Array.from(w16.map((_, i) => i)), random(7)))
    expect(out.whole).toBe(false)
    expect(out.entries.map((e) => [e.path, e.failed])).toEqual([
      ['w[1]', true],
      ['w[3]', true],
      ['w[5]', true],
      ['w[9]', true],
    ])
    expect(out.tests.slice(0, 7).map((d) => [d.size, d.depth, d.failed, d.inferred === true])).toEqual([
      [8, 1, true, false],
      [8, 1, true, true],
      [4, 2, true, false],
      [4, 2, true, false],
      [4, 2, true, true],
      [2, 3, true, false],
      [2, 3, true, true],
    ])
  })
  it('no budget left: capped at once, with the direction itself the one part known to disagree', () => {
    const S = setup(gradient({ 5: 1.01 }))
    const { out, spent } = localised(S, seeded(), new Set(), { calls: 0 })
    expect(out).toMatchObject({ entries: [], tests: [], whole: false, capped: { atLeast: 1 }, calls: 0 })
    expect(spent).toBe(0)
  })
  it('a budget that runs out midway: capped with the failing entries found plus the parts still to search', () => {
    const bad = { 1: 1.05, 6: 0.95 }
    const { out: full } = localised(setup(gradient(bad)))
    const first = full.entries[0]!.found!.calls
    // Enough for the first coordinate and not the second: capped after it, with one part left (the one holding w[6]).
    const { out, budget } = localised(setup(gradient(bad)), seeded(), new Set(), { calls: first + 1 })
    expect(out.entries.map((e) => e.path)).toEqual(['w[1]'])
    expect(budget.calls).toBeLessThanOrEqual(0)
    expect(out.capped!.atLeast).toBeGreaterThanOrEqual(2)
    expect(out.capped!.atLeast).toBe(out.entries.filter((e) => e.failed).length + 1)
  })
  it('a parent whose disagreement the measured half does not explain within the bounds: the other half is measured too', () => {
    // The direction to localise given as agreeing (residual 0): [0,4) measured clean leaves nothing to infer of [4,8).
    const clean = setup(gradient())
    const cleanTop = clean.run(checkDirection(clean.p, clean.loss, clean.t, seeded()))
    const none = clean.run(localise(clean.p, clean.loss, clean.t, { ...cleanTop, analytic: cleanTop.numeric }, new Set(), { calls: 100 }))
    expect(shape(none)).toEqual([
      [4, 1, false, false],
      [4, 1, false, false],
    ])
    expect(none.entries).toEqual([])
    // Disagreeing by exactly its bound: [4,8)'s inferred share is within its own bound, which adds [0,4)'s (tol + wA·tolA)/wB, so it is measured.
    const edge = clean.run(localise(clean.p, clean.loss, clean.t, { ...cleanTop, analytic: cleanTop.numeric + cleanTop.tolerance }, new Set(), { calls: 100 }))
    expect(shape(edge)).toEqual([
      [4, 1, false, false],
      [4, 1, false, false],
    ])
    // With w[5] bad, the measured [4,8) disagrees and is followed down to w[5], from a level below where it settled.
    const S = setup(gradient({ 5: 1.01 }))
    const top = S.run(checkDirection(S.p, S.loss, S.t, seeded()))
    const out = S.run(localise(S.p, S.loss, S.t, { ...top, analytic: top.numeric }, new Set(), { calls: 1024 }))
    expect(shape(out)).toEqual([
      [4, 1, false, false],
      [4, 1, true, false],
      [2, 2, true, false],
      [1, 3, false, false],
      [1, 3, true, true],
    ])
    expect(out.entries.map((e) => [e.path, e.failed])).toEqual([['w[5]', true]])
    const again = setup(gradient({ 5: 1.01 }))
    const B = partOf(top.direction, 4, 8).part
    const rA = again.run(checkDirection(again.p, again.loss, again.t, partOf(top.direction, 0, 4).part, top.settled / RATIO, false))
    const rB = again.run(checkDirection(again.p, again.loss, again.t, B, top.settled / RATIO, false))
    expect(out.tests[0]).toEqual(testOf(again.p, rA, 'random'))
    expect(out.tests[1]).toEqual(testOf(again.p, rB, 'random'))
    const rBA = again.run(checkDirection(again.p, again.loss, again.t, partOf(B, 0, 2).part, rB.settled / RATIO, false))
    expect(out.tests[2]).toEqual(testOf(again.p, rBA, 'random'))
    // [6,8) is cleared by inference from [4,8)'s own measured disagreement a − n, which [4,6) explains.
    expect(out.tests.some((d) => d.size === 2 && d.inferred === true)).toBe(false)
  })
  it('capped after a found coordinate that passed: only the failing entries count toward atLeast', () => {
    const along = function* (d: Direction): Check<number> {
      return analyticAlong(right, d) + (d.indices.length > 1 && Array.from(d.indices).includes(5) ? 0.05 : 0)
    }
    const S = setup(w.map(() => 0), { along })
    const { out: full } = localised(S)
    const first = full.entries[0]!
    expect(first.failed).toBe(false)
    const T = setup(w.map(() => 0), { along })
    const { out } = localised(T, seeded(), new Set(), { calls: first.found!.calls + 1 })
    expect(out.entries.map((e) => [e.path, e.failed])).toEqual([[first.path, false]])
    expect(out.capped).toBeDefined()
    // Nothing failing found: atLeast is the parts still waiting, each holding one.
    // The one part left is the one the uncapped search found its second coordinate in.
    expect(full.entries).toHaveLength(2)
    expect(out.capped).toEqual({ atLeast: 1 })
  })
  it('a coordinate already checked is not checked again: the search still finds where it is, and enters nothing', () => {
    const { out, top } = localised(setup(gradient({ 5: 1.01 })), seeded(), new Set([5]))
    expect(top.failed).toBe(true)
    expect(out.entries).toEqual([])
    expect(out.tests.length).toBeGreaterThan(0)
  })
  it('a gradient direction: its parts are tests of the gradient direction', () => {
    const S = setup(gradient({ 5: 1.01 }))
    const { out } = localised(S, gradientDirection(0, all, S.p.analytic[0]!)!)
    expect(out.tests.length).toBeGreaterThan(0)
    for (const d of out.tests) expect(d).toMatchObject({ kind: 'part', of: 'gradient' })
    expect(out.entries.map((e) => [e.path, e.failed])).toEqual([['w[5]', true]])
  })
  it('a part as the direction to localise: its tests are counted as the random direction’s', () => {
    const S = setup(gradient({ 5: 1.01 }))
    const part: Direction = { ...seeded(), kind: 'part' }
    const { out } = localised(S, part)
    for (const d of out.tests) expect(d.of).toBe('random')
  })
})

describe('a coordinate found that its own check clears: re-measured as a direction of its own, the tighter bound decides', () => {
  // A JVP right along every single coordinate and off by 0.05 along any direction over more that holds w[5]:
  // the search ends at w[5], whose own check then agrees.
  const along = function* (d: Direction): Check<number> {
    return analyticAlong(right, d) + (d.indices.length > 1 && Array.from(d.indices).includes(5) ? 0.05 : 0)
  }
  const found = () => {
    const S = setup(w.map(() => 0), { along })
    const { out } = localised(S)
    return { S, entry: out.entries.find((e) => e.path === 'w[5]')! }
  }
  it('the entry passes, with the derivative the JVP gives along e₅ learned into the analytic gradient', () => {
    const { S, entry } = found()
    expect(entry).toBeDefined()
    expect(entry.failed).toBe(false)
    expect(S.p.analytic[0]![5]).toBe(right[5])
    expect(entry.analytic).toBe(right[5])
  })
  it('its bound is the direction’s, tighter than the coordinate’s own check; the step is the coordinate’s', () => {
    const { entry } = found()
    const alone = setup(w.map(() => 0), { along })
    alone.p.analytic[0]![5] = right[5]!
    const j = alone.run(checkCoordinate(alone.p, alone.loss, alone.t, 0, 5))
    expect(j.failed).toBe(false)
    expect(entry.tolerance).toBeLessThan(j.tolerance)
    expect(entry.step).toBe(j.step)
    expect(Math.abs(entry.numeric - right[5]!)).toBeLessThanOrEqual(entry.tolerance)
    expect(entry.found).toMatchObject({ by: 'localisation' })
  })
  it('where the direction of its own is not finite (the loss NaN along e₅ beyond the coordinate’s steps), the coordinate’s check stands', () => {
    const S = setup(w.map(() => 0), { along, nanAlong5: true })
    const { out } = localised(S)
    const e = out.entries.find((x) => x.path === 'w[5]')!
    expect(e.failed).toBe(false)
    const alone = setup(w.map(() => 0), { along, nanAlong5: true })
    alone.p.analytic[0]![5] = right[5]!
    const j = alone.run(checkCoordinate(alone.p, alone.loss, alone.t, 0, 5))
    expect(e.numeric).toBe(j.numeric)
    expect(e.tolerance).toBe(j.tolerance)
    expect(Number.isFinite(e.numeric)).toBe(true)
  })
  it('coordinates shown for a whole tensor are checked one by one only (no step to start a direction from)', () => {
    const everywhere = function* (d: Direction): Check<number> {
      return analyticAlong(right, d) + (d.indices.length > 1 ? 0.05 : 0)
    }
    const W = setup(w.map(() => 0), { along: everywhere })
    const { out: whole } = localised(W)
    expect(whole.whole).toBe(true)
    for (const e of whole.entries) {
      const alone = setup(w.map(() => 0), { along: everywhere })
      alone.p.analytic[0]![e.index[0]!] = right[e.index[0]!]!
      const j = alone.run(checkCoordinate(alone.p, alone.loss, alone.t, 0, e.index[0]!))
      expect(e.tolerance).toBe(j.tolerance)
      expect(e.numeric).toBe(j.numeric)
    }
  })
})

describe('testOf and suspicious', () => {
  const S = setup(gradient())
  const r = {
    direction: { k: 0, kind: 'random', indices: all, v: new Float64Array(N), depth: 3 },
    analytic: 1.5,
    numeric: 1.25,
    tolerance: 0.01,
    verdict: 'bug',
    failed: true,
    kink: false,
    calls: 12,
  } as unknown as DirectionResult
  it('a direction’s test: its tensor, kind, size, both derivatives, bound, verdict, calls and depth; `of` and `inferred` only when given', () => {
    const plain = testOf(S.p, r)
    expect(Object.keys(plain)).not.toContain('of')
    expect(Object.keys(plain)).not.toContain('inferred')
    expect(plain).toEqual({ tensor: 'w', kind: 'random', size: N, analytic: 1.5, numeric: 1.25, bound: 0.01, verdict: 'bug', failed: true, kink: false, calls: 12, depth: 3 })
    expect(testOf(S.p, r, 'gradient')).toEqual({ ...plain, of: 'gradient' })
    expect(testOf(S.p, r, 'random', true)).toEqual({ ...plain, of: 'random', inferred: true })
    expect(testOf(S.p, r, undefined, false)).not.toHaveProperty('inferred')
  })
  it('suspicious: failed with a finite numeric derivative; not where it passed, nor where the numeric side is NaN or ±∞', () => {
    expect(suspicious(r)).toBe(true)
    expect(suspicious({ ...r, failed: false })).toBe(false)
    expect(suspicious({ ...r, numeric: Number.NaN })).toBe(false)
    expect(suspicious({ ...r, numeric: Number.POSITIVE_INFINITY })).toBe(false)
  })
})
