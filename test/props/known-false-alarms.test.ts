// What the engine gets wrong today on the generated cases of adversarial.test.ts (listed in known.ts),
// each as `it.fails`: when an engine fix makes one of them right, its `it.fails` fails — delete the seed
// from known.ts so that adversarial.test.ts covers it again.
import { describe, expect, it } from 'vitest'
import { type Precision, makeCase, plantSingle, plantTensor } from './generator.js'
import { BAD_SINGLE, BAD_TENSOR, FALSE_ALARMS, SILENT_PASSES } from './known.js'
import { runBug, runCorrect } from './run.js'
import { SILENT } from './silent.js'

const PRECISIONS: Precision[] = ['float64', 'float32']

describe('known false alarms on correct gradients', () => {
  it('are listed per precision (none, once the engine gets every CI case right)', () => {
    expect(Object.keys(FALSE_ALARMS).sort()).toEqual(['float32', 'float64'])
  })
  for (const precision of PRECISIONS) {
    for (const seed of FALSE_ALARMS[precision]) {
      it.fails(`makeCase(${seed}, { precision: '${precision}' }) passes`, () => {
        const o = runCorrect(makeCase(seed, { precision }))
        expect(o.restored).toBe(true)
        expect(o.pass).toBe(true)
      })
    }
  }
})

describe('known misses and misblames of planted bugs', () => {
  it('are listed per precision (none, once the engine gets every CI case right)', () => {
    expect(Object.keys(BAD_SINGLE).sort()).toEqual(['float32', 'float64'])
    expect(Object.keys(BAD_TENSOR).sort()).toEqual(['float32', 'float64'])
  })
  for (const precision of PRECISIONS) {
    for (const seed of BAD_SINGLE[precision]) {
      it.fails(`plantSingle(makeCase(${seed}, { precision: '${precision}' }), ${seed}) fails at the bug only`, () => {
        const c = makeCase(seed, { precision })
        const o = runBug(c, plantSingle(c, seed)!)
        expect(o.missed || o.notAtBug || o.otherTensor.length + o.otherCoordinate.length > 0).toBe(false)
      })
    }
    for (const seed of BAD_TENSOR[precision]) {
      it.fails(`plantTensor(makeCase(${seed}, { precision: '${precision}' }), ${seed}) fails in the guilty tensor only`, () => {
        const c = makeCase(seed, { precision })
        const o = runBug(c, plantTensor(c, seed)!)
        expect(o.missed || o.notAtBug || o.otherTensor.length > 0).toBe(false)
      })
    }
  }
})

describe('known silent passes (test/props/silent.ts)', () => {
  for (const name of SILENT_PASSES) {
    it.fails(name, () => {
      const s = SILENT.find((x) => x.name === name)
      // (a missing name also makes this throw; the test below guards against that)
      if (!s) throw new Error(`no scenario named ${name}`)
      expect(s.ok()).toBe(true)
    })
  }
  it('every known silent pass names a scenario', () => {
    for (const name of SILENT_PASSES) expect(SILENT.some((x) => x.name === name)).toBe(true)
  })
})
