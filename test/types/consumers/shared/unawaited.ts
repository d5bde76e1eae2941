// A failing async check that nothing awaits, in the middle of a file (test/package.test.ts puts the runner's
// imports above this body): the test has returned, so it passes; the runner must still report the failure.
const late = async (w: number[]): Promise<number> => w[0]! ** 3

test('an unawaited failing async check', () => {
  void expect(late).toHaveGradientsMatching(() => [0], { at: [2] })
})

test('a test after it', async () => {
  await new Promise((done) => setTimeout(done, 50))
})
