import { describe, expect, it } from 'vitest';
import { fitAll, fitModel } from '../src/model/forecast.js';
import { projectScenarios } from '../src/model/projection.js';
import { analyzeLoadTest } from '../src/model/loadtest.js';
import { DemoSource } from '../src/sources/demo.js';
import { fitHistory } from '../src/model/projection.js';
import { exampleService } from './helpers.js';

const OPTS = { seasonLength: 7, holdoutRatio: 0.2, z: 1.96 };

/** 140 days: trend 2/day from 100, weekly season ±30, small deterministic wiggle. */
const seasonal = Array.from({ length: 140 }, (_, i) => 100 + 2 * i + 30 * Math.sin((2 * Math.PI * i) / 7) + 3 * Math.sin(i * 1.7));

describe('fitted growth models', () => {
  it('are deterministic: the same input gives the same output', () => {
    const a = fitAll(['linear', 'polynomial', 'exponential', 'holt_winters'], seasonal, OPTS);
    const b = fitAll(['linear', 'polynomial', 'exponential', 'holt_winters'], seasonal, OPTS);
    const pick = (s: typeof a) => s.fits.map((f) => (f.ok ? [f.model, f.rSquared, f.holdoutError, f.predict(30)] : [f.model, f.reason]));
    expect(pick(a)).toEqual(pick(b));
  });

  it('Holt-Winters beats linear on holdout error for a trend with a weekly season, and is chosen', () => {
    const set = fitAll(['linear', 'polynomial', 'exponential', 'holt_winters'], seasonal, OPTS);
    const err = Object.fromEntries(set.fits.map((f) => [f.model, f.ok ? f.holdoutError : Infinity]));
    expect(err.holt_winters).toBeLessThan(err.linear);
    expect(err.holt_winters).toBeLessThan(0.03);
    expect(set.best?.model).toBe('holt_winters');
  });

  it('recovers a pure linear trend exactly', () => {
    const line = Array.from({ length: 50 }, (_, i) => 10 + 3 * i);
    const f = fitModel('linear', line, OPTS);
    expect(f.ok && f.rSquared).toBeCloseTo(1, 10);
    expect(f.ok && f.predict(10).point).toBeCloseTo(10 + 3 * 59, 6);
  });

  it('gives a prediction interval that contains the point and widens with the horizon', () => {
    const f = fitModel('holt_winters', seasonal, OPTS);
    if (!f.ok) throw new Error(f.reason);
    const near = f.predict(1);
    const far = f.predict(60);
    expect(near.lower).toBeLessThan(near.point);
    expect(near.upper).toBeGreaterThan(near.point);
    expect(far.upper - far.lower).toBeGreaterThan(near.upper - near.lower);
  });

  it.each([
    { model: 'exponential' as const, values: [3, 2, 0, 4, 5, 6, 7, 8, 9, 10], reason: 'needs strictly positive values' },
    { model: 'holt_winters' as const, values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], reason: 'needs at least 16 points for a season of 7' },
  ])('reports why $model cannot be fitted', ({ model, values, reason }) => {
    expect(fitModel(model, values, OPTS)).toEqual({ model, ok: false, reason });
  });
});

describe('scenario projections', () => {
  const svc = exampleService();
  const lt = analyzeLoadTest(svc.capacity.loadtest);

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
    const fit = fitHistory(svc, h.points, 1.96)!;
    expect(fit.set.best).toBeDefined();
    expect(fit.set.fits.every((f) => f.ok)).toBe(true);
  });
});
