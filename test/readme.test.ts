import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// The README's code is the code of runnable files: a block after `<!-- file: F -->` is F itself (which
// the suite runs as a test), and a block after `<!-- output: F -->` is what F prints.
const readme = readFileSync('README.md', 'utf8')
const blocks = (marker: string): [string, string][] =>
  [...readme.matchAll(new RegExp(`<!-- ${marker}: (\\S+) -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``, 'g'))].map((m) => [m[1]!, m[2]!])

describe('README', () => {
  it('has the file and output blocks this test checks', () => {
    expect(blocks('file').length).toBeGreaterThan(0)
    expect(blocks('output').length).toBeGreaterThan(0)
  })

  it.each(blocks('file'))('shows %s as it is', (file, code) => {
    expect(code).toBe(readFileSync(file, 'utf8').trim())
  })

  it.each(blocks('output'))('shows what %s prints', (file, output) => {
    const printed = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' })
    expect(output).toBe(printed.trim())
  }, 30_000)

  it('gives the two commands', () => {
    expect(readme).toContain('npm install && npm run demo')
    expect(readme).toContain('npm test ')
  })
})
