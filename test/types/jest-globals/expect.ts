// The `expect` the shared type tests (../shared/matchers.ts) check: the one of `@jest/globals`, with gradcheck's augmentation.
import 'gradcheck/jest'
export { expect } from '@jest/globals'
