// Shared helpers of corpus2: the case type, and an independent high-order difference used to
// verify that every "correct" model really is correct (5-point stencil + Richardson, float64).
export { rng, gaussian, snapshot, firstDifference, type Rng } from '../corpus/util.js'
import { gaussian } from '../corpus/util.js'

export type F = Float64Array | Float32Array
export const fill = (n: number, next: () => number, std = 1, mean = 0): Float64Array =>
  Float64Array.from({ length: n }, () => mean + std * gaussian(next))

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))
export const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)))

/** A model: parameters, loss, and a gradient with an optional bug. */
export interface Model<P, B extends string> {
  params: P
  loss: (p: P) => number
  grad: (p: P, bug?: B) => unknown
}

/**
 * Every number slot of a parameter structure, as get/set pairs (typed arrays, nested arrays,
 * {data, shape}, numbers in objects, lists). Used only by the independent verification.
 */
export function slots(v: unknown, name = ''): { name: string; get: () => number; set: (x: number) => void }[] {
  const out: { name: string; get: () => number; set: (x: number) => void }[] = []
  const visit = (x: unknown, n: string, holder: Record<string | number, unknown>, key: string | number): void => {
    if (typeof x === 'number') out.push({ name: n, get: () => holder[key] as number, set: (y) => (holder[key] = y) })
    else if (x instanceof Float64Array || x instanceof Float32Array) {
      for (let i = 0; i < x.length; i++) out.push({ name: `${n}[${i}]`, get: () => x[i]!, set: (y) => (x[i] = y) })
    } else if (Array.isArray(x)) x.forEach((y, i) => visit(y, `${n}[${i}]`, x as unknown as Record<number, unknown>, i))
    else if (typeof x === 'object' && x !== null) {
      const o = x as Record<string, unknown>
      if ('data' in o && 'shape' in o) visit(o.data, n, o, 'data')
      else for (const k of Object.keys(o)) visit(o[k], n === '' ? k : `${n}.${k}`, o, k)
    }
  }
  const box = { v }
  visit(v, name, box as unknown as Record<string, unknown>, 'v')
  return out
}

/**
 * Independent derivative: 5-point central stencil at steps h and h/2, Richardson-combined (error
 * O(h⁶)); returns the worst relative disagreement with the analytic gradient over all slots.
 * `step(name, x)` gives the step per slot.
 */
export function verify<P>(m: { params: P; loss: (p: P) => number; grad: (p: P) => unknown }, step: (name: string, x: number) => number, floor = 0): { worst: number; where: string } {
  const s = slots(m.params)
  const g = slots(m.grad(m.params))
  let worst = 0
  let where = ''
  let gmax = 0
  for (const e of g) gmax = Math.max(gmax, Math.abs(e.get()))
  s.forEach((slot, k) => {
    const x = slot.get()
    const at = (d: number): number => {
      slot.set(x + d)
      const f = m.loss(m.params)
      slot.set(x)
      return f
    }
    const d5 = (h: number): number => (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h)
    const h = step(slot.name, x)
    const n = (64 * d5(h / 2) - d5(h)) / 63
    const a = g[k]!.get()
    const rel = Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), floor * gmax, 1e-300)
    if (rel > worst) {
      worst = rel
      where = `${slot.name}: analytic ${a}, numeric ${n}`
    }
  })
  return { worst, where }
}
