import { type SpawnSyncReturns, execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const fixtures = join(repo, 'test', 'types', 'consumers')
type Pkg = {
  name: string
  version: string
  scripts: Record<string, string>
  dependencies?: object
  exports: Record<string, string | { import: { types: string; default: string }; require: { types: string; default: string } }>
  typesVersions: Record<string, Record<string, string[]>>
  [key: string]: unknown
}
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Pkg
const entries = Object.entries(pkg.exports).flatMap(([entry, target]) => (typeof target === 'string' ? [] : [[entry, target] as const]))
const built = existsSync(join(repo, 'dist/esm/src/index.js')) && existsSync(join(repo, 'dist/cjs/src/index.js'))

// The built package, loaded by Node itself through package.json `exports` (a package may import itself
// by name), as ESM and as CommonJS. `npm test` builds dist/ before this runs.
const node = (args: string[], cwd = repo): string => execFileSync(process.execPath, args, { cwd, encoding: 'utf8' }).trim()
const probe = `checkGradients((w) => w[0] ** 3, (w) => [3 * w[0] ** 2], { at: [2] }).pass`

describe.runIf(built)('the built package', () => {
  it('imports as ESM: the engine and the matcher object', () => {
    const script = `import { checkGradients } from 'gradcheck'; import { matchers } from 'gradcheck/matchers'; console.log(${probe}, typeof matchers.toHaveGradientsMatching)`
    expect(node(['--input-type=module', '-e', script])).toBe('true function')
  })

  it('requires as CommonJS, with the same error classes', () => {
    const script = `const { checkGradients, GradcheckError } = require('gradcheck'); try { checkGradients(1, 0, { at: 1 }) } catch (e) { console.log(${probe}, e instanceof GradcheckError, e.name) }`
    expect(node(['-e', script])).toBe('true true InvalidArgumentError')
  })

  it('has no runtime dependencies, and types for every entry point, also for Node10 resolution (typesVersions)', () => {
    expect(pkg.dependencies ?? {}).toEqual({})
    for (const [entry, target] of entries) {
      expect(existsSync(join(repo, target.import.types)) && existsSync(join(repo, target.require.types))).toBe(true)
      if (entry !== '.') expect(pkg.typesVersions['*']![entry.slice(2)]).toEqual([target.require.types])
    }
  })

  it("declares Vitest 5's Matchers<R, T> for 'gradcheck/vitest5' and Vitest 3.2-4's Matchers<T> for 'gradcheck/vitest'", () => {
    // The declaration is matchers/vitest5.types.d.ts, copied over the emitted one by scripts/build.mjs; it is
    // type-checked against Vitest 5's own types in a consumer project below.
    for (const format of ['esm', 'cjs']) {
      expect(readFileSync(join(repo, `dist/${format}/matchers/vitest5.d.ts`), 'utf8')).toMatch(/interface Matchers<R, T> extends GradientMatchers<T, R> \{\}/)
      expect(readFileSync(join(repo, `dist/${format}/matchers/vitest.d.ts`), 'utf8')).toMatch(/interface Matchers<T = any> extends GradientMatchers<T> \{/)
    }
  })

  it("'gradcheck/jest' works with Jest 29's expect (the expect29 alias): a pass, a failure with the report, an async check", async () => {
    const script = [
      "globalThis.expect = require('expect29').expect; require('gradcheck/jest')",
      'const loss = (w) => w[0] ** 3, grad = (w) => [3 * w[0] ** 2], wrong = (w) => [0]',
      'expect(loss).toHaveGradientsMatching(grad, { at: [2] }); expect(loss).not.toHaveGradientsMatching(wrong, { at: [2] })',
      "try { expect(loss).toHaveGradientsMatching(wrong, { at: [2] }); console.log('no failure') } catch (e) { console.log(/1 of 1 checked weight disagrees/.test(e.message)) }",
      'expect(async (w) => loss(w)).toHaveGradientsMatching(wrong, { at: [2] }).then(() => console.log(false), (e) => console.log(/disagrees/.test(e.message)))',
    ].join('\n')
    expect(node(['-e', script])).toBe('true\ntrue')
  })

  it("'gradcheck/tfjs' loads as ESM and as CommonJS from the built package, and checks a TF.js variable", () => {
    const check = "tf.env().set('IS_TEST', true); await tf.setBackend('cpu'); const w = tf.variable(tf.tensor1d([1, -2])); const l = () => tf.tidy(() => tf.sum(tf.square(w))); const n = tf.memory().numTensors; console.log(checkGradients(l, autodiff(l), { at: [w] }).pass, tf.memory().numTensors - n)"
    const esm = `import * as tf from '@tensorflow/tfjs'; import { autodiff } from 'gradcheck/tfjs'; import { checkGradients } from 'gradcheck'; ${check}`
    const cjs = `const tf = require('@tensorflow/tfjs'); const { autodiff } = require('gradcheck/tfjs'); const { checkGradients } = require('gradcheck'); (async () => { ${check} })()`
    expect(node(['--input-type=module', '-e', esm])).toBe('true 0')
    expect(node(['-e', cjs])).toBe('true 0')
  })

  it("'gradcheck/jest' explains itself when there is no global expect", () => {
    const script = `try { require('gradcheck/jest') } catch (e) { console.log(e.name + ': ' + e.message) }`
    expect(node(['-e', script])).toMatch(/^GradcheckError: Expected Jest's `expect` \(global, or from `@jest\/globals`\).*setupFilesAfterEnv/)
  })
})

describe('the package metadata', () => {
  it('builds before packing, so a fresh clone packs dist/', () => {
    expect(pkg.scripts.prepack).toBe('npm run build')
    expect(readFileSync(join(repo, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the gradcheck authors\n/)
    expect(pkg.license).toBe('MIT')
  })

  it('has peer ranges that span exactly the versions the consumer projects below check, and no more', () => {
    const version = (dir: string): string => (JSON.parse(readFileSync(join(repo, dir, 'package.json'), 'utf8')) as { version: string }).version
    const runners = 'test/types/consumers/runners'
    const tested: Record<string, string[]> = {
      vitest: [version(`${runners}/vitest3/node_modules/vitest`), version('node_modules/vitest'), version(`${runners}/vitest5/node_modules/vitest`)],
      jest: [version('node_modules/jest29'), version('node_modules/jest')],
      expect: [version('node_modules/expect29'), version('node_modules/expect')],
      '@tensorflow/tfjs-core': [version('node_modules/@tensorflow/tfjs-core')],
    }
    const peers = pkg.peerDependencies as Record<string, string>
    expect(Object.keys(peers).sort()).toEqual(Object.keys(tested).sort())
    // From the oldest tested major (for Vitest its minor: 3.0 and 3.1 have no `Matchers` to add to) to below the next major after the newest.
    for (const [name, versions] of Object.entries(tested)) {
      const [oldest, newest] = [versions[0]!.split('.'), versions.at(-1)!.split('.')]
      expect(peers[name], name).toBe(`>=${name === 'vitest' ? oldest.slice(0, 2).join('.') : oldest[0]} <${Number(newest[0]) + 1}`)
    }
  })

  it('has a lockfile whose root entry mirrors package.json, so `npm install` after `npm ci` leaves it as it is', () => {
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { name: string; version: string; packages: Record<string, Record<string, unknown>> }
    const root = lock.packages['']!
    expect([lock.name, lock.version]).toEqual([pkg.name, pkg.version])
    for (const key of ['dependencies', 'devDependencies', 'peerDependencies', 'peerDependenciesMeta', 'engines', 'license']) expect(root[key], key).toEqual(pkg[key])
  })
})

// The tarball as `npm pack` makes it (scripts skipped: dist/ is fresh from `npm test`'s build, and a
// rebuild would pull dist/ from under the other tests), installed once offline into a fresh project in the
// temp folder and copied into each consumer project from there. Runners, their types and TypeScript are
// linked from this repository's node_modules (the runner versions beside the root's Vitest 4 and Jest 30:
// the `jest29` alias, and the workspaces of test/types/consumers/runners): no network.
describe.runIf(built)('the packed tarball', () => {
  let tmp = ''
  let installed = ''
  let files: string[] = []
  const npm = (args: string[], cwd: string): string =>
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } })

  const runners = join(fixtures, 'runners')
  const modules = join(repo, 'node_modules')
  /**
   * A fresh project in the temp folder holding the installed package, with `links` (name in the project's
   * node_modules → folder in this repository) and `sources` (file name → text).
   */
  const project = (name: string, json: object, links: Record<string, string>, sources: Record<string, string> = {}): string => {
    const dir = join(tmp, name)
    mkdirSync(join(dir, 'node_modules'), { recursive: true })
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...json }, null, 2))
    cpSync(installed, join(dir, 'node_modules', 'gradcheck'), { recursive: true })
    for (const [link, target] of Object.entries({ typescript: join(modules, 'typescript'), ...links })) {
      mkdirSync(dirname(join(dir, 'node_modules', link)), { recursive: true })
      symlinkSync(target, join(dir, 'node_modules', link), 'junction')
    }
    for (const [file, text] of Object.entries(sources)) writeFileSync(join(dir, file), text)
    return dir
  }
  const fixture = (path: string): string => readFileSync(join(fixtures, path), 'utf8')
  /** A shared body under the runner's imports. */
  const under = (imports: string, body: string): string => `${imports}\n${fixture(`shared/${body}.ts`)}`
  const run = (cwd: string, bin: string, args: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [join(cwd, 'node_modules', bin), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' } })
  /** `tsc -p .` with the project's own tsconfig: errors, or '' when it type-checks. */
  const tsc = (cwd: string, compilerOptions: object): string => {
    writeFileSync(join(cwd, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', strict: true, skipLibCheck: true, types: [], ...compilerOptions }, include: ['*.ts'] }))
    const r = run(cwd, 'typescript/bin/tsc', ['-p', '.'])
    return r.stdout + r.stderr
  }
  const esm = { module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true }
  // ts-jest's usual setting: CommonJS output, `typesVersions` resolution; compiled to build/ for the runner.
  const cjs = { module: 'CommonJS', moduleResolution: 'Node10', outDir: 'build' }

  type Outcome = { title: string; status: string; failureMessages: string[] }
  /** Each test's status and failure text, from the runner's JSON report (Vitest and Jest write the same shape). */
  const outcomes = (file: string): Record<string, Outcome> => {
    if (!existsSync(file)) return {}
    const json = JSON.parse(readFileSync(file, 'utf8')) as { testResults: { assertionResults: Outcome[] }[] }
    return Object.fromEntries(json.testResults.flatMap((f) => f.assertionResults).map((t) => [t.title, t]))
  }
  const statuses = (tests: Record<string, Outcome>): Record<string, string> => Object.fromEntries(Object.entries(tests).map(([title, t]) => [title, t.status]))
  const failure = (tests: Record<string, Outcome>, title: string): string => tests[title]?.failureMessages.join('\n') ?? `no test '${title}'`

  // shared/gradients.ts: what passes, what fails, and how a failure names the one wrong tensor.
  const shared = {
    'a correct gradient passes': 'passed',
    'a wrong gradient fails': 'failed',
    'an async check passes when awaited': 'passed',
    'an async check fails when awaited': 'failed',
    'a wrong gradient passes under .not, and a failing async check can be expected to reject': 'passed',
    'a correct gradient fails under .not': 'failed',
  }
  // The verdict, `b[0]` first among the worst weights with a bug verdict, and the per-tensor line of `b`: 1 checked, 1 failed.
  const namesB = /1 of 4 checked weights disagrees[\s\S]*Worst weights\n.*\n\s+b\[0\] [^\n]* bug: [\s\S]*Per tensor\n[\s\S]*\n\s+b\s+1\s+1\s/
  const expectShared = (tests: Record<string, Outcome>): void => {
    expect(failure(tests, 'a wrong gradient fails')).toMatch(namesB)
    expect(failure(tests, 'a wrong gradient fails')).toMatch(/\n\s+w\s+3\s+0\s/)
    expect(failure(tests, 'an async check fails when awaited')).toMatch(namesB)
    expect(failure(tests, 'a correct gradient fails under .not')).toMatch(/Expected the gradients not to match, but they do/)
  }

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'gradcheck-pack-'))
    const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], repo)) as [{ filename: string; files: { path: string }[] }]
    files = packed.files.map((f) => f.path).sort()
    const base = join(tmp, 'installed')
    mkdirSync(base)
    writeFileSync(join(base, 'package.json'), '{ "name": "installed", "private": true }')
    npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', join(tmp, packed.filename)], base)
    installed = join(base, 'node_modules', 'gradcheck')
  }, 60_000)
  afterAll(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true })
  })

  it('holds dist (ESM and CommonJS, code and types of every export), LICENSE, README.md and package.json, and nothing else', () => {
    for (const [, target] of entries) {
      for (const file of [target.import.types, target.import.default, target.require.types, target.require.default]) expect(files).toContain(file.replace(/^\.\//, ''))
    }
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/cjs/package.json']))
    expect(files.filter((f) => !f.startsWith('dist/') && !['LICENSE', 'README.md', 'package.json'].includes(f))).toEqual([])
    expect(files.filter((f) => /(^|\/)(test|bench|examples)\/|\.test\.|\.test-d\.|\.map$|tsbuildinfo/.test(f))).toEqual([])
  })

  it('resolves every export by import and by require in a project that installed it', () => {
    const dir = project('resolve', {}, {})
    const names = entries.map(([entry]) => `gradcheck${entry.slice(1)}`)
    const imported = node(['--input-type=module', '-e', `for (const n of ${JSON.stringify(names)}) console.log(import.meta.resolve(n))`], dir).split('\n')
    const required = node(['-e', `for (const n of ${JSON.stringify(names)}) console.log(require.resolve(n))`], dir).split('\n')
    expect(imported).toHaveLength(names.length)
    expect(required).toHaveLength(names.length)
    for (const [i, [, target]] of entries.entries()) {
      expect(imported[i], names[i]).toMatch(new RegExp(`node_modules/gradcheck/${target.import.default.slice(2).replace(/\./g, '\\.')}$`))
      expect(required[i]!.split('\\').join('/'), names[i]).toMatch(new RegExp(`node_modules/gradcheck/${target.require.default.slice(2).replace(/\./g, '\\.')}$`))
    }
  }, 30_000)

  // The engine with no runner: a TypeScript consumer type-checked and compiled by the project's own tsc, then run by Node.
  const plain = [
    "import { checkGradients, formatReport } from 'gradcheck'",
    "import { at, grad, loss, wrong } from './params.js'",
    'const good = checkGradients(loss, grad, { at: at() })',
    'const bad = checkGradients(loss, wrong, { at: at() })',
    'console.log(good.pass, bad.pass, bad.failed, bad.worst[0]?.path)',
    "console.log(formatReport(bad).split('\\n')[0])",
  ].join('\n')
  it.each([
    { name: 'node-esm', json: { type: 'module' }, options: { module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'build' } },
    { name: 'node-cjs', json: {}, options: cjs },
  ])('type-checks and runs the engine in a plain Node project: $name', ({ name, json, options }) => {
    const dir = project(name, json, {}, { 'params.ts': fixture('shared/params.ts'), 'main.ts': `${plain}\n` })
    expect(tsc(dir, options)).toBe('')
    const out = node([join(dir, 'build', 'main.js')], dir).split('\n')
    expect(out).toEqual(['true false 1 b[0]', expect.stringMatching(/^✗ 1 of 4 checked weights disagree/)])
    // CommonJS really is CommonJS there: `require` of the package, in the compiled file.
    expect(readFileSync(join(dir, 'build', 'main.js'), 'utf8')).toMatch(name === 'node-cjs' ? /require\("gradcheck"\)/ : /^import .* from 'gradcheck'/m)
  }, 60_000)

  const vitestImports = (entry: string) => `import '${entry}'\nimport { expect, test } from 'vitest'\nimport { expectTypeOf } from 'expect-type'`
  const vitestProject = (name: string, vitest: string): { dir: string; types: string } => {
    const imports = vitestImports('gradcheck/vitest')
    const dir = project(name, { type: 'module' }, { vitest, 'expect-type': join(modules, 'expect-type') }, {
      'params.ts': fixture('shared/params.ts'),
      'gradients.test.ts': under(imports, 'gradients'),
      'unawaited.test.ts': under(imports, 'unawaited'),
      'types.ts': under(imports, 'types'),
    })
    return { dir, types: tsc(dir, esm) }
  }

  it.each([
    { version: '4', vitest: join(modules, 'vitest') },
    { version: '3.2', vitest: join(runners, 'vitest3', 'node_modules', 'vitest') },
  ])('type-checks and runs in a fresh Vitest $version project (ESM, TypeScript); an unawaited failure fails the run', ({ version, vitest }) => {
    const { dir, types } = vitestProject(`vitest-${version}`, vitest)
    expect(types).toBe('')
    const r = run(dir, 'vitest/vitest.mjs', ['run', '--reporter=default', '--reporter=json', '--outputFile.json=result.json'])
    expect(r.stdout).toMatch(new RegExp(`RUN\\s+v${version.replace('.', '\\.')}\\.`))
    const tests = outcomes(join(dir, 'result.json'))
    expect(statuses(tests)).toEqual({ ...shared, 'an unawaited failing async check': 'passed', 'a test after it': 'passed' })
    expectShared(tests)
    expect(r.stdout + r.stderr).toMatch(/Unhandled Rejection[\s\S]*1 of 1 checked weight disagrees/)
    expect(r.status).toBe(1)
  }, 90_000)

  it("type-checks against Vitest 5's types with 'gradcheck/vitest5' (Vitest 5 needs Node 22: not run), and 'gradcheck/vitest' does not fit them", () => {
    const vitest5 = join(runners, 'vitest5', 'node_modules', 'vitest')
    expect(JSON.parse(readFileSync(join(vitest5, 'package.json'), 'utf8')).version).toMatch(/^5\./)
    const imports = vitestImports('gradcheck/vitest5')
    const dir = project('vitest-5', { type: 'module' }, { vitest: vitest5, 'expect-type': join(modules, 'expect-type') }, {
      'params.ts': fixture('shared/params.ts'),
      'gradients.test.ts': under(imports, 'gradients'),
      'types.ts': under(imports, 'types'),
    })
    // Vitest 5's own declarations check cleanly, so lib checking stays on: a clash with them is an error here
    // (with skipLibCheck, TS2428 below would be hidden). It is the slow part: Vitest's and Vite's .d.ts are checked.
    const strict = { ...esm, skipLibCheck: false }
    expect(tsc(dir, strict)).toBe('')
    // The negative controls: without the import the matcher does not exist, and Vitest 3.2-4's declaration
    // (`Matchers<T>`) clashes with Vitest 5's `Matchers<R, T>`.
    rmSync(join(dir, 'gradients.test.ts'))
    writeFileSync(join(dir, 'types.ts'), under("import { expect } from 'vitest'\nimport { expectTypeOf } from 'expect-type'", 'types'))
    expect(tsc(dir, esm)).toMatch(/error TS2339: Property 'toHaveGradientsMatching' does not exist/)
    writeFileSync(join(dir, 'types.ts'), under(vitestImports('gradcheck/vitest'), 'types'))
    expect(tsc(dir, strict)).toMatch(/gradcheck\/dist\/esm\/matchers\/vitest\.d\.ts.*error TS2428: All declarations of 'Matchers' must have identical type parameters/)
  }, 90_000)

  type JestRun = { r: SpawnSyncReturns<string>; tests: Record<string, Outcome> }
  /** Jest on the compiled `files` (one run), with their outcomes. */
  const jest = (dir: string, ...files: string[]): JestRun => {
    const report = `${files.join('+')}.json`
    const r = run(dir, 'jest/bin/jest.js', ['--runInBand', '--json', `--outputFile=${report}`, ...files.map((f) => `build/${f}.test.js`)])
    return { r, tests: outcomes(join(dir, report)) }
  }
  const unawaitedMessage = /gradcheck: an async check that was not awaited failed after its test had ended[\s\S]*1 of 1 checked weight disagrees/
  /** A Jest project compiled by its own tsc (CommonJS, Node10): the shared checks, the unawaited ones, and the type test. */
  const jestProject = (name: string, links: Record<string, string>, setup: string, config: object): string => {
    const imports = "import { expect, test } from '@jest/globals'\nimport { expectTypeOf } from 'expect-type'"
    const dir = project(name, {}, { 'expect-type': join(modules, 'expect-type'), ...links }, {
      'params.ts': fixture('shared/params.ts'),
      'setup.ts': setup,
      'gradients.test.ts': under(imports, 'gradients'),
      'unawaited.test.ts': under(imports, 'unawaited'),
      'last.test.ts': fixture('jest/last.ts'),
      'types.ts': under(imports, 'types'),
    })
    expect(tsc(dir, cjs)).toBe('')
    const options = { testEnvironment: 'node', roots: ['<rootDir>/build'], setupFilesAfterEnv: ['<rootDir>/build/setup.js'], transform: {}, ...config }
    writeFileSync(join(dir, 'jest.config.js'), `module.exports = ${JSON.stringify(options)}\n`)
    return dir
  }
  const expectJest = (dir: string, version: string): void => {
    expect(JSON.parse(readFileSync(join(dir, 'node_modules', 'jest', 'package.json'), 'utf8')).version).toMatch(new RegExp(`^${version}\\.`))
    const main = jest(dir, 'gradients', 'unawaited')
    expect(main.r.stderr).not.toMatch(/Node\.js v\d/)
    expect(statuses(main.tests)).toEqual({ ...shared, 'an unawaited failing async check': 'passed', 'a test after it': 'passed' })
    expectShared(main.tests)
    expect(main.r.stderr).toMatch(unawaitedMessage)
    expect(main.r.status).toBe(1)

    // Nothing awaits the check and the file has ended when it fails: without the guard, Node kills Jest here.
    const last = jest(dir, 'last')
    expect(statuses(last.tests)).toEqual({ 'an unawaited failing async check, the last test': 'passed' })
    expect(last.r.stderr).toMatch(unawaitedMessage)
    expect(last.r.stderr).toMatch(/Tests: {7}1 passed, 1 total/)
    expect(last.r.stderr).not.toMatch(/Node\.js v\d/)
    expect(last.r.status).toBe(1)
  }

  const jest30 = { jest: join(modules, 'jest'), '@jest/globals': join(modules, '@jest', 'globals'), expect: join(modules, 'expect') }
  const jest29Modules = join(modules, 'jest29', 'node_modules')
  const jest29 = { jest: join(modules, 'jest29'), '@jest/globals': join(jest29Modules, '@jest', 'globals'), expect: join(jest29Modules, 'expect') }

  it.each([
    { version: '30', links: jest30 },
    { version: '29', links: jest29 },
  ])("type-checks (CommonJS, Node10) and runs in a fresh Jest $version project with 'gradcheck/jest' in setupFilesAfterEnv; an unawaited failure never crashes Jest and fails the run", ({ version, links }) => {
    const dir = jestProject(`jest-${version}`, links, fixture('jest/setup.ts'), {})
    expectJest(dir, version)
  }, 90_000)

  it("runs in a fresh Jest 30 project with `injectGlobals: false`: 'gradcheck/jest' extends the expect of @jest/globals (the unawaited guard included); registering by hand works too", () => {
    // No global `expect` there: 'gradcheck/jest' finds Jest's through `@jest/globals`.
    const dir = jestProject('jest-30-no-globals', jest30, fixture('jest/setup.ts'), { injectGlobals: false })
    expectJest(dir, '30')

    // By hand, as with any runner: the matchers on @jest/globals' expect, the types from a type-only import.
    writeFileSync(join(dir, 'build', 'setup.js'), "const { expect } = require('@jest/globals'); expect.extend(require('gradcheck/matchers').matchers)\n")
    const byHand = jest(dir, 'gradients')
    expect(statuses(byHand.tests)).toEqual(shared)
    expect(byHand.r.status).toBe(1)
  }, 90_000)

  it('type-checks and runs in a fresh TF.js project (Vitest 4): a right customGrad passes, a wrong one fails naming the variable, no tensor leaks', () => {
    const tfjs = join(modules, '@tensorflow')
    const dir = project('tfjs', { type: 'module' }, { vitest: join(modules, 'vitest'), '@tensorflow': tfjs }, { 'tfjs.test.ts': fixture('tfjs/tfjs.ts') })
    expect(tsc(dir, esm)).toBe('')
    const r = run(dir, 'vitest/vitest.mjs', ['run', '--reporter=json', '--outputFile.json=result.json'])
    const tests = outcomes(join(dir, 'result.json'))
    expect(statuses(tests)).toEqual({
      'a right customGrad passes, and no tensor leaks': 'passed',
      'a customGrad with a wrong backward fails': 'failed',
      "a layers model's trainable weights check": 'passed',
    })
    expect(failure(tests, 'a customGrad with a wrong backward fails')).toMatch(/checked weights? disagrees?[\s\S]*\n\s+w\[\d,\d\]\s/)
    expect(r.status).toBe(1)
  }, 90_000)
})
