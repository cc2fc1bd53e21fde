import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // oclif writes through console.log; the runner must not swallow it.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // e2e suites start real daemons; two cores do not profit from more workers.
    maxWorkers: 2,
  },
})
