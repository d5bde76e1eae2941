import { describe, expect, it } from 'vitest'
import { checkGradients } from '../../src/check.js'
import { MAX_CELLS } from '../../src/render/heatmap.js'
import { MAX_PLOTS, plotted, renderHtml } from '../../src/render/html.js'
import { stepPlot } from '../../src/render/plot.js'
import { headline, hintText, verdictText, warningText } from '../../src/render/text.js'
import type { Entry } from '../../src/report/types.js'
import { block, bug, entry, report, step } from './render-report.js'

// The HTML report (src/render/html.ts): one self-contained page drawn from the report alone. The tests
// read the page's sections, rows and figures, and check that every user-supplied name is escaped.

const ok = (i: number, extra: Partial<Entry> = {}): Entry => entry({ path: `w[${i}]`, index: [i], ...extra })
const bad = (i: number, beyond: number, extra: Partial<Entry> = {}): Entry =>
  bug({ path: `w[${i}]`, index: [i], absoluteError: beyond * 1e-9, tolerance: 1e-9, ...extra })
/** A passing weight whose sweep fell like h² over three steps: the best contrast. */
const falling = (i: number): Entry =>
  ok(i, { reason: { kind: 'sweep', trend: 'falls' }, steps: [step(1e-2, 1 + 1e-4), step(1e-3, 1 + 1e-6), step(1e-4, 1 + 1e-8)] })
/** The `<h2>` section titled `title`, up to the next section. */
const section = (html: string, title: string): string => {
  const at = html.indexOf(`<h2>${title}`)
  if (at < 0) return ''
  const end = html.indexOf('<h2>', at + 4)
  return html.slice(at, end < 0 ? html.indexOf('<p class="note">Replay') : end)
}
const rows = (html: string): string[] => [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => m[0])
const cellsOf = (row: string): string[] => [...row.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((m) => m[1]!)
const figures = (html: string): string[] => [...html.matchAll(/<figcaption>(.*?)<\/figcaption>/g)].map((m) => m[1]!)

describe('plotted: which weights get an error-against-step plot', () => {
  it('plots the failing worst first, then one passing weight second for contrast', () => {
    const a = bad(0, 10)
    const b = bad(1, 5)
    const c = falling(2)
    const r = report({ entries: [a, b, c], worst: [a, b, c] })
    expect(plotted(r)).toEqual([a, c, b])
  })

  it('tops the failing weights up from the entries, farthest beyond their bound first, to at most MAX_PLOTS', () => {
    expect(MAX_PLOTS).toBe(5)
    const worst = [bad(0, 100)]
    const rest = [bad(1, 2), bad(2, 50), bad(3, 7), bad(4, 1e3), bad(5, 3), bad(6, 1, { tolerance: 0, absoluteError: 1 })]
    const r = report({ entries: [...worst, ...rest], worst })
    expect(plotted(r).map((e) => e.path)).toEqual(['w[0]', 'w[6]', 'w[4]', 'w[2]', 'w[3]'])
  })

  it('ranks the extra failing weights by |a − n| ÷ bound, not by |a − n|', () => {
    const worst = [bad(0, 1e6)]
    const near = bad(1, 0, { absoluteError: 1, tolerance: 1 })
    const far = bad(2, 0, { absoluteError: 1e-6, tolerance: 1e-9 })
    expect(plotted(report({ entries: [...worst, near, far], worst })).map((e) => e.path)).toEqual(['w[0]', 'w[2]', 'w[1]'])
  })

  it('keeps the order of worst and does not plot a weight twice', () => {
    const a = bad(0, 1)
    const b = bad(1, 100)
    const r = report({ entries: [a, b], worst: [a, b] })
    expect(plotted(r)).toEqual([a, b])
  })

  it('prefers as contrast a passing weight whose sweep fell, then one with more than two points, over a first difference', () => {
    const first = ok(1)
    const three = ok(2, { reason: { kind: 'sweep', trend: 'flat' }, steps: [step(1e-2, 1), step(1e-3, 1), step(1e-4, 1)] })
    const falls = ok(3, { reason: { kind: 'sweep', trend: 'falls' }, steps: [step(1e-2, 1 + 1e-4), step(1e-3, 1 + 1e-6)] })
    const both = falling(4)
    const worst = [bad(0, 10)]
    expect(plotted(report({ entries: [...worst, first, three], worst }))[1]).toBe(three)
    expect(plotted(report({ entries: [...worst, first, three, falls], worst }))[1]).toBe(falls)
    expect(plotted(report({ entries: [...worst, first, falls, both, three], worst }))[1]).toBe(both)
    // Among equals, the first.
    expect(plotted(report({ entries: [...worst, first, ok(5)], worst }))[1]).toBe(first)
  })

  it('takes no kink, no undecided and no failing weight as contrast', () => {
    const worst = [bad(0, 10)]
    const r = report({ entries: [...worst, ok(1, { verdict: 'kink' }), ok(2, { verdict: 'inconclusive' })], worst })
    expect(plotted(r)).toEqual(worst)
  })

  it('plots the first three of a passing check’s largest disagreements, with a contrast not among them', () => {
    const es = [ok(0), ok(1), ok(2), ok(3), falling(4)]
    const r = report({ entries: es, worst: es.slice(0, 4) })
    expect(plotted(r)).toEqual([es[0], es[4], es[1], es[2]])
    const all = report({ entries: es.slice(0, 3), worst: es.slice(0, 3) })
    expect(plotted(all)).toEqual(es.slice(0, 3))
  })

  it('plots a lone contrast when the report lists no worst weights', () => {
    const e = falling(0)
    expect(plotted(report({ entries: [e], worst: [] }))).toEqual([e])
    expect(plotted(report({ entries: [ok(0, { verdict: 'kink' })], worst: [] }))).toEqual([])
  })
})

describe('renderHtml: the page', () => {
  it('is one self-contained document: inline style, no script, nothing fetched', () => {
    const html = renderHtml(report())
    expect(html.startsWith('<!doctype html><html lang="en"><head><meta charset="utf-8">')).toBe(true)
    expect(html.endsWith('</body></html>\n')).toBe(true)
    expect(html).toMatch(/<style>body\{font:14px/)
    expect(html).not.toMatch(/<script|<link|src="http/)
  })

  it('titles the page after the option, escaped, or gradcheck report by default', () => {
    expect(renderHtml(report())).toContain('<title>gradcheck report</title>')
    expect(renderHtml(report())).toContain('<h1>gradcheck report</h1>')
    const html = renderHtml(report(), { title: 'fits <x> & "y"' })
    expect(html).toContain('<title>fits &lt;x&gt; &amp; &quot;y&quot;</title>')
    expect(html).toContain('<h1>fits &lt;x&gt; &amp; &quot;y&quot;</h1>')
  })

  it('opens with the headline of the text message, styled by the verdict', () => {
    const pass = report()
    expect(renderHtml(pass)).toContain(`<p class="verdict pass">${headline(pass)}</p>`)
    const fail = report({ entries: [bad(0, 10)] })
    expect(renderHtml(fail)).toContain(`<p class="verdict fail">${headline(fail)}</p>`)
  })

  it('lists the worst weights with the text message’s figures, failing rows marked and names escaped', () => {
    const a = bad(0, 10, { path: 'w<0>' })
    const b = ok(1)
    const html = renderHtml(report({ entries: [a, b], worst: [a, b] }))
    const table = section(html, 'Worst weights')
    const [head, first, second] = rows(table)
    expect(cellsOf(head!)).toEqual(['path', 'analytic', 'numeric', 'abs. error', 'allowed', 'rel. error', 'verdict'])
    expect(first!.startsWith('<tr class="failed">')).toBe(true)
    expect(cellsOf(first!)).toEqual(['<code>w&lt;0&gt;</code>', '2', '1', '1.0e-8', '1.0e-9', '5.0e-1', verdictText(a)])
    expect(second!.startsWith('<tr><td>')).toBe(true)
    expect(cellsOf(second!)).toEqual(['<code>w[1]</code>', '1', '1', '0.0e+0', '1.0e-9', '0.0e+0', 'ok'])
    expect(html).not.toContain('w<0>')
  })

  it('calls the table Largest disagreements on a pass, and leaves it out when there is none', () => {
    expect(renderHtml(report({ worst: [ok(0)] }))).toContain('<h2>Largest disagreements</h2><table>')
    const none = renderHtml(report({ worst: [] }))
    expect(none).not.toContain('Largest disagreements')
    expect(none).not.toContain('Worst weights')
  })

  it('shows an error-against-step plot per plotted weight, with the contrast said and the numbers in the caption', () => {
    const a = bad(0, 10, { path: 'w<0>' })
    const c = falling(1)
    const html = renderHtml(report({ entries: [a, c], worst: [a] }))
    const evidence = section(html, 'The evidence: error against step')
    expect(evidence).toContain('<p class="note">|a − D(h)| against the step h, log–log')
    expect(evidence).toContain('Falling with slope 2 as h shrinks is truncation; flat is a bug; rising as h shrinks is round-off. The dashed line is the bound the weight was held to.</p>')
    expect(evidence).toContain(`<div class="plots"><figure>${stepPlot(a)}<figcaption>`)
    expect(figures(evidence)).toEqual([
      '<code>w&lt;0&gt;</code> — stays at 1.0e+0 as the step shrinks 1.0e-3 → 6.0e-5 (|a − n| = 1.0e-8, bound 1.0e-9)',
      'for contrast, a passing weight: <code>w[1]</code> — falls like h² (1.0e-4, 1.0e-6, 1.0e-8) as the step shrinks 1.0e-2 → 1.0e-4: truncation (|a − n| = 0.0e+0, bound 1.0e-9)',
    ])
  })

  it('does not call a passing weight a contrast when nothing fails, and has no plots when nothing is plotted', () => {
    const html = renderHtml(report({ entries: [falling(0)], worst: [] }))
    expect(figures(html)).toHaveLength(1)
    expect(figures(html)[0]).toMatch(/^<code>w\[0\]<\/code> — falls like h²/)
    const none = renderHtml(report({ entries: [ok(0, { verdict: 'kink' })], worst: [] }))
    expect(none).not.toContain('The evidence')
    expect(none).not.toContain('<figure>')
  })

  it('says in the Replay line when it plotted only some failing weights', () => {
    const es = Array.from({ length: 7 }, (_, i) => bad(i, 10 + i))
    const html = renderHtml(report({ entries: es, worst: es.slice(0, 2), failed: 1234 }))
    expect(figures(html)).toHaveLength(5)
    expect(html).toContain('To keep the page small, it shows only some of the report: plots of 5 of 1,234 failing weights.</p>')
    // The contrast is plotted too, but is not one of the failing weights shown.
    const withContrast = renderHtml(report({ entries: [...es, falling(7)], worst: es.slice(0, 2) }))
    expect(figures(withContrast)).toHaveLength(6)
    expect(withContrast).toContain('plots of 5 of 7 failing weights.</p>')
    const all = renderHtml(report({ entries: es.slice(0, 5), worst: es.slice(0, 5) }))
    expect(all).not.toContain('To keep the page small')
  })

  it('draws a heatmap per tensor with its shape, counts and layout, names escaped', () => {
    const r = report({
      entries: [bad(0, 10, { name: 'W<1>', index: [0, 1] }), ok(0, { name: 'b', index: [] })],
      blocks: [
        block({ name: 'W<1>', shape: [2, 3], size: 6, checked: 1, failed: 1, maxRelativeError: 0.5 }),
        block({ name: 'b', shape: [], size: 1, checked: 1 }),
      ],
    })
    const per = section(renderHtml(r), 'Per tensor')
    expect(per).toContain('<p class="legend note">Colour: |a − n| ÷ bound.')
    expect(per).toContain(
      '<div class="tensor"><div><code>W&lt;1&gt;</code> [2×3] <span class="note">— 1 of 6 checked, 1 failed, max rel. error 5.0e-1; a 2×3 matrix</span></div><svg',
    )
    expect(per).toContain('<div class="tensor"><div><code>b</code> [scalar] <span class="note">— 1 of 1 checked, 0 failed, max rel. error 0.0e+0; a scalar</span></div><svg')
    // The entries go to their own tensor's map: W's failing cell is drawn and outlined, b's cell is filled.
    const [w, b] = per.split('<div class="tensor">').slice(1)
    expect(w).toContain('stroke="#000"')
    expect(w!.match(/fill="#f2f2f2"/g)).toHaveLength(5)
    expect(b).toContain('fill="#ebf4ff"')
    expect(b).not.toContain('#f2f2f2')
  })

  it('shares the cell budget between tensors and says which heatmaps it cut', () => {
    const blocks = [block({ name: 'big', shape: [3000], size: 3000, checked: 0 }), block({ name: 'small', shape: [100], size: 100, checked: 0 })]
    const html = renderHtml(report({ entries: [], worst: [], blocks }))
    // Two tensors: 2048 cells each.
    expect(html).toContain('a strip of 3000 — the first 2,048 of 3,000 cells are drawn')
    expect(html).toContain('To keep the page small, it shows only some of the report: heatmap of big.</p>')
    const one = renderHtml(report({ entries: [], worst: [], blocks: [block({ name: 'big', shape: [MAX_CELLS + 1], size: MAX_CELLS + 1, checked: 0 })] }))
    expect(one).toContain('the first 4,096 of 4,097 cells')
    const counts = renderHtml(report({ entries: [], worst: [], blocks: [block({ name: 'n', shape: [12345], size: 12345, checked: 1234 })] }))
    expect(counts).toContain('— 1,234 of 12,345 checked, 0 failed')
  })

  it('joins several cuts in the Replay line', () => {
    const es = Array.from({ length: 6 }, (_, i) => bad(i, 10 + i, { index: [i] }))
    const blocks = [block({ name: 'w', shape: [5000], size: 5000, checked: 6, failed: 6 })]
    expect(renderHtml(report({ entries: es, worst: es, blocks }))).toContain(
      'it shows only some of the report: plots of 5 of 6 failing weights; heatmap of w.</p>',
    )
  })

  it('lists the kinks with their slopes and verdicts, at most 40, failing rows marked', () => {
    const kinked = (i: number, extra: Partial<Entry> = {}): Entry =>
      ok(i, { kink: true, verdict: 'kink', slopes: [0, 1.23456], analytic: 0.5, reason: { kind: 'kink', distance: 0, step: 1e-3, outcome: 'accepted' }, ...extra })
    const few = [kinked(0, { path: 'w<0>' }), kinked(1, { slopes: undefined, failed: true, reason: { kind: 'first-difference' } })]
    const html = section(renderHtml(report({ entries: few })), 'Kinks')
    expect(html.startsWith('<h2>Kinks (2)</h2><table>')).toBe(true)
    const [head, first, second] = rows(html)
    expect(cellsOf(head!)).toEqual(['path', 'one-sided slopes', 'analytic', 'verdict'])
    expect(cellsOf(first!)).toEqual(['<code>w&lt;0&gt;</code>', '[0.00, 1.23]', '0.5', verdictText(few[0]!)])
    expect(first!.startsWith('<tr><td>')).toBe(true)
    expect(cellsOf(second!)).toEqual(['<code>w[1]</code>', '', '0.5', 'kink'])
    expect(second!.startsWith('<tr class="failed">')).toBe(true)
    expect(html).not.toContain('more.')
    const many = Array.from({ length: 43 }, (_, i) => kinked(i))
    const long = section(renderHtml(report({ entries: many })), 'Kinks')
    expect(long.startsWith('<h2>Kinks (43)</h2>')).toBe(true)
    expect(rows(long)).toHaveLength(41)
    expect(long).toContain('<p class="note">…and 3 more.</p>')
    const forty = section(renderHtml(report({ entries: many.slice(0, 40) })), 'Kinks')
    expect(rows(forty)).toHaveLength(41)
    expect(forty).not.toContain('more.')
    expect(renderHtml(report())).not.toContain('Kinks')
  })

  it('lists the warnings and hints in the text message’s words, escaped', () => {
    const r = report({
      entries: [bad(0, 10, { path: 'w<0>' })],
      warnings: [{ kind: 'non-finite', count: 1, paths: ['w<0>'], probe: 0 }, { kind: 'float32-loss' }],
      hints: [{ kind: 'unread', name: 'b&c', moves: 2, path: 'b&c[0]', analytic: 1 }],
    })
    const html = renderHtml(r)
    const esc = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll("'", '&#39;').replaceAll('"', '&quot;')
    expect(section(html, 'Warnings')).toBe(`<h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(warningText(w, r))}</li>`).join('')}</ul>\n`)
    expect(section(html, 'Hints')).toBe(`<h2>Hints</h2><ul><li>${esc(hintText(r.hints[0]!))}</li></ul>\n`)
    expect(html).toContain('b&amp;c[0]')
    const none = renderHtml(report())
    expect(none).not.toContain('<h2>Warnings')
    expect(none).not.toContain('<h2>Hints')
  })

  it('leaves out the empty sections without a trace, and joins rows, figures and tensors with nothing between them', () => {
    const bare = report({ worst: [], entries: [ok(0, { verdict: 'kink' })], kinks: [] })
    const html = renderHtml(bare)
    expect(html).toContain(`${headline(bare)}</p>\n\n\n<h2>Per tensor</h2>`)
    expect(html).toMatch(/<\/svg><\/div>\n\n\n\n<p class="note">Replay/)
    const kinked = (i: number): Entry => ok(i, { kink: true, verdict: 'kink', slopes: [0, 1], reason: { kind: 'first-difference' } })
    const full = renderHtml(
      report({
        entries: [bad(0, 10), bad(1, 5), falling(2), kinked(3), kinked(4)],
        worst: [bad(0, 10), bad(1, 5)],
        blocks: [block({ name: 'a', shape: [5], size: 5, checked: 5, failed: 2 }), block({ name: 'b', shape: [1], size: 1, checked: 0 })],
        warnings: [{ kind: 'float32-loss' }, { kind: 'spread', spread: 1e-16 }],
      }),
    )
    // Between two elements of a list there is nothing: no text, no separator.
    const pairs: [string, string][] = [['</tr>', '<tr'], ['</figure>', '<figure>'], ['</svg></div>', '<div class="tensor">'], ['</li>', '<li>']]
    for (const [close, open] of pairs) {
      const joints = full.split(close).slice(1, -1)
      expect(joints.some((j) => j.startsWith(open))).toBe(true)
      expect(joints.every((j) => j.startsWith('<'))).toBe(true)
    }
    expect(full).toMatch(/<\/table>\n<h2>Warnings<\/h2>/)
  })

  it('keys the heatmap colours in a legend, the same colours the cells use', () => {
    const legend = /<p class="legend note">(.*?)<\/p>/.exec(renderHtml(report()))![1]!
    const keys = [...legend.matchAll(/<span style="background:([^;"]*)[^"]*"><\/span>([^<]*)/g)].map((m) => [m[1], m[2]])
    expect(keys).toEqual([
      ['#ebf4ff', '≤ 1e-6'],
      ['#2b6cb0', 'at the bound'],
      ['#f6ad55', 'just beyond'],
      ['#9b1c1c', '≥ 1e4× beyond'],
      ['#fff', 'failing'],
      ['#d6bcfa', 'kink'],
      ['#a0aec0', 'inconclusive'],
      ['#f2f2f2', 'not checked (sampled)'],
    ])
  })

  it('ends with the Replay line: seed, loss calls and the loss with its noise', () => {
    const html = renderHtml(report({ seed: 77, evaluations: 12345, loss: { value: 1 / 3, noise: 2e-16, spread: 0, deterministic: true } }))
    expect(html).toContain('<p class="note">Replay: <code>{ seed: 77 }</code> — 12,345 loss calls; loss 0.333333 ± 2.0e-16.</p></body>')
  })

  it('renders a real failing check: its worst weight plotted first, a passing one beside it', () => {
    const at = { w: new Float64Array([1, 2, 3]) }
    const r = checkGradients((p: typeof at) => p.w[0]! ** 2 + p.w[1]! * p.w[2]!, (p: typeof at) => ({ w: [2 * p.w[0]!, 1.5 * p.w[2]!, p.w[1]!] }), { at })
    const html = renderHtml(r, { title: 'real' })
    expect(html).toContain('<p class="verdict fail">✗ 1 of 3 checked weights disagrees')
    const caps = figures(html)
    expect(caps).toHaveLength(2)
    expect(caps[0]).toMatch(/^<code>w\[1\]<\/code> — stays at 1\.5e\+0/)
    expect(caps[1]).toMatch(/^for contrast, a passing weight: <code>w\[[02]\]<\/code>/)
  })
})
