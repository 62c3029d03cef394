import { defineConfig } from 'vitest/config';

/**
 * `npm run test:system`: tests that need Debian packages (the list `.ci/run` installs is
 * `.ci/system-packages`) or the npm registry (the device installed from packed tarballs). They are named `*.system.test.ts`, are left out of `npm test`, and fail —
 * naming the package — when it is missing.
 */
export default defineConfig({
  test: {
    include: [
      'protocol/test/**/*.system.test.ts',
      'trainer/test/**/*.system.test.ts',
      'fleet/test/**/*.system.test.ts',
      'gateway/test/**/*.system.test.ts',
      'device/test/**/*.system.test.ts',
      'test/**/*.system.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
