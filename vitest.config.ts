import { defineConfig } from 'vitest/config';

// Tests spawn real child processes, a real Prometheus and real HTTP servers: give them room, and
// run files in separate forks so one test's SDK never leaks into another's.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/setup/global.ts'],
    reporters: ['default'],
  },
});
