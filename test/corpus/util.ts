// Small helpers shared by the corpus models: a seeded RNG, tensors, rounding.

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
