import { existsSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import 'gradcheck/vitest'
import { type Report, checkGradients, renderHtml, writeHtmlReport } from 'gradcheck'
import { matchers } from 'gradcheck/matchers'
import { afterAll, describe, expect, it } from 'vitest'
import { type CnnParams, backwardWithBug, createCnn, loss, makeBatch } from '../examples/cnn/cnn.js'
import { plotted } from '../src/render/html.js'
import { stepPlot, stepPoints } from '../src/render/plot.js'
import { reportPathFor } from '../src/render/write.js'

const count = (html: string, s: string): number => html.split(s).length - 1
const batch = makeBatch()
const buggy = (dtype: 'float64' | 'float32'): Report =>
  checkGradients((p: CnnParams) => loss(p, batch), (p: CnnParams) => backwardWithBug(p, batch), { at: createCnn({ dtype }) })

describe('renderHtml', () => {
  const report = buggy('float32')
  const html = renderHtml(report)

  it('is one self-contained page: nothing fetched, no scripts', () => {
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|src=|href=/i)
    // The only URL is SVG's namespace name, which is never fetched.
    expect(html.match(/https?:\/\/[^"]*/g)!.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true)
  })

  it('has the verdict line, the worst weights, a plot per plotted weight and a heatmap per tensor', () => {
    expect(html).toContain('✗ 6 of 562 checked weights disagree beyond what the numerics explain (float32, central differences, auto step)')
    expect(count(html, '<tr class="failed">')).toBe(5)
    const plots = plotted(report)
    // The failing worst, and one passing weight whose sweep ran, second for contrast.
    expect(plots.map((e) => e.failed)).toEqual([true, false, true, true, true, true])
    expect(html).toContain('it shows only some of the report: plots of 5 of 6 failing weights.')
    expect(plots[1]!.reason).toEqual({ kind: 'sweep', trend: 'falls' })
    expect(count(html, '<figure>')).toBe(plots.length)
    expect(count(html, '<figure><svg')).toBe(plots.length)
    expect(count(html, 'class="heatmap"')).toBe(report.blocks.length)
    expect(html).toContain('4×1 kernels (out × in) of 3×3')
    expect(html).toContain('a 10×64 matrix')
    expect(html).toContain('a strip of 4')
  })

  it('marks the failing cells, shows unsampled cells as such, and lists the kinks with their slopes', () => {
    expect(count(html, 'stroke="#000" stroke-width="1.5"')).toBe(6)
    // fc.weight: 512 of 640 sampled, so 128 cells were not checked.
    expect(count(html, 'fill="#f2f2f2"/>')).toBe(128)
    expect(html).toContain('<h2>Kinks (4)</h2>')
    const first = report.kinks[0]!
    expect(html).toContain(`[${first.slopes!.map((v) => v.toPrecision(3)).join(', ')}]`)
    expect(html).toContain('fc.weight: 512 of 640 coordinates checked')
  })

  it('draws the buggy weight flat and the passing one falling, from the steps the engine took', () => {
    const [bug, ok] = plotted(report)
    const ys = (e: typeof bug): number[] => stepPoints(e!).map((p) => p.d)
    expect(Math.max(...ys(bug)) / Math.min(...ys(bug))).toBeLessThan(1.5)
    expect(ys(ok)[0]! / ys(ok).at(-1)!).toBeGreaterThan(100)
    expect(count(stepPlot(bug!), '<circle')).toBe(stepPoints(bug!).length)
  })

  it('says so when a weight passed on its first difference: one point', () => {
    // In float64 every passing weight of the CNN passed on its first difference: no sweep, no slope.
    const r = buggy('float64')
    const single = r.entries.find((e) => e.reason.kind === 'first-difference')!
    expect(count(stepPlot(single), '<circle')).toBe(1)
    expect(stepPlot(single)).toContain('one point: passed on the first difference, no sweep was needed')
    expect(renderHtml(r)).toContain('passed on the first difference: one step, one point')
  })

  it('escapes tensor names and paths', () => {
    const name = '<img src=x onerror=alert(1)>'
    const r = checkGradients((p: Record<string, number[]>) => p[name]![0]! ** 2, () => ({ [name]: [5] }), { at: { [name]: [1] } })
    const page = renderHtml(r, { title: name })
    expect(page).not.toContain('<img')
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  it('stays under 1 MB for a 10⁴-weight report, and says what it left out', () => {
    const n = 10_000
    const cube = ({ w }: { w: Float64Array }): number => { let s = 0; for (let i = 0; i < n; i++) s += w[i]! * w[i]! * w[i]!; return s }
    // Every tenth weight ×2: 1,000 failing weights, each with its sweep.
    const wrong = ({ w }: { w: Float64Array }) => ({ w: w.map((v, i) => (i % 10 === 0 ? 6 : 3) * v * v) })
    const at = Float64Array.from({ length: n }, (_, i) => 0.5 + (i % 7) / 7)
    const r = checkGradients(cube, wrong, { at: { w: at }, sample: 'all', worst: 20 })
    expect(r.entries).toHaveLength(n)
    const page = renderHtml(r)
    // Measured: 488 kB (the 4,096 drawn cells are most of it).
    expect(Buffer.byteLength(page)).toBeLessThan(1_000_000)
    expect(page).toContain('the first 4,096 of 10,000 cells are drawn')
    expect(page).toContain('To keep the page small, it shows only some of the report: plots of 5 of 1,000 failing weights; heatmap of w.')
    // The same 10⁴ entries as 100 tensors of 100 (relabelled: the renderer reads only the report, and a
    // second real check would double the test's time): the cell budget is shared, not per tensor.
    const entries = r.entries.map((e, i) => ({ ...e, name: `layer${Math.floor(i / 100)}`, index: [i % 100], path: `layer${Math.floor(i / 100)}[${i % 100}]` }))
    const blocks = Array.from({ length: 100 }, (_, t) => ({ ...r.blocks[0]!, name: `layer${t}`, shape: [100], size: 100, checked: 100 }))
    const split = renderHtml({ ...r, entries, blocks })
    expect(count(split, 'class="heatmap"')).toBe(100)
    expect(Buffer.byteLength(split)).toBeLessThan(1_000_000)
    expect(split).toContain('the first 40 of 100 cells are drawn')
  }, 30_000)
})

describe('htmlReport', () => {
  const here = dirname(fileURLToPath(import.meta.url))
  const written = join(here, '__gradcheck__', 'html.test-htmlReport-true-writes-the-page-beside-the-test-file-and-the-message-names-it.html')
  afterAll(() => rmSync(join(here, '__gradcheck__'), { recursive: true, force: true }))
  const cube = (w: Float64Array): number => w.reduce((s, v) => s + v * v * v, 0)
  const doubled = (w: Float64Array): Float64Array => w.map((v) => 6 * v * v)

  it('true writes the page beside the test file, and the message names it', () => {
    expect(() => expect(cube).toHaveGradientsMatching(doubled, { at: Float64Array.from([1, 2]), htmlReport: true })).toThrow(`HTML report: ${written}`)
    expect(readFileSync(written, 'utf8')).toContain('✗ 2 of 2 checked weights disagree')
  })

  it('a string is the path; nothing is written without the option, and checkGradients never writes', async () => {
    const file = join(here, '__gradcheck__', 'named.html')
    expect(cube).toHaveGradientsMatching((w: Float64Array) => w.map((v) => 3 * v * v), { at: Float64Array.from([1, 2]), htmlReport: file })
    expect(readFileSync(file, 'utf8')).toContain('✓ all 2 checked weights agree')
    rmSync(file)
    checkGradients(cube, doubled, { at: Float64Array.from([1, 2]), htmlReport: file })
    expect(existsSync(file)).toBe(false)
    expect(await writeHtmlReport(checkGradients(cube, doubled, { at: Float64Array.from([1, 2]) }), file)).toBe(file)
    expect(readFileSync(file, 'utf8')).toMatch(/^<!doctype html>/)
  })

  it('must be a boolean or a path', () => {
    expect(() => checkGradients(cube, doubled, { at: Float64Array.from([1]), htmlReport: 3 as unknown as string })).toThrow(/Expected `htmlReport` to be true, false or a file path, got `3` \(number\)/)
  })
})

describe('reportPathFor', () => {
  it('puts __gradcheck__ beside the test file and makes the test name a file name', () => {
    expect(reportPathFor('/p/test/net.test.ts', 'net > conv <1>: ×2')).toBe('/p/test/__gradcheck__/net.test-net-conv-1-2.html')
    expect(reportPathFor('C:\\p\\net.spec.ts', undefined)).toBe('C:\\p\\__gradcheck__\\net.spec-report.html')
    expect(reportPathFor('gradcheck', 'a/b')).toBe('__gradcheck__/gradcheck-a-b.html')
  })
})

describe('colours', () => {
  it("paints failing rows with the runner's received colour and passing rows dim", () => {
    const utils = { RECEIVED_COLOR: (s: string) => `<red>${s}</red>`, DIM_COLOR: (s: string) => `<dim>${s}</dim>` }
    const cube = (w: Float64Array): number => w.reduce((s, v) => s + v * v * v, 0)
    const oneWrong = (w: Float64Array): Float64Array => w.map((v, i) => (i === 0 ? 6 : 3) * v * v)
    const result = matchers.toHaveGradientsMatching.call({ utils }, cube, oneWrong, { at: Float64Array.from([1, 2]) })
    expect((result as { message(): string }).message()).toMatchInlineSnapshot(`
      "✗ 1 of 2 checked weights disagrees beyond what the numerics explain (float64, central differences, auto step)

      Worst weights
        path   analytic  numeric  abs. error  allowed  rel. error  digits  verdict
      <red>  at[0]         6        3      3.0e+0   1.4e-9      5.0e-1  0 of 9  bug: stays at 3.0e+0 as the step shrinks 1.4e-5 → 8.7e-7</red>
      <dim>  at[1]        12       12      0.0e+0   5.9e-9      0.0e+0  9 of 9  ok</dim>

      Per tensor
        tensor  checked  failed  max rel. error  norm ratio  cs231n band
      <red>  at            2       1          5.0e-1      1.2e-1  probably wrong  ←</red>

      Hint: only at[0] is off, by a factor 2 — look at how that one weight is accumulated.
      Replay: { seed: 1849 }  (32 loss calls; loss 9 ± 1.0e-15)"
    `)
  })
})
