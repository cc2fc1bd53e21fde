import {configDefaults, defineConfig} from 'vitest/config'

export default defineConfig({
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
