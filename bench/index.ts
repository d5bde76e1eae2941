// Benchmarks: ratios measured in one run, never absolute timings compared across machines.
//   1. loss calls per checked weight, where they go, and the engine's overhead: check time ÷ time spent
//      inside the loss and gradient calls (issue #8 (a), (b));
//   2. how good the error estimate is: estimated ÷ true error of the numeric derivative, on functions
//      whose derivative is known exactly.
//   npx tsx bench/index.ts [filter]   only the cost rows whose name contains `filter` (then nothing else)
import { type Method, type Report, checkGradients } from 'gradcheck'
import { PROBE_CALLS } from '../src/engine/constants.js'
import { type CnnParams, type Dtype, backward, createCnn, loss as cnnLoss, makeBatch } from '../examples/cnn/cnn.js'
import { grad as mlpGrad, init as mlpInit, loss as mlpLoss } from '../examples/readme/mlp.js'
import { type WideParams, type WideSpec, makeWide } from '../test/models/wide.js'

type Timed = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A) => R

interface Model {
  name: string
  /** Runs the check with its loss and gradient wrapped in `timed`, which adds up the time spent inside them. */
  run(timed: Timed): Report
  /** Measured without a warm-up run: thousands of calls of a costly loss warm the JIT up in their first few hundred. */
  cold?: true
}

const batch = makeBatch()
const cnn = (dtype: Dtype): Model => ({
  name: `demo CNN, ${dtype}`,
  run: (timed) => checkGradients(timed((p: CnnParams) => cnnLoss(p, batch)), timed((p: CnnParams) => backward(p, batch)), { at: createCnn({ dtype }) }),
})
const wide = (n: number): Model => ({
  name: `Σ log(1 + wᵢ²)·cos(wᵢ), ${n} weights`,
  run: (timed) => {
    const w = Float64Array.from({ length: n }, (_, i) => Math.sin(3 * i + 1) * 2)
    const f = timed((x: Float64Array) => x.reduce((s, v) => s + Math.log1p(v * v) * Math.cos(v), 0))
    const g = timed((x: Float64Array): Float64Array => x.map((v) => ((2 * v) / (1 + v * v)) * Math.cos(v) - Math.log1p(v * v) * Math.sin(v)))
    return checkGradients(f, g, { at: w, sample: 'all' })
  },
})
// Two-layer tanh perceptrons (test/models/wide.ts): D inputs, H hidden units, 10 classes, a batch of B.
const mlp = (name: string, spec: WideSpec, options: object, cold?: true): Model => ({
  name,
  ...(cold ? { cold } : {}),
  run: (timed) => {
    const m = makeWide(spec)
    return checkGradients(timed(m.loss), timed((p: WideParams) => m.grad(p)), { at: m.params, ...options })
  },
})
const models: Model[] = [
  cnn('float64'),
  cnn('float32'),
  { name: 'README MLP', run: (timed) => checkGradients(timed(mlpLoss), timed(mlpGrad), { at: mlpInit() }) },
  wide(100),
  wide(2000),
  // issue #8 (a): engine overhead at 10⁴ weights, every one checked; batch 2 is a loss as cheap as the
  // engine's own work per call, batch 32 one of a realistic cost.
  mlp('MLP 10⁴ weights, batch 2, sample all', { D: 40, H: 200, B: 2 }, { sample: 'all' }),
  mlp('MLP 10⁴ weights, batch 32, sample all', { D: 40, H: 200, B: 32 }, { sample: 'all' }, true),
  // issue #8 (b): 50k float32 weights with default options (512 sampled per tensor, the rest directional).
  mlp('MLP 5·10⁴ weights, float32, defaults', { D: 200, H: 240, precision: 'float32' }, {}, true),
  mlp('MLP 5·10⁴ weights, float64, defaults', { D: 200, H: 240 }, {}, true),
]

console.log('1. Cost of a check on correct gradients (goals: ≤ 2.1 loss calls per checked weight; check ÷ call time ≤ 1.05)\n')
console.log(`(per weight: all calls, and those beyond the ${PROBE_CALLS} that measure the loss once per check; swept: weights one difference`)
console.log(' did not clear, 6–8 calls each; directions: calls of the directional tests; check ÷ call time: wall time of the check over')
console.log(' the time inside the loss and gradient calls, after a warm-up run)\n')
console.log('model'.padEnd(40), 'checked'.padStart(8), 'calls'.padStart(7), 'calls/weight'.padStart(13), 'beyond fixed'.padStart(13), 'swept'.padStart(7), 'directions'.padStart(11), 'check ÷ calls'.padStart(14), 'ms'.padStart(7), ' pass')
const FILTER = process.argv[2]
for (const m of models.filter((m) => FILTER === undefined || m.name.includes(FILTER))) {
  // Warm up the JIT on the same model, then measure: time inside the loss and gradient vs the whole check.
  if (!m.cold) m.run((f) => f)
  let inside = 0
  const timed: Timed = (f) => (...a) => {
    const t = performance.now()
    try {
      return f(...a)
    } finally {
      inside += performance.now() - t
    }
  }
  const t0 = performance.now()
  const r = m.run(timed)
  const total = performance.now() - t0
  const swept = r.entries.filter((e) => e.steps.length > 1).length
  console.log(
    m.name.padEnd(40),
    String(r.checked).padStart(8),
    String(r.evaluations).padStart(7),
    (r.evaluations / r.checked).toFixed(3).padStart(13),
    ((r.evaluations - PROBE_CALLS) / r.checked).toFixed(3).padStart(13),
    `${((100 * swept) / r.checked).toFixed(1)}%`.padStart(7),
    String(r.directions.reduce((s, d) => s + d.calls, 0)).padStart(11),
    (total / inside).toFixed(3).padStart(14),
    total.toFixed(0).padStart(7),
    r.pass ? ' yes' : ' NO',
  )
}

if (FILTER !== undefined) process.exit(0)

interface Known { name: string; f: (x: number) => number; df: (x: number) => number; x: number }
const known: Known[] = [
  { name: 'sin(x), x = 0.7', f: Math.sin, df: Math.cos, x: 0.7 },
  { name: 'exp(x), x = 3', f: Math.exp, df: Math.exp, x: 3 },
  { name: 'exp(20x), x = 0.5 (stiff)', f: (x) => Math.exp(20 * x), df: (x) => 20 * Math.exp(20 * x), x: 0.5 },
  { name: 'log(x), x = 1e-3', f: Math.log, df: (x) => 1 / x, x: 1e-3 },
  { name: 'x³, x = 1e4', f: (x) => x ** 3, df: (x) => 3 * x ** 2, x: 1e4 },
  { name: '1/(1+x²), x = 2', f: (x) => 1 / (1 + x * x), df: (x) => (-2 * x) / (1 + x * x) ** 2, x: 2 },
  { name: 'tanh(x), x = 0.3', f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, x: 0.3 },
  { name: 'sqrt(x), x = 1e-6', f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), x: 1e-6 },
  { name: 'sin(1e3·x)/1e3, x = 0.1', f: (x) => Math.sin(1e3 * x) / 1e3, df: (x) => Math.cos(1e3 * x), x: 0.1 },
  { name: '1e8 + x² (cancellation), x = 0.5', f: (x) => 1e8 + x * x, df: (x) => 2 * x, x: 0.5 },
]

console.log('\n2. Estimated ÷ true error of the numeric derivative (≥ 1: the estimate bounds the error)\n')
console.log('function'.padEnd(36), 'method'.padEnd(11), 'precision', 'true error'.padStart(11), 'estimated'.padStart(10), 'est ÷ true'.padStart(11))
for (const method of ['richardson', 'central'] satisfies Method[]) {
  for (const precision of ['float64', 'float32'] as const) {
    const ratios: number[] = []
    for (const k of known) {
      const f32 = precision === 'float32'
      const f = f32 ? (x: Float32Array) => Math.fround(k.f(x[0]!)) : (x: Float64Array) => k.f(x[0]!)
      const at = f32 ? Float32Array.from([k.x]) : Float64Array.from([k.x])
      const exact = k.df(at[0]!)
      const r = checkGradients(f as (x: Float32Array | Float64Array) => number, [exact], { at, method })
      const e = r.entries[0]!
      const trueError = Math.abs(e.numeric - exact)
      const ratio = e.estimatedError / trueError
      ratios.push(ratio)
      console.log(k.name.padEnd(36), method.padEnd(11), precision.padEnd(9), trueError.toExponential(1).padStart(11), e.estimatedError.toExponential(1).padStart(10), (Number.isFinite(ratio) ? ratio.toExponential(1) : 'exact').padStart(11))
    }
    const finite = ratios.filter(Number.isFinite).sort((a, b) => a - b)
    console.log(`  → ${method} ${precision}: estimate ≥ true error in ${ratios.filter((r) => r >= 1).length} of ${ratios.length}; median est ÷ true ${finite[Math.floor(finite.length / 2)]?.toExponential(1) ?? '—'}\n`)
  }
}

// The directional modes' benchmarks (bench/directional.ts) follow in the same run, over fewer seeds
// than `npm run bench:directional` (20) unless SEEDS says otherwise.
process.env.SEEDS ??= '5'
console.log(`\n━━ Directional tests (bench/directional.ts, ${process.env.SEEDS} seeds) ━━\n`)
await import('./directional.js')
