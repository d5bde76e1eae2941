// Runs one generated case (correct, or with a planted bug) through checkGradients with default options
// and classifies the outcome. Shared by adversarial.test.ts, known-false-alarms.test.ts and long.ts.
import { checkGradients, type Entry, type Report } from 'gradcheck'
import { type Bug, type Case, bitIdentical, makeCase, plantSingle, plantTensor } from './generator.js'

export interface CorrectOutcome {
  case: Case
  report: Report
  pass: boolean
  /** Params bit-identical (Object.is on every value) after the check. */
  restored: boolean
  /** Entries judged inconclusive (passed without evidence). */
  inconclusive: number
  /** For a false alarm: the worst entry, and how far `grad` itself is from the exact derivative there. */
  worst?: Entry
  analyticVsExact?: number
}

/** Row-major flat index of an entry's multi-index in a tensor of `shape` ([] → 0). */
export function flatIndex(index: readonly number[], shape: readonly number[]): number {
  let f = 0
  for (let d = 0; d < shape.length; d++) f = f * shape[d]! + (index[d] ?? 0)
  return f
}

export function runCorrect(c: Case): CorrectOutcome {
  const at = c.at()
  const reference = c.at()
  const report = checkGradients(c.loss, c.grad, { at }) as Report
  const restored = bitIdentical(at, reference)
  const inconclusive = report.entries.filter((e) => e.verdict === 'inconclusive').length
  const out: CorrectOutcome = { case: c, report, pass: report.pass, restored, inconclusive }
  if (!report.pass) {
    const w = report.worst[0]
    out.worst = w
    if (w) {
      const k = c.tensors.findIndex((t) => t.name === w.name)
      const exact = c.internal.exactGrad(c.at())[k]![flatIndex(w.index, c.tensors[k]!.shape)]!
      out.analyticVsExact = w.analytic - exact
    }
  }
  return out
}

export interface BugOutcome {
  case: Case
  bug: Bug
  report: Report
  /** The check passed: the bug was missed. */
  missed: boolean
  /** It failed, but not at the planted coordinate (single) / blamed nothing in the guilty tensor. */
  notAtBug: boolean
  /** Failing entries outside the guilty tensor. */
  otherTensor: Entry[]
  /** Single-coordinate bugs: failing entries in the guilty tensor other than the planted coordinate. */
  otherCoordinate: Entry[]
  restored: boolean
}

export function runBug(c: Case, bug: Bug): BugOutcome {
  const at = c.at()
  const reference = c.at()
  const report = checkGradients(c.loss, bug.grad, { at }) as Report
  const restored = bitIdentical(at, reference)
  const failing = report.entries.filter((e) => e.failed)
  const info = c.tensors.find((t) => t.name === bug.tensor)!
  const atBug =
    bug.kind === 'single'
      ? failing.some((e) => e.name === bug.tensor && flatIndex(e.index, info.shape) === bug.index)
      : failing.some((e) => e.name === bug.tensor)
  return {
    case: c,
    bug,
    report,
    missed: report.pass,
    notAtBug: !report.pass && !atBug,
    otherTensor: failing.filter((e) => e.name !== bug.tensor),
    otherCoordinate: bug.kind === 'single' ? failing.filter((e) => e.name === bug.tensor && flatIndex(e.index, info.shape) !== bug.index) : [],
    restored,
  }
}

const g = (v: number): string => (Number.isFinite(v) ? v.toPrecision(6) : String(v))

/** One-line replay of a check: seed, case name, the worst entry's numbers. */
export function replay(c: Case, report: Report, extra = ''): string {
  const w = report.worst[0]
  const where = w
    ? `${w.path} analytic ${g(w.analytic)} numeric ${g(w.numeric)} |a−n| ${g(Math.abs(w.analytic - w.numeric))} tol ${g(w.tolerance)} est ${g(w.estimatedError)} rel ${g(w.relativeError)} step ${g(w.step)} (${g(w.step / (c.tensors.find((t) => t.name === w.name)?.spread ?? NaN))} spreads) ${w.verdict}${w.kink ? ' (kink)' : ''}`
    : 'no entries'
  return `seed ${c.seed} ${c.name} (${c.weights} w, ${report.failed} failed, loss.deterministic ${report.loss.deterministic}): ${where}${extra} | ${c.spec}`
}

export { makeCase, plantSingle, plantTensor }
