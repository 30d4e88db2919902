/**
 * vitest globalSetup: builds dist/ once before the tests, so the tests that run the real
 * `bin/headroom.js` (which runs dist/) test the sources of this checkout, never a stale build.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const exporter = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  execFileSync(process.execPath, [path.join(exporter, 'scripts/build.mjs')], { stdio: 'inherit' });
}
