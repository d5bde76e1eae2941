// Builds dist/esm and dist/cjs with tsc (no bundler: tsup 9 needs Node 22), and marks dist/cjs as CommonJS.
// `npm pack` runs it through `prepack`, so a tarball always holds a fresh dist/.
import { execFileSync } from 'node:child_process'
import { copyFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'))
const tsc = (project) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' })
rmSync('dist', { recursive: true, force: true })
tsc('tsconfig.build.json')
tsc('tsconfig.cjs.json')
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n')
// Vitest 5's `Matchers<R, T>` cannot be declared in a program that has Vitest 4's `Matchers<T>`:
// the declaration of `gradcheck/vitest5` is written by hand and replaces the emitted one.
for (const format of ['esm', 'cjs']) copyFileSync('matchers/vitest5.types.d.ts', `dist/${format}/matchers/vitest5.d.ts`)
