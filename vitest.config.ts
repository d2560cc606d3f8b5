import { defineConfig } from 'vitest/config';

// One runner for unit, integration (real nats-server) and e2e (real Chromium) tests.
// Integration/e2e tests start their own servers on free loopback ports, so files can run in parallel.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/bench/**', 'node_modules/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['tests/helpers/global-setup.ts'],
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
