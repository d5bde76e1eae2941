// Type tests of `gradcheck/vitest` in a Vitest-only program, against the built package: the shared body
// (../shared/matchers.ts) with Vitest's `expect` (./expect.ts), and what only Vitest has.
import type { MatcherState as VitestState } from '@vitest/expect'
import type { MatcherContext } from 'gradcheck/matchers'
import { expectTypeOf } from 'vitest'

// The matchers' `this` accepts Vitest's MatcherState.
expectTypeOf<VitestState>().toExtend<MatcherContext>()
