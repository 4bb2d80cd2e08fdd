import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests spawn real worker processes; on two cores too many forks at once starve them.
    maxWorkers: 2,
    pool: 'forks',
  },
});
