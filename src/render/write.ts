// The only place the library writes a file, and only when asked (`htmlReport`). Node's `fs` is never
// imported statically, so nothing in src/ or matchers/ needs Node in a browser bundle: where Node is
// there, `process.getBuiltinModule` (Node ≥ 20.16) gives `fs` synchronously — a synchronous matcher
// can then name a file that exists by the time its message is read — else a dynamic `import('node:fs')`.
import type { Report } from '../report/types.js'
import { type HtmlOptions, renderHtml } from './html.js'

interface Fs {
  mkdirSync(path: string, options: { recursive: true }): unknown
  writeFileSync(path: string, data: string): void
}

function fsNow(): Fs | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return p?.getBuiltinModule?.('node:fs') as Fs | undefined
}

const dirOf = (file: string): string => file.replace(/[\\/][^\\/]*$/, '')

function write(fs: Fs, file: string, html: string): string {
  const dir = dirOf(file)
  if (dir !== file && dir !== '') fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(file, html)
  return file
}

/** Writes `renderHtml(report)` to `file` (creating its folder) and resolves to the path. Node only. */
export async function writeHtmlReport(report: Report, file: string, options: HtmlOptions = {}): Promise<string> {
  const html = renderHtml(report, options)
  const fs = fsNow() ?? ((await import('node:fs')) as unknown as Fs)
  return write(fs, file, html)
}

/**
 * The matchers' writer: synchronous where Node gives `fs` synchronously, so the file exists when the
 * test ends; else it falls back to `writeHtmlReport` and the returned promise (never rejecting: a
 * report that cannot be written must not fail or crash a test run) says whether it was written.
 */
export function writeHtmlReportNow(report: Report, file: string, options: HtmlOptions = {}): string | Promise<string | undefined> {
  const fs = fsNow()
  if (fs !== undefined) return write(fs, file, renderHtml(report, options))
  return writeHtmlReport(report, file, options).catch(() => undefined)
}

/** A test name as a file name: letters, digits, `.`, `_` and `-` only, at most 120 characters. */
export function fileSafe(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '')
  return (safe === '' ? 'report' : safe).slice(0, 120)
}

/** Where `htmlReport: true` writes: `__gradcheck__/<test file>-<test name>.html` beside the test file. */
export function reportPathFor(testPath: string, testName: string | undefined): string {
  // The test file's own separator, so a Windows path stays one.
  const cut = Math.max(testPath.lastIndexOf('/'), testPath.lastIndexOf('\\'))
  const sep = cut < 0 ? '/' : testPath[cut]!
  const base = testPath.slice(cut + 1).replace(/\.[^.]*$/, '')
  return `${cut < 0 ? '' : testPath.slice(0, cut + 1)}__gradcheck__${sep}${fileSafe(base)}-${fileSafe(testName ?? 'report')}.html`
}
