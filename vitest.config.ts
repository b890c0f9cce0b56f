import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// At least two test files at once, also on a 2-core machine (vitest's default
// there is one): most of the suite's time is spent waiting on child processes
// (the CLI, traced programs, Chromium), so a second worker nearly halves the
// wall time (on the shared 2-core VM: 906 s with one worker while other jobs
// ran, 406 s with two; the same 600 tests passed).
const workers = Math.max(2, availableParallelism() - 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: workers,
  },
});
