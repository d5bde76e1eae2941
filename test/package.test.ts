import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// The built package, loaded by Node itself through package.json `exports` (a package may import itself
// by name), as ESM and as CommonJS. `npm test` builds dist/ before this runs.
const node = (args: string[]): string => execFileSync(process.execPath, args, { encoding: 'utf8' }).trim()
const probe = `checkGradients((w) => w[0] ** 3, (w) => [3 * w[0] ** 2], { at: [2] }).pass`

describe.runIf(existsSync('dist/esm/src/index.js'))('the built package', () => {
  it('imports as ESM: the engine and the matcher object', () => {
    const script = `import { checkGradients } from 'gradcheck'; import { matchers } from 'gradcheck/matchers'; console.log(${probe}, typeof matchers.toHaveGradientsMatching)`
    expect(node(['--input-type=module', '-e', script])).toBe('true function')
  })

  it('requires as CommonJS, with the same error classes', () => {
    const script = `const { checkGradients, GradcheckError } = require('gradcheck'); try { checkGradients(1, 0, { at: 1 }) } catch (e) { console.log(${probe}, e instanceof GradcheckError, e.name) }`
    expect(node(['-e', script])).toBe('true true InvalidArgumentError')
  })

  it('has no runtime dependencies, and types for every entry point', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies?: object; exports: Record<string, { import?: { types: string }; require?: { types: string } }> }
    expect(pkg.dependencies ?? {}).toEqual({})
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (entry === './package.json') continue
      expect(existsSync(target.import!.types) && existsSync(target.require!.types)).toBe(true)
    }
  })

  it("'gradcheck/jest' explains itself when there is no global expect", () => {
    const script = `try { require('gradcheck/jest') } catch (e) { console.log(e.name + ': ' + e.message) }`
    expect(node(['-e', script])).toMatch(/^GradcheckError: Expected a global `expect` with `extend`.*setupFilesAfterEnv/)
  })
})
