/**
 * `headroom serve` on the built-in demo workload: routes, the scaler's in-process API, reload
 * (POST /-/reload and SIGHUP), graceful shutdown, TLS and basic auth from --web.config.file.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/config/defaults.js';
import type { DecisionState } from '../src/model/decision.js';
import { startServe, type ServeHandle } from '../src/server/index.js';
import type { ScalerApi, ScalerOptions } from '../src/server/scaler-api.js';
import { ROOT, runCli } from './helpers.js';
import { exec, freePort, tempDir, waitFor } from './support/processes.js';
import { captureLogger, getJson, scrape, seriesKey, writePolicy } from './support/serve.js';

/** 2026-11-27 12:00 UTC: the demo workload and the decision are pure functions of the time. */
const NOW = Date.UTC(2026, 10, 27, 12) / 1000;
const clock = () => NOW;

const threshold = (m: Map<string, number>) =>
  m.get(seriesKey('headroom_resource_threshold_ratio', { service: 'terminal', resource: 'cpu', level: 'warning' }));
const withCpuWarning = (warning: number) => (doc: any) => {
  doc.scaler.store = { type: 'sqlite', path: path.join(tempDir('serve-state'), 'state.db') };
  // The decision's detail (cooldowns) is what the default series budget trims first among decisions.
  doc.series_budget = 1_000_000;
  doc.services[0].capacity.resources[0].warning = warning;
};

describe('headroom serve on the demo workload', () => {
  const dir = tempDir('serve-http');
  const log = captureLogger();
  let serve: ServeHandle;
  let file: string;
  const listCalls: unknown[] = [];
  let scalerPolicies = 0;

  /** A stand-in for src/scaler with the in-process API of docs/CONTRACTS.md. */
  const fakeScaler = async (opts: ScalerOptions): Promise<ScalerApi> => {
    expect(opts.registry).toBeDefined();
    const router = express.Router();
    router.post('/webhook', (_req, res) => void res.status(202).json({ status: 'accepted' }));
    const state: DecisionState = {
      actions: [{ at: NOW - 60, action: 'scale_out', trigger: 'cpu_high', from: 3, to: 4 }],
      schedulesApplied: {},
    };
    return {
      router,
      state: async () => state,
      listDecisions: async (q) => {
        listCalls.push(q);
        return { items: [{ id: 'd2', service: 'terminal' }], next: 'cursor-1' };
      },
      updatePolicy: () => void scalerPolicies++,
      close: async () => {},
      authEnabled: true,
    };
  };

  beforeAll(async () => {
    file = writePolicy(dir, withCpuWarning(70));
    serve = await startServe({
      configFile: file,
      listen: '127.0.0.1:0',
      enableLifecycle: true,
      logger: log.logger,
      version: 'test',
      clock,
      scalerFactory: fakeScaler,
      env: { HEADROOM_WEBHOOK_TOKEN: 'test-token' },
    });
    await waitFor('first refresh', async () => serve.refresher.stats !== null);
  });
  afterAll(() => serve?.close());

  it.each([
    ['/', 200, 'text/html', 'href="api/v1/decisions"'],
    ['/-/healthy', 200, 'text/plain', 'Healthy'],
    ['/-/ready', 200, 'text/plain', 'Ready'],
    ['/metrics', 200, 'text/plain', 'headroom_build_info{version="test"} 1'],
    ['/api/v1/plan', 200, 'application/json', '"service":"terminal"'],
    ['/api/v1/plan?service=nope', 404, 'application/json', 'unknown service \\"nope\\"'],
    ['/api/v1/decisions?limit=0', 400, 'application/json', 'limit: expected a whole number from 1 to 500, got \\"0\\"'],
  ])('GET %s answers %i with %s', async (route, status, type, text) => {
    const res = await fetch(`${serve.url}${route}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain(type);
    expect(await res.text()).toContain(text);
  });

  it('serves the live decision with the scaler state and passes pagination to the scaler', async () => {
    const doc = await getJson(`${serve.url}/api/v1/decisions?service=terminal&limit=1&before=cursor-0`);
    expect(listCalls).toContainEqual({ service: 'terminal', limit: 1, before: 'cursor-0' });
    expect(doc.recorded).toEqual({ items: [{ id: 'd2', service: 'terminal' }], next: 'cursor-1' });
    expect(doc.live).toHaveLength(1);
    expect(doc.live[0].service).toBe('terminal');
    // The scale-out 60 s ago (from the scaler's state) leaves cpu_high 600 - 60 s of cooldown.
    expect(doc.live[0].decision.cooldownRemaining.cpu_high).toBe(540);
    const m = await scrape(serve.url);
    expect(m.get(seriesKey('headroom_cooldown_remaining_seconds', { service: 'terminal', trigger: 'cpu_high' }))).toBe(
      540
    );
  });

  it.each([
    ['cpu', 'percent', 100],
    ['sessions', 'sessions', 200],
    ['latency', 'milliseconds', 1000],
  ])('publishes the per-instance limit of %s in its signal unit (%s) for the panel', async (resource, unit, limit) => {
    const m = await scrape(serve.url);
    expect(m.get(seriesKey('headroom_resource_limit', { service: 'terminal', resource, unit }))).toBe(limit);
  });

  it("mounts the scaler's router on the same listener", async () => {
    const res = await fetch(`${serve.url}/webhook`, { method: 'POST' });
    expect(res.status).toBe(202);
  });

  it('applies a valid change on POST /-/reload and keeps the old policy when the new file is invalid', async () => {
    expect(threshold(await scrape(serve.url))).toBe(0.7);
    writePolicy(dir, withCpuWarning(60));
    const ok = await fetch(`${serve.url}/-/reload`, { method: 'POST' });
    expect(ok.status).toBe(200);
    const plan = await getJson(`${serve.url}/api/v1/plan?service=terminal`);
    expect(plan.services[0].headroom.find((h: { resource: string }) => h.resource === 'cpu').warningRatio).toBe(0.6);
    let m = await scrape(serve.url);
    expect(threshold(m)).toBe(0.6);
    expect(m.get('headroom_config_last_reload_successful')).toBe(1);
    expect(scalerPolicies).toBe(1);

    writeFileSync(file, readFileSync(file, 'utf8').replace('warning: 60', 'warning: sixty'));
    const bad = await fetch(`${serve.url}/-/reload`, { method: 'POST' });
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain(
      `${file}: services[0].capacity.resources[0].warning: expected a number, got "sixty"`
    );
    m = await scrape(serve.url);
    expect(m.get('headroom_config_last_reload_successful')).toBe(0);
    expect(threshold(m)).toBe(0.6);
    expect(log.text()).toContain('configuration reload rejected, the previous policy is kept');
    expect(scalerPolicies).toBe(1);
  });
});

describe('headroom serve options', () => {
  it('refuses POST /-/reload without --web.enable-lifecycle', async () => {
    const dir = tempDir('serve-lc');
    const serve = await startServe({
      configFile: writePolicy(dir, withCpuWarning(70)),
      listen: '127.0.0.1:0',
      logger: captureLogger().logger,
      version: 'test',
      clock,
      scalerFactory: null,
    });
    try {
      const res = await fetch(`${serve.url}/-/reload`, { method: 'POST' });
      expect(res.status).toBe(403);
    } finally {
      await serve.close();
    }
  });

  it('serves TLS and refuses a scrape without valid basic-auth credentials', async () => {
    const dir = tempDir('serve-tls');
    await exec('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]);
    const webConfig = path.join(dir, 'web.yml');
    writeFileSync(
      webConfig,
      `tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  prometheus: ${bcrypt.hashSync('s3cret', 4)}\n`
    );
    const serve = await startServe({
      configFile: writePolicy(dir, withCpuWarning(70)),
      listen: '127.0.0.1:0',
      webConfigFile: webConfig,
      logger: captureLogger().logger,
      version: 'test',
      clock,
      scalerFactory: null,
    });
    const ca = readFileSync(path.join(dir, 'cert.pem'));
    const get = (auth?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = https.get(
          `${serve.url}/metrics`,
          {
            ca,
            servername: 'localhost',
            headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {},
          },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          }
        );
        req.on('error', reject);
      });
    try {
      expect(serve.url).toMatch(/^https:/);
      await waitFor('first refresh', async () => serve.refresher.stats !== null);
      expect((await get()).status).toBe(401);
      expect((await get('prometheus:wrong')).status).toBe(401);
      const ok = await get('prometheus:s3cret');
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('headroom_resource_headroom_ratio{service="terminal",resource="cpu"}');
    } finally {
      await serve.close();
    }
  });

  it('exits 2 naming the file and the key when the web config has an unsupported setting', async () => {
    const dir = tempDir('serve-webbad');
    const webConfig = path.join(dir, 'web.yml');
    writeFileSync(webConfig, 'tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n  client_ca_file: ca.pem\n');
    const r = await runCli([
      'serve',
      '--config',
      writePolicy(dir, withCpuWarning(70)),
      '--listen',
      '127.0.0.1:0',
      '--web.config.file',
      webConfig,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${webConfig}: tls_server_config: Unrecognized key: "client_ca_file"`);
  });

  it('refuses to serve an unauthenticated webhook on every interface', async () => {
    const dir = tempDir('serve-open');
    const noToken = (doc: any) => {
      withCpuWarning(70)(doc);
      delete doc.scaler.token_env;
    };
    const r = await runCli(['serve', '--config', writePolicy(dir, noToken), '--listen', ':0'], clock);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('headroom: --listen: refusing to serve the scaling webhook on :0 without a token');
  });

  it('documents its flags and the default listen address in --help', async () => {
    const r = await runCli(['serve', '--help']);
    for (const flag of [
      '--config',
      '--listen',
      '--web.config.file',
      '--web.enable-lifecycle',
      '--log.level',
      DEFAULTS.listen,
    ])
      expect(r.stdout).toContain(flag);
  });

  it('reloads on SIGHUP and stops cleanly on SIGTERM (the real bin)', async () => {
    const dir = tempDir('serve-bin');
    const file = writePolicy(dir, withCpuWarning(70));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'exporter/bin/headroom.js'), 'serve', '--config', file, '--listen', `127.0.0.1:${port}`],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HEADROOM_WEBHOOK_TOKEN: 'test-token' } }
    );
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor('ready', async () => (await fetch(`${url}/-/ready`)).ok, 15_000);
      expect(threshold(await scrape(url))).toBe(0.7);
      writePolicy(dir, withCpuWarning(60));
      child.kill('SIGHUP');
      await waitFor('the new threshold', async () => threshold(await scrape(url)) === 0.6, 5000);
      writeFileSync(file, 'services: []\n');
      child.kill('SIGHUP');
      await waitFor(
        'the rejected reload',
        async () => (await scrape(url)).get('headroom_config_last_reload_successful') === 0,
        5000
      );
      expect(threshold(await scrape(url))).toBe(0.6);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"configuration reloaded"');
    expect(stderr).toContain('services: expected at least one service in');
    expect(stderr).toContain('"msg":"headroom serve stopped"');
  }, 30_000);
});
