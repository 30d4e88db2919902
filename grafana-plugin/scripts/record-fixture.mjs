#!/usr/bin/env node
/**
 * Re-records tests/fixtures/exporter-scrape.prom from a running Headroom exporter, keeping only the
 * headroom_* samples and their HELP/TYPE lines (process and Node metrics are not part of the panel's
 * data contract).
 *
 *   node scripts/record-fixture.mjs --url http://127.0.0.1:9464/metrics [--out tests/fixtures/exporter-scrape.prom]
 *
 * The unit tests and the browser test read this file; after re-recording, run `npm test` and update
 * the expected numbers where the exporter's model changed them.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'tests/fixtures/exporter-scrape.prom') },
    timeout: { type: 'string', default: '10000' },
  },
});

if (!values.url) {
  console.error('usage: node scripts/record-fixture.mjs --url http://127.0.0.1:PORT/metrics [--out FILE]');
  process.exit(2);
}

/** Keeps headroom_* samples and the comment lines that describe them. */
function keepHeadroomLines(text) {
  return text
    .split('\n')
    .filter((line) => /^headroom_/.test(line) || /^# (HELP|TYPE) headroom_/.test(line))
    .join('\n');
}

const response = await fetch(values.url, { signal: AbortSignal.timeout(Number(values.timeout)) }).catch((error) => {
  console.error(`record-fixture: cannot reach ${values.url}: ${error.message}`);
  process.exit(1);
});
if (!response.ok) {
  console.error(`record-fixture: ${values.url} answered ${response.status} ${response.statusText}`);
  process.exit(1);
}
const kept = keepHeadroomLines(await response.text());
const samples = kept.split('\n').filter((line) => line && !line.startsWith('#')).length;
if (samples === 0) {
  console.error(`record-fixture: no headroom_* samples at ${values.url}; is it the Headroom exporter?`);
  process.exit(1);
}
writeFileSync(values.out, kept + '\n');
console.log(`record-fixture: wrote ${samples} headroom_* samples to ${path.relative(process.cwd(), values.out)}`);
