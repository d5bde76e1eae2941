// The fresh Jest 30 project's setupFilesAfterEnv, compiled with its tests: registers the matchers and their types.
import 'gradcheck/jest'
