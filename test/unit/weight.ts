import { Perturbation } from '../../src/engine/calls.js'
import { SMALLEST, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import { type Check, drive } from '../../src/engine/drive.js'
import type { Level } from '../../src/engine/differences.js'
import type { Coordinate } from '../../src/engine/scale.js'
import type { Block, Precision } from '../../src/params/flatten.js'

// A one-weight tensor checked through the real Perturbation (so a Float32Array rounds x ± s as it
// would in a check), for the unit tests of the engine's difference stages.
export type F = (x: number) => number

export interface Weight {
  c: Coordinate
  /** Runs a stage against the loss, which reads the weight from its storage as a model reads its parameters. */
  run: <T>(check: Check<T>) => T
  calls: () => number
  data: Float64Array | Float32Array
}

export interface WeightOptions {
  storage?: Precision
  /** The measured noise of one loss value (LossStats.noise). */
  noise?: number
  h?: number
  /** The coordinate's scale: the climb never steps beyond it. */
  L?: number
  a?: number
  G?: number
  method?: 'central' | 'forward' | 'richardson'
  kinks?: 'subgradient' | 'skip' | 'fail' | 'ignore'
}

export const weight = (f: F, x: number, o: WeightOptions = {}): Weight => {
  const storage = o.storage ?? 'float64'
  const data = storage === 'float32' ? new Float32Array([x]) : new Float64Array([x])
  const block: Block = { name: 'w', shape: [1], size: 1, precision: storage, get: (i) => data[i]!, set: (i, v) => void (data[i] = v) }
  const at = new Perturbation([block])
  let calls = 0
  const x0 = data[0]!
  const c = {
    p: { at },
    k: 0,
    i: 0,
    x: x0,
    a: o.a ?? 0,
    G: o.G ?? 0,
    h: o.h ?? 1e-3,
    optimal: o.h ?? 1e-3,
    L: o.L ?? 1,
    u: UNIT_ROUNDOFF[storage],
    tiny: SMALLEST[storage],
    loss: { value: f(x0), noise: o.noise ?? 0 },
    options: { method: o.method ?? 'central', kinks: o.kinks ?? 'subgradient', atol: 'auto', rtol: 'auto' },
  } as unknown as Coordinate
  const run = <T>(check: Check<T>): T =>
    drive(check, () => {
      calls++
      return f(data[0]!)
    }) as T
  return { c, run, calls: () => calls, data }
}

/** A level with central difference `central`, one-sided gap `gap` (split evenly) and round-off bound `noise` (ε/s). */
export const levelOf = (s: number, central: number, gap: number, noise: number, extra: Partial<Level> = {}): Level => ({
  kind: 'central',
  s,
  central,
  forward: central + gap / 2,
  backward: central - gap / 2,
  gap,
  noise,
  finite: true,
  moved: true,
  forwardOk: true,
  backwardOk: true,
  ...extra,
})

/**
 * f = t, except at the sweep's own points below 4h (t = ±h/4ᵏ), where it reads (1 + δ)·t: a loss quantised so
 * that D(h/4) = D(h) = 1 + δ consistently (docs/numerics.md §4, cancel-variance seed 22615), which the probe and
 * every audit miss and localNoise's irregular points see.
 */
export const quantisedAtSweep = (h: number, delta: number) => (w: Float64Array): number => {
  const t = w[0]!
  const k = Math.log2(h / Math.abs(t)) / 2
  return t !== 0 && k >= 0 && Math.abs(k - Math.round(k)) < 1e-9 ? (1 + delta) * t : t
}

/** One float64 vector tensor per name of `tensors`, each read and written through its own Float64Array in `data`. */
export const namedBlocks = (tensors: Record<string, number[]>): { data: Float64Array[]; blocks: Block[] } => {
  const data = Object.values(tensors).map((v) => Float64Array.from(v))
  const blocks: Block[] = Object.keys(tensors).map((name, k) => ({
    name,
    shape: [data[k]!.length],
    size: data[k]!.length,
    precision: 'float64',
    get: (i) => data[k]![i]!,
    set: (i, v) => void (data[k]![i] = v),
  }))
  return { data, blocks }
}
