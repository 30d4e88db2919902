/**
 * `npm run bench`: every figure with its floor and ratio, medians of several runs, measured in one
 * process on this machine. Prints a table and writes bench/results/<timestamp>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, table, type Figure } from './common.js';
import { benchModel } from './model.bench.js';

const only = process.argv[2];
const sections: [string, () => Promise<Figure[]>][] = [['model', () => benchModel()]];
for (const extra of ['startup', 'scrape', 'webhook', 'memory', 'panel', 'forecast', 'forecast-cuts', 'fleet']) {
  sections.push([
    extra,
    async () => {
      try {
        const mod = (await import(`./${extra}.bench.js`)) as { run: () => Promise<Figure[]> };
        return await mod.run();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return [];
        throw e;
      }
    },
  ]);
}

// The benchmarks that start `headroom` run the compiled CLI: build it from these sources first.
execFileSync(process.execPath, [path.join(ROOT, 'exporter/scripts/build.mjs')], { stdio: 'inherit' });
const started = Date.now();
const figures: Figure[] = [];
for (const [name, fn] of sections) {
  if (only && only !== name) continue;
  process.stderr.write(`bench: ${name}…\n`);
  figures.push(...(await fn()));
}
const machine = {
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
console.log(table(figures));
console.log(
  `\n${machine.cpus} × ${machine.model}, ${machine.memoryGb} GB, Node ${machine.node}; ${((Date.now() - started) / 1000).toFixed(0)} s in all`
);
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const file = path.join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), machine, figures }, null, 2));
console.log(`wrote ${path.relative(ROOT, file)}`);
