import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

// The Vitest suite runs the TypeScript sources through the package's own names; the Jest suite
// (jest.config.ts) runs the built dist/ through the package's `exports`, as a user's project would.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^gradcheck\/vitest$/, replacement: here('./matchers/vitest.ts') },
      { find: /^gradcheck\/tfjs$/, replacement: here('./src/tfjs/index.ts') },
      { find: /^gradcheck\/matchers$/, replacement: here('./matchers/index.ts') },
      { find: /^gradcheck$/, replacement: here('./src/index.ts') },
    ],
  },
  test: {
    // Checks are judged by what they report, never by how long they take (speed is `npm run bench`);
    // a loaded 2-core CI machine runs the heavier suites past Vitest's 5 s default.
    testTimeout: 60_000,
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['test/jest/**', 'test/browser/**'],
  },
})
