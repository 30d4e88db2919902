/**
 * Service kinds: a service that is not session-based is described with what its kind needs only
 * (no scaling_factors, loadtest or growth.history_query) and planned end to end through
 * `headroom plan` against a real Prometheus, which scrapes itself.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { freePort, startPrometheus, tempDir, waitFor, type Running } from './support/processes.js';
import { ConfigError, validatePolicy } from '../src/config/load.js';
import { emptyState } from '../src/model/decision.js';
import { planService, type ServiceInputs } from '../src/model/plan.js';

const cost = { instance_hour: { on_demand: 0.1 }, budget: { monthly: 500 } };
const growth = { scenarios: [{ name: 'moderate', monthly_rate: 0.25 }] };
const limits = { min: 1, max: 6, max_scale_out_per_hour: 4, max_scale_in_per_hour: 2 };

/** An API sized by requests per second: one instance serves 0.05 requests/s of Prometheus' own API here. */
const api = (rps: string) => ({
  name: 'api',
  instances: { static: 2 },
  signals: [
    { name: 'rps', unit: 'requests_per_second', kind: 'count', query: rps },
    { name: 'cpu', unit: 'percent', query: '100 * sum(rate(process_cpu_seconds_total[1m]))' },
  ],
  capacity: {
    kind: 'requests',
    instance: { cpu_cores: 2, memory_gb: 4 },
    requests: { signal: 'rps', per_instance: 0.05 },
    buffer_ratio: 0,
    min_buffer_instances: 0,
    resources: [{ name: 'cpu', signal: 'cpu', limit: 100, warning: 70, critical: 85 }],
  },
  scaling: {
    scale_out: [{ name: 'cpu_high', signal: 'cpu', above: 70, for: '5m', cooldown: '10m', target: 60 }],
    limits,
  },
  growth,
  cost,
});

/** One VM with 8 connections (a database), sized by utilization only. */
const db = {
  name: 'db',
  instances: { static: 1 },
  signals: [
    { name: 'connections', unit: 'count', query: 'vector(8)' },
    { name: 'cpu', unit: 'percent', query: '100 * sum(rate(process_cpu_seconds_total[1m]))' },
  ],
  capacity: {
    kind: 'utilization',
    instance: { cpu_cores: 4, memory_gb: 16 },
    resources: [{ name: 'connections', signal: 'connections', limit: 100, warning: 70, critical: 90 }],
  },
  scaling: {
    scale_out: [{ name: 'cpu_high', signal: 'cpu', above: 70, for: '5m', cooldown: '10m', target: 60 }],
    limits,
  },
  growth,
  cost,
};

let prom: Running;
const dir = tempDir('kinds');

beforeAll(async () => {
  const port = await freePort();
  prom = await startPrometheus({
    port,
    config: `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: prometheus\n    static_configs: [{ targets: ['127.0.0.1:${port}'] }]\n`,
  });
  // Two scrapes, so that rate() has a value.
  await waitFor('self-scrape', async () => {
    const r = await fetch(
      `${prom.url}/api/v1/query?query=${encodeURIComponent('sum(rate(prometheus_http_requests_total[1m]))')}`
    );
    const body = (await r.json()) as { data: { result: unknown[] } };
    return body.data.result.length > 0;
  });
}, 30_000);

afterAll(async () => {
  await prom?.stop();
});

describe('services that are not session-based', () => {
  it('are planned end to end by `headroom plan` against a real Prometheus, with only what their kind needs', async () => {
    const file = path.join(dir, 'headroom.yml');
    writeFileSync(
      file,
      yaml.dump({ prometheus: { url: prom.url }, services: [api('sum(rate(prometheus_http_requests_total[1m]))'), db] })
    );
    expect((await runCli(['check', file])).code).toBe(0);
    const r = await runCli(['plan', '--config', file, '--format', 'json'], () => Date.now() / 1000);
    expect(r.code, r.stderr).toBe(0);
    const plans = JSON.parse(r.stdout).services ?? JSON.parse(r.stdout);
    const byName = Object.fromEntries((plans as any[]).map((p) => [p.service, p]));
    const a = byName.api;
    expect(a.inputs.rps.ok).toBe(true);
    // ceil(requests/s ÷ 0.05), no buffer: the demand basis, from the measured rate only.
    expect(a.recommendation.bases.demand).toBe(Math.ceil(a.inputs.rps.value / 0.05 - 1e-9));
    expect(a.recommendation.bases).toMatchObject({ loadtest: null, sessions: null });
    expect(a.loadtest).toBeNull();
    expect(a.projections.reason).toBe(
      'capacity.kind requests has no users-per-instance curve (capacity.loadtest) to project users onto instances'
    );
    const d = byName.db;
    expect(d.headroom[0]).toMatchObject({ resource: 'connections', used: 8, limit: 100, level: 'ok' });
    expect(d.recommendation).toMatchObject({ recommended: 1, bases: { loadtest: null, sessions: null, demand: null } });
  }, 60_000);
});

describe('the requests and queue models', () => {
  const inputs = (signals: Record<string, number>, current = 3): ServiceInputs => ({
    now: Date.UTC(2026, 10, 27, 12) / 1000,
    current: { ok: true, value: current },
    signals: Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, { ok: true, value: v }])),
    scaleOut: {},
    spendToDate: { ok: false, reason: 'not read' },
  });
  const policy = (svc: object) => validatePolicy({ services: [svc] }).services[0];

  it.each([
    { name: '1,000 requests/s at 300 a piece need 4 instances, +1 buffer', rps: 1000, want: 5 },
    { name: '300 requests/s need 1 instance, +1 buffer', rps: 300, want: 2 },
  ])('requests: $name', ({ rps, want }) => {
    const svc = policy({
      ...api('x'),
      capacity: {
        kind: 'requests',
        instance: { cpu_cores: 2, memory_gb: 4 },
        requests: { signal: 'rps', per_instance: 300 },
      },
    });
    expect(planService(svc, inputs({ rps, cpu: 30 }), null, emptyState()).recommendation.bases.demand).toBe(want);
  });

  it('queue: arrivals plus the backlog drained within drain_seconds, at throughput_per_instance each', () => {
    const svc = policy({
      ...api('x'),
      signals: [
        { name: 'depth', unit: 'count', query: 'x' },
        { name: 'arrivals', unit: 'requests_per_second', kind: 'count', query: 'x' },
        { name: 'cpu', unit: 'percent', query: 'x' },
      ],
      capacity: {
        kind: 'queue',
        instance: { cpu_cores: 2, memory_gb: 4 },
        buffer_ratio: 0,
        min_buffer_instances: 0,
        queue: { depth_signal: 'depth', arrival_signal: 'arrivals', throughput_per_instance: 50, drain_seconds: 600 },
      },
    });
    // (120 + 60,000 / 600) / 50 = 4.4 → 5
    expect(
      planService(svc, inputs({ depth: 60_000, arrivals: 120, cpu: 30 }), null, emptyState()).recommendation.bases
        .demand
    ).toBe(5);
    // A missing input is missing, never zero.
    const missing = {
      ...inputs({ arrivals: 120, cpu: 30 }),
      signals: { arrivals: { ok: true as const, value: 120 }, depth: { ok: false as const, reason: 'no series' } },
    };
    expect(planService(svc, missing, null, emptyState()).recommendation.bases.demand).toBeNull();
  });

  it('a kind asks for its own fields and not the others', () => {
    const problems = (svc: object) => {
      try {
        validatePolicy({ services: [svc] });
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    expect(problems({ ...db, capacity: { ...db.capacity, kind: 'sessions' } })).toEqual([
      'headroom.yml: services[0].capacity.scaling_factors: expected scaling_factors for capacity.kind sessions (or a kind that does not need it: requests, queue, utilization), got nothing',
      'headroom.yml: services[0].capacity.loadtest: expected loadtest for capacity.kind sessions (or a kind that does not need it: requests, queue, utilization), got nothing',
    ]);
    expect(problems({ ...api('x'), capacity: { kind: 'requests', instance: { cpu_cores: 2, memory_gb: 4 } } })).toEqual(
      [
        'headroom.yml: services[0].capacity.requests: expected requests for capacity.kind requests (or a kind that does not need it: sessions, queue, utilization), got nothing',
      ]
    );
    expect(problems(db)).toEqual([]);
  });
});
