import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

// The suite StrykerJS runs once per mutant (stryker.config.mjs): the unit-level tests that finish in a
// few seconds each. Left out, as each would multiply every mutant's run: the packed-package and README
// tests (build a tarball), the browser suite, fast-check properties, the model zoo, TF.js, the
// directional suite and the HTML/annotation tests (tens of seconds on a loaded 2-core machine).
// Spread, not mergeConfig: that would append this `include` to the full suite's instead of replacing it.
// MUTATION_TESTS (comma-separated, set by scripts/mutation.mjs for a stage with its own list) replaces the list.
const stageTests = process.env.MUTATION_TESTS?.split(',')
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: stageTests ?? [
      'test/unit/**/*.test.ts',
      'test/adapters.test.ts',
      'test/asymmetric.test.ts',
      'test/engine.test.ts',
      'test/errors.test.ts',
      'test/evidence.test.ts',
      'test/jacobian.test.ts',
      'test/limits.test.ts',
      'test/matchers.test.ts',
      'test/messages.test.ts',
      'test/misuse.test.ts',
      'test/options.test.ts',
      'test/params.test.ts',
      'test/progress.test.ts',
    ],
  },
})
