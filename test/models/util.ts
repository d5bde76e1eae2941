// The helpers every model shares: a seeded RNG, tensors, rounding, activations, the model type, and an
// independent high-order difference used to verify that every "correct" model really is correct.

/** mulberry32, uniform in [0, 1). `reset` puts it back to its seed (what a test's dropout hook does). */
export interface Rng {
  (): number
  reset(seed?: number): void
}

export function rng(seed: number): Rng {
  let a = seed >>> 0
  const next = (() => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }) as Rng
  next.reset = (s = seed) => {
    a = s >>> 0
  }
  return next
}

export function gaussian(next: () => number): number {
  const u = 1 - next()
  const v = next()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

export const randn = (n: number, next: () => number, std = 1, mean = 0): Float64Array =>
  Float64Array.from({ length: n }, () => mean + std * gaussian(next))

export interface Tensor {
  data: Float64Array | Float32Array
  shape: number[]
}

export type Round = (x: number) => number
export const exact: Round = (x) => x
export const f32: Round = Math.fround

/** The data of an r×c row-major matrix laid out as its c×r transpose (what a transposed backward returns). */
export function transposedLayout(g: ArrayLike<number>, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c)
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = g[i * c + j]!
  return out
}

/** A deep copy of a parameter structure, for the bit-for-bit comparison after a check. */
export function snapshot<T>(v: T): T {
  return structuredClone(v)
}

/** Every number leaf of `a` and `b`, pairwise; the first that differs under Object.is, or undefined. */
export function firstDifference(a: unknown, b: unknown, where = 'at'): string | undefined {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? undefined : `${where}: ${String(a)} vs ${String(b)}`
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as unknown as ArrayLike<unknown>
    const y = b as unknown as ArrayLike<unknown>
    if (x.constructor !== y.constructor) return `${where}: ${x.constructor.name} vs ${y.constructor.name}`
    if (x.length !== y.length) return `${where}: length ${x.length} vs ${y.length}`
    for (let i = 0; i < x.length; i++) {
      const d = firstDifference(x[i], y[i], `${where}[${i}]`)
      if (d !== undefined) return d
    }
    return undefined
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`)
      if (d !== undefined) return d
    }
    return undefined
  }
  return Object.is(a, b) ? undefined : `${where}: ${String(a)} vs ${String(b)}`
}

export type F = Float64Array | Float32Array
export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))
export const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)))

/** A model: parameters, its loss, and its gradient, with an optional bug planted in the gradient. */
export interface Model<P, B = string> {
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
