// The covering modes of src/modes/directional.ts (`mode: 'auto'` and `'directional'`), driven on small
// quadratic losses through the real Perturbation: which coordinates are checked one by one, which
// directions are tested over which coordinates (the seeded streams they are drawn from), how each tensor's
// coverage is named, when a direction is skipped, the notes a failing direction leaves (localised,
// tensor-wide, capped, unlocalised, a kink, a non-finite analytic side) and the progress estimates.
import { describe, expect, it } from 'vitest'
import { Perturbation } from '../../src/engine/calls.js'
import { type Direction, analyticAlong, checkDirection, randomDirection } from '../../src/engine/direction.js'
import { type Check, drive } from '../../src/engine/drive.js'
import type { Point } from '../../src/engine/point.js'
import { measured, perTensor } from '../../src/modes/coordinates.js'
import { checkCovered } from '../../src/modes/directional.js'
import { resolveOptions } from '../../src/options.js'
import { namedBlocks } from './weight.js'
import { Progress, type ProgressEvent } from '../../src/progress.js'
import { random, sampleIndices } from '../../src/random.js'

const SEED = 1849

/** A point over `tensors` (name → values) whose loss reads them through `f`; `grad` the analytic gradient at them. */
const point = (
  tensors: Record<string, number[]>,
  grad: number[][],
  f: (t: Float64Array[]) => number,
  options: object = {},
  extra: { along?: Point['along']; events?: ProgressEvent[] } = {},
) => {
  const { data, blocks } = namedBlocks(tensors)
  const at = new Perturbation(blocks)
  const progress = extra.events ? new Progress((e) => extra.events!.push(e)) : undefined
  const p: Point = {
    at,
    analytic: grad.map((g) => Float64Array.from(g)),
    precision: 'float64',
    options: resolveOptions({ at: data[0]!, seed: SEED, ...options }),
    ...(progress ? { progress } : {}),
    ...(extra.along ? { along: extra.along } : {}),
  }
  let calls = 0
  const run = <T>(check: Check<T>): T =>
    drive(check, (call) => {
      calls++
      // As check.ts counts them: every loss call is one the progress has seen done.
      progress?.call()
      if (call === 'loss') return f(data)
      throw new Error(`unexpected call ${JSON.stringify(call)}`)
    }) as T
  return { p, run, covered: () => run(checkCovered(p)), calls: () => calls, data }
}

// f = Σₖ Σᵢ cₖᵢ·wₖᵢ + ½wₖᵢ², each tensor's gradient c + w; `bad` scales entries of it (tensor, index, factor).
const coefficient = (k: number, i: number): number => 0.3 + 0.07 * i - 0.2 * k
const values = (n: number, k = 0): number[] => Array.from({ length: n }, (_, i) => 0.1 * (i + 1) - 0.5 + 0.05 * k)
const quadratic = (t: Float64Array[]): number => t.reduce((s, w, k) => s + w.reduce((a, x, i) => a + coefficient(k, i) * x + 0.5 * x * x, 0), 0)
const gradientOf = (tensors: Record<string, number[]>, bad: [number, number, number][] = []): number[][] =>
  Object.values(tensors).map((w, k) => w.map((x, i) => (coefficient(k, i) + x) * bad.filter(([bk, bi]) => bk === k && bi === i).reduce((m, [, , f]) => m * f, 1)))
const quadraticPoint = (tensors: Record<string, number[]>, options: object = {}, bad: [number, number, number][] = [], events?: ProgressEvent[]) =>
  point(tensors, gradientOf(tensors, bad), quadratic, options, events ? { events } : {})

/** The complement of `taken` in 0 … n − 1, increasing. */
const others = (n: number, taken: number[]): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => !taken.includes(i))

describe('mode: directional, a correct gradient: no coordinate one by one, a random and a gradient direction per tensor', () => {
  it('each tensor covered by directions: one random direction over all its coordinates, then its gradient direction, both passing', () => {
    const tensors = { w: values(12) }
    const r = quadraticPoint(tensors, { mode: 'directional' }).covered()
    expect(r.entries).toEqual([])
    expect(r.coverage).toEqual(['directions'])
    expect(r.notes).toEqual([])
    expect(r.directions.map((d) => [d.tensor, d.kind, d.size, d.depth, d.failed])).toEqual([
      ['w', 'random', 12, 0, false],
      ['w', 'gradient', 12, 0, false],
    ])
    // Neither is a part of a localisation.
    for (const d of r.directions) expect(d).not.toHaveProperty('of')
    // The numeric side agrees with the analytic one: the loss is the one the gradient is of.
    for (const d of r.directions) expect(Math.abs(d.analytic - d.numeric)).toBeLessThanOrEqual(d.bound)
  })
  it('the random direction is the seeded Rademacher one over the coordinates left, drawn from seed ^ 0x85ebca6b; the gradient one is g/‖g‖', () => {
    const tensors = { w: values(12) }
    const g = Float64Array.from(gradientOf(tensors)[0]!)
    const r = quadraticPoint(tensors, { mode: 'directional' }).covered()
    const v = randomDirection(0, Int32Array.from(others(12, [])), random(SEED ^ 0x85ebca6b))
    expect(r.directions[0]!.analytic).toBe(analyticAlong(g, v))
    // Along g/‖g‖ the derivative is ‖g‖.
    expect(r.directions[1]!.analytic).toBeCloseTo(Math.hypot(...g), 12)
  })
  it('the sign stream continues from one tensor to the next (one draw per coordinate), and each tensor’s direction is its own', () => {
    const tensors = { a: values(5), b: values(7, 1) }
    const g = gradientOf(tensors).map((x) => Float64Array.from(x))
    const r = quadraticPoint(tensors, { mode: 'directional' }).covered()
    expect(r.coverage).toEqual(['directions', 'directions'])
    expect(r.directions.map((d) => [d.tensor, d.kind, d.size])).toEqual([
      ['a', 'random', 5],
      ['a', 'gradient', 5],
      ['b', 'random', 7],
      ['b', 'gradient', 7],
    ])
    const signs = random(SEED ^ 0x85ebca6b)
    const va = randomDirection(0, Int32Array.from(others(5, [])), signs)
    const vb = randomDirection(1, Int32Array.from(others(7, [])), signs)
    expect(r.directions[0]!.analytic).toBe(analyticAlong(g[0]!, va))
    expect(r.directions[2]!.analytic).toBe(analyticAlong(g[1]!, vb))
    expect(r.directions[3]!.analytic).toBeCloseTo(Math.hypot(...g[1]!), 12)
  })
  it('a tensor of 2: both directions (the random one needs 2 coordinates left, the gradient one a tensor of 2)', () => {
    const r = quadraticPoint({ w: values(2) }, { mode: 'directional' }).covered()
    expect(r.directions.map((d) => [d.kind, d.size])).toEqual([
      ['random', 2],
      ['gradient', 2],
    ])
    expect(r.entries).toEqual([])
  })
  it('a one-element tensor: its coordinate is checked one by one (its own direction), and no direction is tested on it', () => {
    const r = quadraticPoint({ s: [0.4], w: values(3, 1) }, { mode: 'directional' }).covered()
    expect(r.coverage).toEqual(['directions', 'directions'])
    expect(r.entries.map((e) => [e.path, e.failed])).toEqual([['s[0]', false]])
    expect(r.entries[0]!.analytic).toBeCloseTo(coefficient(0, 0) + 0.4, 15)
    expect(r.entries[0]!.numeric).toBeCloseTo(coefficient(0, 0) + 0.4, 9)
    expect(r.directions.map((d) => [d.tensor, d.kind])).toEqual([
      ['w', 'random'],
      ['w', 'gradient'],
    ])
  })
  it('the loss is measured once more at the end, and the point and scales are the ones the check ran on', () => {
    const tensors = { w: values(6) }
    const P = quadraticPoint(tensors, { mode: 'directional' })
    const r = P.covered()
    expect(r.loss.value).toBe(quadratic(tensors.w ? [Float64Array.from(tensors.w)] : []))
    expect(r.point.at).toBe(P.p.at)
    expect(r.scales).toHaveLength(1)
    // Every perturbation restored.
    expect(Array.from(P.data[0]!)).toEqual(tensors.w)
  })
})

describe('mode: auto: a sample one by one, drawn as mode: full draws it, and the coordinates left by directions', () => {
  it('a tensor within the sample is checked one by one only: coverage coordinates, no direction', () => {
    const r = quadraticPoint({ w: values(6) }, { sample: 6 }).covered()
    expect(r.coverage).toEqual(['coordinates'])
    expect(r.entries.map((e) => e.path)).toEqual(['w[0]', 'w[1]', 'w[2]', 'w[3]', 'w[4]', 'w[5]'])
    expect(r.directions).toEqual([])
    expect(r.notes).toEqual([])
  })
  it("sample: 'all' and a sample larger than the tensor check every coordinate, and no direction", () => {
    for (const sample of ['all', 50] as const) {
      const r = quadraticPoint({ w: values(5), v: values(3, 1) }, { sample }).covered()
      expect(r.coverage).toEqual(['coordinates', 'coordinates'])
      expect(r.entries).toHaveLength(8)
      expect(r.directions).toEqual([])
    }
  })
  it('a larger tensor: `sample` coordinates drawn with the seed, a random direction over the others, the gradient direction over all', () => {
    const tensors = { w: values(12) }
    const g = Float64Array.from(gradientOf(tensors)[0]!)
    const r = quadraticPoint(tensors, { sample: 4 }).covered()
    const sampled = sampleIndices(12, 4, random(SEED))
    expect(r.coverage).toEqual(['sampled + directions'])
    expect(r.entries.map((e) => e.index[0])).toEqual(sampled)
    for (const e of r.entries) expect(e.failed).toBe(false)
    for (const e of r.entries) expect(e).not.toHaveProperty('found')
    expect(r.directions.map((d) => [d.kind, d.size, d.failed])).toEqual([
      ['random', 8, false],
      ['gradient', 12, false],
    ])
    const v = randomDirection(0, Int32Array.from(others(12, sampled)), random(SEED ^ 0x85ebca6b))
    expect(r.directions[0]!.analytic).toBe(analyticAlong(g, v))
    expect(r.directions[1]!.analytic).toBeCloseTo(Math.hypot(...g), 12)
  })
  it('the sample stream continues across tensors, and a small tensor beside a large one keeps its own coverage', () => {
    const tensors = { a: values(3), b: values(10, 1), c: values(9, 2) }
    const r = quadraticPoint(tensors, { sample: 4 }).covered()
    expect(r.coverage).toEqual(['coordinates', 'sampled + directions', 'sampled + directions'])
    const next = random(SEED)
    const expected = [sampleIndices(3, 4, next), sampleIndices(10, 4, next), sampleIndices(9, 4, next)]
    expect(['a', 'b', 'c'].map((name) => r.entries.filter((e) => e.name === name).map((e) => e.index[0]))).toEqual(expected)
    expect(r.directions.map((d) => [d.tensor, d.kind, d.size])).toEqual([
      ['b', 'random', 6],
      ['b', 'gradient', 10],
      ['c', 'random', 5],
      ['c', 'gradient', 9],
    ])
  })
  it('one coordinate left over: checked one by one as a direction of its own, with no random direction; the gradient one still runs', () => {
    const r = quadraticPoint({ w: values(5) }, { sample: 4 }).covered()
    expect(r.coverage).toEqual(['sampled + directions'])
    // The four sampled, then the one left, each once.
    const sampled = sampleIndices(5, 4, random(SEED))
    expect(r.entries.map((e) => e.index[0])).toEqual([...sampled, ...others(5, sampled)])
    expect(r.directions.map((d) => [d.kind, d.size])).toEqual([['gradient', 5]])
  })
  it('two coordinates left: a random direction over those two', () => {
    const tensors = { w: values(6) }
    const r = quadraticPoint(tensors, { sample: 4 }).covered()
    const sampled = sampleIndices(6, 4, random(SEED))
    const v = randomDirection(0, Int32Array.from(others(6, sampled)), random(SEED ^ 0x85ebca6b))
    expect(r.directions.map((d) => [d.kind, d.size])).toEqual([
      ['random', 2],
      ['gradient', 6],
    ])
    expect(r.directions[0]!.analytic).toBe(analyticAlong(Float64Array.from(gradientOf(tensors)[0]!), v))
  })
})

describe('a direction that disagrees: localised to the coordinates that do, and the tests it saves', () => {
  it('a bad unsampled weight: found by localisation and entered, the parts of the search kept; the gradient direction is saved', () => {
    const tensors = { w: values(12) }
    const sampled = sampleIndices(12, 4, random(SEED))
    const bad = others(12, sampled)[3]!
    const r = quadraticPoint(tensors, { sample: 4 }, [[0, bad, 1.01]]).covered()
    const failing = r.entries.filter((e) => e.failed)
    expect(failing.map((e) => e.index[0])).toEqual([bad])
    expect(failing[0]!.found).toMatchObject({ by: 'localisation' })
    expect(failing[0]!.found!.calls).toBeGreaterThan(0)
    // The sampled ones first, as sampled; then the one found.
    expect(r.entries.map((e) => e.index[0])).toEqual([...sampled, bad])
    expect(r.directions[0]).toMatchObject({ kind: 'random', size: 8, failed: true, depth: 0 })
    expect(r.directions.slice(1).length).toBeGreaterThan(0)
    for (const d of r.directions.slice(1)) expect(d).toMatchObject({ kind: 'part', of: 'random' })
    expect(r.directions.some((d) => d.kind === 'gradient')).toBe(false)
    expect(r.notes).toEqual([])
  })
  it('a bad weight among the sampled ones saves that tensor’s gradient direction only, not another tensor’s', () => {
    const tensors = { a: values(8), b: values(8, 1) }
    const next = random(SEED)
    const inA = sampleIndices(8, 4, next)
    const r = quadraticPoint(tensors, { sample: 4 }, [[0, inA[1]!, 1.05]]).covered()
    expect(r.entries.filter((e) => e.failed).map((e) => e.path)).toEqual([`a[${inA[1]}]`])
    expect(r.directions.map((d) => [d.tensor, d.kind, d.failed])).toEqual([
      ['a', 'random', false],
      ['b', 'random', false],
      ['b', 'gradient', false],
    ])
  })
  it('every part at depth 2 disagrees: a whole-tensor note (4 parts) with `worst` coordinates shown, each failing', () => {
    const tensors = { w: values(12) }
    const all = others(12, []).map((i): [number, number, number] => [0, i, 1.01])
    for (const worst of [5, 2]) {
      const r = quadraticPoint(tensors, { mode: 'directional', worst }, all).covered()
      expect(r.notes).toEqual([{ kind: 'whole-tensor', name: 'w', parts: 4 }])
      expect(r.entries).toHaveLength(worst)
      for (const e of r.entries) expect(e).toMatchObject({ failed: true, found: { by: 'localisation' } })
    }
  })
  it('the call budget runs out: a localisation-capped note with the failing entries shown and at least those plus the parts left', () => {
    const n = 256
    const w = Array.from({ length: n }, (_, i) => Math.sin(i))
    const c = w.map((_, i) => Math.cos(3 * i))
    // 60 of the first 64 weights ×1.5: one quarter of the tensor, so not tensor-wide, and more than 1024 calls find.
    const g = w.map((x, i) => (c[i]! + x) * (i < 60 ? 1.5 : 1))
    const r = point({ w }, [g], (t) => t[0]!.reduce((s, x, i) => s + c[i]! * x + 0.5 * x * x, 0), { mode: 'directional' }).covered()
    const failing = r.entries.filter((e) => e.failed).length
    expect(failing).toBeGreaterThan(10)
    expect(failing).toBeLessThan(60)
    expect(r.notes).toHaveLength(1)
    const note = r.notes[0]!
    expect(note).toMatchObject({ kind: 'localisation-capped', name: 'w', shown: failing })
    expect((note as { atLeast: number }).atLeast).toBeGreaterThan(failing)
  })
  it('a direction whose disagreement no coordinate explains: an unlocalised note with its relative error |a − n| / max(|a|, |n|)', () => {
    // A JVP right along every single coordinate and 0.1 off along any direction over more: the coordinates all agree.
    const w = [0.1, 0.2, -0.3, 0.4, 0.5, -0.6]
    const g = Float64Array.from(w, (x) => 1 + x)
    const along = function* (d: Direction): Check<number> {
      return analyticAlong(g, d) + (d.indices.length > 1 ? 0.1 : 0)
    }
    const f = (t: Float64Array[]): number => t[0]!.reduce((s, x) => s + x + 0.5 * x * x, 0)
    const r = point({ w }, [w.map(() => 0)], f, { mode: 'directional' }, { along }).covered()
    expect(r.entries.length).toBeGreaterThan(0)
    expect(r.entries.every((e) => !e.failed)).toBe(true)
    const top = r.directions[0]!
    expect(top).toMatchObject({ kind: 'random', failed: true })
    expect(top.analytic - top.numeric).toBeCloseTo(0.1, 6)
    expect(r.notes).toEqual([{ kind: 'unlocalised', name: 'w', direction: 'random', relativeError: Math.abs(top.analytic - top.numeric) / Math.max(Math.abs(top.analytic), Math.abs(top.numeric)) }])
    // A JVP has no gradient to point along.
    expect(r.directions.some((d) => d.kind === 'gradient')).toBe(false)
  })
  it('a kink along the direction that no coordinate shows (kinks: fail): a direction-kink note, not an unlocalised one', () => {
    // √|w₀w₁| at 0: along either coordinate the loss is 0, along (±1, ±1)/√2 it is |t|/√2.
    const f = (t: Float64Array[]): number => Math.sqrt(Math.abs(t[0]![0]! * t[0]![1]!))
    const r = point({ w: [0, 0] }, [[0, 0]], f, { mode: 'directional', kinks: 'fail' }).covered()
    expect(r.directions[0]).toMatchObject({ kind: 'random', failed: true, kink: true })
    expect(r.entries.filter((e) => e.failed)).toEqual([])
    expect(r.notes).toEqual([{ kind: 'direction-kink', name: 'w', count: 1 }])
    // The subgradient 0 is accepted where kinks are: nothing to localise.
    const accepted = point({ w: [0, 0] }, [[0, 0]], f, { mode: 'directional' }).covered()
    expect(accepted.directions).toHaveLength(1)
    expect(accepted.notes).toEqual([])
  })
  it('a JVP that is NaN along the direction: an analytic-not-finite note naming the first coordinate found not finite', () => {
    const w = [0.1, 0.2, -0.3, 0.4, 0.5, -0.6]
    const g = Float64Array.from(w, (x) => 1 + x)
    const along = function* (d: Direction): Check<number> {
      return d.indices.includes(3) ? Number.NaN : analyticAlong(g, d)
    }
    const f = (t: Float64Array[]): number => t[0]!.reduce((s, x) => s + x + 0.5 * x * x, 0)
    const r = point({ w }, [w.map(() => 0)], f, { mode: 'directional' }, { along }).covered()
    expect(r.entries.map((e) => [e.path, e.failed])).toEqual([['w[3]', true]])
    expect(r.notes).toHaveLength(1)
    expect(r.notes[0]).toMatchObject({ kind: 'analytic-not-finite', name: 'w', direction: 'random', path: 'w[3]' })
    expect((r.notes[0] as { value: number }).value).toBeNaN()
  })
  it('a JVP not finite along directions over several coordinates only: the note has no coordinate to name', () => {
    const w = [0.1, 0.2, -0.3, 0.4]
    const g = Float64Array.from(w, (x) => 1 + x)
    const along = function* (d: Direction): Check<number> {
      return d.indices.length > 1 ? Number.POSITIVE_INFINITY : analyticAlong(g, d)
    }
    const f = (t: Float64Array[]): number => t[0]!.reduce((s, x) => s + x + 0.5 * x * x, 0)
    const r = point({ w }, [w.map(() => 0)], f, { mode: 'directional' }, { along }).covered()
    const notes = r.notes.filter((n) => n.kind === 'analytic-not-finite')
    expect(notes).toEqual([{ kind: 'analytic-not-finite', name: 'w', value: Number.POSITIVE_INFINITY, direction: 'random' }])
    expect(r.notes.some((n) => n.kind === 'unlocalised')).toBe(false)
  })
  it('a direction whose analytic side is NaN and whose loss is NaN along it: nothing to localise, the note is still there', () => {
    const w = [0.1, 0.2, -0.3, 0.4]
    // NaN wherever two coordinates moved by more than 1e-7 (the probe's moves are smaller), and a JVP NaN along more than one.
    const f = (t: Float64Array[]): number => (t[0]!.filter((x, i) => Math.abs(x - w[i]!) > 1e-7).length >= 2 ? Number.NaN : t[0]!.reduce((s, x) => s + x + 0.5 * x * x, 0))
    const along = function* (d: Direction): Check<number> {
      return d.indices.length > 1 ? Number.NaN : 1 + w[d.indices[0]!]!
    }
    const r = point({ w }, [w.map(() => 0)], f, { mode: 'directional' }, { along }).covered()
    expect(r.directions).toHaveLength(1)
    expect(r.directions[0]!.failed).toBe(false)
    expect(r.directions[0]!.numeric).toBeNaN()
    expect(r.entries).toEqual([])
    expect(r.notes).toHaveLength(1)
    expect(r.notes[0]).toMatchObject({ kind: 'analytic-not-finite', name: 'w', direction: 'random' })
    expect(r.notes[0]).not.toHaveProperty('path')
  })
  it('a JVP point: the coordinate left over learns its analytic entry from the JVP before it is checked', () => {
    const along = function* (d: Direction): Check<number> {
      return d.indices.length === 1 ? coefficient(0, 0) + 0.4 : Number.NaN
    }
    const r = point({ s: [0.4] }, [[0]], quadratic, { mode: 'directional' }, { along }).covered()
    expect(r.entries.map((e) => [e.path, e.failed])).toEqual([['s[0]', false]])
    expect(r.entries[0]!.analytic).toBe(coefficient(0, 0) + 0.4)
    expect(r.directions).toEqual([])
  })
})

describe('more than one tensor: notes and budgets are per check, names per tensor', () => {
  const w = [0.1, 0.2, -0.3, 0.4, 0.5, -0.6]
  const g = Float64Array.from(w, (x) => 1 + x)
  const f = (t: Float64Array[]): number => t.reduce((s, v) => s + v.reduce((a, x) => a + x + 0.5 * x * x, 0), 0)
  it('a NaN JVP in two tensors: each tensor its own analytic-not-finite note, naming its own coordinate', () => {
    const along = function* (d: Direction): Check<number> {
      return d.indices.includes(d.k === 0 ? 3 : 1) ? Number.NaN : analyticAlong(g, d)
    }
    const r = point({ a: w, b: w }, [w.map(() => 0), w.map(() => 0)], f, { mode: 'directional' }, { along }).covered()
    expect(r.entries.map((e) => [e.path, e.failed])).toEqual([
      ['a[3]', true],
      ['b[1]', true],
    ])
    expect(r.notes.map((n) => [n.kind, (n as { name: string }).name, (n as { path?: string }).path])).toEqual([
      ['analytic-not-finite', 'a', 'a[3]'],
      ['analytic-not-finite', 'b', 'b[1]'],
    ])
  })
  it('a JVP point has no gradient direction, even where its analytic entries are known', () => {
    const along = function* (d: Direction): Check<number> {
      return analyticAlong(g, d)
    }
    const r = point({ w }, [Array.from(g)], f, { mode: 'directional' }, { along }).covered()
    expect(r.directions.map((d) => d.kind)).toEqual(['random'])
    // Control: the same point without a JVP gets both.
    expect(point({ w }, [Array.from(g)], f, { mode: 'directional' }).covered().directions.map((d) => d.kind)).toEqual(['random', 'gradient'])
  })
  it('a NaN JVP in a tensor whose localisation was capped: its analytic-not-finite note beside the capped one', () => {
    const n = 256
    const big = Array.from({ length: n }, (_, i) => Math.sin(i))
    const c = big.map((_, i) => Math.cos(3 * i))
    const gBig = Float64Array.from(big, (x, i) => (c[i]! + x) * (i < 60 ? 1.5 : 1))
    const along = function* (d: Direction): Check<number> {
      return d.k === 0 ? analyticAlong(gBig, d) : Number.NaN
    }
    const loss = (t: Float64Array[]): number => t[0]!.reduce((s, x, i) => s + c[i]! * x + 0.5 * x * x, 0) + f([t[1]!])
    const r = point({ big, small: w }, [big.map(() => 0), w.map(() => 0)], loss, { mode: 'directional' }, { along }).covered()
    const mine = r.notes.filter((n) => (n as { name: string }).name === 'small')
    expect(mine.map((n) => n.kind)).toEqual(['localisation-capped', 'analytic-not-finite'])
  })
  it('the localisation budget is shared: a tensor after one that spent it is capped at once, with no unlocalised note', () => {
    const n = 256
    const big = Array.from({ length: n }, (_, i) => Math.sin(i))
    const c = big.map((_, i) => Math.cos(3 * i))
    const gBig = big.map((x, i) => (c[i]! + x) * (i < 60 ? 1.5 : 1))
    const small = values(8, 1)
    const gSmall = small.map((x, i) => (coefficient(1, i) + x) * (i === 5 ? 1.05 : 1))
    const loss = (t: Float64Array[]): number => t[0]!.reduce((s, x, i) => s + c[i]! * x + 0.5 * x * x, 0) + t[1]!.reduce((s, x, i) => s + coefficient(1, i) * x + 0.5 * x * x, 0)
    const r = point({ big, small }, [gBig, gSmall], loss, { mode: 'directional' }).covered()
    const mine = r.notes.filter((n) => (n as { name: string }).name === 'small')
    expect(mine[0]).toEqual({ kind: 'localisation-capped', name: 'small', atLeast: 1, shown: 0 })
    // Nothing was found because nothing could be searched: no direction of it is called unlocalised.
    expect(mine.every((n) => n.kind === 'localisation-capped')).toBe(true)
    expect(r.entries.filter((e) => e.name === 'small')).toEqual([])
    expect(r.directions.find((d) => d.tensor === 'small')).toMatchObject({ kind: 'random', failed: true })
    // One note, and the gradient direction saved: the failed random direction already fails the check (was: the
    // gradient direction ran too, failed, and added the same note again).
    expect(mine).toHaveLength(1)
    expect(r.directions.filter((d) => d.tensor === 'small').map((d) => d.kind)).toEqual(['random'])
  })
})

describe('mode: auto: the random direction needs resolve no finer than the sampled coordinates did', () => {
  // A loss whose round-off (an offset of 10⁶ that cancels) makes directions climb: where the climb may stop decides the calls.
  const offset = (t: Float64Array[]): number => 1e6 + quadratic(t) - 1e6
  it('judged as checkDirection judges it with the median estimated error of the tensor’s own entries that passed as ok', () => {
    // a: five small weights, all sampled, resolved far more coarsely (their steps are small); w: 5 of 12 sampled.
    const tensors = { a: values(5).map((x) => x * 1e-3), w: values(12, 1) }
    const g = Object.values(tensors).map((w, k) => w.map((x, i) => coefficient(k, i) + x))
    const r = point(tensors, g, offset, { sample: 5 }).covered()
    expect(r.coverage).toEqual(['coordinates', 'sampled + directions'])
    const errs = r.entries.filter((e) => e.name === 'w' && e.verdict === 'ok').map((e) => e.estimatedError)
    expect(errs).toHaveLength(5)
    const median = [...errs].sort((x, y) => x - y)[2]!
    // a's coordinates are resolved far more coarsely than w's: a's do not stand for w's.
    for (const e of r.entries.filter((e) => e.name === 'a')) expect(e.estimatedError).toBeGreaterThan(50 * median)
    const next = random(SEED)
    sampleIndices(5, 5, next)
    const sampled = sampleIndices(12, 5, next)
    const alone = (resolution: number | undefined) => {
      const P = point(tensors, g, offset, { sample: 5 })
      return P.run(
        (function* () {
          const { p, stats, scales } = yield* measured(P.p)
          const own = yield* perTensor(p, scales, stats).of(1)
          return yield* checkDirection(p, own, scales[1]!, randomDirection(1, Int32Array.from(others(12, sampled)), random(SEED ^ 0x85ebca6b)), undefined, true, resolution)
        })(),
      )
    }
    const expected = alone(median)
    expect(r.directions[0]).toMatchObject({ tensor: 'w', kind: 'random', size: 7, failed: false, calls: expected.calls, numeric: expected.numeric, bound: expected.tolerance })
    // The resolution decides this test: without one the direction climbs on, with a's it stops sooner.
    const climbed = alone(undefined)
    expect(climbed.calls).toBeGreaterThan(expected.calls)
    expect(climbed.tolerance).toBeLessThan(expected.tolerance)
    const coarse = alone(Math.min(...r.entries.filter((e) => e.name === 'a').map((e) => e.estimatedError)))
    expect(coarse.calls).toBeLessThan(expected.calls)
  })
})

describe('progress: the calls each phase expects', () => {
  // Each `enter` is seen with done and total: total − done is what the phase expects beyond the calls made.
  it('coordinates: 2 a sampled coordinate, 8 a first direction (2 a tensor beyond its sample), 1 at the end; directions: the 8s and the 1', () => {
    const events: ProgressEvent[] = []
    // a within its sample (3 coordinates, no direction), b beyond it (4 sampled, 2 directions).
    quadraticPoint({ a: values(3), b: values(40, 1) }, { sample: 4 }, [], events).covered()
    const coordinates = events.find((e) => e.phase === 'coordinates')!
    // Entered once the probe is done, before any direction.
    expect(events.indexOf(coordinates)).toBeLessThan(events.findIndex((e) => e.phase === 'directions'))
    expect(coordinates.total - coordinates.done).toBe(2 * (3 + 4) + 8 * 2 + 1)
    const directions = events.find((e) => e.phase === 'directions')!
    expect(directions.total - directions.done).toBe(8 * 2 + 1)
    expect(events.some((e) => e.phase === 'localisation')).toBe(false)
  })
  it("sample: 'all': 2 for every coordinate and 1, no direction", () => {
    const events: ProgressEvent[] = []
    quadraticPoint({ a: values(3), b: values(5, 1) }, { sample: 'all' }, [], events).covered()
    const coordinates = events.find((e) => e.phase === 'coordinates')!
    expect(coordinates.total - coordinates.done).toBe(2 * 8 + 1)
  })
  it('directions: 8 for each first direction and 1, from the calls made when it is entered', () => {
    const events: ProgressEvent[] = []
    // A bad sampled weight: its check sweeps, so the coordinates spend more than their 2 calls each and the directions' own estimate shows.
    const sampled = sampleIndices(10, 4, random(SEED))
    quadraticPoint({ w: values(10) }, { sample: 4 }, [[0, sampled[0]!, 1.05]], events).covered()
    const coordinates = events.find((e) => e.phase === 'coordinates')!
    const directions = events.find((e) => e.phase === 'directions')!
    expect(directions.done - coordinates.done).toBeGreaterThan(2 * 4)
    expect(directions.total - directions.done).toBe(8 * 2 + 1)
  })
  it('mode: directional: nothing sampled, 8 for each of 2 first directions a tensor, and 1', () => {
    const events: ProgressEvent[] = []
    quadraticPoint({ a: values(5), b: values(6, 1) }, { mode: 'directional' }, [], events).covered()
    const coordinates = events.find((e) => e.phase === 'coordinates')!
    expect(coordinates.total - coordinates.done).toBe(8 * 4 + 1)
  })
  it('a localisation: ⌈9·log₂ m⌉ + 8 for a direction over m coordinates, then 1 more in directions', () => {
    const events: ProgressEvent[] = []
    quadraticPoint({ w: values(40) }, { mode: 'directional' }, [[0, 17, 1.01]], events).covered()
    const j = events.findIndex((e) => e.phase === 'localisation')
    expect(j).toBeGreaterThan(0)
    expect(events[j]!.total - events[j]!.done).toBe(Math.ceil(9 * Math.log2(40)) + 8)
    const back = events.slice(j).find((e) => e.phase === 'directions')!
    expect(back.total - back.done).toBeGreaterThanOrEqual(0)
    // The localisation's estimate is ~55 calls, more than it spends on one bad weight: the 1 more is within it.
    expect(back.total).toBe(Math.max(events[j]!.total, back.done + 1))
  })
})
