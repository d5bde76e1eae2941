// Rewrites every `<!-- output: F -->` block of README.md and of the Markdown files under docs/ with what F
// prints now (test/readme.test.ts checks that they agree). Run after a change to the message:
// `node scripts/readme-outputs.mjs`.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const documents = ['README.md', ...readdirSync('docs', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]
for (const path of documents) {
  const text = readFileSync(path, 'utf8')
  const updated = text.replace(/(<!-- output: (\S+) -->\n```\w+\n)([\s\S]*?)(\n```)/g, (_, head, file, _old, tail) => {
    const printed = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' }).trim()
    return `${head}${printed}${tail}`
  })
  if (updated !== text) writeFileSync(path, updated)
}
