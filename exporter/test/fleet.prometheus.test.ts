/**
 * Discovery and retirement on a real Prometheus (issue 13, "Must show"): a fleet service appears
 * with its series, is reported missing when they stop (planned with missing inputs, never scaled,
 * webhooks for it refused), and is retired after the declared retire_after (out of /api/v1/plan
 * and /metrics). The target's /metrics body is the test's: dropping a service's lines makes
 * Prometheus mark its series stale at the next scrape (1 s).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC } from '@headroom/contract';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { amPayload } from './scaler-fixtures/support.js';
import { captureLogger, getJson, scrape, seriesKey, writePolicy } from './support/serve.js';
import { startPrometheus, startTarget, tempDir, waitFor, waitForTargets, type Running } from './support/processes.js';

const RETIRE_AFTER = 20;
const body = (services: string[]) =>
  [
    '# TYPE shop_instance_up gauge',
    ...services.flatMap((s) => [0, 1].map((r) => `shop_instance_up{service="${s}",replica="${r}"} 1`)),
    '# TYPE shop_cpu_percent gauge',
    ...services.map((s) => `shop_cpu_percent{service="${s}"} 20`),
    '',
  ].join('\n');

const fleetDoc = (promUrl: string, dir: string) => (doc: any) => {
  doc.prometheus = { url: promUrl, timeout: '2s', concurrency: 4 };
  doc.refresh = { interval: '1s', history_interval: '1h', max_sample_age: '3s' };
  doc.scaler = { store: { type: 'sqlite', path: path.join(dir, 'state.db') }, actuator: { type: 'dry-run' } };
  doc.services = [];
  doc.fleets = [
    {
      name: 'shop',
      label: 'service',
      retire_after: `${RETIRE_AFTER}s`,
      template: {
        instances: { query: 'count by (service) (shop_instance_up == 1)' },
        signals: [{ name: 'cpu', unit: 'percent', query: 'avg by (service) (shop_cpu_percent)' }],
        capacity: {
          kind: 'utilization',
          instance: { cpu_cores: 2, memory_gb: 4 },
          resources: [{ name: 'cpu', signal: 'cpu', limit: 100, warning: 70, critical: 85 }],
        },
        scaling: {
          scale_out: [{ name: 'cpu_high', signal: 'cpu', above: 70, for: '3s', cooldown: '10s' }],
          scale_in: { conditions: [{ signal: 'cpu', below: 30 }], for: '3s', cooldown: '10s' },
          limits: { min: 1, max: 10, max_scale_out_per_hour: 10, max_scale_in_per_hour: 10 },
          warmup: '0s',
        },
        growth: { scenarios: [{ name: 'moderate', monthly_rate: 0.25 }] },
        cost: { instance_hour: { on_demand: 0.1 }, budget: { monthly: 1000 } },
      },
      overrides: [{ match: 'b', scaling: { limits: { max: 5 } }, actuator: { type: 'dry-run', instances: 2 } }],
    },
  ];
};

let target: Awaited<ReturnType<typeof startTarget>>;
let prom: Running;
let serve: ServeHandle;
const log = captureLogger();

beforeAll(async () => {
  target = await startTarget(body(['a', 'b', 'c']));
  prom = await startPrometheus({
    config: `
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: shop
    static_configs: [{ targets: ['127.0.0.1:${target.port}'] }]
`,
  });
  const dir = tempDir('fleet-prom');
  const file = writePolicy(dir, fleetDoc(prom.url, dir));
  await waitForTargets(prom, 1);
  serve = await startServe({ configFile: file, listen: '127.0.0.1:0', logger: log.logger, version: 'test', env: {} });
}, 60_000);

afterAll(async () => {
  await serve?.close();
  await prom?.stop();
  await target?.stop();
});

const plans = async () =>
  new Map<string, any>((await getJson(`${serve.url}/api/v1/plan`)).services.map((s: any) => [s.service, s]));
const fleetCount = async (state: string) =>
  (await scrape(serve.url)).get(seriesKey(METRIC.fleetServices, { fleet: 'shop', state }));

function webhook(service: string, action: 'scale_out' | 'scale_in') {
  const labels = {
    alertname: 'HeadroomScaling',
    headroom: 'scaling',
    service,
    trigger: action === 'scale_out' ? 'cpu_high' : 'scale_in',
    action,
  };
  const payload = amPayload({
    labels,
    annotations: { value: action === 'scale_out' ? '91' : '20' },
    startsAt: new Date(Date.now() - 5000).toISOString(),
    fingerprint: `fp-${service}-${action}`,
  });
  return fetch(`${serve.url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

/** The scaler's recorded decisions of a service (unfiltered: a retired service is no longer a known name). */
const decisionsOf = async (service: string) =>
  (await getJson(`${serve.url}/api/v1/decisions?limit=500`)).recorded.items.filter((d: any) => d.service === service);

describe('fleet discovery and retirement on a real Prometheus', () => {
  let since = 0;
  let stoppedAt = 0;

  it('discovers the services of a fleet from their series', async () => {
    await waitFor('a, b and c present', async () => (await fleetCount('present')) === 3, 20_000);
    const first = await plans();
    expect([...first.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(first.get('c').fleet).toEqual({ name: 'shop', label: 'service', state: 'present' });
  }, 25_000);

  it('reports a service missing when its series stop, planned with every input missing', async () => {
    target.set(body(['a', 'b']));
    stoppedAt = Date.now() / 1000;
    await waitFor('c missing', async () => (await plans()).get('c')?.fleet.state === 'missing', 10_000);
    const missing = (await plans()).get('c');
    expect(missing.fleet.reason).toBe('absent from the discovery result');
    since = Date.parse(missing.fleet.missingSince) / 1000;
    expect(missing.inputHealth.every((i: any) => !i.ok)).toBe(true);
    expect(missing.inputHealth.find((i: any) => i.signal === 'cpu').reason).toContain(
      'service missing from fleet shop'
    );
    expect(await fleetCount('missing')).toBe(1);
    expect(log.text()).toContain('fleet shop: service c is missing (absent from the discovery result)');
  }, 15_000);

  it('refuses webhooks for a missing service (422) and records or actuates nothing for it', async () => {
    for (const action of ['scale_in', 'scale_out'] as const) {
      const r = await webhook('c', action);
      expect(r.status).toBe(422);
      expect(r.body.error).toMatch(
        /^alerts\[0\]\.labels\.service: service "c" of fleet shop is missing since .* \(absent from the discovery result\); no scaling action is taken for a missing service$/
      );
    }
    expect(await decisionsOf('c')).toEqual([]);
    // A present service of the same fleet is handled (recorded) as usual.
    expect((await webhook('b', 'scale_out')).status).toBe(200);
    expect((await decisionsOf('b')).length).toBeGreaterThan(0);
  }, 15_000);

  it(
    'never decides a scale-in for the missing service, and retires it after retire_after: out of the plan and /metrics',
    async () => {
      // Until retirement, c's planned decision is never a scale-in (a present service with the same data is).
      const seen = new Set<string>();
      await waitFor(
        'c retired',
        async () => {
          const p = await plans();
          if (p.has('c')) seen.add(p.get('c').decision.action);
          if (p.get('a')?.decision.action === 'scale_in') seen.add('a:scale_in');
          return !p.has('c');
        },
        RETIRE_AFTER * 1000 + 10_000,
        250
      );
      const retiredAt = Date.now() / 1000;
      expect(retiredAt - since).toBeGreaterThanOrEqual(RETIRE_AFTER);
      expect(retiredAt - stoppedAt).toBeLessThan(RETIRE_AFTER + 8);
      expect([...seen].filter((a) => a !== 'a:scale_in')).toEqual(['none']);
      expect(seen.has('a:scale_in')).toBe(true);

      const metrics = await scrape(serve.url);
      expect([...metrics.keys()].filter((k) => k.includes('service="c"') && !k.startsWith('headroom_scaler_'))).toEqual(
        []
      );
      expect(metrics.get(seriesKey(METRIC.fleetServices, { fleet: 'shop', state: 'retired' }))).toBe(1);
      expect(metrics.get(seriesKey(METRIC.fleetRetirementsTotal, { fleet: 'shop' }))).toBe(1);
      expect(log.text()).toMatch(/fleet shop: service c retired: missing since .*, longer than retire_after \(20s\)/);
    },
    RETIRE_AFTER * 1000 + 15_000
  );

  it('refuses webhooks for a retired service and takes the service back when its series return', async () => {
    const r = await webhook('c', 'scale_out');
    expect(r.status).toBe(422);
    expect(r.body.error).toMatch(/service "c" of fleet shop was retired at /);
    expect(await decisionsOf('c')).toEqual([]);
    const metrics = await scrape(serve.url);
    expect(
      [...metrics.keys()].filter((k) => k.startsWith(METRIC.scalerActionsTotal) && k.includes('service="c"'))
    ).toEqual([]);

    // It comes back: present again.
    target.set(body(['a', 'b', 'c']));
    await waitFor('c present again', async () => (await plans()).get('c')?.fleet.state === 'present', 10_000);
    expect(log.text()).toContain('fleet shop: service c is present again');
  }, 15_000);
});
