import { describe, expect, it } from 'vitest'
import { Perturbation } from '../../src/engine/calls.js'
import { DIRECTIONS, K, LOCAL_POSITIONS, RATIO, SMALLEST, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import { type Direction, type DirectionResult, analyticAlong, analyticOf, checkDirection, counted, directionCoordinate, gradientDirection, learnCoordinate, partOf, randomDirection } from '../../src/engine/direction.js'
import { type Check, drive } from '../../src/engine/drive.js'
import type { LossStats } from '../../src/engine/noise.js'
import type { Point } from '../../src/engine/point.js'
import { type TensorScale, coordinateScale } from '../../src/engine/scale.js'
import { LossValueError } from '../../src/errors.js'
import { resolveOptions } from '../../src/options.js'
import type { Block } from '../../src/params/flatten.js'
import { quantisedAtSweep } from './weight.js'

// The directions of src/engine/direction.ts (docs/numerics.md §8) on a one-tensor point through the real Perturbation.
const u = UNIT_ROUNDOFF.float64
const seq = (values: number[]): (() => number) => {
  let j = 0
  return () => values[j++ % values.length]!
}
const dir = (indices: number[], v: number[], k = 0): Direction => ({ k, kind: 'part', indices: Int32Array.from(indices), v: Float64Array.from(v), depth: 0 })

interface Setup {
  p: Point
  loss: LossStats
  t: TensorScale
  run: <T>(check: Check<T>) => T
  calls: () => number
  data: Float64Array
}
/** f(w) = Σ cᵢwᵢ + ½Σ wᵢ² at w, with analytic gradient `g` (c + w when right), measured noise `noise`. */
const setup = (w: number[], g: number[], o: { noise?: number; step?: number | 'auto'; along?: Point['along']; c?: number[]; sine?: boolean } = {}): Setup => {
  const data = Float64Array.from(w)
  const c = o.c ?? w.map(() => 1)
  const block: Block = { name: 'w', shape: [w.length], size: w.length, precision: 'float64', get: (i) => data[i]!, set: (i, v) => void (data[i] = v) }
  const at = new Perturbation([block])
  // With `sine`, Σ sin(wᵢ) instead: a loss whose truncation the sweep sees (the quadratic's central differences are exact).
  const f = (): number => data.reduce((s, x, i) => s + (o.sine ? Math.sin(x) : c[i]! * x + 0.5 * x * x), 0)
  const options = resolveOptions({ at: data, step: o.step ?? 'auto' })
  const p: Point = { at, analytic: [Float64Array.from(g)], precision: 'float64', options, ...(o.along ? { along: o.along } : {}) }
  const loss = { value: f(), noise: o.noise ?? u * Math.abs(f()), spread: 0, deterministic: true, precision: 'float64', nonFinite: 0 } as LossStats
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

describe('randomDirection: a seeded Rademacher direction', () => {
  it('every component ±1/√m with the sign the draw says, a unit vector, over the given indices', () => {
    const idx = Int32Array.from([3, 5, 8, 13])
    const d = randomDirection(2, idx, seq([0.1, 0.9, 0.49, 0.5]))
    expect(Array.from(d.v)).toEqual([-0.5, 0.5, -0.5, 0.5])
    expect(d).toMatchObject({ k: 2, kind: 'random', depth: 0 })
    expect(d.indices).toBe(idx)
    expect(d.v.reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 15)
  })
  it('takes exactly one draw per coordinate: the seeded stream the next direction continues is not skipped ahead', () => {
    let draws = 0
    const next = (): number => (draws++ % 2 === 0 ? 0.25 : 0.75)
    const first = randomDirection(0, Int32Array.from([0, 1, 2]), next)
    expect(draws).toBe(3)
    // The next direction starts where this one stopped: with the fourth draw (0.75, +).
    const second = randomDirection(0, Int32Array.from([0]), next)
    expect(Array.from(first.v)).toEqual([-1, 1, -1].map((x) => x / Math.sqrt(3)))
    expect(Array.from(second.v)).toEqual([1])
  })
})

describe('gradientDirection: g/‖g‖ over the indices', () => {
  it('the gradient direction over the indices, a unit vector', () => {
    const g = Float64Array.from([9, 3, 0, 4])
    const d = gradientDirection(1, Int32Array.from([1, 3]), g)!
    expect(Array.from(d.v)).toEqual([0.6, 0.8])
    expect(d).toMatchObject({ k: 1, kind: 'gradient', depth: 0 })
  })
  it('undefined where g is 0 there, or not finite', () => {
    const g = Float64Array.from([0, 0, 1, Infinity, Number.NaN])
    expect(gradientDirection(0, Int32Array.from([0, 1]), g)).toBeUndefined()
    expect(gradientDirection(0, Int32Array.from([2, 3]), g)).toBeUndefined()
    expect(gradientDirection(0, Int32Array.from([2, 4]), g)).toBeUndefined()
    // Control: one non-zero entry is a direction.
    expect(Array.from(gradientDirection(0, Int32Array.from([0, 2]), g)!.v)).toEqual([0, 1])
  })
})

describe('partOf: a slice of a direction, renormalised, with its length', () => {
  it('d = Σ weight·part over its parts, and each part is a unit vector one level deeper', () => {
    const d: Direction = { k: 4, kind: 'random', indices: Int32Array.from([7, 1, 9, 2]), v: Float64Array.from([0.1, 0.7, 0.5, 0.5]), depth: 2 }
    const A = partOf(d, 0, 2)
    const B = partOf(d, 2, 4)
    expect(Array.from(A.part.indices)).toEqual([7, 1])
    expect(Array.from(B.part.indices)).toEqual([9, 2])
    expect(A.weight).toBeCloseTo(Math.sqrt(0.5), 15)
    expect(B.weight).toBeCloseTo(Math.sqrt(0.5), 15)
    for (const { part } of [A, B]) {
      expect(part).toMatchObject({ k: 4, kind: 'part', depth: 3 })
      expect(part.v.reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 15)
    }
    const back = [...Array.from(A.part.v, (x) => x * A.weight), ...Array.from(B.part.v, (x) => x * B.weight)]
    back.forEach((x, j) => expect(x).toBeCloseTo(d.v[j]!, 15))
    // The parent is left as it was.
    expect(Array.from(d.v)).toEqual([0.1, 0.7, 0.5, 0.5])
  })
})

describe('analyticAlong, analyticOf, learnCoordinate', () => {
  it('g·v over the direction’s indices', () => {
    expect(analyticAlong(Float64Array.from([1, 2, 3, 4]), dir([3, 1], [0.5, -2]))).toBe(4 * 0.5 - 2 * 2)
  })
  it('analyticOf: g·v without `along`, the point’s `along` (one call) with it', () => {
    const plain = setup([0, 0], [1, 2])
    expect(plain.run(analyticOf(plain.p, dir([0, 1], [0.6, 0.8])))).toBeCloseTo(0.6 + 1.6, 15)
    expect(plain.calls()).toBe(0)
    const asked: Direction[] = []
    const along = function* (d: Direction): Check<number> {
      asked.push(d)
      yield 'loss'
      return 42
    }
    const jvp = setup([0, 0], [1, 2], { along })
    const d = dir([1], [1])
    expect(jvp.run(analyticOf(jvp.p, d))).toBe(42)
    expect(asked).toEqual([d])
  })
  it('learnCoordinate: writes the derivative along eᵢ into the analytic gradient, and does nothing without `along`', () => {
    const asked: Direction[] = []
    const along = function* (d: Direction): Check<number> {
      asked.push(d)
      return 7
    }
    const jvp = setup([0, 0, 0], [0, 0, 0], { along })
    jvp.run(learnCoordinate(jvp.p, 0, 2))
    expect(Array.from(jvp.p.analytic[0]!)).toEqual([0, 0, 7])
    expect(asked).toHaveLength(1)
    // A well-formed Direction (its kind one of the three): the unit vector eᵢ, one position of tensor k.
    expect(asked[0]).toMatchObject({ k: 0, kind: 'part' })
    expect(Array.from(asked[0]!.indices)).toEqual([2])
    expect(Array.from(asked[0]!.v)).toEqual([1])
    const plain = setup([0, 0, 0], [1, 2, 3])
    plain.run(learnCoordinate(plain.p, 0, 2))
    expect(Array.from(plain.p.analytic[0]!)).toEqual([1, 2, 3])
  })
})

describe('directionCoordinate: the direction as one coordinate', () => {
  it('x = 0, i = −1, a the analytic g·v, G the tensor’s largest |gᵢ|, L from the tensor’s scale narrowed by |f/a|', () => {
    const s = setup([0.5, -0.25], [1.5, 0.75])
    const d = dir([0, 1], [0.6, 0.8])
    const c = directionCoordinate(s.p, s.loss, { ...s.t, value: { centre: 3, scale: 2 } }, d, 1.5)
    expect(c).toMatchObject({ k: 0, i: -1, x: 0, a: 1.5, G: 1.5, u, tiny: SMALLEST.float64 })
    expect(c.L).toBe(coordinateScale(0, 1.5, s.loss.value, { centre: 0, scale: 2 }, u))
    // The automatic step: (3r)^(1/3)·L at most MAX_RELATIVE_STEP·L, and it is the optimal step too.
    expect(c.h).toBeCloseTo(Math.min(K.MAX_RELATIVE_STEP, Math.cbrt(3 * c.r)) * c.L, 20)
    expect(c.optimal).toBe(c.h)
  })
  it('a fixed step, then a start step, before the automatic one', () => {
    const d = dir([0, 1], [0.6, 0.8])
    const fixed = setup([0.5, -0.25], [1.5, 0.75], { step: 1e-3 })
    expect(directionCoordinate(fixed.p, fixed.loss, fixed.t, d, 1, 2e-4).h).toBe(1e-3)
    const auto = setup([0.5, -0.25], [1.5, 0.75])
    expect(directionCoordinate(auto.p, auto.loss, auto.t, d, 1, 2e-4).h).toBe(2e-4)
  })
  it('along(s) moves every coordinate by s·vⱼ and returns the step actually taken along v, restoring `at`', () => {
    const s = setup([0.5, -0.25], [1.5, 0.75])
    const c = directionCoordinate(s.p, s.loss, s.t, dir([0, 1], [0.6, 0.8]), 1)
    const seen = s.run(c.along(0.5))
    expect(seen.x).toBeCloseTo(0.5, 15)
    const moved = [0.5 + 0.3, -0.25 + 0.4]
    expect(seen.f).toBeCloseTo(moved[0]! + 0.5 * moved[0]! ** 2 + moved[1]! + 0.5 * moved[1]! ** 2, 14)
    expect(Array.from(s.data)).toEqual([0.5, -0.25])
  })
  it('a loss value that is not a number names the direction and the step it was taken at', () => {
    // lossValue's usage error ends with where the call was made: the direction's kind, its size and tensor, and t.
    const where = (d: Direction): string => {
      const s = setup([0.5, -0.25], [1.5, 0.75])
      const c = directionCoordinate(s.p, s.loss, s.t, d, 1)
      try {
        drive(c.along(0.5), () => 'not a number')
      } catch (error) {
        expect(error).toBeInstanceOf(LossValueError)
        return (error as Error).message
      }
      throw new Error('no error')
    }
    const v = Float64Array.from([0.6, 0.8])
    const idx = Int32Array.from([0, 1])
    expect(where({ k: 0, kind: 'gradient', indices: idx, v, depth: 0 })).toContain('along the gradient of w (t = 0.5)')
    expect(where({ k: 0, kind: 'random', indices: idx, v, depth: 0 })).toContain('along a random direction over 2 coordinates of w (t = 0.5)')
    expect(where({ k: 0, kind: 'part', indices: idx, v, depth: 1 })).toContain('along a part of 2 coordinates of w (t = 0.5)')
  })
})

describe('counted: runs a check and counts the calls it yields', () => {
  it('passes each reply back and counts every yield', () => {
    const inner = function* (): Check<number> {
      const a = (yield 'loss') as number
      const b = (yield 'loss') as number
      return a + b
    }
    let n = 0
    const out = drive(counted(inner()), () => ++n) as { value: number; calls: number }
    expect(out).toEqual({ value: 3, calls: 2 })
  })
  it('throws a call’s error into the check, which may recover', () => {
    const inner = function* (): Check<string> {
      try {
        yield 'loss'
      } catch (error) {
        return `caught ${(error as Error).message}`
      }
      return 'not thrown'
    }
    const out = drive(counted(inner()), () => {
      throw new Error('boom')
    }) as { value: string; calls: number }
    expect(out).toEqual({ value: 'caught boom', calls: 1 })
  })
})

describe('checkDirection: one directional test, judged like one coordinate', () => {
  const w = [0.5, -0.25, 1, 2]
  const right = w.map((x) => 1 + x)
  const d = (): Direction => ({ k: 0, kind: 'random', indices: Int32Array.from([0, 1, 2, 3]), v: Float64Array.from([0.5, -0.5, 0.5, 0.5]), depth: 0 })

  it('the right gradient: ok, numeric ≈ g·v, the first step, and its calls counted', () => {
    const s = setup(w, right)
    const r = s.run(checkDirection(s.p, s.loss, s.t, d()))
    const a = analyticAlong(Float64Array.from(right), d())
    expect(r).toMatchObject({ verdict: 'ok', failed: false, analytic: a })
    expect(Math.abs(r.numeric - a)).toBeLessThanOrEqual(r.tolerance)
    expect(r.calls).toBe(s.calls())
    // Always swept: the first level, h/4 and 4h, two calls each.
    expect(r.calls).toBeGreaterThanOrEqual(6)
    expect(r.step).toBe(directionCoordinate(s.p, s.loss, s.t, d(), a).h)
    expect(r.settled).toBeGreaterThanOrEqual(r.step)
    expect(r.direction.kind).toBe('random')
  })

  it('negative control: one entry ×1.01 moves g·v by 0.005·|g₀|… beyond the bound: a bug', () => {
    const wrong = [...right]
    wrong[0] = wrong[0]! * 1.01
    const s = setup(w, wrong)
    const r = s.run(checkDirection(s.p, s.loss, s.t, d()))
    expect(r).toMatchObject({ verdict: 'bug', failed: true })
  })

  it('a start step is where its sweep begins', () => {
    const s = setup(w, right)
    const r = s.run(checkDirection(s.p, s.loss, s.t, d(), 1e-4))
    expect(r.step).toBe(1e-4)
    expect(r.steps.map((x) => x.h).some((h) => Math.abs(h / 1e-4 - 1) < 1e-9)).toBe(true)
  })

  it('climbs while round-off dominates: a loss 1e9 + … at a tiny step reaches larger steps, and settles above the first', () => {
    // Noise 1e9·u ≈ 1.1e-7 beside a step of 1e-8: ε/s ≈ 11, far beyond g·v; larger steps cure it.
    const s = setup(w, right, { noise: 1e9 * u, step: 1e-8 })
    const r = s.run(checkDirection(s.p, s.loss, s.t, d()))
    // At least three levels above 4h (16h, 64h, 256h) …
    expect(Math.max(...r.steps.map((x) => x.h))).toBeGreaterThanOrEqual(1e-8 * RATIO ** 4 * (1 - 1e-9))
    expect(r.settled).toBeGreaterThan(1e-8)
    const quiet = setup(w, w.map(Math.cos), { step: 1e-3, sine: true })
    const q = quiet.run(checkDirection(quiet.p, quiet.loss, quiet.t, d()))
    // … where a truncation-bound loss climbs one at most (Σ sin wᵢ at 1e-3).
    expect(Math.max(...q.steps.map((x) => x.h))).toBeLessThanOrEqual(1e-3 * RATIO ** 2 * (1 + 1e-9))
  })
})

/**
 * A loss along designed directions over n coordinates, starting at w = 0 (so t is the move itself and
 * every value below is exact in binary): `phi` of the stored weights, the analytic gradient `g`, the
 * probe's noise `noise` (what LossStats says, true or not), and the tensor's scale.
 */
const along = (n: number, phi: (w: Float64Array) => number, g: number[], o: { noise: number; step?: number | 'auto'; scale?: number; kinks?: 'ignore'; jvp?: Point['along'] }) => {
  const data = new Float64Array(n)
  const block: Block = { name: 'w', shape: [n], size: n, precision: 'float64', get: (i) => data[i]!, set: (i, v) => void (data[i] = v) }
  const options = resolveOptions({ at: data, step: o.step ?? 'auto', ...(o.kinks ? { kinks: o.kinks } : {}) })
  const p: Point = { at: new Perturbation([block]), analytic: [Float64Array.from(g)], precision: 'float64', options, ...(o.jvp ? { along: o.jvp } : {}) }
  const loss = { value: phi(data), noise: o.noise, spread: 0, deterministic: true, precision: 'float64', nonFinite: 0 } as LossStats
  const t: TensorScale = { value: { centre: 0, scale: o.scale ?? 1 }, gradient: Math.max(...g.map(Math.abs)), change: 0 }
  let calls = 0
  const check = (d: Direction, weigh?: boolean, resolution?: number) =>
    drive(checkDirection(p, loss, t, d, undefined, weigh, resolution), () => {
      calls++
      return phi(data)
    }) as DirectionResult
  return { check, calls: () => calls, c: (d: Direction, a: number) => directionCoordinate(p, loss, t, d, a) }
}
const e0: Direction = { k: 0, kind: 'random', indices: Int32Array.of(0), v: Float64Array.of(1), depth: 0 }
const top = (r: DirectionResult): number => Math.max(...r.steps.map((x) => x.h))

describe('the direction’s climb: larger steps while round-off dominates its bound (numerics.md §8)', () => {
  // f = t exactly: every central difference is 1 exactly, and the whole bound is the declared round-off ε/s.
  const h = 2 ** -20

  it('round-off the whole bound at every step: climbs DIRECTIONS.MAX_CLIMB levels above 4h and no more', () => {
    const s = along(1, (w) => w[0]!, [1], { noise: 2 ** -30, step: h, scale: 2 ** 20 })
    const r = s.check(e0)
    expect(r).toMatchObject({ verdict: 'ok', numeric: 1 })
    expect(top(r)).toBe(RATIO * h * RATIO ** DIRECTIONS.MAX_CLIMB)
    expect(r.settled).toBe(top(r))
    expect(r.steps).toHaveLength(3 + DIRECTIONS.MAX_CLIMB)
    // The bound falls as ε/s: at the top level it is the declared noise over that step (×1.1 extrapolated at most).
    expect(r.estimatedError).toBeLessThanOrEqual((1.1 * 2 ** -30) / (top(r) / RATIO))
    // The sweep's 3 levels and the climb's, 2 calls each.
    expect(r.calls).toBe(2 * (3 + DIRECTIONS.MAX_CLIMB))
    expect(s.calls()).toBe(r.calls)
  })

  it('with a resolution, stops climbing once the estimate agrees within resolution·min|vⱼ|: no finer than the coordinates checked one by one', () => {
    const v = Float64Array.from({ length: 16 }, (_, j) => (j % 2 === 0 ? 1 : -1) / 4)
    const d: Direction = { k: 0, kind: 'random', indices: Int32Array.from({ length: 16 }, (_, j) => j), v, depth: 0 }
    const phi = (w: Float64Array) => w.reduce((acc, x, j) => acc + v[j]! * x, 0)
    const g = Array.from(v)
    const full = along(16, phi, g, { noise: 2 ** -30, step: h, scale: 2 ** 20 }).check(d)
    expect(full.steps).toHaveLength(3 + DIRECTIONS.MAX_CLIMB)
    // A resolution the sweep's three levels already meet: not one level more (6 calls), and still ok.
    const coarse = along(16, phi, g, { noise: 2 ** -30, step: h, scale: 2 ** 20 })
    const c = coarse.check(d, true, 1)
    expect(c).toMatchObject({ verdict: 'ok', numeric: 1 })
    expect(c.steps).toHaveLength(3)
    expect(coarse.calls()).toBe(6)
    // One between: it stops at the first level whose error is within it, above the sweep and below the full climb.
    const target = full.estimatedError * RATIO ** 3
    const mid = along(16, phi, g, { noise: 2 ** -30, step: h, scale: 2 ** 20 }).check(d, true, target / 0.25)
    expect(mid.verdict).toBe('ok')
    expect(mid.estimatedError).toBeLessThanOrEqual(target)
    expect(mid.steps.length).toBeGreaterThan(3)
    expect(mid.steps.length).toBeLessThan(full.steps.length)
    // A resolution of 0 (or none) climbs as far as round-off lets it.
    expect(along(16, phi, g, { noise: 2 ** -30, step: h, scale: 2 ** 20 }).check(d, true, 0).steps).toHaveLength(3 + DIRECTIONS.MAX_CLIMB)
  })

  it('negative control: an error the resolution resolves is never stopped early; it climbs and is judged as without one', () => {
    // g·v = 1 + 1e-6 where the coordinates resolve 1e-7: the sweep's bound (~1e-3 at h = 2⁻²⁰) agrees with both, and
    // the climb goes on until the bound convicts, as without a resolution.
    const phi = (w: Float64Array) => w[0]!
    const without = along(1, phi, [1 + 1e-6], { noise: 2 ** -30, step: h, scale: 2 ** 20 })
    const plain = without.check(e0)
    const withRes = along(1, phi, [1 + 1e-6], { noise: 2 ** -30, step: h, scale: 2 ** 20 })
    const r = withRes.check(e0, true, 1e-7)
    expect(plain.verdict).toBe('bug')
    expect(r.verdict).toBe('bug')
    expect(r.steps.map((x) => x.h)).toEqual(plain.steps.map((x) => x.h))
    expect(withRes.calls()).toBe(without.calls())
    // What a coarser resolution means: coordinates that resolve only 1 cannot see 1e-6 either, and the sweep's
    // three levels, which agree within their bound, are enough.
    expect(along(1, phi, [1 + 1e-6], { noise: 2 ** -30, step: h, scale: 2 ** 20 }).check(e0, true, 1)).toMatchObject({ verdict: 'ok', steps: { length: 3 } })
  })

  it('a bound of truncation is not climbed: Σ sin at 1e-2 takes the sweep’s three levels only', () => {
    const s = along(1, (w) => Math.sin(w[0]! + 0.4), [Math.cos(0.4)], { noise: u, step: 1e-2 })
    const r = s.check(e0)
    expect(r.verdict).toBe('ok')
    expect(r.steps.map((x) => x.h)).toEqual([4e-2, 1e-2, 2.5e-3].map((x) => expect.closeTo(x, 15)))
    expect(r.calls).toBe(6)
    // Control for the audit: differences that fall 16× per level are truncation, and no level's noise is raised to them.
    for (const x of r.steps) expect(x.noise * x.h).toBeLessThan(2 * u)
  })

  // 256 coordinates of ±1/16: no coordinate moves more than 0.1 of the tensor's scale S until the step is 1.6·S.
  const n = 256
  const v = Float64Array.from({ length: n }, (_, j) => (j % 3 === 0 ? -1 : 1) / 16)
  const wide: Direction = { k: 0, kind: 'random', indices: Int32Array.from({ length: n }, (_, j) => j), v, depth: 0 }
  const linear = (f0: number) => (w: Float64Array) => w.reduce((acc, x, j) => acc + v[j]! * x, f0)

  it('reaches past L to where a coordinate moves 0.1 of its scale: 0.1·S/max|vⱼ| (L = S = 3, reach 4.8)', () => {
    const s = along(n, linear(0), Array.from(v), { noise: 2 ** -30, step: 2 ** -10, scale: 3 })
    expect(s.c(wide, 1).L).toBe(3)
    const r = s.check(wide)
    expect(r).toMatchObject({ verdict: 'ok', numeric: 1 })
    // Steps 2⁻¹⁰·4ᵏ: 4 is within the reach, 16 beyond it (and the climb was not capped: 6 levels above 4h).
    expect(top(r)).toBe(4)
    expect(r.steps).toHaveLength(3 + 5)
  })

  it('up to the reach inclusive: one coordinate, L = S = 40, climbs to the step 4 = 0.1·S itself, never to L', () => {
    const r = along(1, (w) => w[0]!, [1], { noise: 2 ** -30, step: 2 ** -10, scale: 40 }).check(e0)
    expect(r).toMatchObject({ verdict: 'ok', numeric: 1 })
    expect(top(r)).toBe(4)
    // A direction over few coordinates moves each by most of the step: with S = 4 the reach is 0.4, not L = 4
    // (float32 cancel-affine 2320 with sample 4: steps near a 6-coordinate tensor's own scale met a plateau of
    // the truncation, and Richardson's two-level bound read it as converged).
    expect(top(along(1, (w) => w[0]!, [1], { noise: 2 ** -30, step: 2 ** -10, scale: 4 }).check(e0))).toBe(0.25)
  })

  it('where |f/a| narrowed L below the scale, the reach is L itself (L = 2, S = 8)', () => {
    const s = along(n, linear(2), Array.from(v), { noise: 2 ** -30, step: 2 ** -10, scale: 8 })
    expect(s.c(wide, 1).L).toBe(2)
    const r = s.check(wide)
    expect(r).toMatchObject({ verdict: 'ok', numeric: 1 })
    expect(top(r)).toBe(1)
  })
})

describe('the climb’s second test: differences that do not shrink 16× per level are round-off', () => {
  it('round-off ±ε/2 at every point, the probe right at ε: the top level’s bound is its neighbour’s round-off, and it climbs', () => {
    // f(±s) = ±s ± ε/2: D(s) = 1 + ε/2s, a difference in 1/s like round-off. The top level alone bounds its
    // truncation by |D(4h) − D(h)| = 1.5ε/4h beside its own ε/4h: round-off is 0.4 of the bound, under half,
    // and only the second test (the top three levels differ by round-off's 4×, not truncation's 16×) climbs.
    const eps = 2 ** -30
    const h = 2 ** -20
    const r = along(1, (w) => w[0]! + (w[0]! > 0 ? eps / 2 : w[0]! < 0 ? -eps / 2 : 0), [1], { noise: eps, step: h, scale: 2 ** 20 }).check(e0)
    expect(r.verdict).toBe('ok')
    expect(top(r)).toBe(RATIO * h * RATIO ** DIRECTIONS.MAX_CLIMB)
    expect(r.settled).toBe(top(r))
    // The bound falls with the step: that of the top level, 2.5ε over it.
    expect(r.estimatedError).toBe((2.5 * eps) / top(r))
    expect(Math.abs(r.numeric - 1)).toBeLessThanOrEqual(r.estimatedError)
  })
})

describe('the direction’s audit: round-off read from its own central differences', () => {
  it('reads ε exactly from the worst case: ±ε at ±s and ∓ε at ±4s move D(s) − D(4s) by (1 + 1/4)·ε/s', () => {
    // f = t plus round-off of ε = 2⁻³⁰ at the lowest two levels' points, the probe 64× under it.
    const eps = 2 ** -30
    const s0 = 2 ** -22
    const off = new Map([
      [s0, eps],
      [-s0, -eps],
      [4 * s0, -eps],
      [-4 * s0, eps],
    ])
    const s = along(1, (w) => w[0]! + (off.get(w[0]!) ?? 0), [1], { noise: eps / 64, step: 4 * s0, scale: 2 ** 20 })
    const r = s.check(e0)
    // Every level's round-off is raised to ε/s …
    for (const x of r.steps) expect(x.noise).toBe(eps / x.h)
    // … so the lowest levels' disagreement, 2⁻⁸ and 2⁻¹², is round-off, and the climb cures it: the right gradient passes.
    expect(r.steps.at(-1)!.central).toBe(1 + 2 ** -8)
    expect(r).toMatchObject({ verdict: 'ok', failed: false, numeric: 1 })
    expect(r.settled).toBeGreaterThan(4 * s0)
  })
})

describe('the direction’s audit skips what is not finite', () => {
  it('a loss value that overflows at one point (x + h/4) is no evidence of round-off: no level’s noise is raised', () => {
    // f = t, but +∞ at t = h/4: the level there is not finite; f is exact everywhere else.
    const h = 2 ** -20
    const r = along(1, (w) => (w[0]! === h / 4 ? Number.POSITIVE_INFINITY : w[0]!), [1], { noise: 2 ** -30, step: h, scale: 2 ** 20 }).check(e0)
    expect(r.steps.filter((x) => !x.finite).map((x) => x.h)).toEqual([h / 4])
    for (const x of r.steps.filter((x) => x.finite)) expect(x.noise).toBe(2 ** -30 / x.h)
    expect(r).toMatchObject({ verdict: 'ok', numeric: 1 })
  })
})

describe('a conviction weighed against the loss’s own noise along the direction (local.ts)', () => {
  // f = t, except that at the sweep's own points below 4h (t = ±h/4ᵏ) it reads (1 + δ)·t: a loss quantised
  // so that D(h/4) = D(h) = 1 + δ consistently (numerics.md §4, cancel-variance seed 22615), which no
  // audit sees and the 8 irregular points of localNoise do.
  const h = 2 ** -10
  const delta = 1e-4
  const quantised = quantisedAtSweep(h, delta)

  it('the sweep convicts, and weighed (the default) the right gradient is cleared, at 2·LOCAL_POSITIONS.length more calls', () => {
    const weighed = along(1, quantised, [1], { noise: 1e-18, step: h }).check(e0)
    const alone = along(1, quantised, [1], { noise: 1e-18, step: h }).check(e0, false)
    // Not weighed (localisation's parts): the sweep's conviction stands, and no local noise is paid for.
    expect(alone).toMatchObject({ verdict: 'bug', failed: true, reason: { kind: 'sweep' } })
    expect(alone.steps.map((x) => x.central)).toEqual([1, 1 + delta, 1 + delta])
    expect(weighed).toMatchObject({ verdict: 'ok', failed: false })
    expect(weighed.calls).toBeGreaterThanOrEqual(alone.calls + 2 * LOCAL_POSITIONS.length)
    // Judged again with more noise: every level's round-off is at least what it was.
    expect(weighed.steps.length).toBeGreaterThanOrEqual(alone.steps.length)
    alone.steps.forEach((x, j) => expect(weighed.steps.at(j - alone.steps.length)!.noise).toBeGreaterThanOrEqual(x.noise))
  })

  it('a real error on a clean loss: the local noise raises nothing, and the ladder is not climbed again', () => {
    // f = t exactly, g·v = 1.5: the climb ends at MAX_CLIMB a bug; the local fit is exact (noise 0).
    const weighed = along(1, (w) => w[0]!, [1.5], { noise: 2 ** -30, step: 2 ** -20, scale: 2 ** 20 }).check(e0)
    const alone = along(1, (w) => w[0]!, [1.5], { noise: 2 ** -30, step: 2 ** -20, scale: 2 ** 20 }).check(e0, false)
    expect(alone).toMatchObject({ verdict: 'bug', failed: true })
    expect(weighed).toMatchObject({ verdict: 'bug', failed: true, numeric: 1 })
    expect(weighed.steps).toEqual(alone.steps)
    expect(weighed.settled).toBe(alone.settled)
    expect(weighed.calls).toBe(alone.calls + 2 * LOCAL_POSITIONS.length)
  })

  it('a bug that is not the sweep’s (an analytic side that is NaN) is not weighed: no local noise is paid for', () => {
    const jvp = function* (): Check<number> {
      return Number.NaN
    }
    const weighed = along(1, (w) => Math.sin(w[0]! + 0.4), [0], { noise: u, step: 1e-2, jvp }).check(e0)
    const alone = along(1, (w) => Math.sin(w[0]! + 0.4), [0], { noise: u, step: 1e-2, jvp }).check(e0, false)
    expect(weighed).toMatchObject({ verdict: 'bug', failed: true, reason: { kind: 'analytic-not-finite' } })
    expect(weighed.calls).toBe(alone.calls)
  })

  it('a direction that passes costs no local noise', () => {
    // Σ sin at 1e-2, the right g·v: passed by the sweep, its 6 calls only.
    const r = along(1, (w) => Math.sin(w[0]! + 0.4), [Math.cos(0.4)], { noise: u, step: 1e-2 }).check(e0)
    expect(r.verdict).toBe('ok')
    expect(r.calls).toBe(6)
  })
})

describe('kinks: \'ignore\' along a direction: every finite level counts', () => {
  // f = t + J·|t − d| with a kink d = h/10 from x, and g·v the near side's slope 1 − J (x is left of the kink).
  const h = 1e-3
  const J = 0.01
  const kinked = (w: Float64Array): number => 1 + w[0]! + J * Math.abs(w[0]! - h / 10)
  it('by default the levels above the kink’s first non-smooth pair are not estimates at x: the near slope passes', () => {
    const plain = along(1, kinked, [1 - J], { noise: 1e-14, step: h }).check(e0)
    expect(plain.failed).toBe(false)
    expect(plain.verdict).toBe('ok')
    // Taken as smooth, as asked, the levels that straddle the kink average its two slopes (1 − J and 1 + J), and
    // their extrapolation disagrees with the near side's slope, which only the smallest level (below the kink's
    // distance, its noise raised by the audit beyond the bound) still shows: not ok (inconclusive, verdict.ts
    // `judge`: a fall into a level noisier than the bound is no evidence either way).
    const ignored = along(1, kinked, [1 - J], { noise: 1e-14, step: h, kinks: 'ignore' }).check(e0)
    expect(ignored).toMatchObject({ verdict: 'inconclusive', failed: false, reason: { kind: 'not-smooth' } })
    expect(Math.abs(ignored.numeric - (1 - J))).toBeGreaterThan(Math.abs(plain.numeric - (1 - J)))
    expect(ignored.numeric).toBeLessThan(1 + J)
  })
})
