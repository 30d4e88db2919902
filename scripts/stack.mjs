#!/usr/bin/env node
// `npm run stack`: the full Headroom stack on loopback without Docker (see exporter/src/demo-fleet/stack.ts).
// Runs the TypeScript sources through tsx, as bin/headroom.js does.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'exporter/src/demo-fleet/stack.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: path.join(root, 'exporter'),
});
// Ctrl-C reaches the child through the terminal's process group; a signal sent to this process only is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
