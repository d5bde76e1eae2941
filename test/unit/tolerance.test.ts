import { describe, expect, it } from 'vitest'
import { K, NEGLIGIBLE, UNIT_ROUNDOFF } from '../../src/engine/constants.js'
import type { Coordinate } from '../../src/engine/scale.js'
import { agree, bound, coarse, share, weak } from '../../src/engine/tolerance.js'

// The pass rule of docs/numerics.md §1, "The pass rule", unit by unit: only the fields tolerance.ts reads.
const u = UNIT_ROUNDOFF.float64
const coordinate = (fields: { a?: number; G?: number; atol?: number | 'auto'; rtol?: number | 'auto' } = {}): Coordinate =>
  ({ a: fields.a ?? 1, G: fields.G ?? 1, u, options: { atol: fields.atol ?? 'auto', rtol: fields.rtol ?? 'auto' } }) as unknown as Coordinate

/** The smallest err ≥ `start` (within a few ulps of it) whose share is exactly `target`: the boundary itself. */
const errAtShare = (c: Coordinate, n: number, negligible: number, target: number, start: number): number => {
  let err = start * (1 - 4 * Number.EPSILON)
  for (let i = 0; i < 16 && share(c, n, err, negligible) < target; i++) err += start * Number.EPSILON
  expect(share(c, n, err, negligible)).toBe(target)
  return err
}

describe('bound: |a − n| ≤ atol + rtol·max(|a|, |n|)', () => {
  it('automatic: atol = SAFETY·E + ANALYTIC_ULPS·u·G and rtol = ANALYTIC_ULPS·u, as derived in docs/numerics.md', () => {
    const c = coordinate({ G: 3 })
    const [err, m] = [1e-6, 2]
    expect(bound(c, err, m)).toBeCloseTo(K.SAFETY * err + K.ANALYTIC_ULPS * u * 3 + K.ANALYTIC_ULPS * u * m, 20)
  })

  it('allows the analytic side its own round-off on the gradient scale when the numeric error is 0', () => {
    expect(bound(coordinate({ G: 1 }), 0, 0)).toBeGreaterThan(0)
    expect(bound(coordinate({ G: 1e6 }), 0, 0)).toBe(1e6 * bound(coordinate({ G: 1 }), 0, 0))
    expect(bound(coordinate({ G: 0 }), 0, 0)).toBe(0)
  })

  it('grows with the estimated error, the gradient scale and the size of the derivative', () => {
    const c = coordinate()
    expect(bound(c, 2e-6, 1)).toBeGreaterThan(bound(c, 1e-6, 1))
    expect(bound(c, 1e-6, 2)).toBeGreaterThan(bound(c, 1e-6, 1))
    expect(bound(coordinate({ G: 2 }), 1e-6, 1)).toBeGreaterThan(bound(c, 1e-6, 1))
  })

  it('a given atol replaces the whole absolute part (the numerical error too); a given rtol only the relative part', () => {
    const fixedAtol = coordinate({ atol: 1e-3, G: 5 })
    expect(bound(fixedAtol, 1, 0)).toBe(1e-3)
    expect(bound(fixedAtol, 0, 2)).toBe(1e-3 + K.ANALYTIC_ULPS * u * 2)
    const fixedRtol = coordinate({ rtol: 0.1 })
    expect(bound(fixedRtol, 0, 2)).toBe(bound(coordinate(), 0, 0) + 0.2)
    expect(bound(coordinate({ atol: 0, rtol: 0 }), 1, 1)).toBe(0)
  })
})

describe('share: the part of the derivative an error allows', () => {
  it('is SAFETY·err over the larger of |a| and |n|, whichever side is larger', () => {
    expect(share(coordinate({ a: 1 }), 10, 1, 0)).toBe((K.SAFETY * 1) / 10)
    expect(share(coordinate({ a: -10 }), 1, 1, 0)).toBe((K.SAFETY * 1) / 10)
  })

  it('is 0, never ∞ or NaN, when both sides are 0 (even against a zero gradient scale)', () => {
    expect(share(coordinate({ a: 0, G: 0 }), 0, 1, NEGLIGIBLE.weak)).toBe(0)
    expect(share(coordinate({ a: 0, G: 1 }), 0, 1, NEGLIGIBLE.weak)).toBe(0)
  })

  it('is 0 for a derivative negligible beside the gradient scale, and counts from exactly the threshold on', () => {
    const c = (a: number): Coordinate => coordinate({ a, G: 2 })
    expect(share(c(0.99), 0.99, 1, 0.5)).toBe(0)
    expect(share(c(1), 1, 1, 0.5)).toBe(K.SAFETY)
  })
})

describe('weak and coarse: estimates that allow too much of the derivative', () => {
  it('weak from exactly WEAK of the derivative on', () => {
    const c = coordinate({ a: 1, G: 1 })
    const err = errAtShare(c, 1, NEGLIGIBLE.weak, K.WEAK, K.WEAK / K.SAFETY)
    expect(weak(c, 1, err)).toBe(true)
    expect(weak(c, 1, err / 2)).toBe(false)
    expect(weak(c, 1, 0)).toBe(false)
  })

  it('coarse from exactly COARSE of the derivative on', () => {
    const c = coordinate({ a: 1, G: 1 })
    const err = errAtShare(c, 1, NEGLIGIBLE.coarse, K.COARSE, K.COARSE / K.SAFETY)
    expect(coarse(c, 1, err)).toBe(true)
    expect(coarse(c, 1, err / 2)).toBe(false)
  })

  it('a negligible derivative is judged against the gradient scale: neither weak nor coarse', () => {
    const c = coordinate({ a: 1e-9, G: 1 })
    expect(weak(c, 1e-9, 1)).toBe(false)
    expect(coarse(c, 1e-9, 1)).toBe(false)
  })
})

describe('agree: the one rule for two estimates', () => {
  it('agree when they differ by up to AGREE times the sum of their bounds, and not beyond', () => {
    expect(agree(0, 0.5, K.AGREE, 0.5)).toBe(true)
    expect(agree(K.AGREE, 0.5, 0, 0.5)).toBe(true)
    expect(agree(0, 0.5, K.AGREE * (1 + 1e-9), 0.5)).toBe(false)
    expect(agree(1, 0, 1, 0)).toBe(true)
    expect(agree(1, 0, 1 + 1e-15, 0)).toBe(false)
  })
})
