/**
 * `npm run stack` (scripts/stack.mjs): starts the real binaries and the demo fleet on loopback, prints
 * the URLs, and on SIGINT (Ctrl-C) stops every process it started and removes its temp dir.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, waitFor } from './support.js';

it('starts the stack, prints the URLs, and stops everything it started on Ctrl-C', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/stack.mjs'), '--fast'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    await waitFor('the stack URLs', async () => out.includes('Ctrl-C stops everything'), 60_000, 200);
    const url = (name: string) => new RegExp(`${name}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(out)![1];
    const urls = {
      exporter: url('exporter'),
      fleet: url('demo fleet'),
      prometheus: url('Prometheus'),
      alertmanager: url('Alertmanager'),
      node: url('node exporter'),
    };
    const dir = /configs, logs (\S+)/.exec(out)![1];
    expect((await fetch(`${urls.exporter}/-/ready`)).ok).toBe(true);
    expect(await (await fetch(`${urls.fleet}/instances`)).json()).toEqual({ count: 2 });
    expect((await fetch(`${urls.prometheus}/-/ready`)).ok).toBe(true);
    expect((await fetch(`${urls.alertmanager}/-/ready`)).ok).toBe(true);
    expect((await fetch(`${urls.node}/metrics`)).ok).toBe(true);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const u of Object.values(urls)) await expect(fetch(`${u}/`), u).rejects.toThrow();
    expect(existsSync(dir)).toBe(false);
  } finally {
    // On failure: Ctrl-C first, so the stack stops what it started; SIGKILL only if that hangs.
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
}, 90_000);
