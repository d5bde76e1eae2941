// One stage of mutation testing: `node scripts/mutation.mjs engine/noise` mutates src/engine/noise.ts,
// `node scripts/mutation.mjs modes` all of src/modes/; further arguments go to Stryker as they are
// (`--concurrency 2`). Without a stage, all of src/.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'

const [stage, ...rest] = process.argv.slice(2)
// Stages whose code only its own tests read closely: each mutant runs these instead of the whole fast
// subset, whose ~110 engine tests per mutant would make a stage of ~350 mutants take half an hour.
const stageTests = {
  'report/hints': ['test/unit/hints.test.ts', 'test/messages.test.ts'],
  'report/summary': ['test/unit/summary.test.ts', 'test/messages.test.ts'],
  'report/coverage': ['test/unit/coverage.test.ts', 'test/messages.test.ts'],
  // Engine stages: their unit file only. A stage's score from its list is a floor; docs/testing.md gives the
  // union with what the whole subset killed before the file existed (tests were only added since).
  'engine/differences': ['test/unit/differences.test.ts'],
  'engine/extrapolate': ['test/unit/extrapolate.test.ts'],
  'engine/sweep': ['test/unit/sweep.test.ts'],
  'engine/verdict': ['test/unit/verdict.test.ts'],
  'engine/scale': ['test/unit/scale.test.ts', 'test/first-step.test.ts'],
  'engine/direction': ['test/unit/direction.test.ts'],
  'engine/local': ['test/unit/local.test.ts'],
  'engine/noise': ['test/unit/noise.test.ts', 'test/tensor-noise.test.ts'],
  'modes/coordinates': ['test/unit/coordinates.test.ts', 'test/one-element.test.ts', 'test/beside-kink.test.ts', 'test/tensor-noise.test.ts'],
  errors: ['test/unit/errors.test.ts', 'test/errors.test.ts'],
  'params/flatten': ['test/unit/flatten.test.ts'],
  'modes/directional': ['test/unit/directional.test.ts'],
  'modes/localise': ['test/unit/localise.test.ts'],
  'modes/hessian': ['test/unit/hessian.test.ts', 'test/hessian.test.ts'],
  'modes/jacobian': ['test/unit/jacobian.test.ts', 'test/jacobian.test.ts'],
  'engine/calls': ['test/unit/calls.test.ts', 'test/misuse.test.ts', 'test/errors.test.ts'],
  'engine/drive': ['test/unit/calls.test.ts'],
  'params/mirror': ['test/unit/mirror.test.ts'],
  options: ['test/unit/options.test.ts', 'test/options.test.ts'],
  check: ['test/unit/check.test.ts'],
  caller: ['test/unit/caller.test.ts'],
  progress: ['test/unit/progress.test.ts', 'test/progress.test.ts'],
  random: ['test/unit/random.test.ts'],
  'params/adapters': ['test/unit/adapters.test.ts', 'test/adapters.test.ts'],
  tfjs: ['test/unit/tfjs.test.ts'],
  'render/text': ['test/unit/text.test.ts'],
  'render/plot': ['test/unit/plot.test.ts'],
  'render/heatmap': ['test/unit/heatmap.test.ts'],
  'render/html': ['test/unit/html.test.ts'],
  'render/write': ['test/unit/write.test.ts'],
}
const stageArgs = (name) => {
  const path = `src/${name}`
  const id = name.replaceAll('/', '-')
  // Each stage its own incremental file and sandbox, so two stages can run at once.
  const incremental = ['--incrementalFile', `reports/incremental/${id}.json`, '--tempDirName', `reports/.stryker-tmp-${id}`]
  if (existsSync(`${path}.ts`)) return ['--mutate', `${path}.ts`, ...incremental]
  if (existsSync(path) && statSync(path).isDirectory()) return ['--mutate', `${path}/**/*.ts`, ...incremental]
  console.error(`No stage src/${name}.ts or src/${name}/: name a file or folder under src/, e.g. engine/noise or modes.`)
  process.exit(2)
}
const args = stage === undefined || stage.startsWith('-') ? [stage, ...rest].filter(Boolean) : [...stageArgs(stage), ...rest]
const tests = stageTests[stage]
const env = tests === undefined ? process.env : { ...process.env, MUTATION_TESTS: tests.join(',') }
const run = spawnSync('npx', ['stryker', 'run', ...args], { stdio: 'inherit', env })
process.exit(run.status ?? 1)
