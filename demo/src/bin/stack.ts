/**
 * `npm run stack` (scripts/stack.mjs runs this file through tsx after building the exporter):
 * the full stack on loopback, see ../stack/run.ts for the flags.
 */
import { parseArgs } from 'node:util';
import { runStack } from '../stack/run.js';

const { values } = parseArgs({
  options: {
    fast: { type: 'boolean', default: false },
    duration: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const duration = values.duration === undefined ? undefined : Number(values.duration);
if (duration !== undefined && !(duration > 0)) {
  process.stderr.write(`headroom stack: --duration: expected a positive number of seconds, got "${values.duration}"\n`);
  process.exit(2);
}
process.exitCode = await runStack({
  fast: values.fast!,
  durationSeconds: duration,
  keep: values.keep!,
  log: (s) => process.stdout.write(s),
});
