// The assertion shared by the fixed-case suites: a case's correct gradient passes, and one planted
// single-coordinate bug fails at that coordinate and nowhere else, with the parameters restored both times.
import { expect } from 'vitest'
import type { Bug, Case } from './generator.js'
import { flatIndex, runBug, runCorrect } from './run.js'

export function expectPassAndCaughtAlone(c: Case, bug: Bug | undefined): void {
  const ok = runCorrect(c)
  expect(ok.restored).toBe(true)
  expect(ok.pass).toBe(true)
  expect(bug).toBeDefined()
  const b = runBug(c, bug!)
  expect(b.restored).toBe(true)
  expect(b.missed).toBe(false)
  const info = c.tensors.find((t) => t.name === bug!.tensor)!
  expect(b.report.entries.filter((e) => e.failed).map((e) => `${e.name}#${flatIndex(e.index, info.shape)}`)).toEqual([`${bug!.tensor}#${bug!.index}`])
}
