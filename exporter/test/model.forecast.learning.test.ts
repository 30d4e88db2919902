/**
 * Projections from the first hour (issue 17): a fresh real Prometheus that holds one hour of the
 * growth query's data. The exporter fits on what there is at the finest useful step, and the plan,
 * its text and its metrics say the forecast is still learning, how much history it stands on and
 * how much it needs for full confidence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlan } from '../src/cli/plan.js';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { startPrometheus, tempDir, waitFor, type Running } from './support/processes.js';
import { backfillWide, captureLogger, getJson, scrape, seriesKey, writePolicy } from './support/serve.js';

const HOUR = 3600;
const HISTORY_DAYS = 365;

let prom: Running;
let serve: ServeHandle;

beforeAll(async () => {
  const now = Math.floor(Date.now() / 1000);
  // One hour of daily active users, a sample every 15 s, growing from 1,000 to 1,100.
  const lines = ['# TYPE test_daily_active_users gauge'];
  for (let t = now - HOUR + 15; t <= now - 5; t += 15)
    lines.push(`test_daily_active_users{job="app"} ${Math.round(1000 + (100 * (t - now + HOUR)) / HOUR)} ${t}`);
  const storage = await backfillWide(lines.join('\n'));
  prom = await startPrometheus({ config: 'global: { scrape_interval: 15s }\n', storage });
  const dir = tempDir('learning');
  const file = writePolicy(dir, (doc) => {
    doc.prometheus = { url: prom.url, timeout: '2s', concurrency: 4 };
    doc.refresh = { interval: '1h', history_interval: '1h' };
    // The forecast's band is per-service detail the default series budget trims.
    doc.series_budget = 1_000_000;
    doc.scaler.store = { type: 'sqlite', path: `${dir}/state.db` };
    const s = doc.services[0];
    s.growth.history_query = 'sum(test_daily_active_users)';
    s.growth.history_days = HISTORY_DAYS;
  });
  serve = await startServe({
    configFile: file,
    listen: '127.0.0.1:0',
    logger: captureLogger().logger,
    version: 'test',
    scalerFactory: null,
  });
}, 60_000);

afterAll(async () => {
  await serve?.close();
  await prom?.stop();
});

describe('a forecast on one hour of history', () => {
  it('gives a plan with projections marked learning, with the history it has and needs', async () => {
    const plan = await waitFor('a plan with a forecast', async () => {
      const p = (await getJson(`${serve.url}/api/v1/plan`)).services?.[0];
      return p?.projections?.forecast ? p : undefined;
    });
    const f = plan.projections.forecast;
    expect(f).not.toBeNull();
    expect(f.learning).toMatchObject({ active: true, stepSeconds: 60, neededSeconds: HISTORY_DAYS * 86_400, widen: 3 });
    expect(f.learning.historySeconds).toBeGreaterThanOrEqual(50 * 60);
    expect(f.learning.historySeconds).toBeLessThanOrEqual(HOUR + 60);
    expect(f.horizons.map((h: { months: number }) => h.months)).toEqual([1, 3, 6, 12]);
    for (const h of f.horizons) expect(h.users.lower80 <= h.users.point && h.users.point <= h.users.upper80).toBe(true);
    expect(renderPlan(plan, 'prometheus')).toMatch(
      /learning: \d+ min of history, 365 d needed for full confidence; fitted every 1 min, bands widened ×3\.0/
    );
  });

  it('publishes the learning state and the band as metrics', async () => {
    const m = await scrape(serve.url);
    const key = (name: string, labels: Record<string, string | number> = {}) =>
      seriesKey(name, { service: 'terminal', ...labels });
    expect(m.get(key('headroom_forecast_learning'))).toBe(1);
    expect(m.get(key('headroom_forecast_history_needed_seconds'))).toBe(HISTORY_DAYS * 86_400);
    expect(m.get(key('headroom_forecast_history_seconds'))).toBeLessThanOrEqual(HOUR + 60);
    for (const bound of ['point', 'lower_80', 'upper_80', 'lower_95', 'upper_95'])
      expect(m.has(key('headroom_forecast_users', { horizon_months: 1, bound }))).toBe(true);
  });
});
