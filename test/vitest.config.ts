import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    // First the bundle bin/devenv runs is rebuilt when src/ is newer (end-to-end tests then test the edit
    // too); then this run gets its own directory (state, trust store, hook cache), removed at the end.
    globalSetup: ['./test/rebuild-bundle.ts', './test/global-setup.ts'],
    testTimeout: 60000,
    hookTimeout: 60000,
    pool: 'forks',
    // Two cores: real postgres servers and real shells compete for them.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
