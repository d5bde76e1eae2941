// Type tests of `gradcheck/jest` with @types/jest's global `expect` (a program without Vitest), against the built package: checked by
// `npm run typecheck` (scripts/typecheck.mjs) under NodeNext, Bundler and Node10, never executed.
import 'gradcheck/jest'
import type { MatcherState as JestState } from 'expect'
import { type Report, checkGradients } from 'gradcheck'
import type { MatcherContext } from 'gradcheck/matchers'
import { expectTypeOf } from 'expect-type'

const at = { w: [1, 2] }
const loss = (p: { w: number[] }): number => p.w[0]! * p.w[1]!
const asyncLoss = async (p: { w: number[] }): Promise<number> => loss(p)
const grad = (p: { w: number[] }) => ({ w: [p.w[1]!, p.w[0]!] })

// The engine: a report, or a promise of one.
expectTypeOf(checkGradients(loss, grad, { at })).toEqualTypeOf<Report>()
expectTypeOf(checkGradients(asyncLoss, grad, { at })).toEqualTypeOf<Promise<Report>>()

// A synchronous check returns void, an async one (async loss or async grad) a promise to await.
const r: void = expect(loss).toHaveGradientsMatching(grad, { at })
const p: Promise<void> = expect(asyncLoss).toHaveGradientsMatching(grad, { at })
expectTypeOf(expect(loss).toHaveGradientsMatching(grad, { at })).toEqualTypeOf<void>()
expectTypeOf(expect(asyncLoss).toHaveGradientsMatching(grad, { at })).toEqualTypeOf<Promise<void>>()
expectTypeOf(expect(loss).toHaveGradientsMatching(async (q: { w: number[] }) => grad(q), { at })).toEqualTypeOf<Promise<void>>()
expectTypeOf(expect(asyncLoss).not.toHaveGradientsMatching(grad, { at })).toEqualTypeOf<Promise<void>>()
expectTypeOf(expect(loss).not.toHaveGradientsMatching(grad, { at })).toEqualTypeOf<void>()
// @ts-expect-error: an async check is not void
const notVoid: void = expect(asyncLoss).toHaveGradientsMatching(grad, { at })
// @ts-expect-error: a sync check is not a promise
const notPromise: Promise<void> = expect(loss).toHaveGradientsMatching(grad, { at })

// Options are typed, and `at` is what the loss receives.
expect(loss).toHaveGradientsMatching(grad, { at, rtol: 1e-6, kinks: 'skip', sample: 'all' })
expect(() => loss(at)).toHaveGradientsMatching({ w: [2, 1] }, { at: [1, 2, 3] })
// @ts-expect-error: not an option
expect(loss).toHaveGradientsMatching(grad, { at, tolerance: 1e-3 })
// @ts-expect-error: not a kink policy
expect(loss).toHaveGradientsMatching(grad, { at, kinks: 'sometimes' })
// @ts-expect-error: not a method
expect(loss).toHaveGradientsMatching(grad, { at, method: 'five-point' })
// @ts-expect-error: `at` is required
expect(loss).toHaveGradientsMatching(grad, {})
// @ts-expect-error: `at` is not what the loss receives
expect(loss).toHaveGradientsMatching(grad, { at: { v: [1] } })
// @ts-expect-error: the received value must be the loss function, not its value
expect(loss(at)).toHaveGradientsMatching(grad, { at })

// The matchers' `this` accepts Jest's MatcherState.
expectTypeOf<JestState>().toExtend<MatcherContext>()
// Jacobians: sync f → void, async f or VJP → Promise<void>; `at` is what f receives.
const fj = (q: { w: number[] }) => ({ out: q.w.map((v) => 2 * v) })
expectTypeOf(expect(fj).toHaveJacobianMatching([{ w: [2, 0] }, { w: [0, 2] }], { at })).toEqualTypeOf<void>()
expectTypeOf(expect(fj).toHaveJacobianMatching({ vjp: (q: { w: number[] }, u: unknown) => ({ w: q.w }) }, { at, outputSample: 1 })).toEqualTypeOf<void>()
expectTypeOf(expect(async (q: { w: number[] }) => fj(q)).toHaveJacobianMatching({ vjp: () => ({ w: [0, 0] }) }, { at })).toEqualTypeOf<Promise<void>>()
expectTypeOf(expect(fj).toHaveJacobianMatching({ vjp: async () => ({ w: [0, 0] }) }, { at })).toEqualTypeOf<Promise<void>>()
// @ts-expect-error: `at` is not what f receives
expect(fj).toHaveJacobianMatching([], { at: { v: [1] } })
// @ts-expect-error: not an option
expect(fj).toHaveJacobianMatching([], { at, outputs: 3 })

export { r, p, notVoid, notPromise }

// `expect.numericalGradientOf(loss, { at })`: an asymmetric matcher, typed with `at` tied to the loss.
expect({ g: grad(at) }).toEqual({ g: expect.numericalGradientOf(loss, { at }) })
// @ts-expect-error: `at` is not what the loss receives
expect.numericalGradientOf(loss, { at: { v: [1] } })
