/** A process holding only a bare prom-client registry with the series of a scrape: the memory floor. */
import { readFileSync } from 'node:fs';
import { bareRegistry } from './floor.js';

const registry = bareRegistry(readFileSync(process.argv[2], 'utf8'));
// Serialize as often as the exporter under test was scraped, then settle.
for (let i = 0; i < 3; i++) await registry.metrics();
await new Promise((r) => setTimeout(r, 500));
process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss }));
