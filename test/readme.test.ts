import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The README's and the guides' code is the code of runnable files: a block after `<!-- file: F -->` is F
// itself (which the suite runs as a test), and a block after `<!-- output: F -->` is what F prints.
// F is relative to the repository root, wherever the block sits.
const documents = ['README.md', ...readdirSync('docs', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]
const blocks = (marker: string): [string, string, string][] =>
  documents.flatMap((path) =>
    [...readFileSync(path, 'utf8').matchAll(new RegExp(`<!-- ${marker}: (\\S+) -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``, 'g'))].map(
      (m): [string, string, string] => [m[1]!, path, m[2]!],
    ),
  )

describe('README and docs', () => {
  it('have the file and output blocks this test checks, in the README and in the guides', () => {
    expect(blocks('file').map(([, doc]) => doc)).toEqual(expect.arrayContaining(['README.md', 'docs/guide/modes.md', 'docs/guide/tensors.md']))
    expect(blocks('output').length).toBeGreaterThan(0)
  })

  it.each(blocks('file'))('show %s as it is (in %s)', (file, _doc, code) => {
    expect(code).toBe(readFileSync(file, 'utf8').trim())
  })

  it.each(blocks('output'))('show what %s prints (in %s)', (file, _doc, output) => {
    const printed = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' })
    expect(output).toBe(printed.trim())
  }, 30_000)

  it('the README gives the two commands', () => {
    const readme = readFileSync('README.md', 'utf8')
    expect(readme).toContain('npm install && npm run demo')
    expect(readme).toContain('npm test ')
  })

  it('the README stays a five-minute read: at most 250 lines, the reference in docs/', () => {
    expect(readFileSync('README.md', 'utf8').split('\n').length).toBeLessThanOrEqual(250)
  })
})
