// Command actuator used by the tests: appends the HEADROOM_* environment and its own argv to the
// log file named by its first argument, one JSON line per call. Exit code from argv[3] (default 0).
import { appendFileSync } from 'node:fs';

const [log, exitCode = '0', sleepMs = '0'] = process.argv.slice(2);
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k.startsWith('HEADROOM_') && !k.startsWith('HEADROOM_TEST'))
);
appendFileSync(log, `${JSON.stringify({ argv: process.argv.slice(2), env })}\n`);
setTimeout(() => process.exit(Number(exitCode)), Number(sleepMs));
