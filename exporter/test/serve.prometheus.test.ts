/**
 * `headroom serve` against a real Prometheus (Debian package) that scrapes a target whose values the
 * test sets, with a history backfilled by promtool. The published values must be the model's for
 * those inputs; when Prometheus goes away the inputs go missing (never defaulted) and come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parsePolicy } from '../src/config/load.js';
import { readFileSync } from 'node:fs';
import type { Service } from '../src/config/schema.js';
import { emptyState } from '../src/model/decision.js';
import { hourlyRate, monthBounds } from '../src/model/cost.js';
import { planService, type ServiceInputs } from '../src/model/plan.js';
import { fitHistory } from '../src/model/projection.js';
import type { Point } from '../src/model/forecast.js';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { startPrometheus, startTarget, tempDir, waitFor, waitForTargets, type Running } from './support/processes.js';
import { backfillWide, captureLogger, getJson, scrape, seriesKey, writePolicy } from './support/serve.js';

const DAY = 86_400;
const HISTORY_DAYS = 60;
const WINDOW = '4s';

type Values = Record<'cpu' | 'memory' | 'sessions' | 'latency' | 'errors' | 'users' | 'instances', number>;
const BUSY: Values = { cpu: 80, memory: 50, sessions: 100, latency: 200, errors: 0.5, users: 300, instances: 4 };
const QUIET: Values = { cpu: 20, memory: 30, sessions: 20, latency: 150, errors: 0.1, users: 60, instances: 4 };

const body = (v: Values) =>
  [
    ['test_cpu_percent', v.cpu],
    ['test_memory_percent', v.memory],
    ['test_sessions', v.sessions],
    ['test_latency_ms', v.latency],
    ['test_error_percent', v.errors],
    ['test_connected_users', v.users],
    ['test_instances', v.instances],
  ]
    .map(([n, x]) => `# TYPE ${n} gauge\n${n} ${x}\n`)
    .join('');

const promConfig = (targetPort: number) => `
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: target
    static_configs: [{ targets: ['127.0.0.1:${targetPort}'] }]
`;

/** Daily active users at 00:00 UTC of the last HISTORY_DAYS days: growth plus a weekly cycle, whole numbers. */
function historyPoints(today: number): Point[] {
  const pts: Point[] = [];
  for (let i = HISTORY_DAYS - 1; i >= 0; i--) {
    const t = today - i * DAY;
    const day = HISTORY_DAYS - 1 - i;
    pts.push({ t, v: Math.round(1000 * 1.01 ** day * (1 + 0.1 * Math.sin((2 * Math.PI * day) / 7))) });
  }
  return pts;
}

let target: Awaited<ReturnType<typeof startTarget>>;
let prom: Running;
let storage: string;
let serve: ServeHandle;
let svc: Service;
let points: Point[];
let budgetGuard: 'off' | 'warn' | 'block';
const log = captureLogger();

beforeAll(async () => {
  target = await startTarget(body(BUSY));
  const now = Math.floor(Date.now() / 1000);
  const today = Math.floor(now / DAY) * DAY;
  points = historyPoints(today);
  // The instance count since the start of the month, as the target's own series, so the
  // month-to-date instance-hours estimate sees 4 instances over the whole month.
  const instanceLines: string[] = [];
  for (let t = monthBounds(now).start + 300; t < now - 60; t += 300)
    instanceLines.push(`test_instances{instance="127.0.0.1:${target.port}",job="target"} 4 ${t}`);
  storage = await backfillWide(
    [
      '# TYPE test_daily_active_users gauge',
      ...points.map((p) => `test_daily_active_users{job="history"} ${p.v} ${p.t}`),
      '# TYPE test_instances gauge',
      ...instanceLines,
    ].join('\n')
  );
  prom = await startPrometheus({ config: promConfig(target.port), storage });
  const dir = tempDir('serve-prom');
  const file = writePolicy(dir, (doc) => {
    doc.prometheus = { url: prom.url, timeout: '2s', concurrency: 4 };
    doc.refresh = { interval: '500ms', history_interval: '1h' };
    // Every series the model computes is compared: no detail trimmed (README "Metrics").
    doc.series_budget = 1_000_000;
    doc.scaler.store = { type: 'sqlite', path: path.join(dir, 'state.db') };
    const s = doc.services[0];
    s.instances = { query: 'sum(test_instances)' };
    s.signals = [
      { name: 'cpu', unit: 'percent', query: 'avg(test_cpu_percent)' },
      { name: 'memory', unit: 'percent', query: 'avg(test_memory_percent)' },
      { name: 'sessions', unit: 'sessions', query: 'avg(test_sessions)' },
      { name: 'latency_p95', unit: 'milliseconds', query: 'avg(test_latency_ms)' },
      { name: 'error_rate', unit: 'percent', query: 'avg(test_error_percent)' },
      { name: 'concurrent_users', unit: 'users', kind: 'count', query: 'sum(test_connected_users)' },
    ];
    for (const t of s.scaling.scale_out) t.for = WINDOW;
    s.scaling.scale_in.for = WINDOW;
    // Schedules would move the fleet at their cron time and hide the triggers under test.
    s.scaling.schedules = [];
    s.growth.history_query = 'sum(test_daily_active_users)';
    s.growth.history_days = HISTORY_DAYS;
  });
  const policy = parsePolicy(readFileSync(file, 'utf8'), file);
  svc = policy.services[0];
  budgetGuard = policy.scaler.budget_guard;
  await waitForTargets(prom, 1);
  serve = await startServe({
    configFile: file,
    listen: '127.0.0.1:0',
    logger: log.logger,
    version: 'test',
    scalerFactory: null,
  });
}, 60_000);

afterAll(async () => {
  await serve?.close();
  await prom?.stop();
  await target?.stop();
});

const plan = async () => (await getJson(`${serve.url}/api/v1/plan`)).services[0];

describe('headroom serve on a real Prometheus', () => {
  it('publishes exactly what the model computes from the same inputs and history', async () => {
    await waitFor(
      'cpu_high to hold for its window',
      async () => (await plan())?.decision.firing.includes('cpu_high'),
      20_000
    );
    // Freeze the published state: a scrape and the JSON then come from the same refresh.
    await serve.refresher.stop();
    const served = await plan();
    const metrics = await scrape(serve.url);

    const at: number = served.at;
    const ok = (value: number) => ({ ok: true as const, value });
    const obs = (value: number, sustained: boolean) => ({ ok: true as const, value, sustained });
    const inputs: ServiceInputs = {
      now: at,
      current: ok(4),
      signals: {
        cpu: ok(80),
        memory: ok(50),
        sessions: ok(100),
        latency_p95: ok(200),
        error_rate: ok(0.5),
        concurrent_users: ok(300),
      },
      scaleOut: {
        cpu_high: obs(80, true),
        memory_high: obs(50, false),
        sessions_high: obs(100, false),
        latency_high: obs(200, false),
        errors_high: obs(0.5, false),
      },
      scaleIn: [obs(80, false), obs(50, false), obs(100, false)],
      spendToDate: ok((hourlyRate(svc.capacity, svc.cost, 4) * Math.floor(at - monthBounds(at).start)) / 3600),
    };
    const expected = JSON.parse(
      JSON.stringify(planService(svc, inputs, fitHistory(svc, points), emptyState(), { budgetGuard }))
    );
    const { inputHealth, ...rest } = served;
    expect(rest).toEqual(expected);
    expect(inputHealth.every((i: { ok: boolean }) => i.ok)).toBe(true);

    const cpu = expected.headroom.find((h: { resource: string }) => h.resource === 'cpu');
    const moderate12 = expected.projections.scenarios
      .find((s: { scenario: string }) => s.scenario === 'moderate')
      .horizons.find((h: { months: number }) => h.months === 12);
    const rows: [string, Record<string, string | number>, number][] = [
      ['headroom_instances', {}, 4],
      ['headroom_input_value', { signal: 'cpu' }, 80],
      ['headroom_input_value', { signal: 'history' }, points[points.length - 1].v],
      ['headroom_resource_headroom_ratio', { resource: 'cpu' }, cpu.headroom],
      ['headroom_resource_utilization_ratio', { resource: 'cpu' }, 0.8],
      ['headroom_recommended_instances', { basis: 'final' }, expected.recommendation.recommended],
      ['headroom_recommended_instances', { basis: 'utilization' }, expected.recommendation.bases.utilization],
      ['headroom_projected_instances', { scenario: 'moderate', horizon_months: 12 }, moderate12.instances],
      ['headroom_projected_monthly_cost', { scenario: 'moderate', horizon_months: 12 }, moderate12.monthlyCost],
      ['headroom_budget_month_to_date_spend', {}, expected.budget.spendToDate],
      ['headroom_budget_forecast_month_end_spend', {}, expected.budget.forecastMonthEnd],
      ['headroom_budget_usage_ratio', {}, expected.budget.usageRatio],
      ['headroom_decision_action', { action: 'scale_out' }, 1],
      ['headroom_decision_target_instances', {}, expected.decision.target],
      ['headroom_trigger_firing', { trigger: 'cpu_high' }, 1],
      ['headroom_trigger_firing', { trigger: 'memory_high' }, 0],
      ['headroom_model_selected', { model: expected.projections.selectedModel }, 1],
    ];
    for (const [name, labels, value] of rows) {
      expect({
        series: seriesKey(name, { service: 'terminal', ...labels }),
        value: metrics.get(seriesKey(name, { service: 'terminal', ...labels })),
      }).toEqual({
        series: seriesKey(name, { service: 'terminal', ...labels }),
        value,
      });
    }
    // cpu 80 % against a target of 60 % on 4 instances: ceil(4 * 80 / 60) = 6.
    expect(expected.decision).toMatchObject({ action: 'scale_out', target: 6, trigger: 'cpu_high' });
    serve.refresher.start();
  });

  it('passes promtool check metrics with no findings', async () => {
    // Headroom's own registry; prom-client's process_*/nodejs_* defaults beside it on /metrics are not ours to lint.
    const text = await serve.metrics.registry.metrics();
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr })
      );
      p.stdin!.end(text);
    });
    expect(r).toEqual({ code: 0, out: '' });
  });

  it('keeps serving while Prometheus is down, never scales in on missing data, and recovers', async () => {
    target.set(body(QUIET));
    await waitFor(
      'scale-in to hold for its window',
      async () => (await plan())?.decision.action === 'scale_in',
      20_000
    );

    const port = prom.port;
    await prom.stop();
    await waitFor(
      'inputs to go missing',
      async () =>
        (await scrape(serve.url)).get(seriesKey('headroom_input_up', { service: 'terminal', signal: 'cpu' })) === 0,
      10_000
    );
    const down = await scrape(serve.url);
    for (const signal of ['cpu', 'memory', 'sessions', 'instances', 'spend'])
      expect([signal, down.get(seriesKey('headroom_input_up', { service: 'terminal', signal }))]).toEqual([signal, 0]);
    expect(down.has(seriesKey('headroom_input_value', { service: 'terminal', signal: 'cpu' }))).toBe(false);
    expect(down.get(seriesKey('headroom_decision_action', { service: 'terminal', action: 'scale_in' }))).toBe(0);
    expect(down.get(seriesKey('headroom_decision_blocked', { service: 'terminal', blocked_by: 'missing_data' }))).toBe(
      1
    );
    const p = await plan();
    expect(p.decision).toMatchObject({ action: 'none', blockedBy: ['missing_data'] });
    expect(p.inputs.cpu).toMatchObject({ ok: false, value: null, reason: 'request failed: ECONNREFUSED' });
    expect((await fetch(`${serve.url}/-/healthy`)).status).toBe(200);
    expect(log.text()).toContain('input missing: terminal/cpu: request failed: ECONNREFUSED');

    prom = await startPrometheus({ config: promConfig(target.port), storage, port });
    await waitFor(
      'inputs and the scale-in decision to come back',
      async () => {
        const m = await scrape(serve.url);
        const allUp = ['cpu', 'memory', 'sessions', 'instances', 'spend'].every(
          (signal) => m.get(seriesKey('headroom_input_up', { service: 'terminal', signal })) === 1
        );
        return allUp && m.get(seriesKey('headroom_decision_action', { service: 'terminal', action: 'scale_in' })) === 1;
      },
      25_000,
      250
    );
    const back = await scrape(serve.url);
    expect(back.get(seriesKey('headroom_input_value', { service: 'terminal', signal: 'cpu' }))).toBe(20);
    expect(back.get(seriesKey('headroom_decision_target_instances', { service: 'terminal' }))).toBe(3);
    expect(log.text()).toContain('input recovered: terminal/cpu');
  }, 60_000);
});
