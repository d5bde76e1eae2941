// The `expect` the shared type tests (../shared/matchers.ts) check: Jest 29's `expect` package, with gradcheck's augmentation.
import 'gradcheck/jest'
export { expect } from 'expect'
