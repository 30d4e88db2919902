import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const exporterDir = fileURLToPath(new URL('../exporter/', import.meta.url));
const exporterExports = JSON.parse(readFileSync(`${exporterDir}package.json`, 'utf8')).exports as Record<
  string,
  string | { types: string }
>;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export default defineConfig({
  // Tests read the TypeScript source of the exporter and the contract (each package's "types" export),
  // as the exporter's own tests do; the compiled CLI (exporter/bin/) reads exporter/dist.
  resolve: {
    alias: [
      {
        find: /^@headroom\/contract$/,
        replacement: fileURLToPath(new URL('../packages/contract/src/index.ts', import.meta.url)),
      },
      ...Object.entries(exporterExports).flatMap(([subpath, target]) =>
        typeof target === 'string'
          ? []
          : [
              {
                find: new RegExp(`^@headroom/exporter${escape(subpath.slice(1)).replace('\\*', '(.+)')}$`),
                replacement: exporterDir + target.types.slice(2).replace('*', '$1'),
              },
            ]
      ),
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The tests run the real `exporter/bin/headroom.js`, which runs exporter/dist: build it once first.
    globalSetup: ['../exporter/test/support/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: tests that start real Prometheus/Alertmanager must not all run at once.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
