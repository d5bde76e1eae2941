// The point, loss and gradients every consumer project checks (test/package.test.ts copies this file beside
// its tests): only `b`'s gradient is wrong in `wrong`, so a failure must name `b`, not `w`.
export type Params = { w: number[]; b: number[] }
export const at = (): Params => ({ w: [0.5, -1, 2], b: [0.25] })
export const loss = (p: Params): number => p.w.reduce((s, v) => s + v ** 3, 0) + p.b[0]! ** 2 * p.w[0]!
export const asyncLoss = async (p: Params): Promise<number> => loss(p)
export const grad = (p: Params) => ({ w: p.w.map((v, i) => 3 * v * v + (i === 0 ? p.b[0]! ** 2 : 0)), b: [2 * p.b[0]! * p.w[0]!] })
/** ∂/∂b off by ×2: one of four weights disagrees. */
export const wrong = (p: Params) => ({ ...grad(p), b: [4 * p.b[0]! * p.w[0]!] })
