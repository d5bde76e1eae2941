// Benchmarks of the directional modes (`npm run bench:directional`, also run by `npm run bench`): ratios
// and counts measured in one run, never timed tests.
//   1. one gradient entry ×1.01 planted at a random coordinate of models of 10³ … 10⁶ parameters: found or
//      not, the path, loss calls, beside what a full check (every coordinate one by one) costs, over seeds;
//   2. correct models of the same sizes pass, over the same seeds;
//   3. engine overhead: check time ÷ time inside the loss and gradient calls, at 10⁴ with `sample: 'all'`;
//   4. whole-tensor bugs in `mode: 'directional'`: calls until the tensor is named;
//   5. with default options, one wrong weight of a 20k MLP outside the sample: the check fails and names it.
// The model is cheap on purpose, so the engine's own work shows: f(w) = Σ wᵢ·cᵢ + ½Σ wᵢ².
import { type Mode, type Report, checkGradients } from 'gradcheck'
import { PROBE_CALLS } from '../src/engine/constants.js'
import { type WideParams, makeWide } from '../test/models/wide.js'

const SEEDS = Number(process.env.SEEDS ?? 20)
const SIZES = (process.env.SIZES ?? '1e3,1e4,1e5,1e6').split(',').map(Number)

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Linear {
  w: Float64Array
  loss: (x: Float64Array) => number
  grad: (x: Float64Array) => Float64Array
}

function linear(n: number, seed: number, timer?: { inside: number }): Linear {
  const next = rng(seed)
  const w = Float64Array.from({ length: n }, () => 2 * next() - 1)
  const c = Float64Array.from({ length: n }, () => 2 * next() - 1)
  const timed = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
    if (timer === undefined) return f(...a)
    const t = performance.now()
    try {
      return f(...a)
    } finally {
      timer.inside += performance.now() - t
    }
  }
  return {
    w,
    loss: timed((x: Float64Array) => {
      let f = 0
      for (let i = 0; i < n; i++) f += x[i]! * c[i]! + 0.5 * x[i]! * x[i]!
      return f
    }),
    grad: timed((x: Float64Array) => {
      const g = new Float64Array(n)
      for (let i = 0; i < n; i++) g[i] = c[i]! + x[i]!
      return g
    }),
  }
}

const pad = (s: string | number, n: number): string => String(s).padStart(n)
const path = (i: number): string => `at[${i}]`

console.log(`1. One entry ×1.01 at a random coordinate, ${SEEDS} seeds per size (goal: at 10⁶ found and named in ≤ 200 loss calls, ${SEEDS}/${SEEDS})\n`)
console.log('mode'.padEnd(12), pad('weights', 9), pad('found', 7), pad('calls min', 10), pad('median', 7), pad('max', 6), pad('full check', 11), pad('ms/check', 9), ' path of the first seed')
for (const mode of ['directional', 'auto'] satisfies Mode[]) {
  for (const n of SIZES) {
    // The default mode samples 512 coordinates one by one: at 10⁶ that is ~1,100 calls a check, so fewer seeds there.
    const seeds = mode === 'auto' && n >= 1e6 ? Math.min(SEEDS, 5) : SEEDS
    let found = 0
    const calls: number[] = []
    let first = ''
    const t0 = performance.now()
    for (let seed = 1; seed <= seeds; seed++) {
      const m = linear(n, seed)
      const bad = Math.floor(rng(seed * 7919)() * n)
      const grad = (x: Float64Array): Float64Array => {
        const g = m.grad(x)
        g[bad] = g[bad]! * 1.01
        return g
      }
      const r: Report = checkGradients(m.loss, grad, { at: m.w, mode, seed })
      const failing = r.entries.filter((e) => e.failed)
      const named = !r.pass && failing.length === 1 && failing[0]!.path === path(bad)
      if (named) found++
      calls.push(r.evaluations)
      if (seed === 1) {
        const parts = r.directions.filter((d) => d.depth > 0)
        first = named ? `${path(bad)} ${failing[0]!.found ? `via ${parts.length} parts (${parts.filter((d) => d.inferred).length} inferred)` : 'sampled'}` : `missed ${path(bad)}`
      }
    }
    const sorted = [...calls].sort((a, b) => a - b)
    console.log(mode.padEnd(12), pad(n.toExponential(0), 9), pad(`${found}/${seeds}`, 7), pad(sorted[0]!, 10), pad(sorted[Math.floor(sorted.length / 2)]!, 7), pad(sorted[sorted.length - 1]!, 6), pad(2 * n + PROBE_CALLS, 11), pad(((performance.now() - t0) / seeds).toFixed(0), 9), ` ${first}`)
  }
}

console.log(`\n2. Correct models, ${SEEDS} seeds per size (goal: no false alarm at any size)\n`)
console.log('mode'.padEnd(12), pad('weights', 9), pad('pass', 7), pad('calls min', 10), pad('median', 7), pad('max', 6), pad('ms/check', 9))
for (const mode of ['directional', 'auto'] satisfies Mode[]) {
  for (const n of SIZES) {
    const seeds = mode === 'auto' && n >= 1e6 ? Math.min(SEEDS, 5) : SEEDS
    let passed = 0
    const calls: number[] = []
    const t0 = performance.now()
    for (let seed = 1; seed <= seeds; seed++) {
      const m = linear(n, seed)
      const r = checkGradients(m.loss, m.grad, { at: m.w, mode, seed })
      if (r.pass) passed++
      calls.push(r.evaluations)
    }
    const sorted = [...calls].sort((a, b) => a - b)
    console.log(mode.padEnd(12), pad(n.toExponential(0), 9), pad(`${passed}/${seeds}`, 7), pad(sorted[0]!, 10), pad(sorted[Math.floor(sorted.length / 2)]!, 7), pad(sorted[sorted.length - 1]!, 6), pad(((performance.now() - t0) / seeds).toFixed(0), 9))
  }
}

console.log('\n3. Engine overhead: check time ÷ time inside loss and gradient calls (goal ≤ 1.05)\n')
for (const [n, sample, mode] of [[1e4, 'all', 'auto'], [1e6, 'auto', 'directional']] as const) {
  for (let warm = 0; warm < 2; warm++) {
    const timer = { inside: 0 }
    const m = linear(n, 5, timer)
    const t0 = performance.now()
    const r = checkGradients(m.loss, m.grad, { at: m.w, sample, mode })
    const total = performance.now() - t0
    if (warm === 1) console.log(`${n.toExponential(0)} weights, sample '${sample}', mode '${mode}': ${(total / timer.inside).toFixed(3)}  (${r.evaluations} calls, ${total.toFixed(0)} ms in all, ${timer.inside.toFixed(0)} ms inside)`)
  }
}

console.log('\n4. Whole-tensor bugs, mode: directional: calls until the tensor is named (the probe\'s 15 included)\n')
console.log('bug'.padEnd(12), SIZES.map((n) => pad(n.toExponential(0), 8)).join(''))
for (const bug of ['x2', 'zero', 'reversed', 'x(1+1e-3)'] as const) {
  const row: string[] = []
  for (const n of SIZES) {
    const m = linear(n, 3)
    const grad = (x: Float64Array): Float64Array => {
      const g = m.grad(x)
      if (bug === 'x2') return g.map((v) => 2 * v)
      if (bug === 'zero') return g.fill(0)
      if (bug === 'reversed') return g.reverse()
      return g.map((v) => v * (1 + 1e-3))
    }
    const r = checkGradients(m.loss, grad, { at: m.w, mode: 'directional' })
    const whole = r.warnings.some((w) => w.kind === 'whole-tensor')
    // Calls until the tensor is named: everything but the coordinates then shown one by one and the last call at `at`.
    const shown = r.entries.reduce((s, e) => s + e.steps.length * 2, 0)
    row.push(pad(r.pass ? 'MISSED' : `${whole ? '' : '~'}${r.evaluations - shown - 1}`, 8))
  }
  console.log(bug.padEnd(12), row.join(''))
}
console.log('(~: named by a failing direction that no coordinate explains, not by the whole-tensor rule)')

console.log('\n5. Default options, a 20k-weight MLP (W1 200×100, 512 of its weights sampled): one weight ×1.01 outside the sample\n')
for (const [i, seed] of [[12345, 1849], [5555, 7]] as const) {
  const m = makeWide({})
  const r = checkGradients(m.loss, (p: WideParams) => m.grad(p, { scale: [['W1', i, 1.01]] }), { at: m.params, seed })
  const failing = r.entries.filter((e) => e.failed)
  const path = `W1[${Math.floor(i / 100)},${i % 100}]`
  const named = !r.pass && failing.length === 1 && failing[0]!.path === path && failing[0]!.found !== undefined
  console.log(`${path} ×1.01, seed ${seed}: ${named ? `fails, names ${path} (found by ${failing[0]!.found!.by} after ${failing[0]!.found!.calls} calls)` : `NOT NAMED (pass: ${r.pass}, failing: ${failing.map((e) => e.path).join(', ')})`}, ${r.evaluations} loss calls`)
}
