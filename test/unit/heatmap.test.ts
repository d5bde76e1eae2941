import { describe, expect, it } from 'vitest'
import { MAX_CELLS, cellColour, cellLimit, heatmap, ratio } from '../../src/render/heatmap.js'
import type { BlockSummary, Entry } from '../../src/report/types.js'
import { block, bug, entry } from './render-report.js'

// The per-tensor heatmap (src/render/heatmap.ts): one cell per coordinate, coloured by |a − n| ÷ bound,
// laid out as the tensor's shape (a strip, a matrix, a grid of kernels), at most `limit` cells.

/** The attributes of every `<rect …>`, in order. */
const rects = (svg: string): Record<string, string>[] =>
  [...svg.matchAll(/<rect ([^>]*?)\/?>/g)].map((m) => Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])))
/** The filled cells (the outlines of failing cells have fill="none"). */
const cells = (svg: string) => rects(svg).filter((r) => r.fill !== 'none')
const outlines = (svg: string) => rects(svg).filter((r) => r.fill === 'none')
const size = (svg: string): [string, string] => {
  const m = /<svg [^>]*width="([^"]*)" height="([^"]*)" viewBox="0 0 ([^ ]*) ([^"]*)"/.exec(svg)!
  expect([m[3], m[4]]).toEqual([m[1], m[2]])
  return [m[1]!, m[2]!]
}

/** A tensor `w` of `shape`, all checked, with `entries` (by default one passing entry per coordinate). */
const tensor = (shape: number[], entries?: Entry[]): { b: BlockSummary; entries: Entry[] } => {
  const n = shape.reduce((p, s) => p * s, 1)
  const all = entries ?? Array.from({ length: n }, (_, i) => entry({ index: unflat(i, shape) }))
  return { b: block({ shape, size: n, checked: all.length, failed: all.filter((e) => e.failed).length }), entries: all }
}
const unflat = (i: number, shape: number[]): number[] => {
  const index: number[] = []
  for (let j = shape.length - 1; j >= 0; j--) {
    index.unshift(i % shape[j]!)
    i = Math.floor(i / shape[j]!)
  }
  return index
}
const draw = (shape: number[], entries?: Entry[], limit = MAX_CELLS) => {
  const t = tensor(shape, entries)
  return heatmap(t.b, t.entries, limit)
}

describe('cellLimit: one budget of cells shared by all tensors', () => {
  it('splits MAX_CELLS (4096) evenly between the tensors, at least 16 each', () => {
    expect(MAX_CELLS).toBe(4096)
    expect(cellLimit(1)).toBe(4096)
    expect(cellLimit(0)).toBe(4096)
    expect(cellLimit(3)).toBe(1365)
    expect(cellLimit(128)).toBe(32)
    expect(cellLimit(256)).toBe(16)
    expect(cellLimit(300)).toBe(16)
  })
})

describe('ratio: |a − n| ÷ bound, what the colour shows', () => {
  it('is 0 for an exact match even with a zero bound, and infinite for an error against a zero bound', () => {
    expect(ratio(entry({ absoluteError: 0, tolerance: 0 }))).toBe(0)
    expect(ratio(entry({ absoluteError: 3, tolerance: 2 }))).toBe(1.5)
    expect(ratio(entry({ absoluteError: 1e-12, tolerance: 0 }))).toBe(Infinity)
  })
})

describe('cellColour: blues up to the bound, oranges to reds beyond', () => {
  const at = (r: number, extra: Partial<Entry> = {}): string => cellColour(entry({ absoluteError: r, tolerance: 1, ...extra }))

  it('runs from pale blue at 1e-6 of the bound (or less) to full blue at the bound, log-linearly', () => {
    expect(at(0)).toBe('#ebf4ff')
    expect(at(1e-9)).toBe('#ebf4ff')
    expect(at(1e-6)).toBe('#ebf4ff')
    expect(at(1e-3)).toBe('#8bb0d8')
    expect(at(1)).toBe('#2b6cb0')
  })

  it('turns orange just beyond the bound and dark red at 1e4 times it (or more)', () => {
    expect(at(1.000001)).toBe('#f6ad55')
    expect(at(100)).toBe('#c96539')
    expect(at(1e4)).toBe('#9b1c1c')
    expect(at(1e8)).toBe('#9b1c1c')
    expect(cellColour(entry({ absoluteError: 1, tolerance: 0 }))).toBe('#9b1c1c')
  })

  it('colours a passing kink purple and a passing undecided weight grey, whatever their ratio', () => {
    expect(at(1e3, { verdict: 'kink' })).toBe('#d6bcfa')
    expect(at(0, { verdict: 'inconclusive' })).toBe('#a0aec0')
  })

  it('colours a failing kink or undecided weight by its ratio, like any failure', () => {
    expect(at(100, { verdict: 'kink', failed: true })).toBe('#c96539')
    expect(at(100, { verdict: 'inconclusive', failed: true })).toBe('#c96539')
  })
})

describe('heatmap: the layout follows the shape', () => {
  it('draws a scalar as one cell', () => {
    const { svg, note } = draw([])
    expect(note).toBe('a scalar')
    expect(cells(svg)).toHaveLength(1)
    expect(cells(svg)[0]).toMatchObject({ x: '0', y: '0', width: '22', height: '22', fill: '#ebf4ff' })
    expect(size(svg)).toEqual(['22', '22'])
  })

  it('draws a vector as a strip, 22 px cells side by side', () => {
    const { svg, note } = draw([3])
    expect(note).toBe('a strip of 3')
    expect(cells(svg).map((c) => [c.x, c.y])).toEqual([
      ['0', '0'],
      ['22', '0'],
      ['44', '0'],
    ])
    expect(size(svg)).toEqual(['66', '22'])
  })

  it('wraps a long strip at 64 cells, shrinking them to fit 900 px', () => {
    const { svg, note } = draw([100], [])
    expect(note).toBe('a strip of 100')
    const all = cells(svg)
    expect(all).toHaveLength(100)
    expect(all.every((c) => c.fill === '#f2f2f2' && c.width === '14')).toBe(true)
    expect([all[63]!.x, all[63]!.y, all[64]!.x, all[64]!.y]).toEqual(['882', '0', '0', '14'])
    expect(size(svg)).toEqual(['896', '28'])
  })

  it('draws a matrix row by row', () => {
    const { svg, note } = draw([2, 3])
    expect(note).toBe('a 2×3 matrix')
    expect(cells(svg).map((c) => `${c.x},${c.y}`)).toEqual(['0,0', '22,0', '44,0', '0,22', '22,22', '44,22'])
    expect(size(svg)).toEqual(['66', '44'])
  })

  it('never draws a cell smaller than 3 px, even when the matrix is wider than 900 px allows', () => {
    const { svg } = draw([1, 400], [])
    expect(cells(svg)[1]).toMatchObject({ x: '3', width: '3' })
    expect(size(svg)).toEqual(['1200', '3'])
  })

  it('shrinks cells to fit 600 px of rows', () => {
    // 64 columns would allow 14 px; 100 rows allow 6.
    const { svg } = draw([6400], [], 6400)
    expect(cells(svg)[0]).toMatchObject({ width: '6' })
    expect(size(svg)).toEqual(['384', '600'])
  })

  it('lays a conv weight out as kernels, a row per output channel and a column per input channel, one cell apart', () => {
    const { svg, note } = draw([2, 3, 2, 2])
    expect(note).toBe('2×3 kernels (out × in) of 2×2')
    const xy = cells(svg).map((c) => [Number(c.x) / 22, Number(c.y) / 22])
    expect(xy.slice(0, 4)).toEqual([[0, 0], [1, 0], [0, 1], [1, 1]])
    // Kernel (0, 1) starts after a gap column; kernel (1, 0) below a gap row.
    expect(xy[4]).toEqual([3, 0])
    expect(xy[5]).toEqual([4, 0])
    expect(xy[13]).toEqual([1, 3])
    expect(xy[23]).toEqual([7, 4])
    expect(size(svg)).toEqual([String(8 * 22), String(5 * 22)])
  })

  it('puts the kernels of a single input channel side by side, wrapping at 64 cells', () => {
    const few = draw([4, 1, 3, 3])
    expect(few.note).toBe('4×1 kernels (out × in) of 3×3, side by side')
    expect(cells(few.svg).map((c) => [Number(c.x), Number(c.y)])[9]).toEqual([4 * 22, 0])
    expect(size(few.svg)).toEqual([String(15 * 22), String(3 * 22)])
    // 20 kernels of width 3 + 1: 16 per row, then a second row of kernels.
    const many = draw([20, 1, 3, 3], [])
    const cs = Number(cells(many.svg)[0]!.width)
    expect(cs).toBe(14)
    expect(size(many.svg)).toEqual([String(63 * cs), String(7 * cs)])
    expect(cells(many.svg).map((c) => [Number(c.x) / cs, Number(c.y) / cs])[16 * 9]).toEqual([0, 4])
  })

  it('draws any other rank as a row of matrices over the last two axes', () => {
    const { svg, note } = draw([2, 2, 3])
    expect(note).toBe('2 matrices of 2×3')
    const xy = cells(svg).map((c) => [Number(c.x) / 22, Number(c.y) / 22])
    expect(xy[6]).toEqual([4, 0])
    expect(xy[11]).toEqual([6, 1])
    expect(size(svg)).toEqual([String(7 * 22), String(2 * 22)])
    const five = draw([2, 2, 1, 2, 2])
    expect(five.note).toBe('2×2×1 matrices of 2×2')
    // 4 matrices in one row: the row is not cut at the first axis (2).
    expect(size(five.svg)).toEqual([String(11 * 22), String(2 * 22)])
  })

  it('wraps a long row of matrices at 64 cells', () => {
    // Kernels of width 3 + 1: 16 per row.
    const { svg } = draw([20, 2, 3], [])
    const cs = Number(cells(svg)[0]!.width)
    expect(size(svg)).toEqual([String(63 * cs), String(5 * cs)])
    expect(cells(svg).map((c) => [Number(c.x) / cs, Number(c.y) / cs])[16 * 6]).toEqual([0, 3])
  })
})

describe('heatmap: the cells', () => {
  it('places each entry by its multi-index, leaving unchecked coordinates grey', () => {
    const { svg } = draw([2, 3], [bug({ index: [1, 2], absoluteError: 1, tolerance: 1e-4 })])
    const all = cells(svg)
    expect(all.filter((c) => c.fill === '#f2f2f2')).toHaveLength(5)
    expect(all[5]).toMatchObject({ x: '44', y: '22', fill: '#9b1c1c' })
  })

  it('gives each checked cell a tooltip with its index, verdict and ratio', () => {
    const { svg } = draw([2, 3], [bug({ index: [1, 2], absoluteError: 3, tolerance: 1e-4 }), entry({ index: [0, 0] })])
    expect([...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1])).toEqual(['[0,0] ok 0.0e+0×bound', '[1,2] bug 3.0e+4×bound'])
  })

  it('outlines failing cells, inset and drawn after every cell so no neighbour covers them', () => {
    const { svg } = draw([3], [entry({ index: [0] }), bug({ index: [1] }), entry({ index: [2] })])
    expect(outlines(svg)).toEqual([{ x: '22.75', y: '0.75', width: '20.5', height: '20.5', fill: 'none', stroke: '#000', 'stroke-width': '1.5' }])
    expect(svg.lastIndexOf('fill="none"')).toBeGreaterThan(svg.lastIndexOf('<rect x="44"'))
  })

  it('is the cells, then the outlines, with nothing between them', () => {
    const { svg } = draw([3], [bug({ index: [0] }), entry({ index: [1] }), bug({ index: [2] })])
    const cell = (x: number, fill: string, tip: string): string => `<rect x="${x}" y="0" width="22" height="22" fill="${fill}"><title>${tip}</title></rect>`
    const mark = (x: number): string => `<rect x="${x + 0.75}" y="0.75" width="20.5" height="20.5" fill="none" stroke="#000" stroke-width="1.5"/>`
    expect(svg).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" width="66" height="22" viewBox="0 0 66 22" role="img" aria-label="w">' +
        cell(0, '#9b1c1c', '[0] bug 1.0e+9×bound') + cell(22, '#ebf4ff', '[1] ok 0.0e+0×bound') + cell(44, '#9b1c1c', '[2] bug 1.0e+9×bound') +
        mark(0) + mark(44) + '</svg>',
    )
  })

  // Finding: an entry whose |a − n| is NaN (an analytic derivative that is NaN, from a JVP: reason
  // 'analytic-not-finite') has ratio NaN, so its cell is filled "#NaNNaNNaN" (not a colour) and its tooltip
  // says "NaN×bound"; it fails, and should be drawn like any failure beyond the bound (dark red).
  it('colours a failing cell whose error is NaN as far beyond its bound, not with an invalid colour (was "#NaNNaNNaN")', () => {
    const nan = bug({ analytic: Number.NaN, absoluteError: Number.NaN, tolerance: 1e-9 })
    expect(ratio(nan)).toBe(Infinity)
    expect(cellColour(nan)).toBe('#9b1c1c')
  })

  it('labels the SVG with the escaped tensor name', () => {
    const t = tensor([1])
    const { svg } = heatmap({ ...t.b, name: 'a<"b">' }, t.entries, MAX_CELLS)
    expect(svg).toContain('role="img" aria-label="a&lt;&quot;b&quot;&gt;"')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" class="heatmap"')).toBe(true)
  })
})

describe('heatmap: a tensor larger than its budget', () => {
  it('draws whole leading slices where one fits, and says how many cells of how many', () => {
    const { svg, note } = draw([10, 10], undefined, 35)
    expect(cells(svg)).toHaveLength(30)
    expect(note).toBe('a 10×10 matrix — the first 30 of 100 cells are drawn (the page caps heatmaps to stay small)')
    expect(size(svg)).toEqual([String(10 * 22), String(3 * 22)])
  })

  it('cuts mid-slice when one slice is larger than the budget', () => {
    const { svg, note } = draw([2, 50], [], 30)
    expect(cells(svg)).toHaveLength(30)
    expect(note).toContain('the first 30 of 100 cells')
  })

  it('cuts a strip at the budget exactly, and draws a tensor of exactly the budget whole', () => {
    expect(cells(draw([100], [], 40).svg)).toHaveLength(40)
    const whole = draw([40], [], 40)
    expect(cells(whole.svg)).toHaveLength(40)
    expect(whole.note).toBe('a strip of 40')
  })

  it('counts the failing weights beyond the cut, not those drawn', () => {
    // [3, 0] is flat index 30: the first cell not drawn.
    const entries = [bug({ index: [2, 9] }), bug({ index: [3, 0] }), bug({ index: [5, 0] }), bug({ index: [9, 9] }), entry({ index: [6, 0] })]
    expect(draw([10, 10], entries, 30).note).toMatch(/cells are drawn \(the page caps heatmaps to stay small\); 3 failing beyond them$/)
    expect(draw([10, 10], [bug({ index: [2, 9] }), entry({ index: [6, 0] })], 30).note).toMatch(/to stay small\)$/)
  })

  it('writes large counts with thousands separators', () => {
    expect(draw([5000], [], 4096).note).toBe('a strip of 5000 — the first 4,096 of 5,000 cells are drawn (the page caps heatmaps to stay small)')
  })
})
