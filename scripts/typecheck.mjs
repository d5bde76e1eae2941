// `npm run typecheck`: every TypeScript program of the repository, each with one runner's augmentation.
//   tsconfig.json           the repository's own code and the Vitest suite (Vitest's augmentation)
//   test/jest               the Jest suite (Jest's augmentation)
//   test/types/<runner>     the BUILT package as a consumer sees it, once per module resolution:
//                           NodeNext, Bundler (module ESNext) and Node10 (module CommonJS, as with ts-jest)
// `gradcheck` resolves in test/types through test/types/node_modules/gradcheck, a link to the repository
// made here (and removed after), so its package.json (`exports`, or `types` + `typesVersions` for Node10) is what is read.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

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
const jobs = [
  { name: 'tsconfig.json', args: ['-p', '.'] },
  { name: 'test/jest', args: ['-p', 'test/jest'] },
  ...runners.flatMap((r) =>
    // Jest 29's `expect` types differ from Jest 30's only in the package: one resolution is enough there.
    modes.slice(0, r === 'expect29' ? 1 : modes.length).map(([module, resolution]) => ({
      name: `test/types/${r} (${resolution})`,
      args: ['-p', `test/types/${r}`, '--module', module, '--moduleResolution', resolution],
    })),
  ),
]

const tsc = join('node_modules', 'typescript', 'bin', 'tsc')
const run = (job) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, ...job.args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (code) => resolve({ ...job, code, out }))
  })

const queue = [...jobs]
const results = []
const worker = async () => {
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) results.push(await run(job))
}
try {
  await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), 2)) }, worker))
} finally {
  // Gone again before the test runners look for tests: Vitest would follow it into the repository.
  rmSync(dirname(link), { recursive: true, force: true })
}

let failed = 0
for (const r of jobs.map((j) => results.find((x) => x.name === j.name))) {
  console.log(`${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.name}`)
  if (r.code !== 0) {
    failed++
    process.stdout.write(r.out)
  }
}
console.log(`typecheck: ${jobs.length - failed} of ${jobs.length} programs pass`)
process.exit(failed === 0 ? 0 : 1)
