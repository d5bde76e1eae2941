// Type tests for Jest's augmentation: checked by `npm run typecheck` (tsc), never executed.
import 'gradcheck/jest'
import { expect } from '@jest/globals'
import type { MatcherState as JestState } from 'expect'
import type { MatcherContext } from 'gradcheck/matchers'

const params = { w: [1, 2] }
const loss = (p: typeof params): number => p.w[0]! * p.w[1]!
const grad = (p: typeof params) => ({ w: [p.w[1]!, p.w[0]!] })

expect(loss).toHaveGradientsMatching(grad, { at: params, atol: 1e-9 })
expect(loss).not.toHaveGradientsMatching(grad, { at: params })
// @ts-expect-error: not a kink policy
expect(loss).toHaveGradientsMatching(grad, { at: params, kinks: 'sometimes' })

// The matchers' `this` accepts Jest's MatcherState.
const jestState = {} as JestState
export const context: MatcherContext = jestState
