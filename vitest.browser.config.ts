import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))
// The system's Chromium (Debian's `chromium` package; `.ci/run` installs it): Playwright's own browser
// downloads are not used. CHROMIUM overrides the lookup.
const chromium = process.env.CHROMIUM ?? execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim()

// `npm run test:browser`: test/browser in headless Chromium, against the TypeScript sources like vitest.config.ts.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^gradcheck\/vitest$/, replacement: here('./matchers/vitest.ts') },
      { find: /^gradcheck$/, replacement: here('./src/index.ts') },
    ],
  },
  test: {
    include: ['test/browser/**/*.test.ts'],
    browser: {
      enabled: true,
      headless: true,
      // No sandbox: CI runs as root, where Chromium refuses to start with one. No background networking: no internet.
      provider: playwright({ launchOptions: { executablePath: chromium, args: ['--disable-background-networking', '--no-sandbox'] } }),
      instances: [{ browser: 'chromium' }],
    },
  },
})
