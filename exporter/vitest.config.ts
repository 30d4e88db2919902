import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests read the contract's TypeScript source; the compiled CLI (bin/) reads its dist/.
  resolve: {
    alias: { '@headroom/contract': fileURLToPath(new URL('../packages/contract/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: tests that start real Prometheus/Alertmanager/Redis must not all run at once.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
