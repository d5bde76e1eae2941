// The long measurement: false alarms, misses and misblames of checkGradients (default options) over
// generated smooth losses with exact gradients (test/props/generator.ts).
//   npm run test:props:long                 (10,000 float64 + 1,000 float32 correct cases,
//                                            2,500+ single-coordinate and 1,000+ whole-tensor bugs)
//   npx tsx test/props/long.ts 0.1          (a tenth of that)
// Every case is replayed by `makeCase(seed, { precision })` (and plantSingle/plantTensor(case, seed)).
import { CLASSES, type CaseClass, type Precision, makeCase, plantSingle, plantTensor } from './generator.js'
import { type BugOutcome, type CorrectOutcome, flatIndex, replay, runBug, runCorrect } from './run.js'
import { idealNumeric } from './verify.js'
import type { Case } from './generator.js'
import type { Entry } from 'gradcheck'

/** " exact … ideal FD … noise …": the exact derivative at an entry, the best central difference of the actual loss, the engine's and the generator's noise. */
function evidence(c: Case, e: Entry | undefined, noise: number): string {
  if (!e) return ''
  const k = c.tensors.findIndex((t) => t.name === e.name)
  const i = flatIndex(e.index, c.tensors[k]!.shape)
  const exact = c.internal.exactGrad(c.at())[k]![i]!
  const ideal = idealNumeric(c, k, i)
  return ` | exact ${exact.toPrecision(6)} ideal-FD ${ideal.numeric.toPrecision(6)} ± ${ideal.gap.toPrecision(2)} (|ideal−exact| ${Math.abs(ideal.numeric - exact).toPrecision(2)}) loss.noise ${noise.toPrecision(2)} vs ε·B ${c.tensors[k]!.noise.toPrecision(2)}`
}

const SCALE = Number(process.argv[2] ?? 1)
const N64 = Math.round(10000 * SCALE)
const N32 = Math.round(1000 * SCALE)
const NSINGLE = Math.round(2500 * SCALE)
const NTENSOR = Math.round(1000 * SCALE)
const t0 = Date.now()
const out = (s: string): void => void process.stdout.write(`${s}\n`)

// ------------------------------------------------------------------ correct cases
type Key = `${CaseClass}/${Precision}`
const total = new Map<Key, number>()
const alarms = new Map<Key, CorrectOutcome[]>()
const inconclusiveCases = new Map<Key, number>()
const allInconclusive = new Map<Key, number>()
/** Correct cases with ≥1 entry judged at a kink: every one is invented (every loss is C^∞). */
const kinkCases = new Map<Key, number>()
let kinkEntries = 0
const mutated: string[] = []
const BUCKETS: [number, number][] = [[1, 1], [2, 9], [10, 49], [50, 149], [150, 300]]
const calls = BUCKETS.map(() => ({ cases: 0, evaluations: 0, weights: 0, max: 0 }))
const correctPass = new Map<string, boolean>()

function runCorrectSet(precision: Precision, n: number): void {
  for (let seed = 1; seed <= n; seed++) {
    const c = makeCase(seed, { precision })
    const o = runCorrect(c)
    const key: Key = `${c.class}/${precision}`
    total.set(key, (total.get(key) ?? 0) + 1)
    correctPass.set(`${precision}/${seed}`, o.pass)
    if (!o.restored) mutated.push(c.name)
    if (o.inconclusive > 0) inconclusiveCases.set(key, (inconclusiveCases.get(key) ?? 0) + 1)
    const kinks = o.report.entries.filter((e) => e.kink).length
    kinkEntries += kinks
    if (kinks > 0) kinkCases.set(key, (kinkCases.get(key) ?? 0) + 1)
    if (o.inconclusive === o.report.entries.length) allInconclusive.set(key, (allInconclusive.get(key) ?? 0) + 1)
    if (!o.pass) alarms.set(key, [...(alarms.get(key) ?? []), o])
    const b = BUCKETS.findIndex(([lo, hi]) => c.weights >= lo && c.weights <= hi)
    const cb = calls[b]!
    cb.cases++
    cb.evaluations += o.report.evaluations
    cb.weights += c.weights
    cb.max = Math.max(cb.max, o.report.evaluations / c.weights)
    if (seed % 1000 === 0) process.stderr.write(`${precision} ${seed}/${n} ${((Date.now() - t0) / 1000).toFixed(0)} s\n`)
  }
}
runCorrectSet('float64', N64)
runCorrectSet('float32', N32)

// ------------------------------------------------------------------ planted bugs
const bugRuns: BugOutcome[] = []
function runBugs(kind: 'single' | 'tensor', n: number, precisionOf: (i: number) => Precision): number {
  let made = 0
  let skipped = 0
  for (let seed = 1; made < n; seed++) {
    const precision = precisionOf(made)
    const c = makeCase(seed, { precision })
    const bug = kind === 'single' ? plantSingle(c, seed) : plantTensor(c, seed)
    if (!bug) {
      skipped++
      continue
    }
    made++
    bugRuns.push(runBug(c, bug))
  }
  return skipped
}
// 1 in 11 bugs in float32, as in the correct set
const skippedSingle = runBugs('single', NSINGLE, (i) => (i % 11 === 10 ? 'float32' : 'float64'))
const skippedTensor = runBugs('tensor', NTENSOR, (i) => (i % 11 === 10 ? 'float32' : 'float64'))

// ------------------------------------------------------------------ report
const pct = (a: number, b: number): string => (b === 0 ? '—' : `${((100 * a) / b).toFixed(2)} %`)
out(`# gradcheck adversarial measurement (scale ${SCALE}), ${((Date.now() - t0) / 1000).toFixed(0)} s`)
out('')
out('## False alarms on correct gradients (report.pass === false), by class and precision')
out('class                 | float64                 | float32               | cases with ≥1 inconclusive entry (f64 / f32) | all entries inconclusive (f64 / f32)')
let fa64 = 0, n64 = 0, fa32 = 0, n32 = 0
for (const cls of CLASSES) {
  const a64 = alarms.get(`${cls}/float64`)?.length ?? 0, t64 = total.get(`${cls}/float64`) ?? 0
  const a32 = alarms.get(`${cls}/float32`)?.length ?? 0, t32 = total.get(`${cls}/float32`) ?? 0
  fa64 += a64; n64 += t64; fa32 += a32; n32 += t32
  out(
    `${cls.padEnd(21)} | ${`${a64} / ${t64} (${pct(a64, t64)})`.padEnd(23)} | ${`${a32} / ${t32} (${pct(a32, t32)})`.padEnd(21)} | ` +
      `${inconclusiveCases.get(`${cls}/float64`) ?? 0} / ${inconclusiveCases.get(`${cls}/float32`) ?? 0}`.padEnd(45) +
      ` | ${allInconclusive.get(`${cls}/float64`) ?? 0} / ${allInconclusive.get(`${cls}/float32`) ?? 0}`,
  )
}
out(`${'total'.padEnd(21)} | ${`${fa64} / ${n64} (${pct(fa64, n64)})`.padEnd(23)} | ${`${fa32} / ${n32} (${pct(fa32, n32)})`.padEnd(21)} | all: ${fa64 + fa32} / ${n64 + n32} (${pct(fa64 + fa32, n64 + n32)})`)
out('')
out('## Kinks invented on smooth losses (correct cases with ≥1 entry at a kink; passed or not)')
out(CLASSES.map((cls) => `${cls} ${kinkCases.get(`${cls}/float64`) ?? 0}/${total.get(`${cls}/float64`) ?? 0} f64, ${kinkCases.get(`${cls}/float32`) ?? 0}/${total.get(`${cls}/float32`) ?? 0} f32`).join('; ') + `; ${kinkEntries} entries in all`)
out(`params not restored bit for bit: ${mutated.length}${mutated.length ? ` (${mutated.slice(0, 10).join(', ')})` : ''}`)
out('')
out('## Verdicts of the worst entry of each false alarm')
const verdicts = new Map<string, number>()
for (const list of alarms.values()) for (const o of list) {
  const v = o.report.loss.deterministic ? (o.worst?.verdict ?? 'none') + (o.worst?.kink ? ' (kink)' : '') : 'loss judged nondeterministic'
  verdicts.set(v, (verdicts.get(v) ?? 0) + 1)
}
out([...verdicts].map(([v, n]) => `${v}: ${n}`).join(', '))
out('')
out('## Planted bugs')
const bugTable = (label: string, runs: BugOutcome[]): void => {
  const miss = runs.filter((r) => r.missed)
  const notAt = runs.filter((r) => r.notAtBug)
  const other = runs.filter((r) => r.otherTensor.length > 0)
  const coord = runs.filter((r) => r.otherCoordinate.length > 0)
  const confounded = (rs: BugOutcome[]): number => rs.filter((r) => correctPass.get(`${r.case.precision}/${r.case.seed}`) === false).length
  out(
    `${label}: ${runs.length} planted; caught ${runs.length - miss.length} (${pct(runs.length - miss.length, runs.length)}); ` +
      `missed ${miss.length}; failed but not at the bug ${notAt.length}; misblamed (a failing entry in another tensor) ${other.length} ` +
      `[of which the correct gradient of the same case also false-alarms: ${confounded(other)}]` +
      (label.startsWith('single') ? `; other coordinates of the guilty tensor also failing ${coord.length} [same-case false alarm: ${confounded(coord)}]` : ''),
  )
}
const singles = bugRuns.filter((r) => r.bug.kind === 'single')
const tensors = bugRuns.filter((r) => r.bug.kind !== 'single')
bugTable('single-coordinate, float64', singles.filter((r) => r.case.precision === 'float64'))
bugTable('single-coordinate, float32', singles.filter((r) => r.case.precision === 'float32'))
for (const kind of ['x2', 'neg', 'zero', 'transposed', 'missing'] as const) {
  bugTable(`whole-tensor ${kind}, float64`, tensors.filter((r) => r.bug.kind === kind && r.case.precision === 'float64'))
  bugTable(`whole-tensor ${kind}, float32`, tensors.filter((r) => r.bug.kind === kind && r.case.precision === 'float32'))
}
bugTable('whole-tensor, all', tensors)
out(`(cases where no bug clears the noise floor, skipped: single ${skippedSingle}, whole-tensor ${skippedTensor})`)
out(`params not restored after a bug check: ${bugRuns.filter((r) => !r.restored).length}`)
out('')
out('## Misses by class (single / whole-tensor)')
for (const cls of CLASSES) {
  const s = singles.filter((r) => r.case.class === cls), t = tensors.filter((r) => r.case.class === cls)
  out(`${cls.padEnd(21)} single ${s.filter((r) => r.missed).length} / ${s.length}, whole-tensor ${t.filter((r) => r.missed).length} / ${t.length}`)
}
out('')
out('## Loss calls per weight (report.evaluations / weights) on the correct cases')
out('weights   | cases | calls/weight (mean of totals) | max per case')
BUCKETS.forEach(([lo, hi], b) => {
  const cb = calls[b]!
  out(`${`${lo}–${hi}`.padEnd(9)} | ${String(cb.cases).padEnd(5)} | ${(cb.evaluations / Math.max(cb.weights, 1)).toFixed(2).padEnd(29)} | ${cb.max.toFixed(1)}`)
})
out('')
out('## Replays of every false alarm: makeCase(seed, { precision }); a−exact is grad minus the exact float64 derivative at the worst entry')
for (const cls of CLASSES) for (const p of ['float64', 'float32'] as const) {
  for (const o of alarms.get(`${cls}/${p}`) ?? []) out(`FA ${replay(o.case, o.report, ` a−exact ${o.analyticVsExact?.toPrecision(3)}${evidence(o.case, o.worst, o.report.loss.noise)}`)}`)
}
out('')
out('## Replays of every miss, not-at-bug and misblame: plantSingle / plantTensor(makeCase(seed, { precision }), seed)')
for (const r of bugRuns) {
  if (r.missed) {
    const info = r.case.tensors.find((t) => t.name === r.bug.tensor)!
    const at = r.report.entries.find((e) => e.name === r.bug.tensor && (r.bug.index === undefined || flatIndex(e.index, info.shape) === r.bug.index))
    const g = (v: number): string => v.toPrecision(6)
    const entry = at ? `${at.path} analytic ${g(at.analytic)} numeric ${g(at.numeric)} |a−n| ${g(Math.abs(at.analytic - at.numeric))} tol ${g(at.tolerance)} est ${g(at.estimatedError)} step ${g(at.step)} (${g(at.step / info.spread)} spreads) ${at.verdict}` : ''
    out(`MISS ${r.bug.name} | at the bug: ${entry}${evidence(r.case, at, r.report.loss.noise)} | floor ${info.floor.toPrecision(2)} | ${r.case.spec}`)
  }
  else if (r.notAtBug) out(`NOTAT ${r.bug.name} | ${replay(r.case, r.report)}`)
  else if (r.otherTensor.length > 0) out(`MISBLAME ${r.bug.name} | also ${r.otherTensor.map((e) => e.path).slice(0, 3).join(', ')} | ${replay(r.case, r.report)}`)
}
for (const r of singles) if (!r.missed && r.otherCoordinate.length > 0) out(`COLLATERAL ${r.bug.name} | also ${r.otherCoordinate.map((e) => `${e.path} a ${e.analytic.toPrecision(4)} n ${e.numeric.toPrecision(4)} tol ${e.tolerance.toPrecision(3)}`).slice(0, 2).join('; ')}`)
out(`# done in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
