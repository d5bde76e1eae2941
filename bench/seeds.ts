// False alarms and misses over many random seeds: realistic models (MLPs with every activation in
// float64 / float32 / 'internal', the demo CNN, RNN/LSTM/GRU, a conv layer, a few losses) checked with
// default options, once with the correct gradient (a fail is a FALSE ALARM) and once per realistic bug
// (a pass is a MISS; a fail blaming another tensor is a MISBLAME).
//   npx tsx bench/seeds.ts [seedsPerModel = 80] [model filter = ''] [first seed = 1]
import { checkGradients, formatReport } from '../src/index.js'
import type { Report } from '../src/report/types.js'
import { type Block, flatten } from '../src/params/flatten.js'
import { type Act, makeMlp } from '../test/models/mlp.js'
import { gaussian, rng } from '../test/models/util.js'
import { type CnnParams, backward, backwardWithBug, createCnn, loss as cnnLoss, makeBatch } from '../examples/cnn/cnn.js'
import { makeGru, makeLstm, makeRnn } from '../test/models/recurrent.js'
import { makeConv } from '../test/models/conv.js'
import { makeCosine, makeFocal, makeGaussianNll, makeHuber, makeKl, makePoisson } from '../test/models/losses.js'
import { makePiecewise } from '../test/models/kinks.js'

type Fn = (p: unknown) => unknown
type LossFn = (p: unknown) => number
interface Special { bug: string; grad: Fn; guilty: string[] }
interface Built {
  at: unknown
  loss: LossFn
  grad: Fn
  /** Model-specific bugs (a missing term; the model's own transposition where it has one). */
  special: Special[]
  /** True when `special` already holds a transposed bug. */
  ownTranspose?: boolean
  /** The same point in float64, to confirm that the gradient is right. */
  twin?: () => Built
  spec: string
}
interface Family { model: string; precision: 'float64' | 'float32' | 'internal'; build: (seed: number) => Built }

const SEEDS = Number(process.argv[2] ?? 80)
const FILTER = process.argv[3] ?? ''
const FIRST = Number(process.argv[4] ?? 1)

// ------------------------------------------------------------------ helpers

const blocksOf = (v: unknown): readonly Block[] => flatten(v, 'x').blocks
const specText = (o: Record<string, unknown>): string => JSON.stringify(o)

function copyInto(src: unknown, dst: unknown): void {
  const s = blocksOf(src)
  const d = blocksOf(dst)
  s.forEach((b, k) => {
    for (let i = 0; i < b.size; i++) d[k]!.set(i, b.get(i))
  })
}

/** Moves every parameter by 30% of its tensor's RMS: a new random point for models with a fixed init. */
function perturb(at: unknown, seed: number): void {
  const next = rng(seed * 7877 + 3)
  for (const b of blocksOf(at)) {
    let s = 0
    for (let i = 0; i < b.size; i++) s += b.get(i) ** 2
    const rms = Math.max(Math.sqrt(s / b.size), 0.05)
    for (let i = 0; i < b.size; i++) b.set(i, b.get(i) + 0.3 * rms * gaussian(next))
  }
}

const int = (next: () => number, lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1))
const pick = <T>(next: () => number, xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!
const maxAbs = (b: Block): number => {
  let m = 0
  for (let i = 0; i < b.size; i++) m = Math.max(m, Math.abs(b.get(i)))
  return m
}

// ------------------------------------------------------------------ model families

const ACTS: Act[] = ['tanh', 'sigmoid', 'relu', 'leaky', 'gelu']

function mlp(act: Act, precision: 'float64' | 'float32' | 'internal'): Family {
  return {
    model: `mlp ${act}`,
    precision,
    build: (seed) => {
      const r = rng(seed * 9973 + 17)
      const spec = {
        act, precision, seed, B: int(r, 2, 16), D: int(r, 2, 12), H: int(r, 2, 12), C: int(r, 2, 6),
        loss: r() < 0.7 ? ('ce' as const) : ('mse' as const), l2: r() < 0.5 ? 0 : 10 ** (-3 + 2 * r()), gain: 0.5 + 1.5 * r(),
      }
      const m = makeMlp(spec)
      const missing = spec.l2 > 0 ? { bug: 'noL2W1', guilty: ['W1'] } : { bug: 'b1FirstSample', guilty: ['b1'] }
      const built = (mm: typeof m, withTwin: boolean): Built => ({
        at: mm.params,
        loss: mm.loss as LossFn,
        grad: mm.grad as Fn,
        special: [
          { ...missing, grad: (p) => mm.grad(p as typeof mm.params, missing.bug as 'noL2W1') },
          { bug: 'W1T', guilty: ['W1'], grad: (p) => mm.grad(p as typeof mm.params, 'W1T') },
        ],
        ownTranspose: true,
        twin: withTwin
          ? () => {
              const t = makeMlp({ ...spec, precision: 'float64' })
              copyInto(mm.params, t.params)
              return built(t, false)
            }
          : undefined,
        spec: `makeMlp(${specText(spec)})`,
      })
      return built(m, true)
    },
  }
}

function cnn(dtype: 'float64' | 'float32'): Family {
  return {
    model: 'demo cnn',
    precision: dtype,
    build: (seed) => {
      const r = rng(seed * 6151 + 5)
      const cfg = { dtype, seed, size: pick(r, [4, 6, 8]), filters: int(r, 2, 5) }
      const bcfg = { seed: seed + 1000, count: int(r, 2, 5), size: cfg.size }
      const batch = makeBatch(bcfg)
      const make = (params: CnnParams, withTwin: boolean): Built => ({
        at: params,
        loss: (p) => cnnLoss(p as CnnParams, batch),
        grad: (p) => backward(p as CnnParams, batch),
        special: [{ bug: 'backwardWithBug', guilty: ['conv1.weight'], grad: (p) => backwardWithBug(p as CnnParams, batch) }],
        twin: withTwin
          ? () => {
              const t = createCnn({ ...cfg, dtype: 'float64' })
              copyInto(params, t)
              return make(t, false)
            }
          : undefined,
        spec: `createCnn(${specText(cfg)}), makeBatch(${specText(bcfg)})`,
      })
      return make(createCnn(cfg), true)
    },
  }
}

const rnn: Family = {
  model: 'rnn (nested arrays)',
  precision: 'float64',
  build: (seed) => {
    const r = rng(seed * 31 + 1)
    const o = { T: int(r, 3, 8), H: int(r, 2, 6) }
    const m = makeRnn(o)
    perturb(m.params, seed)
    return {
      at: m.params, loss: m.loss as LossFn, grad: m.grad as Fn,
      special: [{ bug: 'noRecurrent', guilty: ['Wx', 'Wh', 'b', 'h0'], grad: (p) => m.grad(p as typeof m.params, 'noRecurrent') }],
      spec: `makeRnn(${specText(o)}) + perturb(seed ${seed})`,
    }
  },
}

function lstm(precision: 'float64' | 'internal'): Family {
  return {
    model: 'lstm',
    precision,
    build: (seed) => {
      const r = rng(seed * 37 + 2)
      const T = int(r, 2, 6)
      const make = (f32: boolean): Built => {
        const m = makeLstm({ T, float32Loss: f32 })
        perturb(m.params, seed)
        return {
          at: m.params, loss: m.loss as LossFn, grad: m.grad as Fn,
          special: [{ bug: 'noCellCarry', guilty: ['W', 'b'], grad: (p) => m.grad(p as typeof m.params, 'noCellCarry') }],
          twin: f32 ? () => make(false) : undefined,
          spec: `makeLstm(${specText({ T, float32Loss: f32 })}) + perturb(seed ${seed})`,
        }
      }
      return make(precision === 'internal')
    },
  }
}

const gru: Family = {
  model: 'gru (list of gates)',
  precision: 'float64',
  build: (seed) => {
    const T = int(rng(seed * 41 + 3), 2, 6)
    const m = makeGru(T)
    perturb(m.params, seed)
    const all = [0, 1, 2].flatMap((g) => ['W', 'U', 'b'].map((t) => `[${g}].${t}`))
    return {
      at: m.params, loss: m.loss as LossFn, grad: m.grad as Fn,
      special: [{ bug: 'resetForgotten', guilty: ['[2].U'], grad: (p) => m.grad(p as typeof m.params, 'resetForgotten') }, { bug: 'noDirectPath', guilty: all, grad: (p) => m.grad(p as typeof m.params, 'noDirectPath') }],
      spec: `makeGru(${T}) + perturb(seed ${seed})`,
    }
  },
}

const conv: Family = {
  model: 'conv2d (corpus2)',
  precision: 'float64',
  build: (seed) => {
    const r = rng(seed * 43 + 4)
    for (;;) {
      const groups = pick(r, [1, 1, 2])
      const spec = { N: int(r, 1, 3), Cin: groups * int(r, 1, 2), Cout: groups * int(r, 1, 2), Hin: int(r, 5, 8), K: pick(r, [1, 2, 3]), stride: int(r, 1, 2), dilation: int(r, 1, 2), pad: int(r, 0, 1), groups }
      const Hout = Math.floor((spec.Hin + 2 * spec.pad - spec.dilation * (spec.K - 1) - 1) / spec.stride) + 1
      if (Hout < 2) continue
      const m = makeConv(spec, seed)
      return {
        at: m.params, loss: m.loss as LossFn, grad: m.grad as Fn,
        special: [{ bug: 'dbFirstPixel', guilty: ['bias'], grad: (p) => m.grad(p as typeof m.params, 'dbFirstPixel') }],
        spec: `makeConv(${specText(spec)}, ${seed})`,
      }
    }
  },
}

/** A corpus2 loss with a fixed data set, at a random point around its init. */
function lossModel(model: string, make: () => { params: unknown; loss: (p: never) => number; grad: (p: never, bug?: never) => unknown }, bug: string, guilty: string[]): Family {
  return {
    model,
    precision: 'float64',
    build: (seed) => {
      const m = make()
      perturb(m.params, seed)
      const grad = m.grad as (p: unknown, bug?: string) => unknown
      return {
        at: m.params, loss: m.loss as LossFn, grad: (p) => grad(p),
        special: [{ bug, guilty, grad: (p) => grad(p, bug) }],
        spec: `${model} + perturb(seed ${seed})`,
      }
    },
  }
}

function piecewise(kind: 'l1' | 'hinge', precision: 'float64' | 'float32'): Family {
  const bug = kind === 'l1' ? 'signFlipped' : 'maskForgotten'
  return {
    model: `piecewise ${kind}`,
    precision,
    build: (seed) => {
      const make = (prec: 'float64' | 'float32', withTwin: boolean): Built => {
        const m = makePiecewise(kind, prec, seed)
        return {
          at: m.params, loss: m.loss as LossFn, grad: m.grad as Fn,
          special: [{ bug, guilty: ['w', 'v'], grad: (p) => m.grad(p as typeof m.params, bug) }],
          twin: withTwin ? () => make('float64', false) : undefined,
          spec: `makePiecewise('${kind}', '${prec}', ${seed})`,
        }
      }
      return make(precision, precision === 'float32')
    },
  }
}

const families: Family[] = [
  ...(['float64', 'float32', 'internal'] as const).flatMap((p) => ACTS.map((a) => mlp(a, p))),
  cnn('float64'),
  cnn('float32'),
  rnn,
  lstm('float64'),
  lstm('internal'),
  gru,
  conv,
  lossModel('focal', makeFocal, 'modulatorConstant', ['w', 'b']),
  lossModel('kl reverse', () => makeKl('reverse'), 'reverseNoKlTerm', ['W']),
  lossModel('kl forward', () => makeKl('forward'), 'forwardSign', ['W']),
  lossModel('cosine', makeCosine, 'normOnlyOnOne', ['W']),
  lossModel('gaussian nll', makeGaussianNll, 'muNotScaledByVar', ['mean.w', 'mean.b']),
  lossModel('poisson', makePoisson, 'epsDropped', ['w', 'b']),
  lossModel('huber', () => makeHuber('huber'), 'linearBranchNoDelta', ['w', 'b']),
  piecewise('l1', 'float64'),
  piecewise('l1', 'float32'),
  piecewise('hinge', 'float64'),
  piecewise('hinge', 'float32'),
].filter((f) => `${f.model} ${f.precision}`.includes(FILTER))

// ------------------------------------------------------------------ generic bugs on the correct gradient value

interface Bug { bug: string; grad: unknown; guilty: string[] }

function genericBugs(value: unknown, precision: Family['precision'], next: () => number, ownTranspose: boolean): Bug[] {
  const out: Bug[] = []
  const nonzero = blocksOf(value).filter((b) => maxAbs(b) > 0)
  if (nonzero.length === 0) return out
  {
    const g = structuredClone(value)
    const name = pick(next, nonzero).name
    const b = blocksOf(g).find((x) => x.name === name)!
    for (let i = 0; i < b.size; i++) b.set(i, 2 * b.get(i))
    out.push({ bug: 'x2', grad: g, guilty: [name] })
  }
  {
    const small = nonzero.filter((b) => b.size <= 512)
    if (small.length > 0) {
      const g = structuredClone(value)
      const name = pick(next, small).name
      const b = blocksOf(g).find((x) => x.name === name)!
      const big = maxAbs(b)
      const candidates = Array.from({ length: b.size }, (_, i) => i).filter((i) => Math.abs(b.get(i)) >= 0.3 * big)
      const i = pick(next, candidates)
      const factor = precision === 'float64' ? 1.01 : 1.1
      b.set(i, factor * b.get(i))
      out.push({ bug: `coord×${factor}`, grad: g, guilty: [name] })
    }
  }
  if (!ownTranspose) {
    const mats = nonzero.filter((b) => b.shape.length >= 2 && b.shape[b.shape.length - 1]! >= 2 && b.shape[b.shape.length - 2]! >= 2)
    if (mats.length > 0) {
      const g = structuredClone(value)
      const name = pick(next, mats).name
      const b = blocksOf(g).find((x) => x.name === name)!
      const R = b.shape[b.shape.length - 2]!
      const C = b.shape[b.shape.length - 1]!
      const old = Float64Array.from({ length: b.size }, (_, i) => b.get(i))
      // each R×C slice laid out as its C×R transpose (what a transposed backward returns)
      for (let base = 0; base < b.size; base += R * C) for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) b.set(base + j * R + i, old[base + i * C + j]!)
      out.push({ bug: 'transposed', grad: g, guilty: [name] })
    }
  }
  return out
}

/** The coordinates where a bug moved the gradient by a significant amount: `name|flat index`. */
function significant(correct: unknown, buggy: unknown, guilty: string[], tau: number): { keys: Set<string>; rel: number } {
  const a = blocksOf(correct)
  const b = new Map(blocksOf(buggy).map((x) => [x.name, x]))
  const keys = new Set<string>()
  let rel = 0
  for (const blk of a) {
    if (!guilty.includes(blk.name)) continue
    const other = b.get(blk.name)
    if (!other) continue
    const big = maxAbs(blk)
    for (let i = 0; i < blk.size; i++) {
      const d = Math.abs(other.get(i) - blk.get(i))
      if (big > 0) rel = Math.max(rel, d / big)
      if (d > 0 && d >= tau * big) keys.add(`${blk.name}|${i}`)
    }
  }
  return { keys, rel }
}

const flatIndex = (shape: readonly number[], index: readonly number[]): number => index.reduce((s, v, k) => s * shape[k]! + v, 0)

// ------------------------------------------------------------------ verification of a false alarm

/** 5-point central stencil at h and h/2, Richardson-combined (O(h⁶)), in whatever precision the loss computes. */
function fd6(loss: () => number, b: Block, i: number, h: number): number {
  const x = b.get(i)
  const f = (d: number): number => {
    b.set(i, x + d)
    const v = loss()
    b.set(i, x)
    return v
  }
  const d5 = (s: number): number => (f(-2 * s) - 8 * f(-s) + 8 * f(s) - f(2 * s)) / (12 * s)
  return (64 * d5(h / 2) - d5(h)) / 63
}

function verifyAlarm(built: Built, report: Report): string[] {
  const lines: string[] = []
  const t = built.twin ? built.twin() : built
  if (built.twin) {
    const tr = checkGradients(t.loss, t.grad, { at: t.at })
    lines.push(`    float64 twin at the same point: ${tr.pass ? 'passes' : `FAILS (${tr.failed} of ${tr.checked})`}`)
  }
  const blocks = blocksOf(t.at)
  const grads = new Map(blocksOf(t.grad(t.at)).map((b) => [b.name, b]))
  for (const e of report.worst.filter((x) => x.failed).slice(0, 3)) {
    const b = blocks.find((x) => x.name === e.name)!
    const g = grads.get(e.name)!
    const i = flatIndex(b.shape, e.index)
    let s = 0
    for (let j = 0; j < b.size; j++) s += b.get(j) ** 2
    const L = Math.max(Math.abs(b.get(i)), Math.sqrt(s / b.size), 1e-3)
    const n1 = fd6(() => t.loss(t.at), b, i, 1e-3 * L)
    const n2 = fd6(() => t.loss(t.at), b, i, 1e-4 * L)
    const a = g.get(i)
    const G = maxAbs(g)
    const rel = (v: number): string => (Math.abs(a - v) / Math.max(Math.abs(a), Math.abs(v), 1e-3 * G, 1e-300)).toExponential(1)
    lines.push(`    ${e.path}: float64 analytic ${a.toPrecision(10)}, O(h⁶) FD ${n1.toPrecision(10)} (h=${(1e-3 * L).toExponential(1)}, rel ${rel(n1)}) / ${n2.toPrecision(10)} (h=${(1e-4 * L).toExponential(1)}, rel ${rel(n2)})`)
  }
  return lines
}

// ------------------------------------------------------------------ the run

interface Row { model: string; precision: string; seeds: number; alarms: number; bugs: number; misses: number; misblames: number; skipped: number; atKink: number; calls: number; checked: number; ms: number }

const head = (r: Report): string => formatReport(r).split('\n').slice(0, 12).map((l) => `    | ${l}`).join('\n')
const details: string[] = []
const rows: Row[] = []
const missesByBug = new Map<string, number>()
const started = performance.now()

for (const fam of families) {
  const row: Row = { model: fam.model, precision: fam.precision, seeds: 0, alarms: 0, bugs: 0, misses: 0, misblames: 0, skipped: 0, atKink: 0, calls: 0, checked: 0, ms: 0 }
  const t0 = performance.now()
  const tau = fam.precision === 'float64' ? 1e-3 : 2e-2
  for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
    const built = fam.build(seed)
    row.seeds++
    const value = built.grad(built.at)
    const correct = checkGradients(built.loss, value as object, { at: built.at })
    row.calls += correct.evaluations
    row.checked += correct.checked
    if (!correct.pass) {
      row.alarms++
      details.push(`FALSE ALARM  ${fam.model} ${fam.precision} seed=${seed}  ${built.spec}\n${head(correct)}\n${verifyAlarm(built, correct).join('\n')}`)
    }
    const next = rng(seed * 104729 + 7)
    const bugs: Bug[] = [
      ...genericBugs(value, fam.precision, next, built.ownTranspose === true),
      ...built.special.map((s) => ({ bug: s.bug, grad: s.grad(built.at), guilty: s.guilty })),
    ]
    for (const bug of bugs) {
      const sig = significant(value, bug.grad, bug.guilty, tau)
      if (sig.keys.size === 0) {
        row.skipped++
        continue
      }
      const r = checkGradients(built.loss, bug.grad as object, { at: built.at })
      const shapes = new Map(r.blocks.map((b) => [b.name, b.shape]))
      const sampled = r.entries.some((e) => sig.keys.has(`${e.name}|${flatIndex(shapes.get(e.name)!, e.index)}`))
      if (r.pass && !sampled) {
        row.skipped++
        continue
      }
      // A subgradient stays a subgradient: a bug that keeps every moved coordinate between the one-sided
      // slopes of a kink straddled at x itself cannot be told from a valid choice.
      const moved = r.entries.filter((e) => sig.keys.has(`${e.name}|${flatIndex(shapes.get(e.name)!, e.index)}`))
      if (r.pass && moved.every((e) => e.verdict === 'kink' && e.slopes !== undefined && e.analytic >= e.slopes[0] && e.analytic <= e.slopes[1])) {
        row.atKink++
        continue
      }
      row.bugs++
      if (r.pass) {
        row.misses++
        missesByBug.set(`${fam.model} ${fam.precision} ${bug.bug}`, (missesByBug.get(`${fam.model} ${fam.precision} ${bug.bug}`) ?? 0) + 1)
        const where = moved.slice(0, 3).map((e) => `${e.path} ${e.verdict} (analytic ${e.analytic.toPrecision(6)}, numeric ${e.numeric.toPrecision(6)}${e.slopes ? `, slopes [${e.slopes.map((v) => v.toPrecision(6)).join(', ')}]` : ''})`)
        details.push(`MISS  ${fam.model} ${fam.precision} seed=${seed} bug=${bug.bug} on ${bug.guilty.join(',')} (max |Δ| = ${sig.rel.toExponential(1)} of the tensor's largest gradient)  ${built.spec}\n    moved: ${where.join('; ')}\n${head(r)}`)
      } else if (!bug.guilty.includes(r.worst[0]!.name)) {
        row.misblames++
        details.push(`MISBLAME  ${fam.model} ${fam.precision} seed=${seed} bug=${bug.bug} on ${bug.guilty.join(',')}, blamed ${r.worst[0]!.path}  ${built.spec}\n${head(r)}`)
      }
    }
  }
  row.ms = performance.now() - t0
  rows.push(row)
  process.stderr.write(`${fam.model} ${fam.precision}: ${row.ms.toFixed(0)} ms\n`)
}

console.log(`False alarms and misses over ${SEEDS} seeds per model (default options; bugs: ×2 on one tensor, one coordinate ×1.01 (float64) / ×1.1 (float32), transposed, a missing term)\n`)
const header = ['model', 'precision', 'seeds', 'false alarms', 'bug runs', 'misses', 'misblames', 'skipped*', 'in kink**', 'calls/weight', 'ms']
const table = [header, ...rows.map((r) => [r.model, r.precision, String(r.seeds), String(r.alarms), String(r.bugs), String(r.misses), String(r.misblames), String(r.skipped), String(r.atKink), (r.calls / r.checked).toFixed(2), r.ms.toFixed(0)])]
const widths = header.map((_, c) => Math.max(...table.map((r) => r[c]!.length)))
for (const r of table) console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
const sum = (k: 'seeds' | 'alarms' | 'bugs' | 'misses' | 'misblames' | 'skipped'): number => rows.reduce((s, r) => s + r[k], 0)
console.log(`\ntotal: ${sum('seeds')} correct checks, ${sum('alarms')} false alarms; ${sum('bugs')} bug checks, ${sum('misses')} misses, ${sum('misblames')} misblames; ${((performance.now() - started) / 1000).toFixed(1)} s`)
console.log('* skipped: the injected bug moved no coordinate of the guilty tensor by ≥ 1e-3 (float64) / 2e-2 (float32) of its largest gradient, or no such coordinate was sampled')
console.log('** in kink: the buggy value of every moved coordinate lies between the one-sided slopes of a kink at x (a valid subgradient): not counted as a miss')
if (missesByBug.size > 0) console.log(`misses by bug: ${[...missesByBug].map(([k, v]) => `${k} ×${v}`).join('; ')}`)
if (details.length > 0) console.log(`\n${details.join('\n\n')}`)
