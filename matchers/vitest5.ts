// `gradcheck/vitest5`: the same matchers as `gradcheck/vitest`, typed for Vitest 5's `Matchers<R, T>`.
// Its declaration is matchers/vitest5.types.d.ts, copied over the emitted one by scripts/build.mjs:
// it cannot compile beside Vitest 4's `Matchers<T>`, which this repository installs.
import { expect } from 'vitest'
import { matchers } from './index.js'

expect.extend(matchers)
