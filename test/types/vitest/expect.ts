// The `expect` the shared type tests (../shared/matchers.ts) check: Vitest's, with gradcheck's augmentation.
import 'gradcheck/vitest'
export { expect } from 'vitest'
