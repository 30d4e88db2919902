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
    // One file at a time: the e2e loop and the Locust run measure timing (trigger windows, response
    // times) with real Prometheus, Alertmanager and exporters, which a second file's processes on a
    // 2-core machine would skew (a p95 830 ms against a 760 ms bound, an exporter not ready in 30 s).
    pool: 'forks',
    fileParallelism: false,
  },
});
