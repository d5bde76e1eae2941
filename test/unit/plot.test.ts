import { describe, expect, it } from 'vitest'
import { esc, plotCaption, stepPlot, stepPoints } from '../../src/render/plot.js'
import type { Entry } from '../../src/report/types.js'
import { bug, entry, step } from './render-report.js'

// The error-against-step plot (src/render/plot.ts): a 460×260 SVG, frame from x 58 to 446 and y 26 to 220,
// both axes log10 over whole decades, the h axis running from the largest step (left) to the smallest.
// The expected coordinates below are worked from those margins, not read off the output.

/** The attribute lists of every `<tag …>` in the SVG. */
const tags = (svg: string, tag: string): Record<string, string>[] =>
  [...svg.matchAll(new RegExp(`<${tag} ([^>]*?)/?>`, 'g'))].map((m) => Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])))
/** The texts of every `<text>` element. */
const texts = (svg: string): string[] => [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!)

/** |a − D(h)| falling like h²: 1e-4, 1e-6, 1e-8 at h 1e-2, 1e-3, 1e-4, bound 1e-9. */
const falling = (extra: Partial<Entry> = {}): Entry =>
  entry({
    analytic: 0,
    tolerance: 1e-9,
    reason: { kind: 'sweep', trend: 'falls' },
    steps: [step(1e-2, 1e-4, { noise: 1e-9 }), step(1e-3, -1e-6, { noise: 1e-8 }), step(1e-4, 1e-8, { noise: 1e-7 })],
    ...extra,
  })

describe('esc: escaping user names for HTML and SVG', () => {
  it('replaces the five characters that can break out of text or an attribute', () => {
    expect(esc(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;')
    expect(esc('w[0,1]')).toBe('w[0,1]')
    expect(esc('&&')).toBe('&amp;&amp;')
  })
})

describe('stepPoints: what the plot is drawn from', () => {
  it('keeps every central difference that is finite and moved x, as |a − D(h)| with its noise', () => {
    expect(stepPoints(falling()).map((p) => [p.h, p.noise])).toEqual([
      [1e-2, 1e-9],
      [1e-3, 1e-8],
      [1e-4, 1e-7],
    ])
    expect(stepPoints(falling({ analytic: 1 })).map((p) => p.d)).toEqual([1 - 1e-4, 1 + 1e-6, 1 - 1e-8])
  })

  it('leaves out forward, non-finite, unmoved, NaN-valued and zero steps', () => {
    const e = entry({
      analytic: 1,
      steps: [
        step(1e-1, 2, { kind: 'forward' }),
        step(1e-2, 2, { finite: false }),
        step(1e-3, 2, { moved: false }),
        step(1e-4, NaN),
        step(1e-5, Infinity),
        step(0, 2),
        step(1e-6, 3),
      ],
    })
    expect(stepPoints(e)).toEqual([{ h: 1e-6, d: 2, noise: 0 }])
  })
})

describe('plotCaption: the line under the plot', () => {
  it('says when nothing could be plotted, with the reason when there is one', () => {
    expect(plotCaption(entry({ steps: [] }))).toBe('no finite central difference was measured')
    expect(plotCaption(entry({ steps: [step(1e-5, 1, { finite: false })], reason: { kind: 'not-finite', step: 1e-5 } }))).toBe(
      'no finite central difference was measured: the loss is not finite at x ± 1.0e-5: the step crosses the edge of its domain',
    )
  })

  it('explains a single point: passed on the first difference, or the only finite step', () => {
    expect(plotCaption(entry())).toBe('passed on the first difference: one step, one point — no sweep was needed, so there is no slope to read')
    expect(plotCaption(entry({ reason: { kind: 'sweep' } }))).toBe('one finite step')
    expect(plotCaption(entry({ reason: { kind: 'weak', error: 2 } }))).toBe('one finite step: the numerical error (≈2.0e+0) is as large as the derivative itself')
  })

  it('tells the sweep in the text renderer’s words, or counts the steps when it has none', () => {
    expect(plotCaption(falling())).toBe('falls like h² (1.0e-4, 1.0e-6, 1.0e-8) as the step shrinks 1.0e-2 → 1.0e-4: truncation')
    expect(plotCaption(falling({ reason: { kind: 'sweep' } }))).toBe('3 steps')
  })
})

describe('stepPlot: the SVG', () => {
  it('is a standalone 460×260 SVG with a white background', () => {
    const svg = stepPlot(falling())
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="460" height="260" viewBox="0 0 460 260"')).toBe(true)
    expect(svg.endsWith('</svg>')).toBe(true)
    expect(svg).toContain('<rect width="460" height="260" fill="#fff"/>')
    expect(tags(svg, 'rect')).toContainEqual({ x: '58', y: '26', width: '388', height: '194', fill: 'none', stroke: '#999' })
    expect(texts(svg)).toContain('step h (the sweep shrinks it →)')
    expect(texts(svg)).toContain('|a − D(h)|')
  })

  it('places the points on log axes from the largest step at the left to the smallest at the right', () => {
    const svg = stepPlot(falling())
    // x: decades 1e-4…1e-2 over 388 px; y: decades 1e-10…1e-4 (a tenth of the smallest value, 1e-9, below) over 194 px.
    expect(tags(svg, 'circle').map((c) => [c.cx, c.cy])).toEqual([
      ['58.0', '26.0'],
      ['252.0', '90.7'],
      ['446.0', '155.3'],
    ])
    const lines = tags(svg, 'polyline')
    expect(lines.find((l) => l.stroke === '#2b6cb0')?.points).toBe('58.0,26.0 252.0,90.7 446.0,155.3')
  })

  it('labels every decade of both axes when there are at most 8', () => {
    const labels = texts(stepPlot(falling())).filter((t) => /^1e-?\d+$/.test(t))
    expect(labels).toEqual(['1e-4', '1e-3', '1e-2', '1e-10', '1e-9', '1e-8', '1e-7', '1e-6', '1e-5', '1e-4'])
    const x = tags(stepPlot(falling()), 'text').filter((t) => t['text-anchor'] === 'middle' && t.y === '234')
    expect(x.map((t) => t.x)).toEqual(['446.0', '252.0', '58.0'])
  })

  it('draws a grid line at every decade but labels only every few when there are more than 8', () => {
    // h from 1e-12 to 1: 12 decades, a label every 2; d 1e-3 … 1e-1 with no bound.
    const e = entry({ analytic: 0, tolerance: Infinity, reason: { kind: 'sweep' }, steps: [step(1, 1e-1), step(1e-6, 1e-2), step(1e-12, 1e-3)] })
    const svg = stepPlot(e)
    const xLabels = tags(svg, 'text').filter((t) => t.y === '234').length
    expect(xLabels).toBe(7)
    expect(texts(svg).filter((t) => /^1e/.test(t)).slice(0, 7)).toEqual(['1e-12', '1e-10', '1e-8', '1e-6', '1e-4', '1e-2', '1e0'])
    const vertical = tags(svg, 'line').filter((l) => l.stroke === '#eee' && l.x1 === l.x2)
    expect(vertical).toHaveLength(13)
    // y: floor 1e-4 → decades 1e-4 … 1e-1, all four labelled.
    expect(texts(svg).filter((t) => /^1e/.test(t)).slice(7)).toEqual(['1e-4', '1e-3', '1e-2', '1e-1'])
    const horizontal = tags(svg, 'line').filter((l) => l.stroke === '#eee' && l.y1 === l.y2)
    expect(horizontal.map((l) => l.y1)).toEqual(['220.0', '155.3', '90.7', '26.0'])
    expect(horizontal.every((l) => l.x1 === '58' && l.x2 === '446')).toBe(true)
    expect(vertical.every((l) => l.y1 === '26' && l.y2 === '220')).toBe(true)
  })

  it('labels the y axis every few decades when it spans more than 8', () => {
    const e = entry({ analytic: 0, tolerance: 1e-20, reason: { kind: 'sweep' }, steps: [step(1e-2, 1), step(1e-3, 1e-2)] })
    // ys 1, 1e-2, 1e-20: floor 1e-21 → decades 1e-21 … 1e0 (21 decades), a label every 3.
    const y = tags(stepPlot(e), 'text').filter((t) => t['text-anchor'] === 'end' && t.dy === '4')
    expect(y).toHaveLength(8)
    expect(texts(stepPlot(e)).filter((t) => /^1e/.test(t)).slice(2)).toEqual(['1e-21', '1e-18', '1e-15', '1e-12', '1e-9', '1e-6', '1e-3', '1e0'])
  })

  it('labels every third decade of an axis spanning 17 to 24, counted from its low end', () => {
    // h 1e-20 … 1: x0 = −20; ys 1 … 1e-19: floor 1e-20, y0 = −20; both 20 decades, a label every 3.
    const e = entry({ analytic: 0, tolerance: 1e-19, reason: { kind: 'sweep' }, steps: [step(1, 1), step(1e-20, 1e-3)] })
    const labels = texts(stepPlot(e)).filter((t) => /^1e/.test(t))
    const every3 = ['1e-20', '1e-17', '1e-14', '1e-11', '1e-8', '1e-5', '1e-2']
    expect(labels).toEqual([...every3, ...every3])
  })

  it('places the axis titles centred on the frame, the y labels just left of it', () => {
    const svg = stepPlot(falling())
    expect(tags(svg, 'text').find((t) => t.fill === '#333' && t.y !== undefined)).toMatchObject({ x: '252', y: '252', 'text-anchor': 'middle' })
    expect(tags(svg, 'text').find((t) => t.transform !== undefined)?.transform).toBe('translate(13 123) rotate(-90)')
    expect(tags(svg, 'text').filter((t) => t.dy === '4').every((t) => t.x === '52' && t['text-anchor'] === 'end')).toBe(true)
  })

  it('joins the elements with nothing between them', () => {
    expect(stepPlot(falling())).toMatch(/^<svg [^>]*><rect width="460" height="260" fill="#fff"\/><text [^>]*>w\[0\] — ok<\/text><line /)
  })

  it('draws the bound dashed in orange at its height, labelled with its value', () => {
    const svg = stepPlot(falling())
    expect(tags(svg, 'line')).toContainEqual({ x1: '58', y1: '187.7', x2: '446', y2: '187.7', stroke: '#dd6b20', 'stroke-dasharray': '6 4', 'stroke-width': '1.5' })
    expect(texts(svg)).toContain('bound 1.0e-9')
    expect(tags(svg, 'text').find((t) => t.fill === '#dd6b20')).toMatchObject({ x: '442', y: '187.7' })
  })

  it('draws no bound line for a zero or infinite tolerance', () => {
    for (const tolerance of [0, Infinity]) {
      const svg = stepPlot(falling({ tolerance }))
      expect(svg).not.toContain('#dd6b20')
      expect(texts(svg).some((t) => t.startsWith('bound'))).toBe(false)
    }
  })

  it('sizes the y axis from the values alone without a bound: one decade below the smallest', () => {
    const e = entry({ analytic: 0, tolerance: 0, reason: { kind: 'sweep' }, steps: [step(1e-2, 1e-3), step(1e-3, -1e-3)] })
    const labels = texts(stepPlot(e)).filter((t) => /^1e/.test(t))
    expect(labels).toEqual(['1e-3', '1e-2', '1e-4', '1e-3'])
  })

  it('widens a single decade of steps to one decade of axis', () => {
    const e = entry({ analytic: 1, tolerance: 1e-2, steps: [step(1e-3, 1.5)] })
    const labels = texts(stepPlot(e)).filter((t) => /^1e/.test(t))
    // x: 1e-3 alone → 1e-3 … 1e-2; y: 0.5 and the bound 1e-2 → floor 1e-3 → 1e-3 … 1e0.
    expect(labels).toEqual(['1e-3', '1e-2', '1e-3', '1e-2', '1e-1', '1e0'])
    expect(tags(stepPlot(e), 'circle')[0]).toMatchObject({ cx: '446.0' })
  })

  it('draws a slope-2 guide from the largest step to the smallest, labelled near its start', () => {
    const svg = stepPlot(falling())
    expect(tags(svg, 'line')).toContainEqual({ x1: '58.0', y1: '26.0', x2: '446.0', y2: '155.3', stroke: '#aaa', 'stroke-dasharray': '2 3' })
    // At √(1e-2·1e-3): x 155, the guide at 1e-5.
    expect(tags(svg, 'text').find((t) => t.fill === '#888')).toMatchObject({ x: '155.0', y: '58.3', dx: '6', dy: '14' })
    expect(texts(svg)).toContain('slope 2')
  })

  it('draws no guide through a first point that is exact, or for a single point', () => {
    const exact = falling({ steps: [step(1e-2, 0), step(1e-3, 1e-6)] })
    expect(stepPlot(exact)).not.toContain('slope 2')
    expect(stepPlot(exact)).not.toContain('#aaa')
    expect(stepPlot(entry({ tolerance: 1e-2, steps: [step(1e-3, 1.5)] }))).not.toContain('slope 2')
  })

  it('draws the round-off bounds as a faint line, when more than one is known', () => {
    const svg = stepPlot(falling())
    expect(tags(svg, 'polyline')).toContainEqual({ points: '58.0,187.7 252.0,155.3 446.0,123.0', fill: 'none', stroke: '#b7b7b7', 'stroke-width': '1' })
    expect(texts(svg)).toContain('grey: round-off bound')
    const one = falling({ steps: [step(1e-2, 1e-4, { noise: 1e-9 }), step(1e-3, -1e-6), step(1e-4, 1e-8)] })
    expect(stepPlot(one)).not.toContain('#b7b7b7')
    expect(texts(stepPlot(one))).not.toContain('grey: round-off bound')
  })

  it('colours the line and points by verdict: red failing, purple at a kink, blue passing', () => {
    const colour = (e: Entry): string => tags(stepPlot(e), 'polyline').at(-1)!.stroke!
    expect(colour(falling())).toBe('#2b6cb0')
    expect(colour(falling({ failed: true, verdict: 'bug' }))).toBe('#c53030')
    expect(colour(falling({ verdict: 'kink' }))).toBe('#805ad5')
    expect(colour(falling({ verdict: 'kink', failed: true }))).toBe('#c53030')
    expect(tags(stepPlot(falling({ failed: true })), 'circle').every((c) => c.fill === '#c53030' && c.stroke === '#c53030')).toBe(true)
    expect(tags(stepPlot(falling({ failed: true })), 'text')[0]).toMatchObject({ fill: '#c53030', 'font-weight': '600' })
  })

  it('titles the plot with the escaped path and verdict', () => {
    const svg = stepPlot(falling({ path: 'a<b>["x"]', verdict: 'ok' }))
    expect(texts(svg)[0]).toBe('a&lt;b&gt;[&quot;x&quot;] — ok')
    expect(svg).not.toContain('<b>')
  })

  it('gives each point a tooltip with its step and error', () => {
    const titles = [...stepPlot(falling()).matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1])
    expect(titles).toEqual(['h 1.0e-2: |a − D(h)| 1.0e-4', 'h 1.0e-3: |a − D(h)| 1.0e-6', 'h 1.0e-4: |a − D(h)| 1.0e-8'])
  })

  it('draws an exact match hollow on the floor of the axis, and says so in the legend', () => {
    const e = falling({ steps: [step(1e-2, 1e-4, { noise: 1e-9 }), step(1e-3, 0, { noise: 1e-8 }), step(1e-4, 1e-8, { noise: 1e-7 })] })
    const svg = stepPlot(e)
    const circles = tags(svg, 'circle')
    expect(circles[1]).toMatchObject({ cx: '252.0', cy: '220.0', fill: '#fff', stroke: '#2b6cb0' })
    expect(circles[0]!.fill).toBe('#2b6cb0')
    expect(svg).toContain('<title>h 1.0e-3: |a − D(h)| 0 (exact)</title>')
    expect(texts(svg)).toContain('grey: round-off bound · hollow: 0 (exact)')
    const noNoise = stepPlot(falling({ steps: [step(1e-2, 1e-4), step(1e-3, 0)] }))
    expect(texts(noNoise)).toContain('hollow: 0 (exact)')
    // One round-off bound is not drawn, so the legend does not lead with it.
    const oneNoise = stepPlot(falling({ steps: [step(1e-2, 1e-4, { noise: 1e-9 }), step(1e-3, 0)] }))
    expect(tags(oneNoise, 'text').find((t) => t.fill === '#666')).toBeDefined()
    expect(texts(oneNoise)).toContain('hollow: 0 (exact)')
  })

  it('puts an axis even under a plot of exact matches only: 1e-16 to 1e-15', () => {
    const e = entry({ tolerance: 0, reason: { kind: 'sweep' }, steps: [step(1e-2, 1), step(1e-3, 1)] })
    const svg = stepPlot(e)
    expect(texts(svg).filter((t) => /^1e/.test(t)).slice(2)).toEqual(['1e-16', '1e-15'])
    expect(tags(svg, 'circle').map((c) => c.cy)).toEqual(['220.0', '220.0'])
  })

  it('says in the plot itself why a single point has no slope', () => {
    const first = stepPlot(entry({ tolerance: 1e-2, steps: [step(1e-3, 1.5)] }))
    expect(texts(first)).toContain('one point: passed on the first difference, no sweep was needed')
    expect(tags(first, 'polyline')).toHaveLength(0)
    const other = stepPlot(entry({ tolerance: 1e-2, reason: { kind: 'sweep' }, steps: [step(1e-3, 1.5), step(1e-4, NaN)] }))
    expect(texts(other)).toContain('one point: only one step was finite')
    expect(tags(other, 'text').find((t) => t.y === '210')).toMatchObject({ x: '252', 'text-anchor': 'middle' })
    expect(texts(stepPlot(falling()))).not.toContain('one point: only one step was finite')
  })

  it('says there is nothing to plot when no central difference was finite', () => {
    const svg = stepPlot(bug({ path: 'w<0>', steps: [step(1e-3, NaN)] }))
    expect(svg).toContain('no finite central difference to plot')
    expect(svg).toContain('<text x="58" y="130" fill="#555">no finite central difference to plot</text>')
    expect(texts(svg)[0]).toBe('w&lt;0&gt; — bug')
    expect(svg).not.toContain('<circle')
    expect(svg.endsWith('</svg>')).toBe(true)
  })

  it('puts the legend in the title row, right-aligned', () => {
    const legend = tags(stepPlot(falling()), 'text').find((t) => t.fill === '#666')
    expect(legend).toMatchObject({ x: '446', y: '15', 'text-anchor': 'end' })
  })
})
