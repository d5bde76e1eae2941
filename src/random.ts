/** mulberry32: a tiny seeded PRNG (Tommy Ettinger's public-domain generator), uniform in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `k` distinct indices of `0 … n-1`, drawn by a partial Fisher–Yates shuffle, in increasing order. */
export function sampleIndices(n: number, k: number, next: () => number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i)
  const pool = Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(next() * (n - i))
    const t = pool[i]!
    pool[i] = pool[j]!
    pool[j] = t
  }
  return pool.slice(0, k).sort((x, y) => x - y)
}
