import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { renderHtml } from '../../src/render/html.js'
import { fileSafe, reportPathFor, writeHtmlReport, writeHtmlReportNow } from '../../src/render/write.js'
import { report } from './render-report.js'

// Writing the HTML report (src/render/write.ts): the file names it picks, the folder it creates, and
// the two ways it reaches `fs` — synchronously through `process.getBuiltinModule` where Node has it, else
// a dynamic import — with a writer for the matchers that never rejects.

const dir = mkdtempSync(join(tmpdir(), 'gradcheck-write-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type GetBuiltin = ((id: string) => unknown) | undefined
const proc = process as unknown as { getBuiltinModule: GetBuiltin }
const original = proc.getBuiltinModule
afterEach(() => {
  proc.getBuiltinModule = original
})

/** Replaces `process.getBuiltinModule` with one giving a recording fake `fs`. */
const fakeFs = () => {
  const calls: unknown[][] = []
  const ids: string[] = []
  proc.getBuiltinModule = (id: string) => {
    ids.push(id)
    return {
      mkdirSync: (path: string, options: unknown) => void calls.push(['mkdir', path, options]),
      writeFileSync: (path: string, data: string) => void calls.push(['write', path, data.length]),
    }
  }
  return { calls, ids }
}

describe('fileSafe: a test name as a file name', () => {
  it('keeps letters, digits, dot, underscore and dash, and turns every other run into one dash', () => {
    expect(fileSafe('a.b_c-D9')).toBe('a.b_c-D9')
    expect(fileSafe('fits a line: slope & bias')).toBe('fits-a-line-slope-bias')
    expect(fileSafe('größe/ü')).toBe('gr-e')
  })

  it('trims dashes at both ends, and names an empty result report', () => {
    expect(fileSafe('  (x)  ')).toBe('x')
    expect(fileSafe('--x--')).toBe('x')
    expect(fileSafe('!!!')).toBe('report')
    expect(fileSafe('')).toBe('report')
  })

  it('cuts a long name to 120 characters', () => {
    expect(fileSafe('a'.repeat(200))).toBe('a'.repeat(120))
    expect(fileSafe('a'.repeat(120))).toHaveLength(120)
  })
})

describe('reportPathFor: where htmlReport: true writes', () => {
  it('writes into __gradcheck__ beside the test file, named after the file without its extension and the test', () => {
    expect(reportPathFor('/repo/test/fit.test.ts', 'fits a line')).toBe('/repo/test/__gradcheck__/fit.test-fits-a-line.html')
  })

  it('keeps a Windows path’s backslashes', () => {
    expect(reportPathFor('C:\\repo\\test\\fit.test.ts', 'x')).toBe('C:\\repo\\test\\__gradcheck__\\fit.test-x.html')
    expect(reportPathFor('C:/repo\\test\\fit.ts', 'x')).toBe('C:/repo\\test\\__gradcheck__\\fit-x.html')
    expect(reportPathFor('C:\\repo/test/fit.ts', 'x')).toBe('C:\\repo/test/__gradcheck__/fit-x.html')
  })

  it('writes into ./__gradcheck__ for a bare file name, and names a test without a name report', () => {
    expect(reportPathFor('fit.test.ts', undefined)).toBe('__gradcheck__/fit.test-report.html')
    expect(reportPathFor('Makefile', 'a/b')).toBe('__gradcheck__/Makefile-a-b.html')
    // A file at the root keeps its root, with its own separator.
    expect(reportPathFor('/fit.ts', 'x')).toBe('/__gradcheck__/fit-x.html')
    expect(reportPathFor('\\fit.ts', 'x')).toBe('\\__gradcheck__\\fit-x.html')
  })

  it('makes the file part safe too', () => {
    expect(reportPathFor('/t/my file (1).ts', 'n')).toBe('/t/__gradcheck__/my-file-1-n.html')
  })
})

describe('writing the page', () => {
  it('writes renderHtml(report) to the file, creating its folder, and resolves to the path', async () => {
    const file = join(dir, 'a', 'b', 'page.html')
    const r = report()
    await expect(writeHtmlReport(r, file, { title: 'T' })).resolves.toBe(file)
    expect(readFileSync(file, 'utf8')).toBe(renderHtml(r, { title: 'T' }))
  })

  it('writes synchronously where Node gives fs at once, returning the path itself', () => {
    const file = join(dir, 'sync', 'page.html')
    const written = writeHtmlReportNow(report(), file, { title: 'S' })
    expect(written).toBe(file)
    expect(readFileSync(file, 'utf8')).toBe(renderHtml(report(), { title: 'S' }))
  })

  it('asks Node for node:fs, and creates exactly the file’s folder, recursively', () => {
    const { calls, ids } = fakeFs()
    const html = renderHtml(report())
    expect(writeHtmlReportNow(report(), 'out/x/page.html')).toBe('out/x/page.html')
    expect(ids).toEqual(['node:fs'])
    expect(calls).toEqual([
      ['mkdir', 'out/x', { recursive: true }],
      ['write', 'out/x/page.html', html.length],
    ])
  })

  it('takes a backslash as a separator too', () => {
    const { calls } = fakeFs()
    writeHtmlReportNow(report(), 'C:\\out\\page.html')
    expect(calls[0]).toEqual(['mkdir', 'C:\\out', { recursive: true }])
  })

  it('creates no folder for a bare file name or a file at the root', async () => {
    const { calls } = fakeFs()
    writeHtmlReportNow(report(), 'page.html')
    writeHtmlReportNow(report(), '/page.html')
    await writeHtmlReport(report(), 'other.html')
    expect(calls.map((c) => c[0])).toEqual(['write', 'write', 'write'])
    expect(calls.map((c) => c[1])).toEqual(['page.html', '/page.html', 'other.html'])
  })

  it('passes the title on to the page in the synchronous writer', () => {
    const seen: string[] = []
    proc.getBuiltinModule = () => ({ mkdirSync: () => undefined, writeFileSync: (_: string, data: string) => void seen.push(data) })
    writeHtmlReportNow(report(), 'p.html', { title: 'Mine' })
    expect(seen[0]).toContain('<title>Mine</title>')
  })

  it('falls back to importing node:fs where process.getBuiltinModule is missing, and then returns a promise of the path', async () => {
    proc.getBuiltinModule = undefined
    const file = join(dir, 'async', 'page.html')
    const written = writeHtmlReportNow(report(), file, { title: 'A' })
    expect(written).toBeInstanceOf(Promise)
    await expect(written).resolves.toBe(file)
    expect(readFileSync(file, 'utf8')).toBe(renderHtml(report(), { title: 'A' }))
    const again = join(dir, 'async2', 'page.html')
    await expect(writeHtmlReport(report(), again)).resolves.toBe(again)
    expect(existsSync(again)).toBe(true)
  })

  it('falls back to importing node:fs where there is no process at all', async () => {
    const g = globalThis as { process?: unknown }
    const saved = g.process
    const file = join(dir, 'noprocess', 'page.html')
    let written: unknown
    try {
      g.process = undefined
      written = writeHtmlReportNow(report(), file)
    } finally {
      g.process = saved
    }
    expect(written).toBeInstanceOf(Promise)
    await expect(written).resolves.toBe(file)
  })

  it('rejects from writeHtmlReport when the file cannot be written, but never from writeHtmlReportNow', async () => {
    const blocker = join(dir, 'blocker')
    writeFileSync(blocker, 'a file, not a folder')
    const file = join(blocker, 'page.html')
    await expect(writeHtmlReport(report(), file)).rejects.toThrow()
    proc.getBuiltinModule = undefined
    const written = writeHtmlReportNow(report(), file)
    await expect(written).resolves.toBeUndefined()
  })
})
