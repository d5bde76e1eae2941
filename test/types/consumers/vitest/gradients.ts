// Copied into a fresh Vitest 4 project as gradients.test.ts by test/package.test.ts; not run in this repository.
import 'gradcheck/vitest'
import { expect, test } from 'vitest'

const at = { w: [0.5, -1, 2] }
const loss = (p: { w: number[] }): number => p.w.reduce((s, v) => s + v ** 3, 0)
const asyncLoss = async (p: { w: number[] }): Promise<number> => loss(p)
const grad = (p: { w: number[] }) => ({ w: p.w.map((v) => 3 * v * v) })
const wrong = (p: { w: number[] }) => ({ w: p.w.map((v) => 6 * v * v) })

test('a correct gradient passes', () => {
  const r: void = expect(loss).toHaveGradientsMatching(grad, { at })
  return r
})

test('a wrong gradient fails', () => {
  expect(loss).toHaveGradientsMatching(wrong, { at })
})

test('an async check passes when awaited', async () => {
  const p: Promise<void> = expect(asyncLoss).toHaveGradientsMatching(grad, { at })
  await p
})

test('an async check fails when awaited', async () => {
  await expect(asyncLoss).toHaveGradientsMatching(wrong, { at })
})
