// Type tests: checked by `npm run typecheck` (tsc), never executed.
import 'gradcheck/vitest'
import type { MatcherState as VitestState } from '@vitest/expect'
import { type Report, checkGradients } from 'gradcheck'
import type { MatcherContext } from 'gradcheck/matchers'
import { expect, expectTypeOf } from 'vitest'

const params = { w: Float64Array.from([1, 2]) }
const loss = (p: typeof params): number => p.w[0]! * p.w[1]!
const asyncLoss = async (p: typeof params): Promise<number> => loss(p)
const grad = (p: typeof params) => ({ w: Float64Array.from([p.w[1]!, p.w[0]!]) })

// A synchronous loss gives a report; an async loss or gradient gives a promise of one.
expectTypeOf(checkGradients(loss, grad, { at: params })).toEqualTypeOf<Report>()
expectTypeOf(checkGradients(asyncLoss, grad, { at: params })).toEqualTypeOf<Promise<Report>>()
expectTypeOf(checkGradients(loss, async (p: typeof params) => grad(p), { at: params })).toEqualTypeOf<Promise<Report>>()

// The matcher is on Vitest's Assertion, with the options typed.
expect(loss).toHaveGradientsMatching(grad, { at: params, rtol: 1e-6, kinks: 'skip', sample: 'all' })
expect(() => loss(params)).not.toHaveGradientsMatching(grad, { at: params })
// @ts-expect-error: `at` is required
expect(loss).toHaveGradientsMatching(grad, {})
// @ts-expect-error: not a method
expect(loss).toHaveGradientsMatching(grad, { at: params, method: 'five-point' })
// @ts-expect-error: not an option
expect(loss).toHaveGradientsMatching(grad, { at: params, tolerance: 1e-3 })
// @ts-expect-error: the loss must receive what `at` is
checkGradients((x: string) => x.length, grad, { at: params })

// The matchers' `this` accepts Vitest's MatcherState.
expectTypeOf<VitestState>().toExtend<MatcherContext>()
