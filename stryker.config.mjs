// Mutation testing (`npm run mutation`, not in CI): StrykerJS mutates src/ and runs the fast Vitest
// subset (vitest.mutation.config.ts) against each mutant, only the tests that cover it (perTest).
// One stage at a time: `node scripts/mutation.mjs engine/noise` or `npm run mutation -- --mutate src/engine/noise.ts`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['src/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Results are kept between runs: only mutants whose code or covering tests changed run again.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // The machine is shared: one test process by default; `--concurrency 2` for a short scoped run.
  concurrency: 1,
  // Checks are judged by what they report, not by time: a loaded machine must not turn slow tests into timeouts.
  timeoutMS: 60_000,
  timeoutFactor: 3,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: 'reports/.stryker-tmp',
  // Not copied into a sandbox: other stages' sandboxes under reports/ (two stages at once copied each other's).
  ignorePatterns: ['/reports', '/scratch'],
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
}
