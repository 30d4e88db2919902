#!/usr/bin/env node
// `npm run build -w exporter`: builds the contract package the exporter imports
// (packages/contract/dist), then transpiles exporter/src to exporter/dist (ES modules, source maps),
// one output file per source file. Type checking is `npm run typecheck`; this step only strips types, so
// it takes well under a second and `npm start` can run it every time.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync('npm', ['run', 'build', '--silent', '--prefix', path.join(root, '../packages/contract')], {
  stdio: 'inherit',
});
const src = path.join(root, 'src');
const entryPoints = readdirSync(src, { recursive: true })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => path.join(src, f));

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints,
  outdir: path.join(root, 'dist'),
  outbase: src,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
