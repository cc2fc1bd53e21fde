import {fileURLToPath} from 'node:url'
import {configDefaults, defineConfig} from 'vitest/config'

export default defineConfig({
  // A plugin imports berth as berth/driver; in berth's own tests that is this tree's kit (the example plugin's test).
  resolve: {
    alias: [
      {find: /^berth\/driver\/testing$/, replacement: fileURLToPath(new URL('src/driver-kit/testing.ts', import.meta.url))},
      {find: /^berth\/driver$/, replacement: fileURLToPath(new URL('src/driver-kit/index.ts', import.meta.url))},
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // test/live makes real cloud resources: only `npm run test:live` (BERTH_LIVE=1) runs it.
    exclude: [...configDefaults.exclude, ...(process.env.BERTH_LIVE === '1' ? [] : ['test/live/**'])],
    // oclif writes through console.log; the runner must not swallow it.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // e2e suites start real daemons; two cores do not profit from more workers.
    maxWorkers: 2,
  },
})
