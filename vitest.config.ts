import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'protocol/test/**/*.test.ts',
      'trainer/test/**/*.test.ts',
      'fleet/test/**/*.test.ts',
      'gateway/test/**/*.test.ts',
      'device/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    // Tests that need Debian packages run with `npm run test:system` (vitest.system.config.ts).
    exclude: [...configDefaults.exclude, '**/*.system.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start brokers, wasm sessions and SQLite files; two cores, so two workers.
    maxWorkers: 2,
  },
});
