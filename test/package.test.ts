import { type SpawnSyncReturns, execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
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
    // Vitest 5 cannot be installed beside Vitest 4 (peer conflicts), so its types are not checked here: the
    // declaration is matchers/vitest5.types.d.ts, copied over the emitted one by scripts/build.mjs.
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
    expect(node(['-e', script])).toMatch(/^GradcheckError: Expected a global `expect` with `extend`.*setupFilesAfterEnv/)
  })
})

describe('the package metadata', () => {
  it('builds before packing, so a fresh clone packs dist/', () => {
    expect(pkg.scripts.prepack).toBe('npm run build')
    expect(readFileSync(join(repo, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the gradcheck authors\n/)
    expect(pkg.license).toBe('MIT')
  })

  it('has a lockfile whose root entry mirrors package.json, so `npm install` after `npm ci` leaves it as it is', () => {
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { name: string; version: string; packages: Record<string, Record<string, unknown>> }
    const root = lock.packages['']!
    expect([lock.name, lock.version]).toEqual([pkg.name, pkg.version])
    for (const key of ['dependencies', 'devDependencies', 'peerDependencies', 'peerDependenciesMeta', 'engines', 'license']) expect(root[key], key).toEqual(pkg[key])
  })
})

// The tarball as `npm pack` makes it (scripts skipped: dist/ is fresh from `npm test`'s build, and a
// rebuild would pull dist/ from under the other tests), installed into fresh projects in the temp folder.
// Runners and TypeScript are linked from this repository's node_modules: no network.
describe.runIf(built)('the packed tarball', () => {
  let tmp = ''
  let tarball = ''
  let files: string[] = []
  const npm = (args: string[], cwd: string): string =>
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } })

  /** A fresh project in the temp folder that installed the tarball, with `links` taken from this repository's node_modules. */
  const project = (name: string, json: object, links: string[]): string => {
    const dir = join(tmp, name)
    mkdirSync(dir)
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...json }, null, 2))
    npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball], dir)
    for (const link of links) {
      mkdirSync(dirname(join(dir, 'node_modules', link)), { recursive: true })
      symlinkSync(join(repo, 'node_modules', link), join(dir, 'node_modules', link), 'junction')
    }
    return dir
  }
  const run = (cwd: string, bin: string, args: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [join(cwd, 'node_modules', bin), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' } })
  const tsc = (cwd: string): string => {
    const r = run(cwd, 'typescript/bin/tsc', ['-p', '.'])
    return r.stdout + r.stderr
  }

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'gradcheck-pack-'))
    const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], repo)) as [{ filename: string; files: { path: string }[] }]
    tarball = join(tmp, packed.filename)
    files = packed.files.map((f) => f.path).sort()
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
    const dir = project('plain', {}, [])
    const names = entries.map(([entry]) => `gradcheck${entry.slice(1)}`)
    const esm = node(['--input-type=module', '-e', `for (const n of ${JSON.stringify(names)}) console.log(import.meta.resolve(n))`], dir).split('\n')
    const cjs = node(['-e', `for (const n of ${JSON.stringify(names)}) console.log(require.resolve(n))`], dir).split('\n')
    expect(esm).toHaveLength(names.length)
    expect(cjs).toHaveLength(names.length)
    for (const [i, [, target]] of entries.entries()) {
      expect(esm[i], names[i]).toMatch(new RegExp(`node_modules/gradcheck/${target.import.default.slice(2).replace(/\./g, '\\.')}$`))
      expect(cjs[i]!.split('\\').join('/'), names[i]).toMatch(new RegExp(`node_modules/gradcheck/${target.require.default.slice(2).replace(/\./g, '\\.')}$`))
    }
    // The entries that need no runner load and work both ways.
    expect(node(['--input-type=module', '-e', `import { checkGradients } from 'gradcheck'; import { matchers } from 'gradcheck/matchers'; console.log(${probe}, typeof matchers.toHaveGradientsMatching)`], dir)).toBe('true function')
    expect(node(['-e', `const { checkGradients } = require('gradcheck'); const { matchers } = require('gradcheck/matchers'); console.log(${probe}, typeof matchers.toHaveGradientsMatching)`], dir)).toBe('true function')
  }, 30_000)

  it('type-checks and runs in a fresh Vitest 4 project', () => {
    const dir = project('vitest-consumer', { type: 'module' }, ['vitest', 'typescript'])
    for (const file of ['gradients', 'unawaited']) copyFileSync(join(fixtures, 'vitest', `${file}.ts`), join(dir, `${file}.test.ts`))
    copyFileSync(join(fixtures, 'vitest', 'types.ts'), join(dir, 'types.ts'))
    const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }))
    expect(tsc(dir)).toBe('')

    const r = run(dir, 'vitest/vitest.mjs', ['run', '--reporter=default', '--reporter=json', '--outputFile.json=result.json'])
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as { testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[] }
    const tests = Object.fromEntries(result.testResults.flatMap((f) => f.assertionResults).map((t) => [t.title, t]))
    expect(Object.fromEntries(Object.entries(tests).map(([title, t]) => [title, t.status]))).toEqual({
      'a correct gradient passes': 'passed',
      'a wrong gradient fails': 'failed',
      'an async check passes when awaited': 'passed',
      'an async check fails when awaited': 'failed',
      'an unawaited failing async check': 'passed',
      'a test after it': 'passed',
    })
    expect(r.stdout + r.stderr).toMatch(/Unhandled Rejection[\s\S]*1 of 1 checked weight disagrees/)
    expect(tests['a wrong gradient fails']!.failureMessages.join('\n')).toMatch(/3 of 3 checked weights disagree/)
    expect(tests['an async check fails when awaited']!.failureMessages.join('\n')).toMatch(/3 of 3 checked weights disagree/)
    expect(r.status).toBe(1)
  }, 60_000)

  it('type-checks (CommonJS, Node10 resolution) and runs in a fresh Jest 30 project; an unawaited failing check never crashes Jest and fails the run', () => {
    const dir = project('jest-consumer', {}, ['jest', '@jest/globals', 'expect', 'expect-type', 'typescript'])
    for (const file of ['gradients', 'unawaited']) copyFileSync(join(fixtures, 'jest', `${file}.ts`), join(dir, `${file}.test.ts`))
    for (const file of ['setup', 'types']) copyFileSync(join(fixtures, 'jest', `${file}.ts`), join(dir, `${file}.ts`))
    const compilerOptions = { target: 'ES2022', module: 'CommonJS', moduleResolution: 'Node10', strict: true, skipLibCheck: true, types: [], outDir: 'build' }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }))
    expect(tsc(dir)).toBe('')
    writeFileSync(join(dir, 'jest.config.js'), "module.exports = { testEnvironment: 'node', roots: ['<rootDir>/build'], setupFilesAfterEnv: ['<rootDir>/build/setup.js'], transform: {} }\n")

    const jest = (file: string) => {
      const r = run(dir, 'jest/bin/jest.js', ['--runInBand', '--json', `--outputFile=${file}.json`, `build/${file}.test.js`])
      const json = existsSync(join(dir, `${file}.json`)) ? (JSON.parse(readFileSync(join(dir, `${file}.json`), 'utf8')) as { testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[] }) : undefined
      const tests = json === undefined ? {} : Object.fromEntries(json.testResults.flatMap((f) => f.assertionResults).map((t) => [t.title, t]))
      return { r, tests, statuses: Object.fromEntries(Object.entries(tests).map(([title, t]) => [title, t.status])) }
    }
    const main = jest('gradients')
    expect(main.statuses).toEqual({
      'a correct gradient passes': 'passed',
      'a wrong gradient fails': 'failed',
      'an async check passes when awaited': 'passed',
      'an async check fails when awaited': 'failed',
      'an awaited failing check can be expected to reject': 'passed',
      'an unawaited failing check is reported on stderr': 'passed',
      'a test after it runs': 'passed',
    })
    expect(main.tests['a wrong gradient fails']!.failureMessages.join('\n')).toMatch(/3 of 3 checked weights disagree/)
    expect(main.r.stderr).toMatch(/gradcheck: an async check that was not awaited failed after its test had ended[\s\S]*3 of 3 checked weights disagree/)
    expect(main.r.status).toBe(1)

    // Nothing awaits the check and the file has ended when it fails: without the guard, Node kills Jest here.
    const last = jest('unawaited')
    expect(last.statuses).toEqual({ 'an unawaited failing async check, the last test': 'passed' })
    expect(last.r.stderr).toMatch(/gradcheck: an async check that was not awaited failed after its test had ended[\s\S]*1 of 1 checked weight disagrees/)
    expect(last.r.stderr).toMatch(/Tests: {7}1 passed, 1 total/)
    expect(last.r.stderr).not.toMatch(/Node\.js v\d/)
    expect(last.r.status).toBe(1)
  }, 60_000)
})
