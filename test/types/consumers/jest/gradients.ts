// Compiled (CommonJS, Node10 resolution) and run in a fresh Jest 30 project as gradients.test.js by
// test/package.test.ts, with setup.ts (`gradcheck/jest`) as its setupFilesAfterEnv; not run in this repository.
import { expect, test } from '@jest/globals'

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

test('an awaited failing check can be expected to reject', async () => {
  await expect(expect(asyncLoss).toHaveGradientsMatching(wrong, { at })).rejects.toThrow(/disagree/)
})

test('an unawaited failing check is reported on stderr', () => {
  void expect(asyncLoss).toHaveGradientsMatching(wrong, { at })
})

test('a test after it runs', async () => {
  await new Promise((done) => setTimeout(done, 50))
})
