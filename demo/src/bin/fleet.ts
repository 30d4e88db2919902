/**
 * `node demo/dist/fleet.js (or tsx demo/src/bin/fleet.ts) [--listen host:port] [--instances n] [--users n] [--max n]
 * [--spend-offset x] [--token-env NAME]`: runs the demo fleet until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startFleet } from '../fleet/server.js';

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:9779' },
    instances: { type: 'string', default: '2' },
    users: { type: 'string', default: '100' },
    max: { type: 'string', default: '50' },
    'spend-offset': { type: 'string', default: '0' },
    'token-env': { type: 'string' },
  },
});

function num(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`demo-fleet: --${flag}: expected a non-negative number, got "${v}"\n`);
    process.exit(2);
  }
  return n;
}

const m = /^(.*):(\d+)$/.exec(values.listen!);
if (!m) {
  process.stderr.write(`demo-fleet: --listen: expected host:port, got "${values.listen}"\n`);
  process.exit(2);
}
const token = values['token-env'] ? process.env[values['token-env']] : undefined;
const fleet = await startFleet(
  { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) },
  {
    instances: num('instances', values.instances!),
    users: num('users', values.users!),
    maxInstances: num('max', values.max!),
    spendOffset: num('spend-offset', values['spend-offset']!),
    token,
  }
);
process.stdout.write(
  `demo fleet on ${fleet.url} (${fleet.state().instances} instances, ${fleet.state().users} users)\n`
);
const stop = () => void fleet.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
