/**
 * Long-term history from a Prometheus-compatible store, separate from the live Prometheus:
 * Debian's VictoriaMetrics holds a year of backfilled daily users, a real Prometheus holds two
 * hours of live signals, and `headroom plan` must fit its growth models on VictoriaMetrics' year.
 * Then the connection settings every Prometheus-compatible URL takes: a custom header (Mimir's
 * X-Scope-OrgID, enforced by a small gateway stand-in in front of VictoriaMetrics, as Mimir's own
 * gateway would) and TLS with a CA file and a client certificate (a real Prometheus requiring and
 * verifying client certificates through --web.config.file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_SECONDS, DEFAULTS } from '../src/config/defaults.js';
import { EXAMPLE_POLICY, runCli } from './helpers.js';
import { backfill, exec, freePort, startPrometheus, tempDir, waitFor, type Running } from './support/processes.js';

const NOW = Math.floor(Date.now() / 1000);
const TODAY = Math.floor(NOW / DAY_SECONDS) * DAY_SECONDS;
const DAYS = 365;
/** Daily active users: doubling over the year, with a weekly dip on weekends. */
const dau = (d: number) => Math.round(2000 * 2 ** (d / DAYS) * ((d + 3) % 7 >= 5 ? 0.85 : 1));
const LIVE = {
  cpu: 40,
  memory: 50,
  sessions: 60,
  latency_p95: 150,
  error_rate: 0.2,
  concurrent_users: 300,
  daily_users: dau(DAYS - 1),
};
const TENANT = 'team-a';

const dir = tempDir('history');
let vm: { url: string; proc: ChildProcess };
let gateway: { url: string; server: Server; seen: string[] };
let prom: Running;

async function startVictoriaMetrics(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(
    'victoria-metrics',
    [
      '-httpListenAddr',
      `127.0.0.1:${port}`,
      '-storageDataPath',
      path.join(dir, 'vm'),
      '-retentionPeriod',
      '10y',
      '-loggerLevel',
      'ERROR',
    ],
    { stdio: 'ignore' }
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('VictoriaMetrics ready', async () => (await fetch(`${url}/health`)).ok);
  return { url, proc };
}

/** Forwards to `target` only requests that carry X-Scope-OrgID: TENANT, like a multi-tenant gateway. */
async function startTenantGateway(target: string): Promise<{ url: string; server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const tenant = String(req.headers['x-scope-orgid'] ?? '');
    seen.push(tenant);
    if (tenant !== TENANT) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'unauthorized', error: 'no org id' }));
      return;
    }
    const up = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, server, seen };
}

/** Two hours of live signals, one sample a minute up to a minute ago (OpenMetrics for promtool). */
function liveSignals(): string {
  const lines: string[] = [];
  for (const [name, v] of Object.entries(LIVE)) {
    lines.push(`# TYPE live_${name} gauge`);
    for (let t = NOW - 7200; t <= NOW - 60; t += 60) lines.push(`live_${name}{job="terminal"} ${v} ${t}`);
  }
  return `${lines.join('\n')}\n# EOF\n`;
}

/** The example policy reading the live signals above, with `growth` as given. */
function policy(promUrl: string, extra: { history_source?: object; prometheus?: object }): string {
  const p = yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as any;
  p.prometheus = { url: promUrl, timeout: '5s', ...extra.prometheus };
  const svc = p.services[0];
  svc.instances = { static: 4 };
  for (const s of svc.signals) s.query = `max(live_${s.name}{job="terminal"})`;
  svc.growth.history_query = 'sum(terminal_daily_active_users{job="terminal"})';
  svc.growth.history_days = DAYS;
  // exponential is not a default candidate any more; the doubling test below reads its path.
  svc.growth.models = [...DEFAULTS.growth.models, 'exponential'];
  if (extra.history_source) svc.growth.history_source = extra.history_source;
  return yaml.dump(p);
}

function writePolicy(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

async function plan(file: string): Promise<any> {
  const r = await runCli(['plan', '--config', file, '--format', 'json', '--at', String(NOW)]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout).services[0];
}

beforeAll(async () => {
  vm = await startVictoriaMetrics();
  const body = Array.from(
    { length: DAYS },
    (_, i) => `terminal_daily_active_users{job="terminal"} ${dau(i)} ${(TODAY - (DAYS - 1 - i) * DAY_SECONDS) * 1000}`
  ).join('\n');
  expect((await fetch(`${vm.url}/api/v1/import/prometheus`, { method: 'POST', body })).status).toBe(204);
  await fetch(`${vm.url}/internal/force_flush`);
  const q = new URLSearchParams({ query: 'count_over_time(terminal_daily_active_users[400d])', time: String(NOW) });
  await waitFor('a year of history queryable in VictoriaMetrics', async () => {
    const b = (await (await fetch(`${vm.url}/api/v1/query?${q}`)).json()) as {
      data: { result: { value: [number, string] }[] };
    };
    return Number(b.data.result[0]?.value[1] ?? 0) === DAYS;
  });
  gateway = await startTenantGateway(vm.url);
  prom = await startPrometheus({
    config: 'global: { scrape_interval: 15s }\n',
    storage: await backfill(liveSignals()),
  });
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  if (vm && vm.proc.exitCode === null) {
    const exited = new Promise((r) => vm.proc.once('exit', r));
    vm.proc.kill('SIGTERM');
    await exited;
  }
  await new Promise<void>((r) => (gateway ? gateway.server.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('growth history from VictoriaMetrics, live signals from Prometheus', () => {
  it('without a history_source the live Prometheus has too little history to project from', async () => {
    const p = await plan(writePolicy('live-only.yml', policy(prom.url, {})));
    expect(p.inputs.cpu).toEqual({ ok: true, value: LIVE.cpu });
    expect(p.projections.models ?? []).toEqual([]);
  });

  it("fits the growth models on VictoriaMetrics' year of daily history (doubling a year)", async () => {
    const p = await plan(writePolicy('vm.yml', policy(prom.url, { history_source: { url: vm.url } })));
    expect(p.inputs.cpu).toEqual({ ok: true, value: LIVE.cpu });
    expect(p.projections.currentDailyUsers).toBe(dau(DAYS - 1));
    const exp = p.projections.models.find((m: { model: string }) => m.model === 'exponential');
    expect(exp.ok).toBe(true);
    const in12 = exp.horizons.find((h: { months: number }) => h.months === 12).users.point;
    // A year of doubling projects about twice today's users a year on (weekends pull the fit down a little).
    expect(in12 / dau(DAYS - 1)).toBeGreaterThan(1.7);
    expect(in12 / dau(DAYS - 1)).toBeLessThan(2.3);
  });

  it('sends the custom headers of history_source (X-Scope-OrgID) and reports the store by URL when refused', async () => {
    const ok = await plan(
      writePolicy(
        'tenant.yml',
        policy(prom.url, { history_source: { url: gateway.url, headers: { 'X-Scope-OrgID': TENANT } } })
      )
    );
    expect(ok.projections.models.length).toBeGreaterThan(0);
    expect(gateway.seen).toContain(TENANT);
    const refused = await runCli([
      'plan',
      '--config',
      writePolicy('no-tenant.yml', policy(prom.url, { history_source: { url: gateway.url } })),
      '--format',
      'json',
      '--at',
      String(NOW),
    ]);
    const p = JSON.parse(refused.stdout).services[0];
    expect(p.projections.models ?? []).toEqual([]);
    expect(JSON.stringify(p)).toContain(`history_source ${gateway.url}: HTTP 401: unauthorized: no org id`);
  });
});

describe('TLS to a Prometheus-compatible URL: CA file and client certificate', () => {
  let tlsDir: string;
  let proc: ChildProcess;
  let url: string;

  beforeAll(async () => {
    tlsDir = tempDir('mtls');
    const f = (n: string) => path.join(tlsDir, n);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await exec('openssl', [
      'req',
      '-x509',
      ...ec,
      '-subj',
      '/CN=headroom test CA',
      '-days',
      '1',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
    ]);
    for (const [name, cn] of [
      ['server', 'localhost'],
      ['client', 'headroom'],
    ]) {
      await exec('openssl', [
        'req',
        ...ec,
        '-subj',
        `/CN=${cn}`,
        '-keyout',
        f(`${name}.key`),
        '-out',
        f(`${name}.csr`),
      ]);
      writeFileSync(
        f(`${name}.ext`),
        name === 'server' ? 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n'
      );
      await exec('openssl', [
        'x509',
        '-req',
        '-in',
        f(`${name}.csr`),
        '-CA',
        f('ca.pem'),
        '-CAkey',
        f('ca.key'),
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        f(`${name}.ext`),
        '-out',
        f(`${name}.pem`),
      ]);
    }
    writeFileSync(
      f('web.yml'),
      `tls_server_config:\n  cert_file: ${f('server.pem')}\n  key_file: ${f('server.key')}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${f('ca.pem')}\n`
    );
    writeFileSync(f('prometheus.yml'), 'global: { scrape_interval: 15s }\n');
    const port = await freePort();
    url = `https://127.0.0.1:${port}`;
    const storage = await backfill(liveSignals());
    proc = spawn(
      'prometheus',
      [
        `--config.file=${f('prometheus.yml')}`,
        `--storage.tsdb.path=${storage}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.config.file=${f('web.yml')}`,
        '--storage.tsdb.retention.time=400d',
      ],
      { stdio: 'ignore' }
    );
    await waitFor('Prometheus with mTLS listening', async () => {
      const r = await exec('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-brief'], { timeout: 2000 }).catch(
        (e: { stderr?: string }) => ({ stderr: e.stderr ?? '' })
      );
      return /CONNECT|Verification/.test(r.stderr ?? '');
    });
  }, 60_000);

  afterAll(() => {
    proc?.kill('SIGTERM');
    rmSync(tlsDir, { recursive: true, force: true });
  });

  const tls = () => ({
    ca_file: path.join(tlsDir, 'ca.pem'),
    cert_file: path.join(tlsDir, 'client.pem'),
    key_file: path.join(tlsDir, 'client.key'),
  });

  it('reads live signals through TLS with the CA file and the client certificate', async () => {
    const p = await plan(writePolicy('mtls.yml', policy(url, { prometheus: { tls_config: tls() } })));
    expect(p.inputs.cpu).toEqual({ ok: true, value: LIVE.cpu });
  });

  it.each([
    { name: 'without the client certificate', tls_config: () => ({ ca_file: tls().ca_file }) },
    {
      name: 'without the CA file (the test CA is not trusted)',
      tls_config: () => ({ cert_file: tls().cert_file, key_file: tls().key_file }),
    },
  ])('marks the inputs missing $name, never a default', async ({ tls_config }) => {
    const p = await plan(writePolicy('mtls-bad.yml', policy(url, { prometheus: { tls_config: tls_config() } })));
    expect(p.inputs.cpu.ok).toBe(false);
    expect(p.inputs.cpu.reason).toMatch(/^request failed: /);
  });

  it('names the tls_config field of a file it cannot read', async () => {
    const r = await runCli([
      'plan',
      '--config',
      writePolicy(
        'mtls-missing.yml',
        policy(url, { prometheus: { tls_config: { ca_file: path.join(tlsDir, 'nope.pem') } } })
      ),
      '--at',
      String(NOW),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`tls_config.ca_file: cannot read ${path.join(tlsDir, 'nope.pem')} (ENOENT)`);
  });
});
