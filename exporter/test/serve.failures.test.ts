/**
 * Queries that cannot give one number: each makes its input missing, with a reason in the log and
 * in /api/v1/plan, and never a default value.
 */
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { freePort, startPrometheus, tempDir, waitFor, type Running } from './support/processes.js';
import { captureLogger, getJson, scrape, seriesKey, writePolicy } from './support/serve.js';

let prom: Running;
let serve: ServeHandle;
const log = captureLogger();

const QUERIES: Record<string, string> = {
  cpu: 'label_replace(vector(1), "x", "a", "", "") or label_replace(vector(2), "x", "b", "", "")',
  memory: 'vector(1) > 2',
  sessions: 'vector(0) / 0',
  latency_p95: 'sum(',
  error_rate: 'vector(0.5)',
  concurrent_users: 'vector(100)',
  daily_users: 'vector(800)',
};

beforeAll(async () => {
  prom = await startPrometheus({ config: 'global: { scrape_interval: 15s }\n' });
  const dir = tempDir('serve-fail');
  const file = writePolicy(dir, (doc) => {
    doc.prometheus = { url: prom.url, timeout: '2s' };
    // input_value is detail the default series budget trims: keep it, so its absence means missing.
    doc.series_budget = 1_000_000;
    doc.scaler.store = { type: 'sqlite', path: path.join(dir, 'state.db') };
    const s = doc.services[0];
    s.instances = { static: 4 };
    for (const sig of s.signals) sig.query = QUERIES[sig.name];
    s.growth.history_query = 'vector(1) > 2';
    s.growth.history_days = 30;
  });
  serve = await startServe({
    configFile: file,
    listen: '127.0.0.1:0',
    logger: log.logger,
    version: 'test',
    scalerFactory: null,
  });
  await waitFor('first refresh', async () => serve.refresher.stats !== null);
});

afterAll(async () => {
  await serve?.close();
  await prom?.stop();
});

describe('a query that does not give exactly one finite number', () => {
  it.each([
    ['returns two series', 'cpu', '2 series, expected exactly one (aggregate the query, e.g. with sum or avg)'],
    ['returns no series', 'memory', 'no series (empty result)'],
    ['returns NaN', 'sessions', 'value is NaN'],
    [
      'is not valid PromQL',
      'latency_p95',
      'HTTP 400: bad_data: invalid parameter "query": 1:5: parse error: unclosed left parenthesis',
    ],
    ['gives an empty history', 'history', 'no series (empty result)'],
  ])('%s: the input is missing and the log says why', async (_case, signal, reason) => {
    expect(log.text()).toContain(`input missing: terminal/${signal}: ${reason}`);
    const line = log.lines().find((l) => l.signal === signal && l.level === 40);
    expect(line).toMatchObject({ service: 'terminal', signal, reason });
    const m = await scrape(serve.url);
    expect(m.get(seriesKey('headroom_input_up', { service: 'terminal', signal }))).toBe(0);
    expect(m.has(seriesKey('headroom_input_value', { service: 'terminal', signal }))).toBe(false);
  });

  it('leaves the other inputs up and reports missing_data instead of acting', async () => {
    const p = (await getJson(`${serve.url}/api/v1/plan`)).services[0];
    expect(p.inputs.error_rate).toEqual({ ok: true, value: 0.5 });
    expect(p.inputs.cpu).toEqual({
      ok: false,
      value: null,
      reason: '2 series, expected exactly one (aggregate the query, e.g. with sum or avg)',
    });
    expect(p.decision.action).not.toBe('scale_in');
    expect(p.decision.reasons).toContain(
      'Trigger cpu_high has no data (2 series, expected exactly one (aggregate the query, e.g. with sum or avg)).'
    );
    expect(p.projections).toMatchObject({ scenarios: [], reason: 'no series (empty result)' });
  });
});

describe('a Prometheus slower than the timeout', () => {
  let slow: Server;
  let handle: ServeHandle;
  const slowLog = captureLogger();

  beforeAll(async () => {
    // Answers every query after 3 s; the policy's timeout is 300 ms.
    slow = createServer(
      (_req, res) =>
        void setTimeout(() => res.end('{"status":"success","data":{"resultType":"vector","result":[]}}'), 3000)
    );
    const port = await freePort();
    await new Promise<void>((r) => slow.listen(port, '127.0.0.1', r));
    const dir = tempDir('serve-slow');
    const file = writePolicy(dir, (doc) => {
      doc.prometheus = { url: `http://127.0.0.1:${port}`, timeout: '300ms', concurrency: 8 };
      doc.scaler.store = { type: 'sqlite', path: path.join(dir, 'state.db') };
      doc.services[0].instances = { static: 4 };
      doc.services[0].scaling.schedules = [];
    });
    handle = await startServe({
      configFile: file,
      listen: '127.0.0.1:0',
      logger: slowLog.logger,
      version: 'test',
      scalerFactory: null,
    });
  });

  afterAll(async () => {
    await handle?.close();
    slow?.closeAllConnections();
    await new Promise((r) => slow?.close(r));
  });

  it('is not ready until the first refresh publishes its plans, then reports every input timed out', async () => {
    expect((await fetch(`${handle.url}/-/ready`)).status).toBe(503);
    await waitFor('first refresh', async () => (await fetch(`${handle.url}/-/ready`)).status === 200, 10_000);
    // Ready at the publication before the history refit; the input changes are logged once the refresh is whole.
    await waitFor('the whole first refresh', async () => handle.refresher.stats !== null, 10_000);
    expect(slowLog.text()).toContain('input missing: terminal/cpu: timeout after 0.3s');
    const m = await scrape(handle.url);
    expect(m.get(seriesKey('headroom_input_up', { service: 'terminal', signal: 'cpu' }))).toBe(0);
    expect(m.get(seriesKey('headroom_decision_blocked', { service: 'terminal', blocked_by: 'missing_data' }))).toBe(1);
    expect(m.get(seriesKey('headroom_decision_action', { service: 'terminal', action: 'scale_in' }))).toBe(0);
  });
});
