import { describe, expect, it } from '@jest/globals'
import { messageOf } from '../support/message.js'

const x = [0.5, -1.25, 2]
const loss = (w: number[]): number => Math.tanh(w.reduce((s, v, i) => s + v * x[i]!, 0)) ** 2
const grad = (w: number[]): number[] => {
  const t = Math.tanh(w.reduce((s, v, i) => s + v * x[i]!, 0))
  return x.map((xi) => 2 * t * (1 - t * t) * xi)
}


describe('messages in Jest', () => {
  it('a sign flip on every weight', () => {
    const flipped = (w: number[]): number[] => grad(w).map((v) => -v)
    expect(messageOf(() => expect(loss).toHaveGradientsMatching(flipped, { at: [0.3, 0.1, -0.2] }))).toMatchInlineSnapshot(`
"expect(loss).toHaveGradientsMatching(grad)

✗ 3 of 3 checked weights disagree beyond what the numerics explain (float64, central differences, auto step)

Worst weights
  path    analytic    numeric  abs. error  allowed  rel. error  digits  verdict
  at[1]  -0.780843   0.780843      1.6e+0  1.5e-10      2.0e+0  0 of 9  bug: sign differs; stays at 1.6e+0 as the step shrinks 6.9e-6 → 4.3e-7
  at[2]    1.24935   -1.24935      2.5e+0  2.4e-10      2.0e+0  0 of 9  bug: sign differs; stays at 2.5e+0 as the step shrinks 4.3e-6 → 2.7e-7
  at[0]   0.312337  -0.312337      6.2e-1  9.1e-11      2.0e+0  0 of 9  bug: sign differs; stays at 6.2e-1 as the step shrinks 9.8e-6 → 6.2e-7

Per tensor
  tensor  checked  failed  max rel. error  norm ratio  cs231n band
  at            3       3          2.0e+0     1.2e+11  probably wrong  ←

Hint: at: analytic = ×−1 numeric on all 3 significant checked entries — a sign flip (gradient ascent vs descent, or a − dropped).
Replay: { seed: 1849 }  (58 loss calls; loss 0.12842 ± 5.0e-17)"
`)
  })

  it('.not on a right gradient', () => {
    expect(messageOf(() => expect(loss).not.toHaveGradientsMatching(grad, { at: [0.3, 0.1, -0.2], worst: 1 }))).toMatchInlineSnapshot(`
"expect(loss).not.toHaveGradientsMatching(grad)

Expected the gradients not to match, but they do:
✓ all 3 checked weights agree within what the numerics explain (float64, central differences, auto step)

Largest disagreements
  path   analytic   numeric  abs. error  allowed  rel. error  digits  verdict
  at[2]  -1.24935  -1.24935     1.5e-10   1.0e-9     1.2e-10  9 of 9  ok

Per tensor
  tensor  checked  failed  max rel. error  norm ratio  cs231n band
  at            3       0         1.2e-10     5.7e-11  happy

Replay: { seed: 1849 }  (22 loss calls; loss 0.12842 ± 5.0e-17)"
`)
  })

  it('an async loss that is wrong rejects with the report', async () => {
    const asyncLoss = async (w: number[]): Promise<number> => loss(w)
    await expect(expect(asyncLoss).toHaveGradientsMatching((w: number[]) => grad(w).map((v) => v * 1.5), { at: [0.3, 0.1, -0.2] })).rejects.toThrow(
      /×1\.5|×3\/2|1\.5/,
    )
  })

  it('typed errors propagate as errors, not as failed assertions', () => {
    expect(() => expect(loss).toHaveGradientsMatching(grad, { at: [0.3, Number.NaN, 1] })).toThrow(/NonFiniteError|Expected `at` to be finite, got `NaN` at `at\[1\]`/)
  })
})
