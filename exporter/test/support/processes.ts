/**
 * Real Prometheus, Alertmanager and Redis for tests (Debian packages), started on loopback with
 * their own data directories and stopped afterwards. See ../../../../shared/TOOLING.md for the facts
 * these timings come from.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const exec = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `headroom-${prefix}-`));
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  intervalMs = 100
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`
  );
}

export interface Running {
  url: string;
  port: number;
  dir: string;
  proc: ChildProcess;
  logs: () => string;
  stop: () => Promise<void>;
}

function launch(cmd: string, args: string[], dir: string, port: number): Running {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `http://127.0.0.1:${port}`, port, dir, proc, logs: () => log, stop };
}

export interface PrometheusOptions {
  /** prometheus.yml contents; `{{DIR}}` is replaced by the data directory (for rule files). */
  config: string;
  /** Extra files to write into the directory first (rule files, backfilled blocks are separate). */
  files?: Record<string, string>;
  /** Directory with TSDB blocks to start from (from backfill()). */
  storage?: string;
  port?: number;
  extraArgs?: string[];
}

export async function startPrometheus(opts: PrometheusOptions): Promise<Running> {
  const dir = tempDir('prom');
  const port = opts.port ?? (await freePort());
  for (const [name, text] of Object.entries(opts.files ?? {}))
    writeFileSync(path.join(dir, name), text.replaceAll('{{DIR}}', dir));
  writeFileSync(path.join(dir, 'prometheus.yml'), opts.config.replaceAll('{{DIR}}', dir));
  const storage = opts.storage ?? path.join(dir, 'data');
  const r = launch(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${storage}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      `--web.external-url=http://127.0.0.1:${port}`,
      // extraArgs may set their own retention (Prometheus refuses a repeated flag).
      ...((opts.extraArgs ?? []).some((a) => a.startsWith('--storage.tsdb.retention.time='))
        ? []
        : ['--storage.tsdb.retention.time=400d']),
      ...(opts.extraArgs ?? []),
    ],
    dir,
    port
  );
  await waitFor(`Prometheus ready on ${port}`, async () => (await fetch(`${r.url}/-/ready`)).ok);
  return r;
}

/** Waits until Prometheus scrapes `n` targets that are up (discovery takes ~5 s after ready). */
export async function waitForTargets(prom: Running, n: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `${n} targets up`,
    async () => {
      const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('count(up == 1)')}`);
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      return Number(body.data.result[0]?.value[1] ?? 0) >= n;
    },
    timeoutMs,
    250
  );
}

export async function startAlertmanager(config: string, port?: number): Promise<Running> {
  const dir = tempDir('am');
  const p = port ?? (await freePort());
  writeFileSync(path.join(dir, 'alertmanager.yml'), config.replaceAll('{{DIR}}', dir));
  const r = launch(
    'prometheus-alertmanager',
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${p}`,
      '--cluster.listen-address=',
      `--web.external-url=http://127.0.0.1:${p}`,
    ],
    dir,
    p
  );
  await waitFor(`Alertmanager ready on ${p}`, async () => (await fetch(`${r.url}/-/ready`)).ok);
  return r;
}

export async function startRedis(port?: number): Promise<Running> {
  const dir = tempDir('redis');
  const p = port ?? (await freePort());
  const r = launch(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    dir,
    p
  );
  await waitFor(`Redis on ${p}`, async () => {
    const { stdout } = await exec('redis-cli', ['-p', String(p), 'ping']);
    return stdout.trim() === 'PONG';
  });
  return { ...r, url: `redis://127.0.0.1:${p}` };
}

/**
 * Backfills OpenMetrics text into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`;
 * returns a storage directory to pass to startPrometheus({ storage }).
 * `text` must end with "# EOF".
 */
export async function backfill(text: string): Promise<string> {
  const dir = tempDir('backfill');
  const input = path.join(dir, 'input.om');
  writeFileSync(input, text.endsWith('# EOF\n') ? text : `${text.trimEnd()}\n# EOF\n`);
  const storage = path.join(dir, 'data');
  // One block per month instead of promtool's default 2 h blocks: 30 days backfill in ~0.5 s instead of ~38 s.
  await exec('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=744h', input, storage], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return storage;
}

/** A tiny HTTP target whose /metrics body the test controls. */
export async function startTarget(
  initial: string
): Promise<{ url: string; port: number; set: (body: string) => void; stop: () => Promise<void> }> {
  const { createServer: createHttp } = await import('node:http');
  let body = initial;
  const srv = createHttp((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(body);
  });
  const port = await freePort();
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    set: (b) => (body = b),
    stop: () => new Promise((r) => srv.close(() => r())),
  };
}
