import type { BlockSummary, Entry } from '../report/types.js'
import { esc } from './plot.js'
import { exp } from './text.js'

/** Heatmap cells drawn at most over all tensors (~100 bytes each); the page says when it cut a tensor short. */
export const MAX_CELLS = 4096

/** How many cells of each tensor are drawn: one budget shared by all tensors, so many tensors cannot exceed it. */
export const cellLimit = (tensors: number): number => Math.max(16, Math.floor(MAX_CELLS / Math.max(1, tensors)))

/** |a − n| ÷ bound: what decides the verdict, so what the colour shows. */
export function ratio(e: Entry): number {
  if (e.absoluteError === 0) return 0
  // A NaN error (an analytic side that is NaN) is as far beyond the bound as any: drawn as the worst.
  const q = e.tolerance > 0 ? e.absoluteError / e.tolerance : Infinity
  return Number.isNaN(q) ? Infinity : q
}

const mix = (a: number[], b: number[], t: number): string =>
  `#${a.map((v, i) => Math.round(v + (b[i]! - v) * t).toString(16).padStart(2, '0')).join('')}`
const clamp01 = (t: number): number => (t < 0 ? 0 : t > 1 ? 1 : t)

/** Blues up to the bound (darker: closer to it), oranges to reds beyond it; kinks and undecided apart. */
export function cellColour(e: Entry): string {
  if (e.verdict === 'kink' && !e.failed) return '#d6bcfa'
  if (e.verdict === 'inconclusive' && !e.failed) return '#a0aec0'
  const r = ratio(e)
  if (r <= 1) return mix([235, 244, 255], [43, 108, 176], clamp01((Math.log10(Math.max(r, 1e-6)) + 6) / 6))
  return mix([246, 173, 85], [155, 28, 28], clamp01(Math.log10(r) / 4))
}

interface Layout {
  /** Position of flat index i (row-major), in cells; gaps between kernels are one cell wide. */
  at(i: number): [number, number]
  cols: number
  rows: number
  /** How the tensor is drawn, in words. */
  form: string
}

/**
 * The tensor's shape as a picture: one cell (scalar), a strip wrapped at 64 (rank 1), a matrix
 * (rank 2), a grid of kh×kw kernels, out rows × in columns (rank 4), else a row of matrices over the
 * last two axes.
 */
function layout(shape: number[], shown: number): Layout {
  if (shape.length === 0) return { at: () => [0, 0], cols: 1, rows: 1, form: 'a scalar' }
  if (shape.length === 1) {
    const wrap = Math.min(shape[0]!, 64)
    return { at: (i) => [i % wrap, Math.floor(i / wrap)], cols: wrap, rows: Math.ceil(shown / wrap), form: `a strip of ${shape[0]}` }
  }
  const kh = shape[shape.length - 2]!
  const kw = shape[shape.length - 1]!
  if (shape.length === 2) return { at: (i) => [i % kw, Math.floor(i / kw)], cols: kw, rows: Math.ceil(shown / kw), form: `a ${kh}×${kw} matrix` }
  const kernels = Math.ceil(shown / (kh * kw))
  // Rank 4: a row per output channel, a column per input channel; with one input channel (a first
  // conv layer) that column would be one kernel wide, so the kernels go side by side instead.
  const wrap = Math.max(1, Math.floor(64 / (kw + 1)))
  const perRow = shape.length === 4 && shape[1]! > 1 ? shape[1]! : Math.min(wrap, shape.length === 4 ? shape[0]! : wrap)
  const at = (i: number): [number, number] => {
    const k = Math.floor(i / (kh * kw))
    const j = i % (kh * kw)
    return [(k % perRow) * (kw + 1) + (j % kw), Math.floor(k / perRow) * (kh + 1) + Math.floor(j / kw)]
  }
  const form = shape.length === 4 ? `${shape[0]}×${shape[1]} kernels (out × in) of ${kh}×${kw}${shape[1] === 1 ? ', side by side' : ''}` : `${shape.slice(0, -2).join('×')} matrices of ${kh}×${kw}`
  return { at, cols: Math.min(kernels, perRow) * (kw + 1) - 1, rows: Math.ceil(kernels / perRow) * (kh + 1) - 1, form }
}

/** The flat (row-major) index of a multi-index. */
const flat = (index: readonly number[], shape: readonly number[]): number => index.reduce((f, v, j) => f * shape[j]! + v, 0)

/**
 * A heatmap of one tensor: every drawn cell coloured by |a − n| ÷ bound, failing cells outlined,
 * unchecked (unsampled) cells light grey. At most `limit` cells, whole leading slices where one fits.
 */
export function heatmap(block: BlockSummary, entries: readonly Entry[], limit: number): { svg: string; note: string } {
  const perSlice = block.shape.length >= 2 ? block.size / block.shape[0]! : 1
  let shown = Math.min(block.size, limit)
  if (shown < block.size && perSlice <= limit) shown = Math.floor(limit / perSlice) * perSlice
  const l = layout(block.shape, shown)
  const cs = Math.max(3, Math.min(22, Math.floor(900 / Math.max(1, l.cols)), Math.floor(600 / Math.max(1, l.rows))))
  const byFlat = new Map<number, Entry>()
  for (const e of entries) byFlat.set(flat(e.index, block.shape), e)
  const cells: string[] = []
  const marks: string[] = []
  let hiddenFailures = 0
  for (const [i, e] of byFlat) if (i >= shown && e.failed) hiddenFailures++
  for (let i = 0; i < shown; i++) {
    const [cx, cy] = l.at(i)
    const x = cx * cs
    const y = cy * cs
    const e = byFlat.get(i)
    if (e === undefined) {
      cells.push(`<rect x="${x}" y="${y}" width="${cs}" height="${cs}" fill="#f2f2f2"/>`)
      continue
    }
    const tip = `[${e.index.join(',')}] ${e.verdict} ${exp(ratio(e))}×bound`
    cells.push(`<rect x="${x}" y="${y}" width="${cs}" height="${cs}" fill="${cellColour(e)}"><title>${esc(tip)}</title></rect>`)
    // The outline goes on top, inset, so a neighbour's fill cannot cover it.
    if (e.failed) marks.push(`<rect x="${x + 0.75}" y="${y + 0.75}" width="${cs - 1.5}" height="${cs - 1.5}" fill="none" stroke="#000" stroke-width="1.5"/>`)
  }
  const w = l.cols * cs
  const h = l.rows * cs
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(block.name)}">${cells.join('')}${marks.join('')}</svg>`
  const cut = shown < block.size ? ` — the first ${shown.toLocaleString('en-US')} of ${block.size.toLocaleString('en-US')} cells are drawn (the page caps heatmaps to stay small)${hiddenFailures > 0 ? `; ${hiddenFailures} failing beyond them` : ''}` : ''
  return { svg, note: `${l.form}${cut}` }
}
