// The setupFilesAfterEnv of the fresh Jest 29 and 30 projects, compiled with their tests: registers the matchers and their types.
import 'gradcheck/jest'
