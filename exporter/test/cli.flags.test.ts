/**
 * The command line as a new user meets it: Prometheus-style flags with the short forms kept, log
 * formats, clean errors for a taken port and for bad flags, `npm start -- <flags>`, `headroom`
 * installed outside the checkout, and `plan --at now-1h`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, ROOT, runCli } from './helpers.js';
import { exec, freePort, tempDir, waitFor } from './support/processes.js';

const BIN = path.join(ROOT, 'exporter/bin/headroom.js');
const tmp = tempDir('cli-flags');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Started {
  proc: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function start(cmd: string, args: string[], opts: { cwd?: string; detached?: boolean; token?: boolean } = {}): Started {
  // HEADROOM_WEBHOOK_TOKEN: the example policy's scaler.token_env (left unset with token: false).
  const env: NodeJS.ProcessEnv = { ...process.env, HEADROOM_WEBHOOK_TOKEN: 'cli-test-token' };
  if (opts.token === false) delete env.HEADROOM_WEBHOOK_TOKEN;
  const proc = spawn(cmd, args, {
    cwd: opts.cwd ?? tmp,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached,
    env,
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  proc.stdout!.on('data', () => {});
  return { proc, stderr: () => err, exit: new Promise((r) => proc.once('exit', (code) => r(code))) };
}

async function stop(s: Started, group = false): Promise<number | null> {
  if (s.proc.exitCode === null && s.proc.signalCode === null) {
    if (group) process.kill(-s.proc.pid!, 'SIGTERM');
    else s.proc.kill('SIGTERM');
  }
  return s.exit;
}

const ready = (port: number) =>
  waitFor(`ready on ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok, 20_000);

describe('headroom serve flags', () => {
  it('takes --config.file and --web.listen-address, and logs logfmt with --log.format logfmt', async () => {
    const port = await freePort();
    const s = start(process.execPath, [
      BIN,
      'serve',
      '--config.file',
      EXAMPLE_POLICY,
      '--web.listen-address',
      `127.0.0.1:${port}`,
      '--log.format',
      'logfmt',
    ]);
    try {
      await ready(port);
    } finally {
      expect(await stop(s)).toBe(0);
    }
    const lines = s.stderr().trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toMatch(/^level=(debug|info|warn|error) ts=\d{4}-\d\d-\d\dT[\d:.]+Z msg=/);
    expect(s.stderr()).toContain(`url=http://127.0.0.1:${port}`);
  });

  it('keeps the short forms -c and --listen', async () => {
    const port = await freePort();
    const s = start(process.execPath, [BIN, 'serve', '-c', EXAMPLE_POLICY, '--listen', `127.0.0.1:${port}`]);
    try {
      await ready(port);
    } finally {
      expect(await stop(s)).toBe(0);
    }
    expect(JSON.parse(s.stderr().split('\n')[0])).toMatchObject({ name: 'headroom' });
  });

  it('exits 1 with one clean line when the port is taken (no stack trace)', async () => {
    const taken: Server = createServer();
    const port = await freePort();
    await new Promise<void>((r) => taken.listen(port, '127.0.0.1', () => r()));
    try {
      const s = start(process.execPath, [
        BIN,
        'serve',
        '--config.file',
        EXAMPLE_POLICY,
        '--web.listen-address',
        `127.0.0.1:${port}`,
        '--log.level',
        'error',
      ]);
      const code = await Promise.race([s.exit, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
      if (code === 'still running') await stop(s);
      expect(code).toBe(1);
      expect(s.stderr()).toBe(
        `headroom: --web.listen-address: 127.0.0.1:${port} is already in use (EADDRINUSE); stop what listens there or choose another address\n`
      );
    } finally {
      taken.close();
    }
  });

  it.each([
    {
      args: ['--listen', 'nope'],
      message: 'headroom: --listen: expected host:port such as 127.0.0.1:9778, :9778 or [::1]:9778, got "nope"\n',
    },
    {
      args: ['--web.listen-address', '9778'],
      message:
        'headroom: --web.listen-address: expected host:port such as 127.0.0.1:9778, :9778 or [::1]:9778, got "9778"\n',
    },
    { args: ['--log.format', 'xml'], message: 'headroom: --log.format: expected one of json, logfmt, got "xml"\n' },
  ])('exits 2 naming the flag, not "invalid policy": $args', async ({ args, message }) => {
    const r = await runCli(['serve', '--config.file', EXAMPLE_POLICY, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(message);
  });
});

describe('npm start -- <flags>', () => {
  it('passes the flags to headroom serve (npm start -- --listen 127.0.0.1:<port>)', async () => {
    const port = await freePort();
    const s = start('npm', ['start', '--silent', '--', '--listen', `127.0.0.1:${port}`], { cwd: ROOT, detached: true });
    try {
      await ready(port);
    } finally {
      await stop(s, true);
    }
  }, 60_000);

  it('starts on the example policy with HEADROOM_WEBHOOK_TOKEN unset, and the webhook still demands a token', async () => {
    const port = await freePort();
    const s = start('npm', ['start', '--silent', '--', '--listen', `127.0.0.1:${port}`], {
      cwd: ROOT,
      detached: true,
      token: false,
    });
    try {
      await ready(port);
      expect(s.stderr()).toContain(
        'HEADROOM_WEBHOOK_TOKEN is unset, so the webhook takes a random token for this run only'
      );
      const res = await fetch(`http://127.0.0.1:${port}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(401);
    } finally {
      await stop(s, true);
    }
  }, 60_000);
});

describe('headroom installed outside the checkout', () => {
  it('runs from any directory after `npm install --global ./exporter`', async () => {
    const prefix = path.join(tmp, 'prefix');
    await exec(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        path.join(ROOT, 'exporter'),
      ],
      { cwd: ROOT }
    );
    const elsewhere = tempDir('elsewhere');
    try {
      const { stdout } = await exec(path.join(prefix, 'bin/headroom'), ['check', EXAMPLE_POLICY], { cwd: elsewhere });
      expect(stdout).toContain('OK (1 service');
      // Without installing: npx with the checkout as its prefix.
      const npx = await exec('npx', ['--prefix', ROOT, 'headroom', '--version'], { cwd: elsewhere });
      expect(npx.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('headroom plan --at', () => {
  it.each([
    { at: 'now-1h', back: 3600 },
    { at: 'now-30m', back: 1800 },
    { at: 'now', back: 0 },
  ])('accepts $at as backtest does', async ({ at, back }) => {
    const clock = () => Date.UTC(2026, 10, 27, 12) / 1000;
    const r = await runCli(['plan', '--config', EXAMPLE_POLICY, '--format', 'json', '--at', at], clock);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).generatedAt).toBe(new Date((clock() - back) * 1000).toISOString());
  });

  it('rejects a relative time it cannot read, with the form it expects', async () => {
    const r = await runCli(['plan', '--config', EXAMPLE_POLICY, '--at', 'now-soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('headroom: --at: expected "now-<duration>" such as now-30d, got "now-soon"\n');
  });
});
