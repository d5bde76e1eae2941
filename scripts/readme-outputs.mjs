// Rewrites every `<!-- output: F -->` block of README.md with what F prints now (test/readme.test.ts
// checks that they agree). Run after a change to the message: `node scripts/readme-outputs.mjs`.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

const readme = readFileSync('README.md', 'utf8')
const updated = readme.replace(/(<!-- output: (\S+) -->\n```\w+\n)([\s\S]*?)(\n```)/g, (_, head, file, _old, tail) => {
  const printed = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' }).trim()
  return `${head}${printed}${tail}`
})
writeFileSync('README.md', updated)
