import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

// A real Vitest 4.1 run in a child process, on test/fixtures/annotate: the JSON reporter for the
// verdicts, and (since Vitest's JSON output leaves annotations out) a reporter that dumps them.
const dir = mkdtempSync(join(tmpdir(), 'gradcheck-annotate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Annotation { type: string; message: string; attachment?: { contentType?: string; body?: string } }

describe('Vitest annotations', () => {
  it('annotate a failing check with its verdict and an SVG plot, and a passing one with its warnings', async () => {
    const json = join(dir, 'vitest.json')
    const annotations = join(dir, 'annotations.json')
    const args = ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/annotate/vitest.config.ts', '--reporter=json', '--reporter=./test/fixtures/annotate/reporter.ts', `--outputFile.json=${json}`]
    const run = await promisify(execFile)(process.execPath, args, { env: { ...process.env, GRADCHECK_ANNOTATIONS: annotations } }).catch((e: { stdout: string; stderr: string }) => e)
    expect(run.stderr).not.toMatch(/Unhandled/i)
    const results = JSON.parse(readFileSync(json, 'utf8')).testResults[0].assertionResults.map((a: { title: string; status: string }) => [a.title, a.status])
    expect(results).toEqual([['a failing check', 'failed'], ['a failing async check', 'failed'], ['a passing check with a kink', 'passed'], ['a passing check', 'passed']])
    const tests: { name: string; annotations: Annotation[] }[] = JSON.parse(readFileSync(annotations, 'utf8'))
    const [failing, failingAsync, kink, clean] = tests.map((t) => t.annotations)
    expect(failingAsync!.map((a) => [a.type, a.attachment?.contentType])).toEqual([['error', 'image/svg+xml']])
    expect(failing).toHaveLength(1)
    expect(failing![0]).toMatchObject({ type: 'error', message: expect.stringMatching(/^✗ 3 of 3 checked weights disagree/) })
    const attachment = failing![0]!.attachment!
    expect(attachment.contentType).toBe('image/svg+xml')
    const svg = Buffer.from(attachment.body!, 'base64').toString('utf8')
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(svg).toContain('at[')
    expect(svg).toContain('<polyline')
    expect(kink!.map((a) => [a.type, a.message.slice(0, 40)])).toEqual([['warning', '1 weight moves a ReLU/max-like input acr']])
    expect(clean).toEqual([])
  }, 60_000)
})
