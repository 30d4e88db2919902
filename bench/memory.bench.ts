/**
 * Memory benchmark: RSS of `headroom serve` with 1,000 services over its first 14 refreshes,
 * against a process holding a bare prom-client registry with the same series.
 *
 * RSS is sampled after every refresh. Each refresh replaces ~237,000 series and 1,000 plans, so
 * RSS follows a garbage-collection sawtooth (seen here: 304 → 670 MiB and back within 5 refreshes);
 * one sample "after 10 refreshes" lands anywhere on it. So the figures are the median over
 * refreshes 3–14 (against the floor), the sample at refresh 10, the peak, and the growth of the
 * troughs (the lowest RSS of refreshes 9–14 minus that of refreshes 3–8): a leak raises the troughs,
 * the sawtooth does not.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, median, type Figure } from './common.js';
import { startServeChild } from './serve-child.js';

const exec = promisify(execFile);

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function run(): Promise<Figure[]> {
  const serve = await startServeChild(1000, { interval: '2s' });
  const samples: number[] = [];
  let text = '';
  try {
    for (let n = 1; n <= 14; n++) {
      await until(`refresh ${n}`, () => serve.refreshes() >= n, 120_000);
      if (n === 1) text = await (await fetch(`${serve.url}/metrics`)).text();
      samples.push(rssOf(serve.pid));
    }
  } finally {
    await serve.stop();
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-floor-'));
  const file = path.join(dir, 'scrape.prom');
  writeFileSync(file, text);
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/floor-child.ts'), file], {
    maxBuffer: 1 << 20,
  });
  rmSync(dir, { recursive: true, force: true });
  const floor = (JSON.parse(stdout) as { rss: number }).rss;
  const mb = (b: number) => b / 2 ** 20;
  const steady = samples.slice(2);
  const med = median(steady);
  const growth = mb(Math.min(...samples.slice(8)) - Math.min(...samples.slice(2, 8)));
  return [
    {
      name: 'memory: RSS of headroom serve, 1,000 services, median of refreshes 3–14',
      value: mb(med),
      unit: 'MiB',
      floor: mb(floor),
      ratio: med / floor,
      goal: '≤ 1.5×',
      met: med / floor <= 1.5,
    },
    {
      name: 'memory: RSS after refresh 10 (one point of the GC sawtooth)',
      value: mb(samples[9]),
      unit: 'MiB',
      floor: mb(floor),
      ratio: samples[9] / floor,
    },
    {
      name: 'memory: peak RSS, refreshes 1–14',
      value: mb(Math.max(...samples)),
      unit: 'MiB',
      floor: mb(floor),
      ratio: Math.max(...samples) / floor,
    },
    {
      name: 'memory: growth of the RSS troughs, refreshes 3–8 → 9–14',
      value: growth,
      unit: 'MiB',
      goal: 'flat (< 5 % of RSS)',
      met: growth < mb(med) * 0.05,
    },
  ];
}
