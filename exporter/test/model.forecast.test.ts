import { describe, expect, it } from 'vitest';
import { forecast, seasonsFor } from '../src/model/forecast.js';
import { crossValidationPlan } from '../src/model/forecast/select.js';
import { projectForecast, projectScenarios } from '../src/model/projection.js';
import { analyzeLoadTest } from '../src/model/loadtest.js';
import { DemoSource } from '../src/sources/demo.js';
import { fitHistory } from '../src/model/projection.js';
import { exampleService } from './helpers.js';

const DAY = 86_400;

/** 140 days: trend 2/day from 100, weekly season ±30, small deterministic wiggle. */
const seasonal = Array.from(
  { length: 140 },
  (_, i) => 100 + 2 * i + 30 * Math.sin((2 * Math.PI * i) / 7) + 3 * Math.sin(i * 1.7)
);

describe('growth forecasts', () => {
  it('are deterministic: the same series gives the same forecast, byte for byte', () => {
    const a = forecast(seasonal, { stepSeconds: DAY, horizon: 30 });
    const b = forecast([...seasonal], { stepSeconds: DAY, horizon: 30 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('choose a seasonal model for a trend with a weekly season, and the seasonal ones beat every trend-only model in cross-validation', () => {
    const r = forecast(seasonal, { stepSeconds: DAY, horizon: 28 });
    const mase = Object.fromEntries(r.candidates.map((c) => [c.model, c.cvMase ?? Infinity]));
    const trendOnly = ['naive', 'drift', 'linear_recent', 'damped', 'theta', 'damped_adjusted'];
    for (const s of ['holt_winters', 'auto_ets'])
      for (const other of trendOnly) expect(mase[s]).toBeLessThan(mase[other]);
    expect(['holt_winters', 'auto_ets']).toContain(r.members[0]);
    expect(r.seasons).toEqual([7]);
  });

  it('choose Holt-Winters among the trend models of the first version (the old property)', () => {
    // The first version's candidates.
    const models = [
      'naive',
      'drift',
      'linear',
      'linear_recent',
      'polynomial',
      'exponential',
      'damped',
      'theta',
    ] as const;
    const r = forecast(seasonal, { stepSeconds: DAY, horizon: 28, models: [...models, 'holt_winters'] });
    const mase = Object.fromEntries(r.candidates.map((c) => [c.model, c.cvMase ?? Infinity]));
    for (const other of models) expect(mase.holt_winters).toBeLessThan(mase[other]);
    expect(r.members[0]).toBe('holt_winters');
  });

  it('recovers a pure linear trend exactly', () => {
    const line = Array.from({ length: 50 }, (_, i) => 10 + 3 * i);
    const r = forecast(line, { stepSeconds: DAY, horizon: 10, models: ['linear'] });
    expect(r.path[9].point).toBeCloseTo(10 + 3 * 59, 6);
  });

  it('give nested bands (95 % around 80 % around the point) that widen with the horizon', () => {
    const r = forecast(seasonal, { stepSeconds: DAY, horizon: 60 });
    for (const p of r.path)
      expect(p.lower95 <= p.lower80 && p.lower80 <= p.point && p.point <= p.upper80 && p.upper80 <= p.upper95).toBe(
        true
      );
    expect(r.path[59].upper80 - r.path[59].lower80).toBeGreaterThan(r.path[0].upper80 - r.path[0].lower80);
  });

  it('cross-validate on at least 5 rolling origins over the recent history, each scoring the planning horizon', () => {
    const r = forecast(seasonal, { stepSeconds: DAY, horizon: 28 });
    expect(r.origins.length).toBeGreaterThanOrEqual(5);
    expect(r.cvHorizon).toBe(28);
    expect(r.cvMaseByStep).toHaveLength(28);
    expect(Math.min(...r.origins)).toBeGreaterThanOrEqual(140 / 3);
  });

  it.each([
    { step: 3600, points: 500, seasons: [24, 168] },
    { step: DAY, points: 365, seasons: [7] },
    { step: DAY, points: 800, seasons: [7, 365] },
    { step: 7 * DAY, points: 100, seasons: [52] },
    { step: 30 * DAY, points: 100, seasons: [12] },
    { step: 60, points: 100, seasons: [] },
  ])('take the season from the spacing: every $step s → $seasons', ({ step, points, seasons }) => {
    expect(seasonsFor(step, points)).toEqual(seasons);
  });

  it('use the season given instead of the spacing', () => {
    expect(forecast(seasonal, { stepSeconds: DAY, horizon: 5, seasons: [14] }).seasons).toEqual([14]);
  });

  it.each([
    {
      model: 'exponential' as const,
      values: [3, 2, 0, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      reason: 'needs strictly positive values',
    },
    {
      model: 'holt_winters' as const,
      values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      reason: 'needs at least 16 points for a season of 7',
    },
  ])('report why $model cannot be fitted', ({ model, values, reason }) => {
    const r = forecast(values, { stepSeconds: DAY, horizon: 3, models: [model] });
    expect(r.candidates).toEqual([{ model, ok: false, reason, cvMase: null, cvMaseByStep: [], path: [] }]);
    expect(r.chosen).toBeNull();
  });

  it("fit augurs' AutoETS and MSTL when asked (WASM initialised in Node)", () => {
    const r = forecast(seasonal, { stepSeconds: DAY, horizon: 14, models: ['ets', 'mstl'] });
    expect(r.candidates.map((c) => [c.model, c.ok, c.path.length])).toEqual([
      ['ets', true, 14],
      ['mstl', true, 14],
    ]);
  });

  it('keep only the steps asked for with pathAt', () => {
    const full = forecast(seasonal, { stepSeconds: DAY, horizon: 30 });
    const some = forecast(seasonal, { stepSeconds: DAY, horizon: 30, pathAt: [1, 30] });
    expect(some.path).toEqual([full.path[0], full.path[29]]);
  });

  it.each([
    { n: 120, h: 12, count: 10, first: 108, spacing: 2 },
    { n: 30, h: 100, count: 10, first: 23, spacing: 1 },
  ])(
    'plan origins a sixth of a horizon apart, keeping a third of the history: n=$n h=$h',
    ({ n, h, count, first, spacing }) => {
      const p = crossValidationPlan(n, h, count);
      expect(p.origins[0]).toBe(first);
      expect(p.origins[0] - p.origins[1]).toBe(spacing);
      expect(Math.min(...p.origins)).toBeGreaterThanOrEqual(Math.floor(n / 3));
    }
  );
});

describe('scenario projections', () => {
  const svc = exampleService();
  const lt = analyzeLoadTest(svc.capacity.loadtest!);

  it('compound from month 1 (seed used exponent 0 for month 1) without random noise', () => {
    const s = projectScenarios(svc, lt, 1000);
    const moderate = s.find((x) => x.scenario === 'moderate')!;
    expect(moderate.horizons.map((h) => Math.round(h.dailyUsers))).toEqual([1250, 1953, 3815, 14552]);
    expect(projectScenarios(svc, lt, 1000)).toEqual(s);
  });

  it('needs instances for concurrent users at the optimal load plus the buffer, and prices them on demand', () => {
    const [conservative] = projectScenarios(svc, lt, 1000);
    // 1,150 DAU × 0.15 = 172.5 concurrent users → ceil(172.5 / 50) = 4, + buffer 1 = 5 instances.
    expect(conservative.horizons[0]).toMatchObject({ months: 1, instances: 5, monthlyCost: 5 * 0.5 * 720 });
  });

  it('dates capacity and budget exhaustion, budget first at these prices', () => {
    const moderate = projectScenarios(svc, lt, 1000).find((x) => x.scenario === 'moderate')!;
    expect(moderate.capacityExhaustionSeconds).toBeGreaterThan(0);
    expect(moderate.budgetExhaustionSeconds!).toBeLessThan(moderate.capacityExhaustionSeconds!);
    // 20 instances fit 20 / 1.2 → 16 required → 800 concurrent → 5,333 DAU: 1000 × 1.25^t = 5,333 at t ≈ 7.5 months.
    expect(moderate.capacityExhaustionSeconds! / (30 * 86400)).toBeCloseTo(7.5, 0);
  });

  it('picks a fitted model automatically on the demo history', async () => {
    const now = Date.UTC(2026, 10, 27, 12) / 1000;
    const h = await new DemoSource().readHistory(svc, now);
    if (!h.ok) throw new Error(h.reason);
    expect(h.points).toHaveLength(365);
    const fit = fitHistory(svc, h.points)!;
    expect(fit.result.chosen).not.toBeNull();
    expect(fit.result.candidates.every((c) => c.ok)).toBe(true);
    expect(fit.learning).toMatchObject({ active: false, widen: 1 });
    const f = projectForecast(svc, lt, fit)!;
    expect(f.horizons.map((x) => x.months)).toEqual([1, 3, 6, 12]);
    for (const x of f.horizons)
      expect(x.instances.lower80 <= x.instances.point && x.instances.point <= x.instances.upper80).toBe(true);
  });

  it('reuse the fit of an unchanged history (the hourly refit of daily points) and refit a changed one', async () => {
    const now = Date.UTC(2026, 10, 27, 12) / 1000;
    const h = await new DemoSource().readHistory(svc, now);
    if (!h.ok) throw new Error(h.reason);
    const first = fitHistory(svc, h.points)!;
    expect(
      fitHistory(
        svc,
        h.points.map((p) => ({ ...p }))
      )
    ).toBe(first);
    const changed = h.points.map((p, i) => (i === h.points.length - 1 ? { ...p, v: p.v + 100 } : p));
    const refit = fitHistory(svc, changed)!;
    expect(refit).not.toBe(first);
    expect(refit.lastValue).toBe(changed[changed.length - 1].v);
    expect(JSON.stringify(refit)).toBe(JSON.stringify(fitHistory({ ...svc }, changed)));
  });
});
