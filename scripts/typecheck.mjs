// `npm run typecheck`: every TypeScript program of the repository, each with one runner's augmentation.
//   tsconfig.json           the repository's own code and the Vitest suite (Vitest's augmentation)
//   test/jest               the Jest suite (Jest's augmentation)
//   test/types/<runner>     the BUILT package as a consumer sees it, once per module resolution:
//                           NodeNext, Bundler (module ESNext) and Node10 (module CommonJS, as with ts-jest)
// `gradcheck` resolves in test/types through test/types/node_modules/gradcheck, a link to the repository
// made here (and removed after), so its package.json (`exports`, or `types` + `typesVersions` for Node10) is what is read.
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
process.chdir(root)
if (!existsSync('dist/esm/src/index.d.ts') || !existsSync('dist/cjs/src/index.d.ts')) {
  console.error('typecheck: the type tests read the built package; run `npm run build` first.')
  process.exit(1)
}

const link = join('test', 'types', 'node_modules', 'gradcheck')
mkdirSync(dirname(link), { recursive: true })
rmSync(link, { recursive: true, force: true })
symlinkSync(join('..', '..', '..'), link, 'junction')

const modes = [
  ['NodeNext', 'NodeNext'],
  ['ESNext', 'Bundler'],
  ['CommonJS', 'Node10'],
]
const runners = readdirSync(join('test', 'types'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'node_modules' && existsSync(join('test', 'types', d.name, 'tsconfig.json')))
  .map((d) => d.name)
const programs = [
  { name: 'tsconfig.json', project: '.' },
  { name: 'test/jest', project: 'test/jest' },
  ...runners.flatMap((r) =>
    // Jest 29's `expect` types differ from Jest 30's only in the package: one resolution is enough there.
    modes.slice(0, r === 'expect29' ? 1 : modes.length).map(([module, resolution]) => ({
      name: `test/types/${r} (${resolution})`,
      project: `test/types/${r}`,
      overrides: { module, moduleResolution: resolution },
    })),
  ),
]

// All programs in this process, as `tsc -p PROJECT --module M --moduleResolution R` would check them
// (noEmit), sharing the parsed files they have in common: three times faster than one tsc each.
const parsed = new Map()
const check = ({ project, overrides = {} }) => {
  const { options: converted, errors } = ts.convertCompilerOptionsFromJson(overrides, project)
  const config = ts.getParsedCommandLineOfConfigFile(join(project, 'tsconfig.json'), converted, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => errors.push(d),
  })
  if (config === undefined || errors.length > 0) return errors
  const host = ts.createCompilerHost(config.options)
  const read = host.getSourceFile
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const key = `${fileName}\0${JSON.stringify(languageVersion)}`
    if (!shouldCreate && parsed.has(key)) return parsed.get(key)
    const file = read.call(host, fileName, languageVersion, onError, shouldCreate)
    if (file !== undefined) parsed.set(key, file)
    return file
  }
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, host, projectReferences: config.projectReferences })
  return [...config.errors, ...ts.getPreEmitDiagnostics(program)]
}

let failed = 0
try {
  for (const p of programs) {
    const diagnostics = check(p)
    console.log(`${diagnostics.length === 0 ? 'ok  ' : 'FAIL'} ${p.name}`)
    if (diagnostics.length > 0) {
      failed++
      process.stdout.write(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }))
    }
  }
} finally {
  // Gone again before the test runners look for tests: Vitest would follow it into the repository.
  rmSync(dirname(link), { recursive: true, force: true })
}
console.log(`typecheck: ${programs.length - failed} of ${programs.length} programs pass`)
process.exit(failed === 0 ? 0 : 1)
