// Copied into the fresh Vitest 4 project as unawaited.test.ts by test/package.test.ts: checks that fail with
// nothing awaiting them. Vitest 4 reports each as an "Unhandled Rejection" and fails the run (exit 1),
// while the tests themselves, which had returned, pass. No crash.
import 'gradcheck/vitest'
import { expect, test } from 'vitest'

const loss = async (w: number[]): Promise<number> => w[0]! ** 3

test('an unawaited failing async check', () => {
  void expect(loss).toHaveGradientsMatching(() => [0], { at: [2] })
})

test('a test after it', async () => {
  await new Promise((done) => setTimeout(done, 50))
})
