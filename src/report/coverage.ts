import type { Coverage, DirectionTest, Report, Warning } from './types.js'

/** Notes that fail a check on their own: a disagreement along a direction no coordinate explains, a tensor wrong as a whole, a localisation cut short, an analytic derivative that is not finite. */
const failing = new Set<Warning['kind']>(['unlocalised', 'whole-tensor', 'localisation-capped', 'analytic-not-finite'])

/**
 * The report of a covering mode: the directional tests, how each tensor was covered (in place of the
 * `sampled` warning where directions covered the rest), and the notes of localisation.
 */
export function withCoverage(r: Report, c: { directions: DirectionTest[]; coverage: Coverage[]; notes: Warning[] }): Report {
  const blocks = r.blocks.map((b, k) => ({ ...b, coverage: c.coverage[k]! }))
  const warnings: Warning[] = r.warnings.flatMap((w): Warning[] => {
    if (w.kind !== 'sampled') return [w]
    const k = blocks.findIndex((b) => b.name === w.name)
    if (c.coverage[k] === 'coordinates' || c.coverage[k] === 'sampled') return [w]
    const directions = c.directions.filter((d) => d.tensor === w.name).length
    return [{ kind: 'covered', name: w.name, checked: w.checked, size: w.size, covered: w.size - w.checked, directions }]
  })
  warnings.push(...c.notes)
  // A check whose tensors were all covered by directions only has no entries, yet was measured: it is not unverified for that.
  const measured = c.directions.some((d) => Number.isFinite(d.numeric))
  const unverified = r.entries.length === 0 && measured ? undefined : r.unverified
  const pass = r.failed === 0 && r.loss.deterministic && unverified === undefined && !c.notes.some((n) => failing.has(n.kind))
  return { ...r, pass, unverified, blocks, warnings, directions: c.directions }
}
