// Benchmark "Tuned constants": every tuned number of the engine (`K` in src/engine/constants.ts) is
// varied around today's value on one fixed workload, and the table shows what changes. This is the
// measurement that justifies a tuned constant (see the header of src/engine/constants.ts).
//
//   npx tsx bench/constants.ts
//
// Workload (fixed, deterministic: everything derives from seeds):
//   - correct gradients: makeCase(seed, { precision }) from test/props/generator.ts, float64 and float32,
//     and the demo CNN (examples/cnn/cnn.ts, `backward`) in float64 and float32;
//   - planted bugs: plantSingle (one coordinate × (1 + δ)) and plantTensor (a whole tensor wrong) on the
//     same generator, and the demo CNN's `backwardWithBug` in float64 and float32.
// A false alarm is a correct gradient whose check fails; a miss is a planted bug whose check passes
// (as `missed` in test/props/run.ts). Calls per weight: loss calls ÷ checked weights, over the correct
// gradients only (what a user pays when the gradient is right).
//
// The engine reads `K` at every use, so each setting is applied by writing to `K` and restored in a
// `finally`; `checkGradients` is imported from ../src so that it is the same `K`.
import { type Report, checkGradients } from '../src/index.js'
import { K } from '../src/engine/constants.js'
import { type Bug, type Case, type Precision, makeCase, plantSingle, plantTensor } from '../test/props/generator.js'
import { type CnnParams, type Dtype, backward, backwardWithBug, createCnn, loss as cnnLoss, makeBatch } from '../examples/cnn/cnn.js'

// ------------------------------------------------------------------------------------ the workload

const SIZES = {
  correct: { float64: 150, float32: 40 },
  single: { float64: 60, float32: 20 },
  tensor: { float64: 20, float32: 10 },
} as const satisfies Record<string, Record<Precision, number>>

const PRECISIONS: Precision[] = ['float64', 'float32']
const seeds = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)

interface Job {
  /** 'correct' counts a failure as a false alarm; 'bug' counts a pass as a miss. */
  kind: 'correct' | 'bug'
  group: string
  run: () => Report
}

const jobs: Job[] = []
for (const precision of PRECISIONS) {
  for (const seed of seeds(SIZES.correct[precision])) {
    const c = makeCase(seed, { precision })
    jobs.push({ kind: 'correct', group: `generator ${precision}`, run: () => checkGradients(c.loss, c.grad, { at: c.at() }) as Report })
  }
}
const planted = (c: Case, bug: Bug | undefined, group: string): void => {
  if (bug) jobs.push({ kind: 'bug', group, run: () => checkGradients(c.loss, bug.grad, { at: c.at() }) as Report })
}
for (const precision of PRECISIONS) {
  for (const seed of seeds(SIZES.single[precision])) {
    const c = makeCase(seed, { precision })
    planted(c, plantSingle(c, seed), `single ${precision}`)
  }
  for (const seed of seeds(SIZES.tensor[precision])) {
    const c = makeCase(seed, { precision })
    planted(c, plantTensor(c, seed), `tensor ${precision}`)
  }
}
const batch = makeBatch()
const lossOf = (p: CnnParams): number => cnnLoss(p, batch)
for (const dtype of ['float64', 'float32'] satisfies Dtype[]) {
  jobs.push({ kind: 'correct', group: `CNN ${dtype}`, run: () => checkGradients(lossOf, (p: CnnParams) => backward(p, batch), { at: createCnn({ dtype }) }) as Report })
  jobs.push({ kind: 'bug', group: `CNN bug ${dtype}`, run: () => checkGradients(lossOf, (p: CnnParams) => backwardWithBug(p, batch), { at: createCnn({ dtype }) }) as Report })
}

interface Outcome {
  falseAlarms: number
  misses: number
  /** Checks that threw (counted neither as a false alarm nor as a miss; should be 0). */
  errors: number
  calls: number
  weights: number
  /** Groups with false alarms / misses, for the row's detail column. */
  where: Map<string, number>
}

function runWorkload(): Outcome {
  const o: Outcome = { falseAlarms: 0, misses: 0, errors: 0, calls: 0, weights: 0, where: new Map() }
  for (const job of jobs) {
    let r: Report
    try {
      r = job.run()
    } catch {
      o.errors++
      continue
    }
    if (job.kind === 'correct') {
      o.calls += r.evaluations
      o.weights += r.checked
      if (!r.pass) {
        o.falseAlarms++
        o.where.set(job.group, (o.where.get(job.group) ?? 0) + 1)
      }
    } else if (r.pass) {
      o.misses++
      o.where.set(job.group, (o.where.get(job.group) ?? 0) + 1)
    }
  }
  return o
}

// ------------------------------------------------------------------------------------ the settings

type Name = keyof typeof K
type Value = number | Record<Precision, number>
interface Setting { label: string; value: Value; today: boolean }

const INTEGERS: readonly Name[] = ['MAX_DESCENT', 'MAX_CLIMB']

function settingsOf(name: Name): Setting[] {
  const v = K[name] as Value
  if (typeof v !== 'number') {
    // PROBE: both precisions' entries scaled together.
    const scaled = (f: number): Record<Precision, number> => ({ float64: v.float64 * f, float32: v.float32 * f })
    return [
      { label: '×0.5', value: scaled(0.5), today: false },
      { label: '×1', value: v, today: true },
      { label: '×2', value: scaled(2), today: false },
    ]
  }
  if (INTEGERS.includes(name)) {
    return [
      { label: '−1', value: v - 1, today: false },
      { label: 'today', value: v, today: true },
      { label: '+1', value: v + 1, today: false },
      { label: '×2', value: 2 * v, today: false },
    ]
  }
  return [
    { label: '×0.5', value: v * 0.5, today: false },
    { label: '×1', value: v, today: true },
    { label: '×2', value: v * 2, today: false },
  ]
}

const show = (v: Value): string => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : `${v.float64.toExponential(1)} / ${v.float32.toExponential(1)}`)

// ------------------------------------------------------------------------------------ the run

const numeric = (Object.keys(K) as Name[]).filter((n) => {
  const v = K[n] as unknown
  return typeof v === 'number' || (typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'number'))
})

const correct = jobs.filter((j) => j.kind === 'correct').length
const bugs = jobs.length - correct
const count = (kind: Job['kind'], prefix: string): number => jobs.filter((j) => j.kind === kind && j.group.startsWith(prefix)).length

console.log('Tuned constants: each tuned number in K (src/engine/constants.ts) at ×0.5, ×1 and ×2 of today\'s value')
console.log('(MAX_DESCENT, MAX_CLIMB: −1, today, +1, ×2; PROBE: both precisions\' entries scaled together).\n')
console.log(`Workload, the same for every row: ${correct} correct gradients (generator: ${count('correct', 'generator float64')} float64 + ${count('correct', 'generator float32')} float32 seeds;`)
console.log(`demo CNN float64 and float32) and ${bugs} planted bugs (one coordinate × (1 + δ): ${count('bug', 'single float64')} float64 + ${count('bug', 'single float32')} float32;`)
console.log(`a whole tensor wrong: ${count('bug', 'tensor float64')} float64 + ${count('bug', 'tensor float32')} float32; the CNN's off-by-one in float64 and float32), seeds from 1, default options.`)
console.log('false alarms: correct gradients whose check fails.   missed: planted bugs whose check passes.')
console.log('calls/weight: loss calls ÷ checked weights over the correct gradients.   ◀ marks today\'s value.')
console.log('Counts and ratios from one deterministic run; no timings. Cases the engine gets wrong today')
console.log('(test/props/known.ts) are included, so today\'s row need not be 0/0.\n')

const header = `${'constant'.padEnd(18)} ${'setting'.padEnd(8)} ${'value'.padStart(17)} ${'false alarms'.padStart(13)} ${'missed'.padStart(7)} ${'calls/weight'.padStart(13)}   where`
console.log(header)
console.log('─'.repeat(header.length + 20))

const fmtWhere = (o: Outcome): string => [...o.where].map(([g, n]) => `${g} ${n}`).join(', ') + (o.errors ? `${o.where.size ? ', ' : ''}${o.errors} threw` : '')
const row = (name: string, s: Setting, o: Outcome): string =>
  `${name.padEnd(18)} ${s.label.padEnd(8)} ${show(s.value).padStart(17)} ${String(o.falseAlarms).padStart(13)} ${String(o.misses).padStart(7)} ${(o.calls / o.weights).toFixed(3).padStart(13)} ${s.today ? '◀' : ' '} ${fmtWhere(o)}`

const snapshot = JSON.stringify(K)
// Today's setting is the same workload with the same K for every constant: run it once.
const baseline = runWorkload()
const verdicts: string[] = []
for (const name of numeric) {
  const original = K[name]
  const results: [Setting, Outcome][] = []
  for (const s of settingsOf(name)) {
    if (s.today) {
      results.push([s, baseline])
      continue
    }
    try {
      ;(K as Record<string, unknown>)[name] = s.value
      results.push([s, runWorkload()])
    } finally {
      ;(K as Record<string, unknown>)[name] = original
    }
  }
  for (const [s, o] of results) console.log(row(name, s, o))
  console.log()

  const seq = (f: (o: Outcome) => string | number): string => results.map(([, o]) => f(o)).join('→')
  const at = results.findIndex(([s]) => s.today)
  // On a plateau: the settings next to today's (one step down, one step up) give the same false alarms and misses.
  const neighbours = [results[at - 1], results[at + 1]].filter((x): x is [Setting, Outcome] => x !== undefined)
  const worse = neighbours.filter(([, o]) => o.falseAlarms !== baseline.falseAlarms || o.misses !== baseline.misses || o.errors !== baseline.errors)
  const plateau = worse.length === 0
  const labels = results.map(([s]) => s.label).join(', ')
  const change = plateau ? '' : ` (changes at ${worse.map(([s]) => s.label).join(' and ')})`
  verdicts.push(
    `${name}: today's value is ${plateau ? '' : 'not '}on a plateau${change}: false alarms ${seq((o) => o.falseAlarms)}, misses ${seq((o) => o.misses)}, calls/weight ${seq((o) => (o.calls / o.weights).toFixed(3))} (${labels})`,
  )
}

// Restoration check: K must be exactly as before the run.
const restored = JSON.stringify(K) === snapshot
console.log(`Verdicts (plateau: the settings next to today's give the same false alarms and misses)${restored ? '' : '  — WARNING: a rerun at today\'s K differs, K was not restored'}\n`)
for (const v of verdicts) console.log(v)
