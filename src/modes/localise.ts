import { DIRECTIONS, RATIO } from '../engine/constants.js'
import { type Direction, type DirectionResult, analyticOf, checkDirection, counted, learnCoordinate, partOf } from '../engine/direction.js'
import type { Check } from '../engine/drive.js'
import type { LossStats } from '../engine/noise.js'
import type { Point } from '../engine/point.js'
import type { TensorScale } from '../engine/scale.js'
import type { Judged } from '../engine/verdict.js'
import { sampleIndices, random } from '../random.js'
import type { DirectionTest, Entry } from '../report/types.js'
import { checkCoordinate, entryOf } from './coordinates.js'

/** A part known to disagree: its direction, and a − n along it with the bound, measured or inferred. */
interface Suspect {
  d: Direction
  residual: number
  tol: number
  /** The step its parts start from: a level below the one the measured ancestor settled at, so their sweep's largest step is that one. */
  step: number
}

/** What localising one failing direction found. */
export interface Localised {
  entries: Entry[]
  tests: DirectionTest[]
  /** Every part at depth WHOLE_DEPTH failed: the tensor is wrong as a whole. */
  whole: boolean
  /** The call budget ran out with `atLeast` coordinates known to disagree (each failing part holds one). */
  capped: { atLeast: number } | undefined
  calls: number
}

/** The calls localisation may still spend in this check, shared by every tensor. */
export interface Budget {
  calls: number
}

export function testOf(p: Point, r: DirectionResult, of?: 'random' | 'gradient', inferred = false): DirectionTest {
  const b = p.at.blocks[r.direction.k]!
  return {
    tensor: b.name,
    kind: r.direction.kind,
    size: r.direction.indices.length,
    analytic: r.analytic,
    numeric: r.numeric,
    bound: r.tolerance,
    verdict: r.verdict,
    failed: r.failed,
    kink: r.kink,
    calls: r.calls,
    depth: r.direction.depth,
    ...(of !== undefined ? { of } : {}),
    ...(inferred ? { inferred } : {}),
  }
}

/** A disagreement along a direction that localisation should follow: a bug, or a kink the analytic value lies outside of. */
export const suspicious = (r: DirectionResult): boolean => r.failed && Number.isFinite(r.numeric)

/**
 * Splits a failing direction until single coordinates are found, each then checked one by one
 * (`checkCoordinate`) and reported as an entry. A part is split in halves, each half a direction of
 * its own (the parent's components there, renormalised). Only one half is measured where that
 * suffices: the derivative is linear in the direction, so with parent = wA·A + wB·B, the
 * disagreement of B is (r − wA·rA)/wB within (tol + wA·tolA)/wB — B is convicted without a call when
 * that is beyond its bound, and measured when A is clean (the parent's disagreement must be somewhere).
 * When A disagrees and B's inferred share is within its bound, B is left at the parent's sensitivity.
 * The first WHOLE_DEPTH levels are split breadth first: if every part there disagrees, the error is
 * tensor-wide and named as such (with a few coordinates checked to show it); below, depth first, so
 * several bad coordinates are found one after another until the budget runs out.
 */
export function* localise(p: Point, loss: LossStats, t: TensorScale, top: DirectionResult, checked: Set<number>, budget: Budget): Check<Localised> {
  const out: Localised = { entries: [], tests: [], whole: false, capped: undefined, calls: 0 }
  const frontier: Suspect[] = [{ d: top.direction, residual: top.analytic - top.numeric, tol: top.tolerance, step: top.settled / RATIO }]
  const k = top.direction.k
  const root = top.direction.kind === 'gradient' ? 'gradient' : 'random'
  const spend = function* <T>(check: Check<T>): Check<T> {
    const { value, calls } = yield* counted(check)
    out.calls += calls
    budget.calls -= calls
    return value
  }
  // A coordinate found: checked one by one like a sampled one. Where that check does not convict it,
  // the coordinate is also measured as a direction of its own (v = eᵢ, from the step its part settled
  // at, climbing while round-off dominates): two estimates of one derivative, and the tighter bound
  // decides — in a loss whose noise drowns a coordinate's small steps, the direction sees further.
  const leaf = function* (i: number, step?: number): Check<void> {
    if (checked.has(i)) return
    checked.add(i)
    yield* spend(learnCoordinate(p, k, i))
    let j: Judged & { step: number } = yield* spend(checkCoordinate(p, loss, t, k, i))
    // Not where the coordinate's own steps met a NaN or ±∞: the entry keeps that evidence, and the warning counts it.
    if (!j.failed && step !== undefined && j.steps.every((st) => st.finite || !st.moved)) {
      const own: Direction = { k, kind: 'part', indices: Int32Array.of(i), v: Float64Array.of(1), depth: -1 }
      const r = yield* spend(checkDirection(p, loss, t, own, step))
      if (Number.isFinite(r.numeric) && r.tolerance < j.tolerance) j = { ...r, step: j.step }
    }
    out.entries.push({ ...entryOf(p, k, i, j), found: { by: 'localisation', calls: out.calls } })
  }
  const parts = 2 ** DIRECTIONS.WHOLE_DEPTH
  while (frontier.length > 0) {
    if (budget.calls <= 0) {
      out.capped = { atLeast: out.entries.filter((e) => e.failed).length + frontier.length }
      break
    }
    if (frontier.length === parts && frontier.every((s) => s.d.depth === DIRECTIONS.WHOLE_DEPTH && s.d.indices.length > 1)) {
      out.whole = true
      // A few coordinates, one by one, so the report shows what the error looks like (and hints read it).
      const pool = top.direction.indices.filter((i) => !checked.has(i))
      const shown = sampleIndices(pool.length, Math.max(1, p.options.worst), random(p.options.seed ^ 0x2545f491))
      for (const j of shown) yield* leaf(pool[j]!)
      break
    }
    const s = frontier[0]!.d.depth < DIRECTIONS.WHOLE_DEPTH ? frontier.shift()! : frontier.pop()!
    const m = s.d.indices.length
    if (m === 1) {
      yield* leaf(s.d.indices[0]!, s.step)
      continue
    }
    const mid = Math.floor(m / 2)
    const A = partOf(s.d, 0, mid)
    const B = partOf(s.d, mid, m)
    const rA = yield* spend(checkDirection(p, loss, t, A.part, s.step, false))
    out.tests.push(testOf(p, rA, root))
    const resA = rA.analytic - rA.numeric
    const badA = suspicious(rA)
    const children: Suspect[] = []
    if (badA) children.push({ d: A.part, residual: resA, tol: rA.tolerance, step: rA.settled / RATIO })
    const resB = (s.residual - A.weight * resA) / B.weight
    const tolB = (s.tol + A.weight * rA.tolerance) / B.weight
    if (Number.isFinite(resB) && Math.abs(resB) > tolB) {
      children.push({ d: B.part, residual: resB, tol: tolB, step: rA.settled / RATIO })
      out.tests.push(yield* spend(inferredTest(p, B.part, resB, tolB, root)))
    } else if (!badA) {
      const rB = yield* spend(checkDirection(p, loss, t, B.part, s.step, false))
      out.tests.push(testOf(p, rB, root))
      if (suspicious(rB)) children.push({ d: B.part, residual: rB.analytic - rB.numeric, tol: rB.tolerance, step: rB.settled / RATIO })
    }
    // Depth first below WHOLE_DEPTH: the half pushed last is split next.
    frontier.push(...children.reverse())
  }
  return out
}

/** A part convicted by inference: its analytic derivative is computed, its numeric one is analytic − inferred disagreement. */
function* inferredTest(p: Point, d: Direction, residual: number, tol: number, of: 'random' | 'gradient'): Check<DirectionTest> {
  const a = yield* analyticOf(p, d)
  return {
    tensor: p.at.blocks[d.k]!.name,
    kind: 'part',
    size: d.indices.length,
    analytic: a,
    numeric: a - residual,
    bound: tol,
    verdict: 'bug',
    failed: true,
    kink: false,
    calls: 0,
    depth: d.depth,
    of,
    inferred: true,
  }
}
