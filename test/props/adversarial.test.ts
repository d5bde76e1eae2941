// Random smooth losses with exact gradients (test/props/generator.ts), checked with default options:
// every correct gradient must pass, every planted bug must fail with the guilty coordinate (or tensor)
// blamed and nothing outside it, and `at` must come back bit for bit. The cases the engine gets wrong
// today are listed in known.ts and run as `it.fails` in known-false-alarms.test.ts; the full
// measurement is `npm run test:props:long`.
import { describe, expect, it } from 'vitest'
import { type Precision, makeCase, plantSingle, plantTensor } from './generator.js'
import { BAD_SINGLE, BAD_TENSOR, CI, FALSE_ALARMS, SILENT_PASSES } from './known.js'
import { replay, runBug, runCorrect } from './run.js'
import { SILENT } from './silent.js'

const seeds = (n: number, skip: readonly number[]): number[] => Array.from({ length: n }, (_, i) => i + 1).filter((s) => !skip.includes(s))
const PRECISIONS: Precision[] = ['float64', 'float32']

describe('adversarial smooth losses: correct gradients pass', () => {
  for (const precision of PRECISIONS) {
    it(`${precision}: seeds 1…${CI.correct[precision]} except ${FALSE_ALARMS[precision].join(', ') || 'none'}`, () => {
      const problems: string[] = []
      for (const seed of seeds(CI.correct[precision], FALSE_ALARMS[precision])) {
        const o = runCorrect(makeCase(seed, { precision }))
        if (!o.pass) problems.push(`FALSE ALARM ${replay(o.case, o.report)}`)
        if (!o.restored) problems.push(`NOT RESTORED ${o.case.name}`)
      }
      expect(problems).toEqual([])
    })
  }
})

describe('adversarial smooth losses: planted bugs fail, blamed where they are', () => {
  for (const precision of PRECISIONS) {
    it(`${precision}: one coordinate × (1 + δ), seeds 1…${CI.single[precision]} except ${BAD_SINGLE[precision].join(', ') || 'none'}`, () => {
      const problems: string[] = []
      let planted = 0
      for (const seed of seeds(CI.single[precision], BAD_SINGLE[precision])) {
        const c = makeCase(seed, { precision })
        const bug = plantSingle(c, seed)
        if (!bug) continue // nothing in this case clears the noise floor
        planted++
        const o = runBug(c, bug)
        if (o.missed) problems.push(`MISSED ${bug.name} | ${replay(c, o.report)}`)
        else if (o.notAtBug) problems.push(`NOT AT THE BUG ${bug.name} | ${replay(c, o.report)}`)
        else if (o.otherTensor.length + o.otherCoordinate.length > 0) problems.push(`MISBLAMED ${bug.name}: also ${[...o.otherTensor, ...o.otherCoordinate].map((e) => e.path).join(', ')}`)
        if (!o.restored) problems.push(`NOT RESTORED ${bug.name}`)
      }
      expect(problems).toEqual([])
      expect(planted).toBeGreaterThanOrEqual(seeds(CI.single[precision], BAD_SINGLE[precision]).length * 0.8)
    })
    it(`${precision}: a whole tensor wrong (×2, ×(−1), 0, transposed, a missing term), seeds 1…${CI.tensor[precision]} except ${BAD_TENSOR[precision].join(', ') || 'none'}`, () => {
      const problems: string[] = []
      let planted = 0
      for (const seed of seeds(CI.tensor[precision], BAD_TENSOR[precision])) {
        const c = makeCase(seed, { precision })
        const bug = plantTensor(c, seed)
        if (!bug) continue
        planted++
        const o = runBug(c, bug)
        if (o.missed) problems.push(`MISSED ${bug.name} | ${replay(c, o.report)}`)
        else if (o.notAtBug || o.otherTensor.length > 0) problems.push(`MISBLAMED ${bug.name}: ${o.report.entries.filter((e) => e.failed).map((e) => e.path).slice(0, 5).join(', ')}`)
        if (!o.restored) problems.push(`NOT RESTORED ${bug.name}`)
      }
      expect(problems).toEqual([])
      expect(planted).toBeGreaterThanOrEqual(seeds(CI.tensor[precision], BAD_TENSOR[precision]).length * 0.8)
    })
  }
})

describe('no pass without evidence', () => {
  for (const s of SILENT.filter((x) => !SILENT_PASSES.includes(x.name))) {
    it(s.name, () => {
      expect(s.ok()).toBe(true)
    })
  }
})
