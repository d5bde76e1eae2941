// The `expect` the shared type tests (../shared/matchers.ts) check: @types/jest's global, with gradcheck's augmentation.
import 'gradcheck/jest'
const globalExpect = expect
export { globalExpect as expect }
