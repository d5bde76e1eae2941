import { describe, expect, it } from 'vitest'
import { random, sampleIndices } from '../../src/random.js'

// mulberry32 as published by Tommy Ettinger (public domain), written here independently of src/random.ts:
// the seeded stream every sampling and noise probe draws from, so a replayed seed must give the very same numbers.
function mulberry32(a: number): () => number {
  return () => {
    let t = (a += 0x6d2b79f5)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const take = (next: () => number, n: number): number[] => Array.from({ length: n }, () => next())

describe('random: mulberry32, uniform in [0, 1)', () => {
  it.each([0, 1, 1849, 42, 0x7fffffff, 0xdeadbeef])('gives the reference stream of mulberry32 for seed %i', (seed) => {
    expect(take(random(seed), 200)).toEqual(take(mulberry32(seed), 200))
  })

  it('gives the same stream for the same seed and a different one for another seed', () => {
    expect(take(random(7), 20)).toEqual(take(random(7), 20))
    expect(take(random(7), 20)).not.toEqual(take(random(8), 20))
  })

  it('reads the seed as an unsigned 32-bit integer: -1 is 2³²−1, 2³² is 0', () => {
    expect(take(random(-1), 10)).toEqual(take(random(0xffffffff), 10))
    expect(take(random(2 ** 32), 10)).toEqual(take(random(0), 10))
    expect(take(random(-1), 10)).toEqual(take(mulberry32(0xffffffff), 10))
  })

  it('stays in [0, 1) and looks uniform: mean 1/2, variance 1/12, each tenth about as full as the others', () => {
    const xs = take(random(1849), 20000)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length
    // Standard errors: 1/√(12·20000) ≈ 0.002 for the mean, ≈ 0.0006 for the variance.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01)
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003)
    const bins = new Array<number>(10).fill(0)
    for (const x of xs) bins[Math.floor(x * 10)]!++
    // 2000 expected per bin, σ ≈ 42.
    for (const b of bins) expect(Math.abs(b - 2000)).toBeLessThan(250)
    expect(new Set(xs).size).toBeGreaterThan(19990)
  })

  it('has no strong correlation between consecutive draws', () => {
    const xs = take(random(3), 10001)
    let c = 0
    for (let i = 0; i < 10000; i++) c += (xs[i]! - 0.5) * (xs[i + 1]! - 0.5)
    // Correlation coefficient c / (n/12), σ ≈ 0.01 for independent draws.
    expect(Math.abs(c / (10000 / 12))).toBeLessThan(0.05)
  })
})

describe('sampleIndices: k distinct indices of 0…n−1 by a partial Fisher–Yates shuffle, increasing', () => {
  it('takes every index, in order, without drawing, when k ≥ n', () => {
    let draws = 0
    const next = (): number => (draws++, 0.5)
    expect(sampleIndices(5, 5, next)).toEqual([0, 1, 2, 3, 4])
    expect(sampleIndices(3, 10, next)).toEqual([0, 1, 2])
    expect(sampleIndices(0, 0, next)).toEqual([])
    expect(draws).toBe(0)
  })

  it('draws once per index taken when k < n', () => {
    let draws = 0
    const r = random(1)
    sampleIndices(100, 7, () => (draws++, r()))
    expect(draws).toBe(7)
  })

  it('with draws of 0 takes the first k (each swap with itself)', () => {
    expect(sampleIndices(10, 3, () => 0)).toEqual([0, 1, 2])
  })

  it('with draws just below 1 swaps with the end of the pool each time: n−1 first, then the indices it displaced', () => {
    // j = 9 every time: [9,…,0] → [9,0,…,1] → [9,0,1,…,2]: the first three, sorted, are [0, 1, 9].
    expect(sampleIndices(10, 3, () => 0.999999)).toEqual([0, 1, 9])
  })

  it('follows the partial shuffle step by step: j = i + ⌊next·(n − i)⌋ swapped with i', () => {
    // n = 6, draws 0.5, 0.25, 0.9: j = 0 + 3 = 3 → pool [3,1,2,0,4,5]; j = 1 + ⌊0.25·5⌋ = 2 → [3,2,1,0,4,5];
    // j = 2 + ⌊0.9·4⌋ = 5 → [3,2,5,0,4,1]: the first three, sorted, are [2, 3, 5].
    const draws = [0.5, 0.25, 0.9]
    expect(sampleIndices(6, 3, () => draws.shift()!)).toEqual([2, 3, 5])
    // A swap moves the displaced index to j: with 0.5 then 0, index 0 (moved to 3) is not drawn again, 1 is.
    const d2 = [0.5, 0]
    expect(sampleIndices(4, 2, () => d2.shift()!)).toEqual([1, 2])
  })

  it('sorts numerically, not as strings', () => {
    // n = 12: j = 10, then 1 and 2 swap with themselves: [10, 1, 2], which as strings would sort to [1, 10, 2].
    const d3 = [10 / 12 + 1e-9, 0, 0]
    expect(sampleIndices(12, 3, () => d3.shift()!)).toEqual([1, 2, 10])
  })

  it('gives k distinct in-range indices for real draws, each index about equally likely', () => {
    const r = random(1849)
    const counts = new Array<number>(20).fill(0)
    for (let t = 0; t < 2000; t++) {
      const s = sampleIndices(20, 5, r)
      expect(new Set(s).size).toBe(5)
      expect(s.every((i) => Number.isInteger(i) && i >= 0 && i < 20)).toBe(true)
      expect([...s].sort((a, b) => a - b)).toEqual(s)
      for (const i of s) counts[i]!++
    }
    // 500 expected per index (2000·5/20), σ ≈ 19.
    for (const c of counts) expect(Math.abs(c - 500)).toBeLessThan(100)
  })
})
