import { describe, expect, it } from 'vitest'
import { K, RATIO, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import type { Level } from '../../src/engine/differences.js'
import { blurredKink, judgeKink, judgeKinkAt, kinkBase, kinkDistance, kinkEvidence } from '../../src/engine/kinks.js'
import type { Coordinate } from '../../src/engine/scale.js'
import { bound } from '../../src/engine/tolerance.js'

// The kink detector on constructed difference tables: each level is what differences.ts measures,
// computed here from f directly, with the round-off bound of a float64 loss of size ~1.
const u = UNIT_ROUNDOFF.float64
type F = (x: number) => number

/** One central difference of f around x at step s, with its one-sided halves, as `level` builds it. */
const levelOf = (f: F, x: number, s: number, noise = u): Level => {
  const [up, f0, down] = [f(x + s), f(x), f(x - s)]
  const [forward, backward] = [(up - f0) / s, (f0 - down) / s]
  const finite = [up, f0, down].every(Number.isFinite)
  return { kind: 'central', s, central: (up - down) / (2 * s), forward, backward, gap: Math.abs(forward - backward), noise: noise / s, finite, moved: true, forwardOk: finite, backwardOk: finite }
}
/** Levels at h, h/4, h/16, …, smallest step first (the order of the sweep's ladder). */
const ladderOf = (f: F, x: number, h: number, levels = 3, noise = u): Level[] =>
  Array.from({ length: levels }, (_, j) => levelOf(f, x, h / RATIO ** (levels - 1 - j), noise))
const evidence = (ladder: readonly Level[], base = 0): boolean => kinkEvidence(ladder[base]!, ladder[base + 1]!, ladder[base + 2]!)

const relu: F = (x) => Math.max(0, x)
const abs: F = Math.abs
const coordinate = (a: number, kinks: 'subgradient' | 'skip' | 'fail' | 'ignore' = 'subgradient'): Coordinate =>
  ({ a, G: 1, u, options: { atol: 'auto', rtol: 'auto', kinks } }) as unknown as Coordinate

describe('kinkEvidence: a gap that keeps its sign and does not shrink 4× with the step', () => {
  it.each([
    { name: 'ReLU at its kink', f: relu, x: 0 },
    { name: '|x| at its kink', f: abs, x: 0 },
    { name: '|x| with the kink inside the smallest step', f: abs, x: 1e-4 },
    { name: '3·|x| − x plus a smooth term', f: (x: number) => 3 * Math.abs(x) - x + 0.5 * x * x, x: 0 },
  ])('is found: $name', ({ f, x }) => {
    expect(evidence(ladderOf(f, x, 1e-2))).toBe(true)
  })

  it.each([
    { name: 'x²', f: (x: number) => x * x, x: 0.5 },
    { name: 'sin', f: Math.sin, x: 1 },
    { name: 'exp', f: Math.exp, x: -0.3 },
    { name: '|x| away from its kink', f: abs, x: 1 },
    { name: 'a linear function (no gap at all)', f: (x: number) => 3 * x + 1, x: 0.25 },
  ])('is not found for a smooth f: $name', ({ f, x }) => {
    expect(evidence(ladderOf(f, x, 1e-2))).toBe(false)
  })

  it('a gap within its round-off is no evidence: a kink 1e-12 deep drowned in noise', () => {
    const tiny: F = (x) => 1e-12 * Math.abs(x)
    expect(evidence(ladderOf(tiny, 0, 1e-2))).toBe(true)
    expect(evidence(ladderOf(tiny, 0, 1e-2, 3, 1e-8))).toBe(false)
  })

  it('a gap that flips sign from one step to the next is noise, not a kink', () => {
    const [small, mid, large] = ladderOf(abs, 0, 1e-2)
    const flipped: Level = { ...small!, forward: small!.backward, backward: small!.forward }
    expect(kinkEvidence(flipped, mid!, large!)).toBe(false)
  })

  it('a gap that grows as the step shrinks (a staircase) is not a kink', () => {
    const [small, mid, large] = ladderOf(abs, 0, 1e-2)
    const grown: Level = { ...small!, forward: 3 * small!.forward, backward: 3 * small!.backward, gap: 3 * small!.gap }
    expect(kinkEvidence(grown, mid!, large!)).toBe(false)
  })

  it('no evidence from levels that are not finite (a domain edge)', () => {
    const [small, mid, large] = ladderOf(abs, 0, 1e-2)
    expect(kinkEvidence({ ...small!, finite: false }, mid!, large!)).toBe(false)
    expect(kinkEvidence(small!, { ...mid!, finite: false }, large!)).toBe(false)
    // Without the largest level there is nothing to confirm at h: the evidence at h/4 stands alone.
    expect(kinkEvidence(small!, mid!, { ...large!, finite: false })).toBe(true)
  })

  it('weak evidence at h/4 needs its excess at h too; strong evidence stands alone', () => {
    // A gap ratio of 2 between h/4 and h (a smooth f gives 4): excess over the smooth prediction is
    // half the gap. At h the excess then vanishes: the large level's gap is 4× the mid one's.
    const level = (s: number, gap: number, noise: number): Level =>
      ({ kind: 'central', s, central: 0, forward: gap / 2, backward: -gap / 2, gap, noise, finite: true, moved: true, forwardOk: true, backwardOk: true })
    const gapNoiseOf = (noise: number): number => 4 * noise
    const noise = 1
    // Weak: excess at h/4 (gap − mid/4 = gap/2) above KINK_EVIDENCE·gapNoise but below STRONG_KINK times that.
    const weakGap = 3 * K.KINK_EVIDENCE * gapNoiseOf(noise)
    expect(weakGap / 2).toBeGreaterThan(K.KINK_EVIDENCE * gapNoiseOf(noise))
    expect(weakGap / 2).toBeLessThan(K.STRONG_KINK * K.KINK_EVIDENCE * gapNoiseOf(noise))
    const [small, mid] = [level(1, weakGap, noise), level(4, 2 * weakGap, 0)]
    expect(kinkEvidence(small, mid, level(16, 2 * weakGap, 0))).toBe(true)
    expect(kinkEvidence(small, mid, level(16, RATIO * 2 * weakGap, 0))).toBe(false)
    // Strong: the same shape 10× larger needs no confirmation.
    const strongGap = 10 * K.STRONG_KINK * K.KINK_EVIDENCE * gapNoiseOf(noise)
    expect(kinkEvidence(level(1, strongGap, noise), level(4, 2 * strongGap, 0), level(16, RATIO * 2 * strongGap, 0))).toBe(true)
  })
})

describe('kinkBase: the smallest three levels that show a kink', () => {
  it('is 0 when the smallest levels show the kink', () => {
    expect(kinkBase(ladderOf(abs, 0, 1e-2, 5))).toBe(0)
  })

  it('passes over levels drowned in round-off to the first that shows the kink', () => {
    const ladder = ladderOf(abs, 0, 1e-2, 5)
    const drowned = ladder.map((l, j) => (j < 2 ? { ...l, noise: 1e3 * l.gap } : l))
    expect(kinkBase(drowned)).toBe(2)
  })

  it('stops at a smaller level with signal that shows no kink: any kink higher up is not at x', () => {
    // |x − 0.3·h| : the two largest steps straddle the kink, the smallest do not and see a line.
    const offset: F = (x) => Math.abs(x - 0.3 * 1e-2) + 0.5 * x * x
    const ladder = ladderOf(offset, 0, 1e-2, 5)
    expect(kinkBase(ladder)).toBe(0)
    expect(kinkBase(ladderOf((x) => x * x, 0.5, 1e-2, 5))).toBe(0)
    expect(kinkBase(ladderOf(abs, 0, 1e-2, 2))).toBe(0)
  })
})

describe('kinkDistance: where the kink is, from gap(s) − gap(s/4) = 3·J·d/s', () => {
  const s = 1e-2
  it.each([0.1, 0.15, 0.2, 0.24])('finds a kink at d = %s·s/4 from x', (share) => {
    const d = (share * s) / RATIO
    const [narrow, wide] = [levelOf(relu, -d, s / RATIO), levelOf(relu, -d, s)]
    expect(kinkDistance(wide, narrow)).toBeCloseTo(d, 12)
  })

  it('is 0 for a kink at x, and for one nearer than KINK_AT_X of the smaller step', () => {
    expect(kinkDistance(levelOf(relu, 0, s), levelOf(relu, 0, s / RATIO))).toBe(0)
    const near = 0.5 * K.KINK_AT_X * (s / RATIO)
    expect(kinkDistance(levelOf(relu, -near, s), levelOf(relu, -near, s / RATIO))).toBe(0)
  })

  it('is never beyond the smaller step, nor negative', () => {
    const grown = { ...levelOf(relu, 0, s / RATIO) }
    expect(kinkDistance(levelOf(relu, 0, s), { ...grown, gap: 2 * grown.gap })).toBe(0)
    const [wide, narrow] = [levelOf(relu, -0.9 * s, s), levelOf(relu, -0.9 * s, s / RATIO)]
    expect(kinkDistance(wide, narrow)).toBeLessThanOrEqual(narrow.s)
    expect(kinkDistance(wide, narrow)).toBeGreaterThan(0)
  })
})

describe('judgeKink: any value between the one-sided slopes is a subgradient', () => {
  // 3·|x| − x at 0: slopes −4 and 2.
  const f: F = (x) => 3 * Math.abs(x) - x
  const [small, mid] = ladderOf(f, 0, 1e-2, 2)
  const judged = (a: number, kinks?: 'subgradient' | 'skip' | 'fail') => judgeKink(coordinate(a, kinks), small!, mid!, 0, Math.abs(a))

  it.each([-4, -1, 0, 2])('accepts %s, reporting the slopes, the step and a kink at x', (a) => {
    const j = judged(a)
    expect(j).toMatchObject({ verdict: 'kink', failed: false, kink: true, numeric: small!.central, reason: { kind: 'kink', outcome: 'accepted', distance: 0, step: small!.s } })
    expect(j.slopes![0]).toBeCloseTo(-4, 12)
    expect(j.slopes![1]).toBeCloseTo(2, 12)
  })

  it.each([-4.5, 2.5, 10])('calls %s, outside the slopes, a bug', (a) => {
    expect(judged(a)).toMatchObject({ verdict: 'bug', failed: true, reason: { kind: 'kink', outcome: 'outside' } })
  })

  it('a value outside by less than the slack (round-off and the slopes\' drift) is still inside', () => {
    const slack = judged(2).tolerance
    expect(slack).toBeGreaterThan(0)
    expect(slack).toBeGreaterThanOrEqual(bound(coordinate(2), 2 * small!.noise, 2))
    expect(judged(2 + slack / 2).verdict).toBe('kink')
    expect(judged(2 + 2 * slack).verdict).toBe('bug')
    expect(judged(-4 - slack / 2).verdict).toBe('kink')
    expect(judged(-4 - 2 * slack).verdict).toBe('bug')
  })

  it("kinks: 'fail' fails a subgradient, 'skip' skips it; a value outside is a bug either way", () => {
    expect(judged(0, 'fail')).toMatchObject({ verdict: 'kink', failed: true, reason: { outcome: 'failed' } })
    expect(judged(0, 'skip')).toMatchObject({ verdict: 'kink', failed: false, reason: { outcome: 'skipped' } })
    expect(judged(5, 'fail')).toMatchObject({ verdict: 'bug', failed: true, reason: { outcome: 'outside' } })
    expect(judged(5, 'skip')).toMatchObject({ verdict: 'bug', failed: true, reason: { outcome: 'outside' } })
  })

  it('the slack grows with how far the one-sided slopes drift between the two steps', () => {
    // A smooth curvature beside the kink moves the one-sided slopes by f″·s between steps.
    const curved: F = (x) => 3 * Math.abs(x) - x + 50 * x * x
    const [cs, cm] = ladderOf(curved, 0, 1e-2, 2)
    expect(judgeKink(coordinate(0), cs!, cm!, 0, 0).tolerance).toBeGreaterThan(judged(0).tolerance)
  })
})

describe('judgeKinkAt: a kink at x judged where its interval is tightest', () => {
  // 3·|x| − x at 0 with round-off 1e-10 (each level's noise 1e-10/s): the smallest step has the most.
  const f: F = (x) => 3 * Math.abs(x) - x
  const ladder = ladderOf(f, 0, 1e-2, 4, 1e-10)
  const judged = (a: number, l = ladder) => judgeKinkAt(coordinate(a), l, 0, 0, Math.abs(a))

  it('goes up the levels that show the same kink at x and keeps the least slack', () => {
    const lowest = judgeKink(coordinate(2), ladder[0]!, ladder[1]!, 0, 2)
    const j = judged(2)
    expect(j).toMatchObject({ verdict: 'kink', failed: false, reason: { kind: 'kink', distance: 0 } })
    expect(j.tolerance).toBeLessThan(lowest.tolerance / 4)
    expect(j.reason).toMatchObject({ step: ladder[2]!.s })
    // Negative control: a value the smallest level's slack would take, outside the tightest interval, is a bug.
    const a = 2 + lowest.tolerance / 2
    expect(judgeKink(coordinate(a), ladder[0]!, ladder[1]!, 0, a).verdict).toBe('kink')
    expect(judged(a)).toMatchObject({ verdict: 'bug', failed: true, reason: { outcome: 'outside' } })
  })

  it('stops at a level whose pair no longer shows the kink at x (a second kink further out)', () => {
    // A second kink at 3e-3 is straddled by the two largest steps (4e-3 … 1e-2): their pair is not at x.
    const g: F = (x) => f(x) + 5 * Math.abs(x - 3e-3)
    const two = ladderOf(g, 0, 1e-2, 4, 1e-10)
    expect(kinkDistance(two[3]!, two[2]!)).toBeGreaterThan(0)
    const j = judged(2, two)
    expect(j.reason).toMatchObject({ kind: 'kink', distance: 0 })
    expect((j.reason as { step: number }).step).toBeLessThan(two[2]!.s)
  })
})

describe('blurredKink: a kink round-off hides from the kink detector', () => {
  const f: F = (x) => 3 * Math.abs(x) - x
  it('is found at the smallest steps where the gap holds and the slopes hold still, and judged as a kink', () => {
    const ladder = ladderOf(f, 0, 1e-2, 4)
    expect(blurredKink(coordinate(0), ladder, 0, 0)).toMatchObject({ verdict: 'kink', failed: false, kink: true })
    expect(blurredKink(coordinate(0, 'fail'), ladder, 0, 0)).toMatchObject({ verdict: 'kink', failed: true })
  })

  it('is not found for a smooth f (its gap grows 4× per level)', () => {
    expect(blurredKink(coordinate(1), ladderOf(Math.exp, 0, 1e-2, 4), 0, 1)).toBeUndefined()
  })

  it('a value outside the slopes is not a blurred kink: the caller calls it a bug', () => {
    expect(blurredKink(coordinate(5), ladderOf(f, 0, 1e-2, 4), 0, 5)).toBeUndefined()
  })

  it('is not found where the gap is within its noise, or the slopes wander from step to step', () => {
    expect(blurredKink(coordinate(0), ladderOf(f, 0, 1e-2, 4, 1e-1), 0, 0)).toBeUndefined()
    // Both slopes move by 10 per level, the gap stays: a drift of 10/3 per level, beyond BLUR_DRIFT of the gap of 6.
    const wandering = ladderOf(f, 0, 1e-2, 4).map((l, j) => ({ ...l, forward: l.forward + 10 * j, backward: l.backward + 10 * j }))
    expect(10 / (RATIO - 1)).toBeGreaterThan(K.BLUR_DRIFT * wandering[0]!.gap)
    expect(blurredKink(coordinate(0), wandering, 0, 0)).toBeUndefined()
  })

  it('looks only at the two smallest steps, and skips levels that are not finite', () => {
    const smooth = ladderOf(Math.exp, 0, 1e-2, 2)
    const kinked = ladderOf(f, 0, 1e-2, 2)
    expect(blurredKink(coordinate(0), [...smooth, ...kinked], 0, 0)).toBeUndefined()
    const [a, b, c] = ladderOf(f, 0, 1e-2, 3)
    expect(blurredKink(coordinate(0), [{ ...a!, finite: false }, b!, c!], 0, 0)).toMatchObject({ verdict: 'kink' })
    expect(blurredKink(coordinate(0), [{ ...a!, finite: false }, { ...b!, finite: false }, c!], 0, 0)).toBeUndefined()
  })

  it('stops at the smallest level with signal: one that grows like a smooth f’s resolves f at x, and the kink above is not asked', () => {
    // Smallest step: exp's gap (6e-4, far above its noise) grows 1600× to the next, kinked, level. Was: that level and
    // the one above it, whose gaps hold, made a blurred kink at x and accepted 0 between their slopes.
    const [, k1, k2] = ladderOf(f, 0, 1e-2, 3)
    const [s0] = ladderOf(Math.exp, 0, 1e-2, 3)
    expect(s0!.gap).toBeGreaterThan(K.KINK_EVIDENCE * 4 * s0!.noise)
    expect(blurredKink(coordinate(0), [s0!, k1!, k2!], 0, 0)).toBeUndefined()
    // Control: the same two kinked levels above a smallest level round-off hides (not finite here) are a kink.
    expect(blurredKink(coordinate(0), [{ ...s0!, finite: false }, k1!, k2!], 0, 0)).toMatchObject({ verdict: 'kink' })
  })
})

describe('the slopes\' drift between two steps', () => {
  // Constructed levels with no round-off: slopes 2 and −4 at the smaller step, one of them moved at the larger.
  const level = (s: number, forward: number, backward: number): Level =>
    ({ kind: 'central', s, central: (forward + backward) / 2, forward, backward, gap: Math.abs(forward - backward), noise: 0, finite: true, moved: true, forwardOk: true, backwardOk: true })
  const small = level(1, 2, -4)

  it('judgeKink allows a third of the drift of either slope (a first-order truncation shrinking 4× per level)', () => {
    for (const mid of [level(4, 2 + 6, -4), level(4, 2, -4 - 6)]) {
      expect(judgeKink(coordinate(0), small, mid, 0, 0).tolerance).toBe(bound(coordinate(0), 6 / (RATIO - 1), 0))
    }
  })

  it('blurredKink: slopes that drift by less than BLUR_DRIFT of the gap over the RATIO − 1 of one level are a kink still; more is not', () => {
    // Gap 6, BLUR_DRIFT·gap = 3: a drift of 6 (a third: 2) holds still, one of 12 (a third: 4) wanders, on either slope.
    expect(K.BLUR_DRIFT * small.gap).toBeGreaterThan(6 / (RATIO - 1))
    expect(K.BLUR_DRIFT * small.gap).toBeLessThan(12 / (RATIO - 1))
    expect(blurredKink(coordinate(0), [small, level(4, 2, 2)], 0, 0)).toMatchObject({ verdict: 'kink' })
    expect(blurredKink(coordinate(0), [small, level(4, 2 - 12, -4)], 0, 0)).toBeUndefined()
    expect(blurredKink(coordinate(0), [small, level(4, 2, -4 + 12)], 0, 0)).toBeUndefined()
  })

  it('blurredKink never reads past the end of a short ladder', () => {
    expect(blurredKink(coordinate(1), ladderOf(Math.exp, 0, 1e-2, 2), 0, 1)).toBeUndefined()
    expect(blurredKink(coordinate(1), ladderOf(Math.exp, 0, 1e-2, 1), 0, 1)).toBeUndefined()
  })
})

describe('kinkBase stops at the first small level with signal', () => {
  it('a kink at 1e-4 from x, straddled by all but the smallest step, is not at x: the base stays 0', () => {
    const offset: F = (x) => Math.abs(x - 1e-4) + 0.5 * x * x
    const ladder = ladderOf(offset, 0, 1e-2, 5)
    // The larger steps do show it: without the stop the search would move up to them.
    expect(evidence(ladder, 1)).toBe(true)
    expect(evidence(ladder, 0)).toBe(false)
    expect(kinkBase(ladder)).toBe(0)
  })
})
