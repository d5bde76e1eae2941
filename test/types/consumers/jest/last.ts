// Run alone in the fresh Jest 29 and 30 projects by test/package.test.ts as last.test.js: the check fails after the
// file's last test has ended, with nothing awaiting it. Jest must not crash: its summary is printed and it exits 1.
import { expect, test } from '@jest/globals'

const loss = async (w: number[]): Promise<number> => w[0]! ** 3

test('an unawaited failing async check, the last test', () => {
  void expect(loss).toHaveGradientsMatching(() => [0], { at: [2] })
})
