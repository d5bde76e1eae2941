// The type tests every runner's program shares (test/types/<runner>/tsconfig.json includes this file):
// `expect` comes from that program's own `gradcheck-type-test-expect` (its expect.ts, through `paths`),
// so each program loads its own runner's augmentation and no other. Checked by `npm run typecheck`
// (scripts/typecheck.mjs) under NodeNext, Bundler and Node10 against the built package, never executed.
import { type Report, checkGradients } from 'gradcheck'
import { expect } from 'gradcheck-type-test-expect'
import { expectTypeOf } from 'expect-type'

const at = { w: [1, 2] }
const loss = (p: { w: number[] }): number => p.w[0]! * p.w[1]!
const asyncLoss = async (p: { w: number[] }): Promise<number> => loss(p)
const grad = (p: { w: number[] }) => ({ w: [p.w[1]!, p.w[0]!] })

// The engine: a report, or a promise of one.
expectTypeOf(checkGradients(loss, grad, { at })).toEqualTypeOf<Report>()
expectTypeOf(checkGradients(asyncLoss, grad, { at })).toEqualTypeOf<Promise<Report>>()
// @ts-expect-error: the loss must receive what `at` is
checkGradients((x: string) => x.length, grad, { at })

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

// Jacobians: sync f → void, async f, VJP or JVP → Promise<void>; `at` is what f receives.
const fj = (q: { w: number[] }) => ({ out: q.w.map((v) => 2 * v) })
expectTypeOf(expect(fj).toHaveJacobianMatching([{ w: [2, 0] }, { w: [0, 2] }], { at })).toEqualTypeOf<void>()
expectTypeOf(expect(fj).toHaveJacobianMatching({ vjp: (q: { w: number[] }, u: unknown) => ({ w: q.w }) }, { at, outputSample: 1 })).toEqualTypeOf<void>()
expectTypeOf(expect(async (q: { w: number[] }) => fj(q)).toHaveJacobianMatching({ vjp: () => ({ w: [0, 0] }) }, { at })).toEqualTypeOf<Promise<void>>()
expectTypeOf(expect(fj).toHaveJacobianMatching({ vjp: async () => ({ w: [0, 0] }) }, { at })).toEqualTypeOf<Promise<void>>()
expectTypeOf(expect(fj).toHaveJacobianMatching({ jvp: (q: { w: number[] }, v: unknown) => ({ out: q.w }) }, { at })).toEqualTypeOf<void>()
expectTypeOf(expect(fj).toHaveJacobianMatching({ jvp: async () => ({ out: [0, 0] }) }, { at })).toEqualTypeOf<Promise<void>>()
expectTypeOf(expect(fj).not.toHaveJacobianMatching({ jvp: () => ({ out: [0, 0] }) }, { at })).toEqualTypeOf<void>()
// @ts-expect-error: the JVP receives what f receives
expect(fj).toHaveJacobianMatching({ jvp: (q: string) => q }, { at })
// @ts-expect-error: `at` is not what f receives
expect(fj).toHaveJacobianMatching([], { at: { v: [1] } })
// @ts-expect-error: not an option
expect(fj).toHaveJacobianMatching([], { at, outputs: 3 })


// Hessians: sync grad and HVP → void, async grad or HVP → Promise<void>; `at` is what grad receives.
const gh = (q: { w: number[] }) => ({ w: [q.w[1]!, q.w[0]!] })
const hvp = (q: { w: number[] }, v: unknown) => ({ w: [(v as { w: number[] }).w[1]!, (v as { w: number[] }).w[0]!] })
expectTypeOf(expect(gh).toHaveHessianMatching({ hvp }, { at })).toEqualTypeOf<void>()
expectTypeOf(expect(gh).toHaveHessianMatching([{ w: [0, 1] }, { w: [1, 0] }], { at, outputSample: 'all' })).toEqualTypeOf<void>()
expectTypeOf(expect(gh).not.toHaveHessianMatching({ hvp }, { at })).toEqualTypeOf<void>()
expectTypeOf(expect(gh).toHaveHessianMatching({ hvp: async (q: { w: number[] }, v: unknown) => hvp(q, v) }, { at })).toEqualTypeOf<Promise<void>>()
expectTypeOf(expect(async (q: { w: number[] }) => gh(q)).toHaveHessianMatching({ hvp }, { at })).toEqualTypeOf<Promise<void>>()
// @ts-expect-error: an async check is not void
const notVoidHessian: void = expect(gh).toHaveHessianMatching({ hvp: async () => ({ w: [0, 0] }) }, { at })
// @ts-expect-error: not an option
expect(gh).toHaveHessianMatching({ hvp }, { at, tolerance: 1e-3 })
// @ts-expect-error: `at` is not what grad receives
expect(gh).toHaveHessianMatching({ hvp }, { at: { v: [1] } })
// @ts-expect-error: the HVP receives what grad receives
expect(gh).toHaveHessianMatching({ hvp: (q: string) => q }, { at })
// @ts-expect-error: the received value must be the gradient function, not its value
expect(gh(at)).toHaveHessianMatching({ hvp }, { at })

export { r, p, notVoid, notPromise, notVoidHessian }

// `expect.numericalGradientOf(loss, { at })`: an asymmetric matcher, typed with `at` tied to the loss.
expect({ g: grad(at) }).toEqual({ g: expect.numericalGradientOf(loss, { at }) })
// @ts-expect-error: `at` is not what the loss receives
expect.numericalGradientOf(loss, { at: { v: [1] } })
