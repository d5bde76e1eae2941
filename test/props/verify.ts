// Verifies the generator itself: `grad` against a 6th-order Richardson extrapolation of central
// differences of the smooth function in float64, with no big intermediates (internal.smooth), at every
// coordinate. Reports the worst relative disagreement, normalised by the tensor's gradient scale.
//   npx tsx test/props/verify.ts [cases = 2000] [first seed = 1]
import { type Case, leavesOf, makeCase } from './generator.js'

export function verifyCase(c: Case): { worst: number; where: string } {
  const p = c.at()
  const g = c.internal.flatGrad(p)
  const xs = c.internal.layout.read(p)
  // A writable copy: read() may return the live storage (typed arrays, arrays); nested arrays return a copy.
  let worst = 0
  let where = ''
  c.tensors.forEach((t, k) => {
    const gs = g[k]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
    for (let i = 0; i < t.size; i++) {
      const x0 = xs[k]![i]!
      const f = (h: number): number => {
        if (t.name === 'at' && t.form === 'number') return c.internal.smooth(x0 + h)
        const q = widen(c.at())
        set(q, c, k, i, x0 + h)
        return c.internal.smooth(q)
      }
      const d = (h: number): number => (f(h) - f(-h)) / (2 * h)
      // Richardson (h, h/2, h/4) at base steps 1e-1 … 1e-5 of the spread; keep the estimate that agrees
      // best with its neighbour (truncation at large steps, round-off at small ones).
      const est: number[] = []
      for (let h = 1e-1 * t.spread; h >= 1e-5 * t.spread; h /= 4) {
        const D1 = d(h), D2 = d(h / 2), D3 = d(h / 4)
        const R1 = (4 * D2 - D1) / 3, R2 = (4 * D3 - D2) / 3
        est.push((16 * R2 - R1) / 15)
      }
      let n = est[0]!
      let best = Infinity
      for (let j = 1; j < est.length; j++) {
        const gap = Math.abs(est[j]! - est[j - 1]!)
        if (gap < best) { best = gap; n = est[j]! }
      }
      // what the round-off of the smooth float64 function allows at the smallest step used
      const roundoff = (Math.abs(f(0)) * 1e-15) / (1e-5 * t.spread)
      const e = Math.max(0, Math.abs(n - g[k]![i]!) - Math.max(best, roundoff)) / Math.max(gs, 1e-300)
      if (e > worst) {
        worst = e
        where = `${t.name}#${i}: grad ${g[k]![i]} numeric ${n} (scale ${gs.toExponential(2)})`
      }
    }
  })
  return { worst, where }
}

/** The same structure with every Float32Array replaced by a Float64Array copy (float32 storage would round x ± h). */
function widen(v: unknown): unknown {
  if (v instanceof Float32Array) return Float64Array.from(v)
  if (Array.isArray(v)) return v.map(widen)
  if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
    const o: Record<string, unknown> = {}
    for (const k of Object.keys(v)) o[k] = widen((v as Record<string, unknown>)[k])
    return o
  }
  return v
}

/** Writes coordinate (k, i) of a structure made by c.at(). */
function set(q: unknown, c: Case, k: number, i: number, v: number): void {
  const t = c.tensors[k]!
  const holder = (): unknown => {
    if (t.name === 'at') return q
    if (t.name.startsWith('[')) return (q as unknown[])[k]
    let h = q as Record<string, unknown>
    for (const s of t.name.split('.')) h = h[s] as Record<string, unknown>
    return h
  }
  const box = holder()
  switch (t.form) {
    case 'number': {
      if (t.name === 'at') throw new Error('bare number: handled by caller')
      const parts = t.name.startsWith('[') ? [String(k)] : t.name.split('.')
      let h = q as Record<string, unknown>
      for (const s of parts.slice(0, -1)) h = h[s] as Record<string, unknown>
      h[parts[parts.length - 1]!] = v
      return
    }
    case 'nested': {
      const C = t.shape[1]!
      ;(box as number[][])[Math.floor(i / C)]![i % C] = v
      return
    }
    case 'datashape':
    case 'datashape32':
    case 'scalarshape':
      ;(box as { data: number[] }).data[i] = v
      return
    default:
      ;(box as number[])[i] = v
  }
}

if (process.argv[1]?.endsWith('verify.ts')) {
  const N = Number(process.argv[2] ?? 2000)
  const first = Number(process.argv[3] ?? 1)
  let bad = 0
  let max = 0
  for (let s = first; s < first + N; s++) {
    const c = makeCase(s)
    const { worst, where } = verifyCase(c)
    max = Math.max(max, worst)
    if (worst > (c.precision === 'float32' ? 1e-4 : 1e-6)) {
      bad++
      console.log(`${c.name} ${worst.toExponential(2)} ${where} | ${c.spec}`)
    }
  }
  console.log(`${bad} cases with a gradient off by > 1e-6 (float64) / 1e-4 (float32) of its tensor's scale; worst ${max.toExponential(2)}`)
  void leavesOf
}

/**
 * The best central difference of the ACTUAL loss (round-off, big intermediates and float32 storage
 * included) at coordinate (k, i): Richardson over (h, h/2, h/4) for base steps h = s_k·4^-j, j = 0…20,
 * keeping the estimate closest to its neighbour. What a checker could have measured; compared with the
 * exact derivative it says whether the evidence was there.
 */
export function idealNumeric(c: Case, k: number, i: number): { numeric: number; gap: number } {
  // gap: the error bound of `numeric` (see below)
  const t = c.tensors[k]!
  const base = c.at()
  const x0 = c.internal.layout.read(base)[k]![i]!
  const f = (h: number): { v: number; h: number } => {
    if (t.name === 'at' && t.form === 'number') return { v: c.loss(x0 + h), h }
    const q = c.at()
    set(q, c, k, i, x0 + h)
    return { v: c.loss(q), h: c.internal.layout.read(q)[k]![i]! - x0 }
  }
  const d = (h: number): number => {
    const p = f(h)
    const m = f(-h)
    return (p.v - m.v) / (p.h - m.h)
  }
  const est: number[] = []
  for (let j = 0; j <= 20; j++) {
    const h = t.spread * 4 ** -j
    const D1 = d(h), D2 = d(h / 2), D3 = d(h / 4)
    const R1 = (4 * D2 - D1) / 3, R2 = (4 * D3 - D2) / 3
    est.push((16 * R2 - R1) / 15)
  }
  // error of estimate j: its gap to the previous one (truncation), and at least 10× the round-off the
  // generator knows (ε·B_k) divided by the smallest step of its triple (a flat staircase has gap 0)
  let n = est[0]!
  let gap = Infinity
  for (let j = 1; j < est.length; j++) {
    const h = (t.spread * 4 ** -j) / 4
    const g = Math.max(Math.abs(est[j]! - est[j - 1]!), (10 * t.noise) / h)
    if (Number.isFinite(g) && g < gap) {
      gap = g
      n = est[j]!
    }
  }
  return { numeric: n, gap }
}
