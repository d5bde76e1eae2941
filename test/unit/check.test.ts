import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { checkAlong, checkGradients } from '../../src/check.js'
import { PROBE_CALLS } from '../../src/engine/constants.js'
import type { Direction } from '../../src/engine/direction.js'
import { CallError, InvalidArgumentError, InvalidOptionError, NonFiniteError, ParameterError } from '../../src/errors.js'
import { type TensorAdapter, registerTensorAdapter } from '../../src/params/adapters.js'
import type { ProgressEvent } from '../../src/progress.js'
import type { Report } from '../../src/report/types.js'

// checkGradients / checkAlong (src/check.ts): the entry point. It validates the loss, the options and `at`,
// reads adapted tensors, makes the one gradient call, checks the gradient is finite, runs the sampled
// coordinates and the directional tests, assembles the report, and restores `at` on every path.
const cube = (w: ArrayLike<number>): number => Array.from(w).reduce((s, v) => s + v * v * v, 0)
const dcube = (w: ArrayLike<number>): number[] => Array.from(w, (v) => 3 * v * v)
const point = (): Float64Array => Float64Array.from([0.5, -1.25, 2])
const thrown = (f: () => unknown): Error => {
  try {
    f()
  } catch (e) {
    return e as Error
  }
  throw new Error('did not throw')
}

// A tensor only an adapter can read: the check loads it, perturbs a mirror and writes it back before calls.
class Box {
  constructor(public values: Float64Array) {}
}
const log = { reads: 0, writes: 0 }
const boxes: TensorAdapter<Box> = {
  name: 'box',
  matches: (v): v is Box => v instanceof Box,
  read: (b) => (log.reads++, { data: b.values, shape: [b.values.length] }),
  write: (b, data) => void (log.writes++, b.values.set(data)),
}
const unregister = registerTensorAdapter(boxes)
afterAll(unregister)

describe('what is checked before any call', () => {
  it('the loss must be a function: its value is a usage error that says to pass the function', () => {
    const e = thrown(() => checkGradients(3 as never, dcube, { at: point() }))
    expect(e).toBeInstanceOf(InvalidArgumentError)
    expect(e.message).toBe(
      'Expected the loss to be a function, got `3` (number). Pass the function itself: `expect(loss)` or `expect(() => net.loss(batch))`, not its value `expect(loss(params))`.',
    )
  })

  it('the options are validated next (the loss is fine)', () => {
    expect(thrown(() => checkGradients(cube, dcube, null as never))).toBeInstanceOf(InvalidOptionError)
    expect(thrown(() => checkGradients(cube, dcube, { at: point(), step: -1 })).message).toMatch(/^Expected `step`/)
  })

  it('`at` is required: missing or null, it names what to pass', () => {
    const missing = thrown(() => checkGradients(cube, dcube, {} as never))
    expect(missing).toBeInstanceOf(InvalidOptionError)
    expect(missing.message).toBe('Expected `at` to be the parameters to check at, got `undefined` (undefined). Pass `{ at: params }`: the very arrays the loss reads.')
    expect(thrown(() => checkGradients(cube, dcube, { at: null as never })).message).toBe(
      'Expected `at` to be the parameters to check at, got `null`. Pass `{ at: params }`: the very arrays the loss reads.',
    )
  })

  it('`at` must hold a number; an empty tensor beside a full one is fine', () => {
    const e = thrown(() => checkGradients(() => 0, [], { at: [] }))
    expect(e).toBeInstanceOf(InvalidOptionError)
    expect(e.message).toBe('Expected `at` to hold at least one number, got an array of length 0 with none. Pass the parameters the loss depends on.')
    expect(thrown(() => checkGradients(() => 0, {}, { at: { a: [], b: new Float64Array(0) } })).message).toMatch(/^Expected `at` to hold at least one number, got an object with none/)
    const at = { a: [] as number[], b: [0.5, 2] }
    expect(checkGradients((p: typeof at) => cube(p.b), (p: typeof at) => ({ a: [], b: dcube(p.b) }), { at }).pass).toBe(true)
  })

  it('`at` must be finite, named at the first non-finite coordinate', () => {
    const e = thrown(() => checkGradients(cube, dcube, { at: [1, Number.NaN, Number.POSITIVE_INFINITY] }))
    expect(e).toBeInstanceOf(NonFiniteError)
    expect(e.message).toBe('Expected `at` to be finite, got `NaN` at `at[1]`. A gradient can only be checked at a finite point: fix the initialisation or the data.')
  })

  it('`at` is named as `at` in the errors of its structure, and a tensor may not appear twice in it', () => {
    const w = [1, 2]
    const e = thrown(() => checkGradients(() => 0, {}, { at: { enc: w, dec: w } }))
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toMatch(/^Expected every tensor of `at` to appear once, but `enc` and `dec` are the same array/)
    expect(thrown(() => checkGradients(() => 0, {}, { at: { w: 'x' } })).message).toMatch(/^Expected `at` `w` to be a number/)
  })

  it('`at` must keep what is written to it', () => {
    expect(thrown(() => checkGradients(cube, dcube, { at: Object.freeze([1, 2]) as number[] }))).toBeInstanceOf(ParameterError)
  })

  it('none of these call the loss or the gradient', () => {
    let calls = 0
    const loss = (): number => (calls++, 0)
    const grad = (): number[] => (calls++, [])
    for (const at of [[], [Number.NaN], Object.freeze([1]) as number[]]) expect(() => checkGradients(loss, grad, { at })).toThrow()
    expect(calls).toBe(0)
  })
})

describe('the gradient', () => {
  it('is called once, before the loss calls, with `at`, and the report counts loss calls only', () => {
    const at = point()
    const order: string[] = []
    const report = checkGradients(
      (w: Float64Array) => (order.push('loss'), cube(w)),
      (w: Float64Array) => (order.push(w === at ? 'grad(at)' : 'grad'), dcube(w)),
      { at },
    )
    expect(report.pass).toBe(true)
    expect(order[0]).toBe('grad(at)')
    expect(order.filter((c) => c.startsWith('grad')).length).toBe(1)
    expect(report.evaluations).toBe(order.length - 1)
  })

  it('may be a value mirroring `at`: it passes when right and fails when wrong', () => {
    const at = point()
    expect(checkGradients(cube, dcube(at), { at }).pass).toBe(true)
    expect(checkGradients(cube, dcube(at).map((g) => 2 * g), { at }).pass).toBe(false)
  })

  it('must be finite: the first NaN or ±Infinity is named by its path', () => {
    const at = { a: [1, 2], b: [3, 4] }
    const loss = (p: typeof at): number => cube(p.a) + cube(p.b)
    const e = thrown(() => checkGradients(loss, { a: [3, 12], b: [27, Number.POSITIVE_INFINITY] }, { at }))
    expect(e).toBeInstanceOf(NonFiniteError)
    expect(e.message).toBe(
      'Expected the analytic gradient to be finite, got `Infinity` at `b[1]`. Look for a division by 0, log of 0 or an overflow in the backward pass there.',
    )
    expect(thrown(() => checkGradients(loss, { a: [Number.NaN, 12], b: [27, Number.NaN] }, { at })).message).toMatch(/got `NaN` at `a\[0\]`/)
    expect(thrown(() => checkGradients(loss, { a: [3, -Infinity], b: [27, 48] }, { at })).message).toMatch(/got `-Infinity` at `a\[1\]`/)
  })

  it('a gradient function that writes to `at` is a ParameterError naming it, and `at` comes back', () => {
    const at = point()
    const e = thrown(() =>
      checkGradients(cube, (w: Float64Array) => { const g = dcube(w); w[1] = 7; return g }, { at }),
    )
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toMatch(/^Expected the gradient function to leave `at` as it is, but it changed `at\[1\]` from -1\.25 to 7\./)
    expect(Array.from(at)).toEqual([0.5, -1.25, 2])
  })
})

describe('the loss', () => {
  it('a loss that writes to `at` where the engine does not look is caught at the end, named the loss, and `at` comes back', () => {
    const at = point()
    // While w[2] alone is perturbed (mode 'full' checks coordinate 2 last) it writes w[0]: the check of w[2]'s own
    // value does not see it, so only the final comparison with the originals does.
    const loss = (w: Float64Array): number => {
      const f = cube(w)
      if (w[0] === 0.5 && w[1] === -1.25 && w[2] !== 2) w[0] = 9
      return f
    }
    const e = thrown(() => checkGradients(loss, dcube, { at, mode: 'full' }))
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toMatch(/^Expected the loss to leave `at` as it is, but it changed `at\[0\]` from 0\.5 to 9\./)
    expect(Array.from(at)).toEqual([0.5, -1.25, 2])
  })

  it('a loss that throws while a coordinate is perturbed is named with that coordinate', () => {
    const at = point()
    let calls = 0
    const e = thrown(() => checkGradients((w: Float64Array) => { if (++calls > PROBE_CALLS + 1) throw new Error('late'); return cube(w) }, dcube, { at, mode: 'full' })) as CallError
    expect(e).toBeInstanceOf(CallError)
    expect(e.coordinate).toMatch(/^at\[[0-2]\] = -?\d/)
    expect(e.message).toMatch(/ \(with at\[[0-2]\] = [^)]+\): late$/)
  })

  it('an error of the loss comes out as a CallError, with `at` restored', () => {
    const at = point()
    let calls = 0
    const e = thrown(() => checkGradients((w: Float64Array) => { if (++calls === 20) throw new Error('late'); return cube(w) }, dcube, { at }))
    expect(e).toBeInstanceOf(CallError)
    expect(Array.from(at)).toEqual([0.5, -1.25, 2])
  })

  it('an async loss makes the report a promise', async () => {
    const at = point()
    const report = checkGradients(async (w: Float64Array) => cube(w), dcube, { at })
    expect(report).toBeInstanceOf(Promise)
    expect((await report).pass).toBe(true)
  })
})

describe('the report', () => {
  it('checks every coordinate of a small tensor and fails a wrong one', () => {
    const at = point()
    const wrong = (w: Float64Array): number[] => { const g = dcube(w); g[2]! += 1; return g }
    const r = checkGradients(cube, wrong, { at })
    expect(r.pass).toBe(false)
    expect(r.checked).toBe(3)
    expect(r.worst[0]!.path).toBe('at[2]')
  })

  it("mode 'full' has no coverage of directions; 'auto' covers the unsampled coordinates by directions", () => {
    const at = Float64Array.from({ length: 30 }, (_, i) => Math.sin(i + 1))
    const full = checkGradients(cube, dcube, { at, sample: 5, mode: 'full' })
    expect(full.blocks[0]!.coverage).toBeUndefined()
    expect(full.directions).toEqual([])
    expect(full.warnings).toContainEqual({ kind: 'sampled', name: 'at', checked: 5, size: 30, seed: 1849 })
    const auto = checkGradients(cube, dcube, { at, sample: 5 })
    expect(auto.blocks[0]!.coverage).toBe('sampled + directions')
    expect(auto.directions.length).toBeGreaterThan(0)
    expect(auto.warnings).toContainEqual({ kind: 'covered', name: 'at', checked: 5, size: 30, covered: 25, directions: auto.directions.length })
    // A wrong coordinate outside the sample is caught by the directions in 'auto' only.
    const wrong = (w: Float64Array): number[] => dcube(w).map((g) => 1.5 * g)
    expect(checkGradients(cube, wrong, { at, sample: 5 }).pass).toBe(false)
  })

  it('declares float32 for a Float32Array `at`, and float64 otherwise, unless told', () => {
    expect(checkGradients(cube, dcube, { at: Float32Array.from([0.5, 2]) }).precision).toBe('float32')
    expect(checkGradients(cube, dcube, { at: [0.5, 2] }).precision).toBe('float64')
    expect(checkGradients(cube, dcube, { at: [0.5, 2], precision: 'float32' }).precision).toBe('float32')
  })

  it('counts every loss call in `evaluations` and leaves `at` as it was', () => {
    const at = point()
    let calls = 0
    const r = checkGradients((w: Float64Array) => (calls++, cube(w)), dcube, { at })
    expect(r.evaluations).toBe(calls)
    expect(Array.from(at)).toEqual([0.5, -1.25, 2])
  })
})

describe('progress', () => {
  it("tells onProgress: first the 'noise' phase of PROBE_CALLS calls, then one event per loss call", () => {
    const events: ProgressEvent[] = []
    const r = checkGradients(cube, dcube, { at: point(), onProgress: (e) => events.push({ ...e }) })
    expect(events[0]).toEqual({ done: 0, total: PROBE_CALLS, phase: 'noise' })
    expect(events.at(-1)!.done).toBe(r.evaluations)
    // The modes are handed the same Progress: they announce their phases on it.
    expect(events.map((e) => e.phase)).toContain('coordinates')
  })

  describe('progress: true on a terminal', () => {
    let written: string[]
    const tty = process.stderr.isTTY
    const setup = (): void => {
      written = []
      vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true))
      Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true })
      // A clock that runs 1 s per reading: the line shows from the third loss call on.
      let t = 0
      vi.spyOn(Date, 'now').mockImplementation(() => (t += 1000))
    }
    afterEach(() => {
      Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true })
      vi.restoreAllMocks()
    })

    it('shows the line and clears it at the end', () => {
      setup()
      checkGradients(cube, dcube, { at: point(), progress: true })
      expect(written[0]).toMatch(/^\r\x1b\[2Kgradcheck: \d+ of ~\d+ loss calls \(\w+\)$/)
      expect(written.at(-1)).toBe('\r\x1b[2K')
    })

    it('clears it when the check throws', () => {
      setup()
      let calls = 0
      expect(() => checkGradients((w: Float64Array) => { if (++calls === 10) throw new Error('x'); return cube(w) }, dcube, { at: point(), progress: true })).toThrow(CallError)
      expect(written.length).toBeGreaterThan(1)
      expect(written.at(-1)).toBe('\r\x1b[2K')
    })

    it('clears it once an async check settles, not before', async () => {
      setup()
      const report = checkGradients(async (w: Float64Array) => cube(w), dcube, { at: point(), progress: true })
      expect(written.at(-1)).not.toBe('\r\x1b[2K')
      await report
      expect(written.at(-1)).toBe('\r\x1b[2K')
    })

    it('clears it when an async check rejects', async () => {
      setup()
      let calls = 0
      const report = checkGradients(async (w: Float64Array) => { if (++calls === 10) throw new Error('x'); return cube(w) }, dcube, { at: point(), progress: true })
      await expect(report).rejects.toBeInstanceOf(CallError)
      expect(written.at(-1)).toBe('\r\x1b[2K')
    })
  })

  it('prints nothing with progress: false on a terminal', () => {
    const tty = process.stderr.isTTY
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true })
    let t = 0
    vi.spyOn(Date, 'now').mockImplementation(() => (t += 1000))
    try {
      checkGradients(cube, dcube, { at: point() })
      expect(write).not.toHaveBeenCalled()
    } finally {
      Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true })
      vi.restoreAllMocks()
    }
  })
})

describe('checkAlong: the analytic side as derivatives along directions', () => {
  const at = (): Float64Array => Float64Array.from({ length: 6 }, (_, i) => Math.sin(i + 1))
  const along = (g: (w: Float64Array) => number[], w: Float64Array) => ({
    derivative: (d: Direction): number => {
      const grad = g(w)
      return Array.from(d.indices).reduce((s, i, j) => s + grad[i]! * d.v[j]!, 0)
    },
  })

  it("always runs mode 'directional', whatever the options say, and passes a right derivative", () => {
    const w = at()
    const r = checkAlong(cube, along(dcube, w), { at: w, mode: 'full' }) as Report
    expect(r.options.mode).toBe('directional')
    expect(r.pass).toBe(true)
    expect(r.blocks[0]!.coverage).toBe('directions')
  })

  it('fails a wrong derivative and localises it', () => {
    const w = at()
    const wrong = (x: Float64Array): number[] => { const g = dcube(x); g[4]! += 2; return g }
    const r = checkAlong(cube, along(wrong, w), { at: w }) as Report
    expect(r.pass).toBe(false)
    expect(r.worst[0]!.path).toBe('at[4]')
  })

  it('a derivative that writes to `at` is blamed on the gradient side', () => {
    const w = at()
    const e = thrown(() => checkAlong(cube, { derivative: () => { w[0] = 5; return 0 } }, { at: w }))
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toMatch(/^Expected the gradient function to leave `at` as it is/)
    expect(w[0]).toBe(Math.sin(1))
  })
})

describe('adapted tensors in `at`', () => {
  it('are loaded, perturbed through their adapter, and hold their originals again at the end', () => {
    const w = new Box(Float64Array.from([0.5, -1.25, 2]))
    log.reads = log.writes = 0
    const r = checkGradients((p: { w: Box }) => cube(p.w.values), (p: { w: Box }) => ({ w: dcube(p.w.values) }), { at: { w } })
    expect(r.pass).toBe(true)
    expect(r.checked).toBe(3)
    expect(Array.from(w.values)).toEqual([0.5, -1.25, 2])
    // Loaded once, read back after the gradient call and after the last loss call.
    expect(log.reads).toBe(3)
    expect(log.writes).toBeGreaterThan(0)
  })

  it('the probe that tests writes does not cost a write of its own: the first loss call sees the originals unwritten', () => {
    const w = new Box(Float64Array.from([0.5, -1.25, 2]))
    log.writes = 0
    let writesAtFirstLoss = -1
    checkGradients((p: { w: Box }) => (writesAtFirstLoss < 0 && (writesAtFirstLoss = log.writes), cube(p.w.values)), (p: { w: Box }) => ({ w: dcube(p.w.values) }), { at: { w } })
    expect(writesAtFirstLoss).toBe(0)
  })

  it('every loss call is a counted one: `evaluations` is the number of calls the loss got', () => {
    const w = new Box(Float64Array.from([0.5, -1.25, 2]))
    let calls = 0
    const r = checkGradients((p: { w: Box }) => (calls++, cube(p.w.values)), (p: { w: Box }) => ({ w: dcube(p.w.values) }), { at: { w } })
    expect(r.evaluations).toBe(calls)
  })

  it('a value gradient holding tensors is read through the adapter, and `at` read back only after the last loss call', () => {
    const w0 = new Box(Float64Array.from([0.5, -1.25, 2]))
    log.reads = 0
    expect(checkGradients((p: { w: Box }) => cube(p.w.values), { w: dcube(w0.values) }, { at: { w: w0 } }).pass).toBe(true)
    // Loaded once, read back once: with no gradient call there is nothing to read back after it.
    expect(log.reads).toBe(2)
    const w = new Box(Float64Array.from([0.5, -1.25, 2]))
    const g = { w: new Box(Float64Array.from(dcube(w.values))) }
    expect(checkGradients((p: { w: Box }) => cube(p.w.values), g, { at: { w } }).pass).toBe(true)
    const bad = { w: new Box(Float64Array.from(dcube(w.values).map((x) => 2 * x))) }
    expect(checkGradients((p: { w: Box }) => cube(p.w.values), bad, { at: { w } }).pass).toBe(false)
  })

  it('a gradient function writing to a tensor through its own handle is a ParameterError naming the gradient function', () => {
    const w = new Box(Float64Array.from([0.5, -1.25, 2]))
    const e = thrown(() => checkGradients((p: { w: Box }) => cube(p.w.values), (p: { w: Box }) => { const g = dcube(p.w.values); p.w.values[0] = 3; return { w: g } }, { at: { w } }))
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toMatch(/^Expected the gradient function to leave `at` as it is, but it changed `w\[0\]` from 0\.5 to 3\./)
    expect(Array.from(w.values)).toEqual([0.5, -1.25, 2])
  })

  it('a loss writing to a tensor through its own handle is a ParameterError naming the loss, and the tensor is restored', () => {
    const w = new Box(Float64Array.from([0.5, -1.25, 2]))
    let calls = 0
    const loss = (p: { w: Box }): number => { const f = cube(p.w.values); if (++calls >= 3) p.w.values[0] = 8; return f }
    // From the third call on it writes w[0]: the read-back after the last loss call finds it (a write that a later
    // perturbation overwrites is not seen, by design: TensorIO.verify).
    const e = thrown(() => checkGradients(loss, (p: { w: Box }) => ({ w: dcube(p.w.values) }), { at: { w }, mode: 'full' }))
    expect(e).toBeInstanceOf(ParameterError)
    expect(e.message).toMatch(/^Expected the loss to leave `at` as it is/)
    expect(Array.from(w.values)).toEqual([0.5, -1.25, 2])
  })
})
