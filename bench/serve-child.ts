/** Starts `headroom serve` as a child process on a policy with n services of the example. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { ROOT } from './common.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export interface ServeChild {
  url: string;
  pid: number;
  /** Refreshes completed so far (counted from the debug log). */
  refreshes: () => number;
  /** The last few KB of its log (for errors). */
  tail: () => string;
  stop: () => Promise<void>;
}

export function policyText(n: number, extra: Record<string, unknown> = {}): string {
  const doc = yaml.load(readFileSync(path.join(ROOT, 'headroom.yml'), 'utf8')) as {
    services: { name: string }[];
    refresh?: unknown;
    scaler?: Record<string, unknown>;
  };
  const svc = doc.services[0];
  doc.services = Array.from({ length: n }, (_, i) => ({ ...svc, name: `svc_${i}` }));
  return yaml.dump({ ...doc, ...extra }, { lineWidth: -1 });
}

export async function startServeChild(
  n: number,
  opts: {
    interval?: string;
    extra?: Record<string, unknown>;
    env?: Record<string, string>;
    logLevel?: string;
    nodeArgs?: string[];
    /** A whole policy document instead of the example's service copied n times (refresh, scaler and extra still apply). */
    policy?: Record<string, unknown>;
    /** How long to wait for /-/ready and the first whole refresh, default 120 s. */
    readyTimeoutMs?: number;
  } = {}
): Promise<ServeChild> {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-bench-'));
  const file = path.join(dir, 'headroom.yml');
  const common = {
    refresh: { interval: opts.interval ?? '1h', history_interval: '1h' },
    scaler: {
      store: { type: 'sqlite', path: path.join(dir, 'state.db') },
      actuator: { type: 'dry-run' },
      token_env: 'HEADROOM_WEBHOOK_TOKEN',
    },
    ...opts.extra,
  };
  writeFileSync(
    file,
    opts.policy ? yaml.dump({ ...opts.policy, ...common }, { lineWidth: -1 }) : policyText(n, common)
  );
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      path.join(ROOT, 'exporter/bin/headroom.js'),
      'serve',
      '--config',
      file,
      '--listen',
      `127.0.0.1:${port}`,
      '--log.level',
      opts.logLevel ?? 'debug',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HEADROOM_WEBHOOK_TOKEN: 'bench-token', ...opts.env },
    }
  );
  let refreshes = 0;
  let log = '';
  // Logs go to stderr (pino, JSON lines); "refresh complete" is logged at debug level.
  const onData = (d: Buffer) => {
    const s = d.toString();
    refreshes += s.split('refresh complete').length - 1;
    log = (log + s).slice(-4000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`headroom serve exited ${child.exitCode}: ${log}`);
    try {
      // /-/ready answers before the first history refit is done; the figures start after it ("refresh complete", debug).
      if ((await fetch(`${url}/-/ready`)).ok && ((opts.logLevel ?? 'debug') !== 'debug' || refreshes > 0)) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL'); // never leave it running behind a failed bench
      throw new Error(`headroom serve not ready: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    refreshes: () => refreshes,
    tail: () => log,
    stop: async () => {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
