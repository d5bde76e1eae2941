// Type tests of `gradcheck/jest` with `expect` from `@jest/globals` (a program without Vitest), against the built package:
// the shared body (../shared/matchers.ts) with this program's `expect` (./expect.ts), and what only Jest has.
import type { MatcherState as JestState } from 'expect'
import type { MatcherContext } from 'gradcheck/matchers'
import { expectTypeOf } from 'expect-type'

// The matchers' `this` accepts Jest's MatcherState.
expectTypeOf<JestState>().toExtend<MatcherContext>()
