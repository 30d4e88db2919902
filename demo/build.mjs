#!/usr/bin/env node
// `npm run build -w @headroom/demo`: bundles the demo fleet (src/bin/fleet.ts and the exporter's load
// curve it imports, from source) into one file, dist/fleet.js, with no dependency outside Node: the
// docker-compose `fleet` service runs it (the Dockerfile's `fleet` stage). The stack launcher and the
// deploy generator are development tools and run through tsx.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [path.join(root, 'src/bin/fleet.ts')],
  outfile: path.join(root, 'dist/fleet.js'),
  bundle: true,
  // The exporter's package exports name its TypeScript source under "types".
  conditions: ['types'],
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
