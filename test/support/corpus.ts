// The harness both corpora share: a case builds a loss, a gradient and `at`, and is run through the
// engine as a new user would; every run also checks that `at` comes back bit for bit.
import { checkGradients, formatReport, type GradcheckOptions } from 'gradcheck'
import { expect } from 'vitest'
import { firstDifference, snapshot } from '../corpus/util.js'

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
  expect: 'pass' | 'fail'
  /** Tensors allowed as `report.worst[0].name` when the case must fail. */
  guilty?: string[]
  /** The exact entry that must come first in `report.worst`. */
  path?: string
  /** A hint kind the report must carry. */
  hint?: string
  /** What `report.loss.deterministic` must be (defaults to true; 'any' for harmless reordering noise). */
  deterministic?: boolean | 'any'
  /** The report must list at least one accepted kink. */
  kinks?: boolean
}

export interface Model<P, B> {
  params: P
  loss: (p: P) => number
  grad: (p: P, bug?: B) => unknown
}

export const of = <P, B>(m: Model<P, B>, bug?: B, options?: Options): Built => ({ loss: m.loss, grad: (p: P) => m.grad(p, bug), at: m.params, options })
export const pass = (name: string, build: () => Built, extra: Partial<Case> = {}): Case => ({ name, build, expect: 'pass', ...extra })
export const fail = (name: string, build: () => Built, guilty: string[] | undefined, extra: Partial<Case> = {}): Case => ({ name, build, expect: 'fail', guilty, ...extra })

export async function run(c: Case): Promise<void> {
  const { loss, grad, at, options } = c.build()
  const before = snapshot(at)
  const report = await checkGradients(loss, grad as never, { at, ...options })
  const text = `${c.name}\n${formatReport(report)}`
  expect(firstDifference(at, before), 'params must be restored bit for bit').toBeUndefined()
  if (c.expect === 'pass') {
    expect(report.pass, text).toBe(true)
  } else {
    expect(report.pass, text).toBe(false)
    if (c.guilty) expect(c.guilty, text).toContain(report.worst[0]!.name)
    if (c.path) expect(report.worst[0]!.path, text).toBe(c.path)
  }
  if (c.hint) expect(report.hints.map((h) => h.kind), text).toContain(c.hint)
  if (c.kinks) expect(report.kinks.filter((e) => !e.failed).length, text).toBeGreaterThan(0)
  if (c.deterministic !== 'any') expect(report.loss.deterministic, text).toBe(c.deterministic ?? true)
}
