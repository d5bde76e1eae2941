import type { Config } from 'jest'

// Runs the same matchers in real Jest 30, against the built package (`npm run build` first):
// `gradcheck/jest` resolves through package.json `exports` like in a user's project.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/jest'],
  testMatch: ['**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/jest/setup.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'CommonJS', moduleResolution: 'Node10', isolatedModules: true, esModuleInterop: true } }] },
  moduleNameMapper: {
    // Sources import with NodeNext's `.js` extensions; Jest resolves the `.ts` file behind them.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^gradcheck$': '<rootDir>/dist/cjs/src/index.js',
    '^gradcheck/(jest|matchers)$': '<rootDir>/dist/cjs/matchers/$1.js',
    '^gradcheck/tfjs$': '<rootDir>/dist/cjs/src/tfjs/index.js',
  },
}

export default config
