import express from 'express';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandActuator, DryRunActuator, KubernetesActuator, kubeConnection } from '../src/scaler/actuators.js';
import { assertSafeListen, resolveWebhookToken } from '../src/scaler/auth.js';
import { startScalerServer } from './scaler-fixtures/app.js';
import { singleServiceSource, type Source } from '../src/sources/source.js';
import { tempDir } from './support/processes.js';
import { amPayload, post, scalerPolicy, sqlite, TOKEN } from './scaler-fixtures/support.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RECORDER = path.join(HERE, 'scaler-fixtures/record-command.mjs');
const dir = tempDir('scaler-actuators');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = {
  service: 'terminal',
  trigger: 'cpu_high',
  action: 'scale_out' as const,
  target: 6,
  reason: 'test',
  at: 1_800_000_000,
  sequence: 1,
};

/**
 * A local API server that follows the documented shapes of the scale subresource
 * (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/#get-read-scale-of-the-specified-deployment):
 * GET and PATCH (application/merge-patch+json) on /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}/scale,
 * answering autoscaling/v1 Scale objects, and a Status object with 401/404/415 otherwise.
 */
async function startFakeApiServer(token: string) {
  const replicas: Record<string, number> = { 'shop/deployments/terminal': 4, 'shop/statefulsets/terminal-db': 3 };
  const requests: { method: string; path: string; contentType?: string; body?: unknown }[] = [];
  const app = express();
  app.use(express.json({ type: ['application/json', 'application/merge-patch+json'] }));
  const status = (res: express.Response, code: number, reason: string, message: string) =>
    res.status(code).json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  const scale = (ns: string, kind: string, name: string) => ({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace: ns, resourceVersion: '1' },
    spec: { replicas: replicas[`${ns}/${kind}/${name}`] },
    status: { replicas: replicas[`${ns}/${kind}/${name}`], selector: `app=${name}` },
  });
  app.all('/apis/apps/v1/namespaces/:ns/:kind/:name/scale', (req, res) => {
    const { ns, kind, name } = req.params;
    requests.push({ method: req.method, path: req.path, contentType: req.headers['content-type'], body: req.body });
    if (req.headers.authorization !== `Bearer ${token}`) return void status(res, 401, 'Unauthorized', 'Unauthorized');
    if (replicas[`${ns}/${kind}/${name}`] === undefined)
      return void status(res, 404, 'NotFound', `${kind}.apps "${name}" not found`);
    if (req.method === 'GET') return void res.json(scale(ns, kind, name));
    if (req.method !== 'PATCH') return void status(res, 405, 'MethodNotAllowed', 'method not allowed');
    if (req.headers['content-type'] !== 'application/merge-patch+json')
      return void status(res, 415, 'UnsupportedMediaType', 'the body of the request was in an unknown format');
    const n = req.body?.spec?.replicas;
    if (!Number.isInteger(n) || n < 0) return void status(res, 422, 'Invalid', 'spec.replicas: Invalid value');
    replicas[`${ns}/${kind}/${name}`] = n;
    res.json(scale(ns, kind, name));
  });
  const server = await new Promise<import('node:http').Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    replicas,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('kubernetes actuator: contract test against the documented scale subresource', () => {
  let api: Awaited<ReturnType<typeof startFakeApiServer>>;
  const tokenFile = path.join(dir, 'sa-token');
  beforeAll(async () => {
    api = await startFakeApiServer('sa-token-value');
    writeFileSync(tokenFile, 'sa-token-value\n');
  });
  afterAll(() => api.close());
  const cfg = (over: Record<string, unknown> = {}) => ({
    type: 'kubernetes' as const,
    kind: 'Deployment' as const,
    namespace: 'shop',
    name: 'terminal',
    timeout: 2,
    api_url: api.url,
    token_file: tokenFile,
    ...over,
  });

  it('reads spec.replicas with GET and sets it with a merge patch', async () => {
    const k = new KubernetesActuator(cfg());
    expect(await k.readCount()).toBe(4);
    const r = await k.setTarget(ctx);
    expect(r).toMatchObject({ ok: true, code: 200 });
    expect(api.replicas['shop/deployments/terminal']).toBe(6);
    expect(api.requests.at(-1)).toEqual({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/shop/deployments/terminal/scale',
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 6 } },
    });
  });

  it('addresses a StatefulSet through statefulsets/{name}/scale', async () => {
    const k = new KubernetesActuator(cfg({ kind: 'StatefulSet', name: 'terminal-db' }));
    expect(await k.readCount()).toBe(3);
    expect(k.scalePath()).toBe('/apis/apps/v1/namespaces/shop/statefulsets/terminal-db/scale');
  });

  it('reports the API server Status on a refused patch, and throws on a refused read', async () => {
    const k = new KubernetesActuator(cfg({ name: 'missing' }));
    await expect(k.readCount()).rejects.toThrow(/answered 404: .*deployments.apps \\"missing\\" not found/);
    expect(await k.setTarget(ctx)).toMatchObject({ ok: false, code: 404 });
    writeFileSync(path.join(dir, 'bad-token'), 'nope');
    expect(await new KubernetesActuator(cfg({ token_file: path.join(dir, 'bad-token') })).setTarget(ctx)).toMatchObject(
      { ok: false, code: 401 }
    );
  });

  it('connects with a kubeconfig (current context, token user)', async () => {
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
current-context: test
contexts: [{ name: test, context: { cluster: local, user: bot } }]
clusters: [{ name: local, cluster: { server: "${api.url}" } }]
users: [{ name: bot, user: { token: sa-token-value } }]
`
    );
    const k = new KubernetesActuator(cfg({ api_url: undefined, token_file: undefined, kubeconfig }));
    expect(await k.readCount()).toBe(6);
  });

  it('uses the in-cluster API address and service-account files by default', () => {
    const c = kubeConnection(
      { ...cfg(), api_url: undefined, token_file: undefined },
      { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }
    );
    expect(c.server).toBe('https://10.96.0.1:443');
    expect(() => kubeConnection({ ...cfg(), api_url: undefined }, {})).toThrow('not in a cluster');
  });

  it('scales a Deployment end to end from a webhook notification', async () => {
    api.replicas['shop/deployments/terminal'] = 4;
    const srv = await startScalerServer({
      policy: scalerPolicy({ store: sqlite(dir, 'k8s.db'), actuators: { terminal: cfg({ timeout: '2s' }) } }),
      env: { HEADROOM_TEST_TOKEN: TOKEN },
    });
    try {
      const res = await post(srv.url, amPayload());
      expect(res.status).toBe(200);
      expect(api.replicas['shop/deployments/terminal']).toBe(7);
      expect((await srv.scaler.listDecisions()).items[0]).toMatchObject({
        status: 'done',
        current: 4,
        target: 7,
        result: { actuator: 'kubernetes', code: 200 },
      });
    } finally {
      await srv.close();
    }
  });
});

describe('command actuator', () => {
  const log = path.join(dir, 'cmd.jsonl');
  it('kills a command that runs past its timeout and reports the failure', async () => {
    const c = new CommandActuator({
      type: 'command',
      argv: [process.execPath, RECORDER, log, '0', '10000'],
      timeout: 0.5,
    });
    const started = Date.now();
    expect(await c.setTarget(ctx)).toMatchObject({
      ok: false,
      message: `${process.execPath} killed after the 0.5s timeout`,
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });
  it('treats a non-zero exit as a failure with its code', async () => {
    const c = new CommandActuator({ type: 'command', argv: [process.execPath, RECORDER, log, '3'], timeout: 5 });
    expect(await c.setTarget(ctx)).toMatchObject({ ok: false, code: 3 });
    expect(JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!).env).toMatchObject({
      HEADROOM_TARGET_INSTANCES: '6',
      HEADROOM_REASON: 'test',
    });
  });
  it('reads the count from count_argv stdout', async () => {
    const c = new CommandActuator({
      type: 'command',
      argv: ['true'],
      count_argv: [
        process.execPath,
        '-e',
        'process.stdout.write(process.env.HEADROOM_SERVICE === "terminal" ? "9\\n" : "x")',
      ],
      timeout: 5,
    });
    expect(await c.readCount('terminal')).toBe(9);
    await expect(c.readCount('other')).rejects.toThrow('expected an instance count on stdout, got "x"');
  });
});

describe('dry-run actuator and budget guard', () => {
  const inputs = (spend: number): Source =>
    singleServiceSource({
      kind: 'demo',
      readHistory: async () => ({ ok: false, reason: 'unused' }),
      readInputs: async (_svc, now) => ({
        now,
        current: { ok: true, value: 4 },
        signals: {},
        scaleOut: {},
        spendToDate: { ok: true, value: spend },
      }),
    });

  it('records what it would do and keeps a simulated count, so a retry is harmless', async () => {
    const srv = await startScalerServer({
      policy: scalerPolicy({ store: sqlite(dir, 'dry.db') }),
      source: inputs(0),
      env: { HEADROOM_TEST_TOKEN: TOKEN },
    });
    try {
      expect((await post(srv.url, amPayload())).body.results).toMatchObject([
        { outcome: 'acted', current: 4, target: 7 },
      ]);
      expect((await post(srv.url, amPayload())).body.results).toMatchObject([{ outcome: 'duplicate' }]);
      expect((await srv.scaler.listDecisions()).items[0]).toMatchObject({
        status: 'dry_run',
        result: { ok: true, message: 'dry run: would set terminal to 7 instances' },
      });
      expect(await srv.registry.getSingleMetricAsString('headroom_scaler_actions_total')).toContain(
        'result="dry_run"} 1'
      );
    } finally {
      await srv.close();
    }
    const d = new DryRunActuator(undefined);
    expect(await d.readCount('x')).toBeNull();
  });

  it('blocks a scale-out whose forecast month-end spend passes the budget (budget_guard: block)', async () => {
    const srv = await startScalerServer({
      policy: scalerPolicy({ store: sqlite(dir, 'budget.db'), budget_guard: 'block' }),
      source: inputs(4990),
      env: { HEADROOM_TEST_TOKEN: TOKEN },
    });
    try {
      const res = await post(srv.url, amPayload());
      expect(res.status).toBe(200);
      expect(res.body.results).toMatchObject([{ outcome: 'blocked', blocked_by: ['budget'] }]);
      expect((await srv.scaler.listDecisions()).items[0].reasons.join(' ')).toMatch(/above the budget of 5000\./);
    } finally {
      await srv.close();
    }
  });

  it('only warns under budget_guard: warn', async () => {
    const srv = await startScalerServer({
      policy: scalerPolicy({ store: sqlite(dir, 'warn.db'), budget_guard: 'warn' }),
      source: inputs(4990),
      env: { HEADROOM_TEST_TOKEN: TOKEN },
    });
    try {
      expect((await post(srv.url, amPayload())).body.results).toMatchObject([{ outcome: 'acted', target: 7 }]);
      expect((await srv.scaler.listDecisions()).items[0].warnings.join(' ')).toMatch(/above the budget of 5000\./);
    } finally {
      await srv.close();
    }
  });
});

describe('webhook authentication settings', () => {
  it.each([
    ['127.0.0.1:9778', false, false, true],
    ['localhost:9778', false, false, true],
    ['[::1]:9778', false, false, true],
    ['0.0.0.0:9778', false, false, false],
    [':9778', false, false, false],
    ['10.1.2.3:9778', false, false, false],
    ['[::]:9778', false, false, false],
    ['0.0.0.0:9778', true, false, true],
    ['0.0.0.0:9778', false, true, true],
  ])('listening on %s with token=%s, override=%s is allowed: %s', (address, hasToken, override, allowed) => {
    const run = () => assertSafeListen(address, hasToken, override);
    if (allowed) expect(run).not.toThrow();
    else expect(run).toThrow(`refusing to serve the scaling webhook on ${address} without a token`);
  });

  it('reads the token from a file, and refuses an unreadable one', () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'from-file\n');
    const scaler = scalerPolicy({}).scaler;
    expect(resolveWebhookToken({ ...scaler, token_file: file }, {})).toBe('from-file');
    expect(() => resolveWebhookToken({ ...scaler, token_file: path.join(dir, 'absent') }, {})).toThrow(
      /^scaler\.token_file: cannot read .*absent/
    );
    expect(resolveWebhookToken(scaler, { HEADROOM_TEST_TOKEN: ' t ' })).toBe('t');
    expect(resolveWebhookToken({ ...scaler, token_env: undefined }, {})).toBeNull();
    expect(existsSync(file)).toBe(true);
  });

  it('serves without a token only on loopback, and then needs no Authorization', async () => {
    const noToken = (doc: Record<string, any>) => delete doc.scaler.token_env;
    const srv = await startScalerServer({
      policy: scalerPolicy({ store: sqlite(dir, 'open.db'), actuator: { type: 'dry-run', instances: 4 } }, noToken),
      env: {},
    });
    try {
      expect(srv.scaler.authEnabled).toBe(false);
      expect((await post(srv.url, amPayload(), { authorization: '' })).status).toBe(200);
    } finally {
      await srv.close();
    }
    await expect(
      startScalerServer({
        policy: scalerPolicy({ store: sqlite(dir, 'open2.db') }, noToken),
        env: {},
        listen: '0.0.0.0:0',
      })
    ).rejects.toThrow('refusing to serve');
  });
});
