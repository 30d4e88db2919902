/**
 * One scaler replica in its own process, for the multi-process and kill -9 tests:
 *   node --import tsx test/scaler-fixtures/replica.ts <policy.json>
 * Prints "LISTENING <url>" once it serves. The policy file holds an already validated policy.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { Policy } from '../../src/config/schema.js';
import { startScalerServer } from './app.js';

const policy = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Policy;
const logger = pino({ level: 'info' }, pino.destination(2));
const srv = await startScalerServer({ policy, logger });
process.stdout.write(`LISTENING ${srv.url}\n`);
process.on('SIGTERM', () => {
  void srv.close().then(() => process.exit(0));
});
