#!/usr/bin/env node
// `npm start`: the exporter on the example policy and the built-in demo workload, so that
// `npm ci && npm start` works on a fresh clone. The example policy reads the webhook's bearer token
// from HEADROOM_WEBHOOK_TOKEN (scaler.token_env), and `headroom serve` refuses to start when a named
// token source is empty. When the variable is unset, this launcher sets a random token for this run
// only: the webhook stays authenticated (nobody can scale the demo without the token), and the user
// is told how to choose one. `headroom serve` itself never makes a token up.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/headroom.js', import.meta.url));
const env = { ...process.env };
if (!env.HEADROOM_WEBHOOK_TOKEN) {
  env.HEADROOM_WEBHOOK_TOKEN = randomBytes(16).toString('hex');
  process.stderr.write(
    'npm start: HEADROOM_WEBHOOK_TOKEN is unset, so the webhook takes a random token for this run only; ' +
      'set HEADROOM_WEBHOOK_TOKEN to send it notifications\n'
  );
}
const child = spawn(process.execPath, [bin, 'serve', '--config', '../headroom.yml', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
