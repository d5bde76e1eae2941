// The harness of the model suites: a case builds a loss, a gradient and `at`, and is run through the
// engine as a new user would (defaults only, unless a case is about an option). What a case claims:
//   pass  — a correct gradient: the check passes;
//   fail  — a buggy gradient: the check fails, and EVERY failing entry lies in a guilty tensor with
//           verdict 'bug' (or the verdict the case names, e.g. 'kink' under `kinks: 'fail'`);
//   noisy — a nondeterministic loss: the check fails as nondeterministic, whatever the gradient.
// Every run also checks that `at` comes back bit for bit.
import { checkGradients, formatReport, type GradcheckOptions, type Report, type Verdict } from 'gradcheck'
import { expect, it } from 'vitest'
import { firstDifference, snapshot, type Model } from '../models/util.js'

export type Options = Omit<GradcheckOptions, 'at'>

export interface Built {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  loss: (p: any) => number | Promise<number>
  grad: unknown
  at: unknown
  options?: Options
}

export interface Case {
  name: string
  build: () => Built
  expect: 'pass' | 'fail' | 'noisy'
  /** For 'fail': the tensors a failing entry may be in (every failing entry must be in one of them). */
  guilty?: string[]
  /** For 'fail': the verdict every failing entry must carry (default 'bug'). */
  verdict?: Verdict
  /** For 'fail': the exact entry that must come first in `report.worst`. */
  path?: string
  /** A hint kind the report must carry. */
  hint?: string
  /** What `report.loss.deterministic` must be (defaults to true; 'any' for harmless reordering noise). */
  deterministic?: boolean | 'any'
  /** The report must list at least one accepted kink. */
  kinks?: boolean
}

export const of = <P, B>(m: Model<P, B>, bug?: B, options?: Options): Built => ({ loss: m.loss, grad: (p: P) => m.grad(p, bug), at: m.params, options })
export const pass = (name: string, build: () => Built, extra: Partial<Case> = {}): Case => ({ name, build, expect: 'pass', ...extra })
export const fail = (name: string, build: () => Built, guilty: string[], extra: Partial<Case> = {}): Case => ({ name, build, expect: 'fail', guilty, ...extra })
export const noisy = (name: string, build: () => Built, extra: Partial<Case> = {}): Case =>
  ({ name, build, expect: 'noisy', deterministic: false, hint: 'nondeterministic', ...extra })

/** Runs a case and returns its report (for the few tests that assert more than the case claims). */
export async function run(c: Case): Promise<Report> {
  const { loss, grad, at, options } = c.build()
  const before = snapshot(at)
  const report = await checkGradients(loss, grad as never, { at, ...options })
  const text = `${c.name}\n${formatReport(report)}`
  expect(firstDifference(at, before), 'params must be restored bit for bit').toBeUndefined()
  const failing = report.entries.filter((e) => e.failed)
  if (c.expect === 'pass') {
    expect(report.pass, text).toBe(true)
  } else if (c.expect === 'noisy') {
    expect(report.pass, text).toBe(false)
  } else {
    expect(report.pass, text).toBe(false)
    expect(failing.length, text).toBeGreaterThan(0)
    for (const e of failing) {
      expect(c.guilty, `${e.path} fails outside the guilty tensors\n${text}`).toContain(e.name)
      expect(e.verdict, `${e.path}\n${text}`).toBe(c.verdict ?? 'bug')
    }
    if (c.path) expect(report.worst[0]!.path, text).toBe(c.path)
  }
  if (c.hint) expect(report.hints.map((h) => h.kind), text).toContain(c.hint)
  if (c.kinks) expect(report.kinks.filter((e) => !e.failed).length, text).toBeGreaterThan(0)
  if (c.deterministic !== 'any') expect(report.loss.deterministic, text).toBe(c.deterministic ?? true)
  return report
}

/** One test per case, named in full. */
export function cases(list: Case[]): void {
  it.each(list.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await run(c)
  })
}
