import 'gradcheck/vitest'
import { checkGradients, formatReport } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { messageOf } from './support/message.js'

// A two-layer model small enough to read: loss = Σ tanh(W·x + b)² / 2 over a fixed input.
const x = [0.5, -1.25, 2]
interface Net { layer: { weight: number[][]; bias: number[] } }
const net = (): Net => ({ layer: { weight: [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1]], bias: [0.01, -0.02] } })
const forward = (p: Net): number[] => p.layer.weight.map((row, i) => Math.tanh(row.reduce((s, w, j) => s + w * x[j]!, p.layer.bias[i]!)))
const loss = (p: Net): number => forward(p).reduce((s, y) => s + (y * y) / 2, 0)
const grad = (p: Net): Net => {
  const dz = forward(p).map((y) => y * (1 - y * y))
  return { layer: { weight: dz.map((d) => x.map((xj) => d * xj)), bias: dz } }
}


describe('the failure message', () => {
  it('for one wrong weight: the verdict, the worst weights, the per-tensor summary, a hint and the seed', () => {
    const oneWrong = (p: Net): Net => {
      const g = grad(p)
      g.layer.weight[1]![2] = g.layer.weight[1]![2]! * 1.01
      return g
    }
    expect(messageOf(() => expect(loss).toHaveGradientsMatching(oneWrong, { at: net() }))).toMatchInlineSnapshot(`
      "expect(loss).toHaveGradientsMatching(grad)

      ✗ 1 of 8 checked weights disagrees beyond what the numerics explain (float64, central differences, auto step)

      Worst weights
        path                analytic    numeric  abs. error  allowed  rel. error  digits  verdict
        layer.weight[1,2]  -0.775483  -0.767805      7.7e-3  2.5e-10      9.9e-3  2 of 9  bug: stays at 7.7e-3 as the step shrinks 7.1e-6 → 4.4e-7
        layer.weight[0,1]  -0.432651  -0.432651     1.1e-10  6.4e-10     2.5e-10  8 of 8  ok
        layer.weight[1,1]   0.479878   0.479878     7.3e-11  6.1e-10     1.5e-10  8 of 8  ok
        layer.bias[0]       0.346121   0.346121     3.0e-10   3.6e-9     8.7e-10  7 of 7  ok
        layer.weight[0,2]   0.692241   0.692241     6.1e-11  9.1e-10     8.7e-11  8 of 8  ok

      Per tensor
        tensor        checked  failed  max rel. error  norm ratio  cs231n band
        layer.weight        6       1          9.9e-3      3.1e-3  uncomfortable  ←
        layer.bias          2       0         8.7e-10     3.7e-10  happy

      Hint: only layer.weight[1,2] is off, by a factor 1.01 — look at how that one weight is accumulated.
      Replay: { seed: 1849 }  (44 loss calls; loss 0.440727 ± 8.9e-17)"
    `)
  })

  it('for a gradient off by ×2 on one tensor', () => {
    const doubled = (p: Net): Net => {
      const g = grad(p)
      return { layer: { ...g.layer, bias: g.layer.bias.map((v) => 2 * v) } }
    }
    expect(formatReport(checkGradients(loss, doubled, { at: net(), worst: 3 }))).toMatchInlineSnapshot(`
      "✗ 2 of 8 checked weights disagree beyond what the numerics explain (float64, central differences, auto step)

      Worst weights
        path                analytic    numeric  abs. error  allowed  rel. error  digits  verdict
        layer.bias[1]      -0.767805  -0.383903      3.8e-1   3.1e-9      5.0e-1  0 of 8  bug: stays at 3.8e-1 as the step shrinks 5.1e-7 → 3.2e-8
        layer.bias[0]       0.692241   0.346121      3.5e-1   3.2e-9      5.0e-1  0 of 8  bug: stays at 3.5e-1 as the step shrinks 5.1e-7 → 3.2e-8
        layer.weight[0,1]  -0.432651  -0.432651     1.1e-10  6.4e-10     2.5e-10  8 of 8  ok

      Per tensor
        tensor        checked  failed  max rel. error  norm ratio  cs231n band
        layer.weight        6       0         2.5e-10     6.2e-11  happy
        layer.bias          2       2          5.0e-1      3.3e-1  probably wrong  ←

      Hint: layer.bias: analytic = ×2 numeric on all 2 significant checked entries — an extra factor, e.g. a sum where the loss takes a mean, or a 2 from a square counted twice.
      Replay: { seed: 1849 }  (56 loss calls; loss 0.440727 ± 8.9e-17)"
    `)
  })

  it('for .not when the gradient is right: says which weights matched', () => {
    expect(messageOf(() => expect(loss).not.toHaveGradientsMatching(grad, { at: net(), worst: 2 }))).toMatchInlineSnapshot(`
      "expect(loss).not.toHaveGradientsMatching(grad)

      Expected the gradients not to match, but they do:
      ✓ all 8 checked weights agree within what the numerics explain (float64, central differences, auto step)

      Largest disagreements
        path                analytic    numeric  abs. error  allowed  rel. error  digits  verdict
        layer.weight[0,1]  -0.432651  -0.432651     1.1e-10  6.4e-10     2.5e-10  8 of 8  ok
        layer.weight[1,1]   0.479878   0.479878     7.3e-11  6.1e-10     1.5e-10  8 of 8  ok

      Per tensor
        tensor        checked  failed  max rel. error  norm ratio  cs231n band
        layer.weight        6       0         2.5e-10     6.2e-11  happy
        layer.bias          2       0         8.7e-10     3.7e-10  happy

      Replay: { seed: 1849 }  (32 loss calls; loss 0.440727 ± 8.9e-17)"
    `)
  })

  it('names a loss that is not deterministic as the cause', () => {
    let state = 7
    const noisy = (p: Net): number => {
      state = (state * 16807) % 2147483647
      return loss(p) * (1 + 1e-3 * (state / 2147483647 - 0.5))
    }
    const report = checkGradients(noisy, grad, { at: net() })
    expect(report.pass).toBe(false)
    expect(report.loss.deterministic).toBe(false)
    expect(report.hints[0]!.kind).toBe('nondeterministic')
    expect(formatReport(report)).toMatch(/^✗ the loss is not deterministic: two calls at the same point differ by .*\n[\s\S]*Hint: the loss is not deterministic/)
  })

  it('uses the user tolerance in the verdict line when given', () => {
    const report = checkGradients(loss, (p: Net) => ({ layer: { ...grad(p).layer, bias: [0, 0] } }), { at: net(), rtol: 1e-4, atol: 1e-8 })
    expect(formatReport(report).split('\n')[0]).toMatchInlineSnapshot(`"✗ 2 of 8 checked weights disagree beyond atol 1e-8 + rtol 0.0001·max(|a|, |n|) (float64, central differences, auto step)"`)
  })
})

describe('the per-tensor table of a tensor covered by directions only', () => {
  // mode: 'directional' on two tensors: `big` has 60 wrong weights, more than localisation's budget names, so
  // `small`'s failing random direction is left unlocalised (capped): 0 checked, 0 failed entries.
  const n = 256
  const c = Array.from({ length: n }, (_, i) => Math.cos(3 * i))
  const d = Array.from({ length: 8 }, (_, i) => 0.3 + 0.1 * i)
  const at = () => ({ big: Float64Array.from({ length: n }, (_, i) => Math.sin(i)), small: Float64Array.from({ length: 8 }, (_, i) => 0.1 * i - 0.3) })
  const lossOf = (p: ReturnType<typeof at>): number => p.big.reduce((s, x, i) => s + c[i]! * x + 0.5 * x * x, 0) + p.small.reduce((s, x, i) => s + d[i]! * x + 0.5 * x * x, 0)
  const gradOf = (bigBug: number, smallBug: number) => (p: ReturnType<typeof at>) => ({
    big: p.big.map((x, i) => (c[i]! + x) * (i < 60 ? bigBug : 1)),
    small: p.small.map((x, i) => (d[i]! + x) * (i === 5 ? smallBug : 1)),
  })
  const row = (text: string, name: string): string => text.split('Per tensor')[1]!.split('\n').find((l) => l.trimStart().startsWith(`${name} `))!

  it('a failing direction marks the row and says it fails (was: "happy", the band of no relative error at all), once in the warnings', () => {
    const r = checkGradients(lossOf, gradOf(1.5, 1.05), { at: at(), mode: 'directional' })
    expect(r.pass).toBe(false)
    const small = row(formatReport(r), 'small')
    expect(small).toContain('fails here (directions)')
    expect(small).toContain('←')
    expect(small).not.toContain('happy')
    // No relative error is shown as 0 where no weight was compared one by one.
    expect(small).not.toContain('0.0e+0')
    expect(formatReport(r)).toContain('at least 1 coordinate of small disagrees; none was found')
    expect(r.warnings.filter((w) => w.kind === 'localisation-capped' && w.name === 'small')).toHaveLength(1)
  })

  it('negative control: a passing tensor covered by directions only shows no band, and no mark', () => {
    const r = checkGradients(lossOf, gradOf(1, 1), { at: at(), mode: 'directional' })
    expect(r.pass).toBe(true)
    const small = row(formatReport(r), 'small')
    expect(small).not.toContain('←')
    expect(small.trimEnd().endsWith('—')).toBe(true)
    expect(formatReport(r).split('\n')[0]).toMatch(/^✓ all 264 weights, along 4 directional tests, agree/)
  })
})
