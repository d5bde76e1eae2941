// The checks every runner's consumer project runs (test/package.test.ts puts the runner's imports of
// `expect` and `test` above this body): two pass and three fail; each failure names `b[0]`.
import { asyncLoss, at, grad, loss, wrong } from './params.js'

test('a correct gradient passes', () => {
  const r: void = expect(loss).toHaveGradientsMatching(grad, { at: at() })
  return r
})

test('a wrong gradient fails', () => {
  expect(loss).toHaveGradientsMatching(wrong, { at: at() })
})

test('an async check passes when awaited', async () => {
  const p: Promise<void> = expect(asyncLoss).toHaveGradientsMatching(grad, { at: at() })
  await p
})

test('an async check fails when awaited', async () => {
  await expect(asyncLoss).toHaveGradientsMatching(wrong, { at: at() })
})

test('a wrong gradient passes under .not, and a failing async check can be expected to reject', async () => {
  expect(loss).not.toHaveGradientsMatching(wrong, { at: at() })
  await expect(expect(asyncLoss).toHaveGradientsMatching(wrong, { at: at() })).rejects.toThrow(/1 of 4 checked weights disagree/)
})

test('a correct gradient fails under .not', () => {
  expect(loss).not.toHaveGradientsMatching(grad, { at: at() })
})
