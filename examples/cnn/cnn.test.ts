import 'gradcheck/vitest'
import { checkGradients, formatReport } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { type CnnParams, type Dtype, backward, backwardWithBug, createCnn, loss, makeBatch } from './cnn.js'

const batch = makeBatch()
const lossOf = (p: CnnParams): number => loss(p, batch)

describe.each(['float64', 'float32'] satisfies Dtype[])('the demo CNN in %s', (dtype) => {
  it('passes with the correct backward pass', () => {
    expect(lossOf).toHaveGradientsMatching((p: CnnParams) => backward(p, batch), { at: createCnn({ dtype }) })
  })

  it('fails with the off-by-one in conv1.weight, and only conv1.weight is blamed', () => {
    const report = checkGradients(lossOf, (p: CnnParams) => backwardWithBug(p, batch), { at: createCnn({ dtype }) })
    expect(report.pass).toBe(false)
    expect(report.worst[0]!.name).toBe('conv1.weight')
    expect(report.blocks.filter((b) => b.failed > 0).map((b) => b.name)).toEqual(['conv1.weight'])
    expect(report.entries.filter((e) => e.failed).every((e) => e.verdict === 'bug')).toBe(true)
  })

  it('reports the ReLU kinks of conv1.bias (inputs exactly 0 over the black background) as accepted subgradients', () => {
    const report = checkGradients(lossOf, (p: CnnParams) => backward(p, batch), { at: createCnn({ dtype }) })
    expect(report.kinks.map((e) => e.path)).toEqual(['conv1.bias[0]', 'conv1.bias[1]', 'conv1.bias[2]', 'conv1.bias[3]'])
    expect(report.kinks.every((e) => e.verdict === 'kink' && !e.failed)).toBe(true)
    expect(report.warnings).toContainEqual({ kind: 'kinks', count: 4, policy: 'subgradient', paths: ['conv1.bias[0]', 'conv1.bias[1]', 'conv1.bias[2]'] })
    expect(formatReport(report)).toMatch(/4 weights move a ReLU\/max-like input across a kink/)
  })

  it('still catches a kink whose analytic value lies outside the one-sided slopes', () => {
    // ReLU'(0) taken as 2 instead of a value in [0, 1] scales the bias gradient at the kink.
    const wrongAtKink = (p: CnnParams): CnnParams => {
      const g = backward(p, batch)
      g.conv1.bias.data[0] = g.conv1.bias.data[0]! * 3
      return g
    }
    const report = checkGradients(lossOf, wrongAtKink, { at: createCnn({ dtype }) })
    expect(report.pass).toBe(false)
    expect(report.worst[0]!.path).toBe('conv1.bias[0]')
    expect(report.worst[0]!.reason).toMatchObject({ kind: 'kink', outcome: 'outside' })
  })

  it('costs about 2 loss calls per checked weight when the gradient is right', () => {
    const report = checkGradients(lossOf, (p: CnnParams) => backward(p, batch), { at: createCnn({ dtype }), mode: 'full' })
    // 16 calls measure the loss itself; kinks and borderline weights take 4 or more each. Loosened to
    // 2.16 in float32, where round-off sends ~2.5% of the weights to the sweep (measured 2.153: the 4 kinks
    // of conv1.bias, fc.bias and fc.weight entries whose float32 round-off is a sizeable part of them;
    // 2.130 before the noise probe fitted a cubic at irregular points, whose float32 estimates run higher).
    expect(report.evaluations / report.checked).toBeLessThanOrEqual(dtype === 'float64' ? 2.1 : 2.16)
    // The default mode adds the directional tests that cover the 128 of fc.weight's 640 entries not
    // sampled (a random direction over them and fc.weight's gradient direction): a few dozen calls at most.
    const auto = checkGradients(lossOf, (p: CnnParams) => backward(p, batch), { at: createCnn({ dtype }) })
    expect(auto.pass).toBe(true)
    expect(auto.directions.filter((d) => d.depth === 0).map((d) => `${d.tensor} ${d.kind}`)).toEqual(['fc.weight random', 'fc.weight gradient'])
    // Measured 22 (float64) and 20 (float32): the random direction stops climbing once it resolves an unsampled weight
    // as finely as a sampled one (numerics.md §8); it had climbed to 30 in float64.
    expect(auto.evaluations - report.evaluations).toBeLessThanOrEqual(24)
  })
})
