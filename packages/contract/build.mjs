#!/usr/bin/env node
// `npm run build -w @headroom/contract`: src/ → dist/index.js, one ES module (esbuild strips the
// types; the package's `types` point at src/, so type checking reads the source).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [path.join(here, 'src/index.ts')],
  outfile: path.join(here, 'dist/index.js'),
  bundle: true,
  platform: 'neutral',
  format: 'esm',
  target: 'es2020',
  sourcemap: true,
  logLevel: 'warning',
});
