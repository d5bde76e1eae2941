import { it } from 'vitest'
import { Perturbation } from '../../src/engine/calls.js'
import { UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import { type Direction, checkDirection, flags } from './zz-dircopy.js'
import { drive } from '../../src/engine/drive.js'
import type { LossStats } from '../../src/engine/noise.js'
import type { Point } from '../../src/engine/point.js'
import type { TensorScale } from '../../src/engine/scale.js'
import { resolveOptions } from '../../src/options.js'
import type { Block } from '../../src/params/flatten.js'
const u = UNIT_ROUNDOFF.float64
function line(n: number, phi: (w: Float64Array) => number, g: number[], o: { noise: number; step?: number | 'auto'; scale?: number; kinks?: 'ignore'; w0?: number[] }) {
  const data = o.w0 ? Float64Array.from(o.w0) : new Float64Array(n)
  const block: Block = { name: 'w', shape: [n], size: n, precision: 'float64', get: (i) => data[i]!, set: (i, v) => void (data[i] = v) }
  const options = resolveOptions({ at: data, step: o.step ?? 'auto', ...(o.kinks ? { kinks: o.kinks } : {}) })
  const p: Point = { at: new Perturbation([block]), analytic: [Float64Array.from(g)], precision: 'float64', options }
  const loss = { value: phi(data), noise: o.noise, spread: 0, deterministic: true, precision: 'float64', nonFinite: 0 } as LossStats
  const t: TensorScale = { value: { centre: 0, scale: o.scale ?? 1 }, gradient: Math.max(...g.map(Math.abs)), change: 0 }
  return (d: Direction) => drive(checkDirection(p, loss, t, d), () => phi(data)) as any
}
const show = (tag: string, r: any) => console.log(tag, JSON.stringify({ v: r.verdict, n: r.numeric, err: r.estimatedError, calls: r.calls, hs: r.steps.map((s: any) => s.h).reverse().map((x: number) => +x.toPrecision(3)) }))
const one: Direction = { k: 0, kind: 'random', indices: Int32Array.of(0), v: Float64Array.of(1), depth: 0 }
const hash = (x: number) => { const y = Math.sin(x * 12.9898e6 + 78.233) * 43758.5453; return 2 * (y - Math.floor(y)) - 1 }
for (const eps of [1e-13, 1e-12, 1e-10]) for (const step of [1e-7, 1e-6, 1e-5, 1e-4]) it(`hash ${eps} ${step}`, () => {
  for (const second of [true, false]) {
    flags.second = second
    show(`hash ${eps} ${step} ${second}`, line(1, (w) => 1 + w[0]! + eps * hash(w[0]!), [1], { noise: eps, step })(one))
  }
})
for (const n of [10000]) for (const step of ['auto', 1e-6, 1e-5] as const) it(`sum ${n} ${step}`, () => {
  const w0 = Array.from({ length: n }, (_, i) => Math.sin(i) * 2)
  const c = Array.from({ length: n }, (_, i) => Math.cos(i * 1.3))
  const phi = (w: Float64Array) => { let s = 0; for (let i = 0; i < n; i++) s += w[i]! * c[i]! + 0.5 * w[i]! * w[i]!; return s }
  const g = w0.map((x, i) => c[i]! + x)
  const v = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 13 < 6 ? -1 : 1) / Math.sqrt(n))
  const d: Direction = { k: 0, kind: 'random', indices: Int32Array.from({ length: n }, (_, i) => i), v, depth: 0 }
  const f0 = phi(Float64Array.from(w0))
  for (const second of [true, false]) {
    flags.second = second
    show(`sum ${step} ${second}`, line(n, phi, g, { noise: Math.sqrt(n) * u * Math.abs(f0), step, w0, scale: 2 })(d))
  }
})
for (const dd of [0.1, 0.5, 2, 8]) for (const J of [1e-2, 1e-6]) it(`kink ${dd} ${J}`, () => {
  flags.second = true
  const h = 1e-3
  for (const kinks of [undefined, 'ignore'] as const) for (const m of [false, true]) {
    flags.ignoreMut = m
    show(`kink ${dd} ${J} ${kinks} ${m}`, line(1, (w) => 1 + w[0]! + J * Math.abs(w[0]! - dd * h), [1 - J], { noise: 1e-14, step: h, ...(kinks ? { kinks } : {}) })(one))
  }
  flags.ignoreMut = false
})
const bits = new Float64Array(1)
const ints = new Uint32Array(bits.buffer)
const scatter = (t: number): number => {
  bits[0] = t
  let x = Math.imul(ints[0]! ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(ints[1]!, 0xc2b2ae35)
  x ^= x >>> 16
  x = Math.imul(x, 0x27d4eb2d)
  x ^= x >>> 15
  return (x >>> 0) / 2 ** 31 - 1
}
for (const step of [1e-7, 1e-6, 1e-5]) it(`scatter ${step}`, () => {
  for (const second of [true, false]) {
    flags.second = second
    show(`scatter ${step} ${second}`, line(1, (w) => 1 + w[0]! + 1e-10 * scatter(w[0]!), [1], { noise: 1e-10, step, scale: 1 })(one))
  }
  flags.second = true
})
it('dump', () => {
  flags.second = true
  const r = line(1, (w) => 1 + w[0]! + 1e-10 * hash(w[0]!), [1], { noise: 1e-10, step: 1e-6, scale: 1 })(one)
  console.log('dump', JSON.stringify(r.steps.map((x: any) => [x.h, x.central - 1, x.noise, x.forward - x.backward]).reverse()))
  console.log('dump', JSON.stringify([2.5e-7, 1e-6, 4e-6, 1.6e-5].map((s) => [hash(s), hash(-s), hash(0)])))
})
