/**
 * Memory benchmark: RSS of `headroom serve` with 1,000 services after 10 refreshes, against a
 * process holding a bare prom-client registry with the same series; and the RSS growth between
 * refresh 3 and refresh 10 (flat means no leak).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, type Figure } from './common.js';
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
    for (let n = 1; n <= 10; n++) {
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
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/floor-child.ts'), file], { maxBuffer: 1 << 20 });
  rmSync(dir, { recursive: true, force: true });
  const floor = (JSON.parse(stdout) as { rss: number }).rss;
  const mb = (b: number) => b / 2 ** 20;
  const last = samples[samples.length - 1];
  const growth = mb(last - samples[2]);
  return [
    { name: 'memory: RSS of headroom serve, 1,000 services, after 10 refreshes', value: mb(last), unit: 'MiB', floor: mb(floor), ratio: last / floor, goal: '≤ 1.5×', met: last / floor <= 1.5 },
    { name: 'memory: RSS growth from refresh 3 to 10', value: growth, unit: 'MiB', goal: 'flat (< 5 % of RSS)', met: growth < mb(last) * 0.05 },
  ];
}
