import { DIRECTIONS } from '../engine/constants.js'
import { checkDirection, gradientDirection, learnCoordinate, randomDirection } from '../engine/direction.js'
import type { Check } from '../engine/drive.js'
import { remeasure } from '../engine/noise.js'
import type { Point } from '../engine/point.js'
import { random, sampleIndices } from '../random.js'
import type { Coverage, DirectionTest, Entry, Warning } from '../report/types.js'
import { type Coordinates, entryOf, measured, perTensor } from './coordinates.js'
import { type Budget, localise, suspicious, testOf } from './localise.js'

/** What the covering modes found: the coordinates' entries, every directional test, how each tensor was covered, and notes. */
export interface Covered extends Coordinates {
  directions: DirectionTest[]
  coverage: Coverage[]
  notes: Warning[]
}

/**
 * The error a tensor's coordinates were resolved to one by one: the median estimated error of its entries that
 * passed as ok (undefined without any, as in `'directional'`). The random direction over the rest needs no finer.
 */
function resolutionOf(entries: readonly Entry[], name: string): number | undefined {
  const errs = entries.filter((e) => e.name === name && e.verdict === 'ok' && Number.isFinite(e.estimatedError)).map((e) => e.estimatedError).sort((x, y) => x - y)
  return errs.length === 0 ? undefined : errs[Math.floor(errs.length / 2)]!
}

/**
 * `mode: 'auto'` and `'directional'`. The loss is measured as for `'full'`; in `'auto'` every tensor's
 * sample is then checked one by one, drawn exactly as `'full'` draws it, so a tensor within the
 * sample is checked as before and nothing else. The coordinates left out (all of them in
 * `'directional'`) are covered by a seeded random direction over them, and the whole tensor by its
 * gradient direction. A direction that disagrees is localised (localise.ts) to the coordinates that do,
 * which enter the entries like sampled ones; one whose disagreement no coordinate explains fails the
 * check on its own ('unlocalised'), and one whose analytic derivative is not finite says so
 * ('analytic-not-finite', with the first coordinate localisation found not finite).
 */
export function* checkCovered(declared: Point): Check<Covered> {
  const { p, stats, scales } = yield* measured(declared)
  const own = perTensor(p, scales, stats)
  const { blocks } = p.at
  const directional = p.options.mode === 'directional'
  const next = random(p.options.seed)
  const entries: Entry[] = []
  const checked = blocks.map(() => new Set<number>())
  const sampled = (b: { size: number }): number => (directional ? 0 : Math.min(b.size, p.options.sample === 'all' ? b.size : p.options.sample))
  // Expected calls: 2 a coordinate, ~8 a direction (a sweep and a climb), 1 at the end.
  const firstDirections = blocks.reduce((s, b) => s + (sampled(b) < b.size ? 2 : 0), 0)
  p.progress?.enter('coordinates', 2 * blocks.reduce((s, b) => s + sampled(b), 0) + 8 * firstDirections + 1)
  if (!directional) {
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k]!
      for (const i of sampleIndices(b.size, p.options.sample === 'all' ? b.size : p.options.sample, next)) {
        entries.push(entryOf(p, k, i, yield* own.check(k, i)))
        checked[k]!.add(i)
      }
    }
  }
  const directions: DirectionTest[] = []
  const coverage: Coverage[] = []
  const notes: Warning[] = []
  const budget: Budget = { calls: DIRECTIONS.LOCALISE_CALLS }
  const nextSign = random(p.options.seed ^ 0x85ebca6b)
  p.progress?.enter('directions', 8 * firstDirections + 1)
  for (let k = 0; k < blocks.length; k++) {
    const b = blocks[k]!
    const mine = checked[k]!
    if (mine.size === b.size) {
      coverage.push('coordinates')
      continue
    }
    coverage.push(directional ? 'directions' : 'sampled + directions')
    const rest = new Int32Array(b.size - mine.size)
    for (let i = 0, j = 0; i < b.size; i++) if (mine.size === 0 || !mine.has(i)) rest[j++] = i
    if (rest.length === 1) {
      // One coordinate left: its own check is the direction.
      const i = rest[0]!
      yield* learnCoordinate(p, k, i)
      entries.push(entryOf(p, k, i, yield* own.check(k, i)))
      mine.add(i)
    }
    const all = new Int32Array(b.size)
    for (let i = 0; i < b.size; i++) all[i] = i
    // A point that derives along directions (a JVP) has no gradient to point along.
    const along = p.along === undefined ? gradientDirection(k, all, p.analytic[k]!) : undefined
    for (const which of ['random', 'gradient'] as const) {
      // A tensor already shown to disagree — a failing entry, or its random direction failing where localisation found
      // nothing (capped, unlocalised) — fails the check whatever its gradient direction says: that test is saved, and
      // with it a second note saying the same (was: two identical localisation-capped notes, 26 calls more).
      const failed = entries.some((e) => e.name === b.name && e.failed) || directions.some((d) => d.tensor === b.name && d.failed)
      if (which === 'gradient' && (along === undefined || b.size < 2 || failed)) continue
      if (which === 'random' && rest.length < 2) continue
      const mineStats = yield* own.of(k)
      const r = which === 'random' ? yield* checkDirection(p, mineStats, scales[k]!, randomDirection(k, rest, nextSign), undefined, true, resolutionOf(entries, b.name)) : yield* checkDirection(p, mineStats, scales[k]!, along!)
      directions.push(testOf(p, r))
      // The analytic side itself not finite along the direction (a JVP's NaN or ±∞; a gradient is checked
      // finite before any call): named, with the first coordinate found where it is not finite either.
      const analyticBroken = !Number.isFinite(r.analytic)
      const name = (): void => {
        if (notes.some((n) => n.kind === 'analytic-not-finite' && n.name === b.name)) return
        const at = entries.find((e) => e.name === b.name && !Number.isFinite(e.analytic))
        notes.push({ kind: 'analytic-not-finite', name: b.name, value: r.analytic, direction: r.direction.kind, ...(at ? { path: at.path } : {}) })
      }
      if (!suspicious(r)) {
        if (analyticBroken) name()
        continue
      }
      // A bisection: ~1.5 measured parts a halving, ~6 calls each, then the coordinate.
      p.progress?.enter('localisation', Math.ceil(9 * Math.log2(r.direction.indices.length)) + 8)
      const found = yield* localise(p, mineStats, scales[k]!, r, mine, budget)
      p.progress?.enter('directions', 1)
      entries.push(...found.entries)
      directions.push(...found.tests)
      const failing = found.entries.filter((e) => e.failed).length
      if (found.whole) notes.push({ kind: 'whole-tensor', name: b.name, parts: 2 ** DIRECTIONS.WHOLE_DEPTH })
      if (found.capped) notes.push({ kind: 'localisation-capped', name: b.name, atLeast: found.capped.atLeast, shown: failing })
      if (analyticBroken) name()
      else if (!found.whole && found.capped === undefined && failing === 0) {
        const m = Math.max(Math.abs(r.analytic), Math.abs(r.numeric))
        notes.push(
          r.reason.kind === 'kink'
            ? { kind: 'direction-kink', name: b.name, count: 1 }
            : { kind: 'unlocalised', name: b.name, direction: r.direction.kind, relativeError: m === 0 ? 0 : Math.abs(r.analytic - r.numeric) / m },
        )
      }
    }
  }
  return { point: p, entries, scales, loss: own.closed(yield* remeasure(stats)), directions, coverage, notes }
}
