import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Lab tests start real servers; two files at a time suits the 2-core machines this runs on.
    maxWorkers: 2,
    env: { FORCE_COLOR: '0', NO_COLOR: '1' },
    globalSetup: ['test/helpers/run-tmpdir.ts'],
  },
});
