import { describe, expect, it } from '@jest/globals'
import { checkGradients } from 'gradcheck'
import { type CnnParams, backward, backwardWithBug, createCnn, loss, makeBatch } from '../../examples/cnn/cnn.js'

const batch = makeBatch()

describe.each(['float64', 'float32'] as const)('the demo CNN in %s, in Jest', (dtype) => {
  it('passes with the correct backward pass', () => {
    expect((p: CnnParams) => loss(p, batch)).toHaveGradientsMatching((p: CnnParams) => backward(p, batch), { at: createCnn({ dtype }) })
  })

  it('fails with the bug in conv1.weight, naming it', () => {
    const check = (): void =>
      expect((p: CnnParams) => loss(p, batch)).toHaveGradientsMatching((p: CnnParams) => backwardWithBug(p, batch), { at: createCnn({ dtype }) })
    expect(check).toThrow(/checked weights disagree[\s\S]*Worst weights\n.*\n\s+conv1\.weight\[/)
    const report = checkGradients((p: CnnParams) => loss(p, batch), (p: CnnParams) => backwardWithBug(p, batch), { at: createCnn({ dtype }) })
    expect(report.blocks.filter((b) => b.failed > 0).map((b) => b.name)).toEqual(['conv1.weight'])
  })
})
