#!/usr/bin/env node
// `npm run stack`: the full Headroom stack on loopback without Docker (demo/src/stack/run.ts).
// The launcher is a development tool and runs through tsx; the exporter it starts is the compiled
// bin/headroom.js, built first.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'exporter/scripts/build.mjs')], { stdio: 'inherit' });
const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(root, 'demo/src/bin/stack.ts'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: path.join(root, 'demo'),
  }
);
// Ctrl-C reaches the child through the terminal's process group; a signal sent to this process only is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
