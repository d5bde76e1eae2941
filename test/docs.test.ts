import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { describe, expect, it } from 'vitest'

// Every relative link of the README and of docs/ points to a file of the repository, and an anchor to a
// heading of that file, so moving a section cannot leave a dead link behind.
const documents = ['README.md', ...readdirSync('docs', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]

// Code is not prose: a `[x](y)` inside a fenced block or a code span is not a link.
const prose = (markdown: string): string => markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '')

// GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered.
const anchors = (markdown: string): Set<string> => {
  const seen = new Map<string, number>()
  const found = new Set<string>()
  for (const [, heading] of prose(markdown.replace(/`([^`\n]*)`/g, '$1')).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    found.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return found
}

// The links of `markdown` (at `path`) that lead nowhere, each with why.
const deadLinks = (path: string, markdown: string): string[] =>
  [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target))
    .flatMap((target) => {
      const [file, anchor] = target.split('#') as [string, string | undefined]
      const resolved = file === '' ? path : normalize(join(dirname(path), file))
      if (file !== '' && !existsSync(resolved)) return [`${target}: no file ${resolved}`]
      if (anchor === undefined || (file !== '' && statSync(resolved).isDirectory())) return []
      return anchors(file === '' ? markdown : readFileSync(resolved, 'utf8')).has(anchor) ? [] : [`${target}: no heading #${anchor} in ${resolved}`]
    })

describe('links of the README and docs/', () => {
  it('covers the README, the guides and the choices', () => {
    expect(documents).toEqual(expect.arrayContaining(['README.md', 'docs/choices.md', 'docs/guide/modes.md', 'docs/guide/tensors.md', 'docs/guide/report.md', 'docs/guide/runners.md']))
  })

  it.each(documents)('%s links only to files and headings that exist', (path) => {
    expect(deadLinks(path, readFileSync(path, 'utf8'))).toEqual([])
  })

  it('finds a dead file, a dead anchor and a dead same-page anchor (negative control)', () => {
    const markdown = '# Title\n\n## A `code` heading (with, punctuation)\n\n[ok](#a-code-heading-with-punctuation) [ok](../README.md#setup) [web](https://example.com)\n' +
      '[gone](guide/missing.md) [bad anchor](../README.md#no-such-heading) [bad here](#title-2)\n\n```ts\nconst x = a[0](1)\n```\n'
    expect(deadLinks('docs/test.md', markdown)).toEqual([
      'guide/missing.md: no file docs/guide/missing.md',
      '../README.md#no-such-heading: no heading #no-such-heading in README.md',
      '#title-2: no heading #title-2 in docs/test.md',
    ])
  })

  it('names no machine path', () => {
    for (const path of documents) expect(readFileSync(path, 'utf8'), path).not.toMatch(/(^|[\s(`'"])\/(work|tmp|home|Users|root)\//m)
  })
})
