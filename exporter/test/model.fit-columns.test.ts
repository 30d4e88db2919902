/**
 * A fit holds its forecast paths as columns of doubles (model/projection.ts PathColumns), not as a
 * year of small objects per candidate: the same numbers, and at 1,000 services far less for the
 * garbage collector to walk on every refresh.
 */
import { describe, expect, it } from 'vitest';
import { fitHistory, PathColumns, projectFitScenarios, projectScenarios } from '../src/model/projection.js';
import { analyzeLoadTest } from '../src/model/loadtest.js';
import type { PathPoint } from '../src/model/forecast.js';
import { DemoSource } from '../src/sources/demo.js';
import { exampleService } from './helpers.js';

const point = (v: number, w: number): PathPoint => ({
  point: v,
  lower80: v - w,
  upper80: v + w,
  lower95: v - 2 * w,
  upper95: v + 2 * w,
});

describe('a fit', () => {
  it.each([
    ['ordinary values', [point(100, 5), point(101.5, 5.25), point(103.125, 5.5)]],
    ['awkward doubles', [point(0.1 + 0.2, 1e-300), point(-0, 0), point(Number.MAX_VALUE / 4, 1e300), point(NaN, 1)]],
    ['an empty path', []],
  ])('gives back exactly the path it was built from (%s)', (_, path) => {
    const c = new PathColumns(path);
    expect(c.length).toBe(path.length);
    path.forEach((p, i) => {
      const got = c.at(i)!;
      for (const k of Object.keys(p) as (keyof PathPoint)[]) expect(Object.is(got[k], p[k]), `${i}.${k}`).toBe(true);
    });
    expect(c.at(-1)).toBeUndefined();
    expect(c.at(path.length)).toBeUndefined();
    expect(JSON.stringify(c)).toBe(JSON.stringify(path));
    expect(c.map((p) => p.point)).toEqual(path.map((p) => p.point));
  });

  it('holds the chosen path and every candidate path as columns, a point per day up to the longest horizon', async () => {
    const svc = exampleService();
    const h = await new DemoSource().readHistory(svc, Date.UTC(2026, 10, 27, 12) / 1000);
    if (!h.ok) throw new Error(h.reason);
    const fit = fitHistory(svc, h.points)!;
    const days = Math.max(...svc.growth.horizons_months) * 30;
    for (const path of [fit.result.path, ...fit.result.candidates.filter((c) => c.ok).map((c) => c.path)]) {
      expect(path).toBeInstanceOf(PathColumns);
      expect(path.length).toBe(days);
    }
  });

  it('projects its growth scenarios once, reused by every signal refresh until the fit or the service changes', async () => {
    const svc = exampleService();
    const lt = analyzeLoadTest(svc.capacity.loadtest!);
    const h = await new DemoSource().readHistory(svc, Date.UTC(2026, 10, 27, 12) / 1000);
    if (!h.ok) throw new Error(h.reason);
    const fit = fitHistory(svc, h.points)!;
    const scenarios = projectFitScenarios(svc, lt, fit);
    expect(scenarios).toEqual(projectScenarios(svc, lt, fit.lastValue));
    expect(projectFitScenarios(svc, lt, fit)).toBe(scenarios);
    const reloaded = { ...svc };
    expect(projectFitScenarios(reloaded, lt, fit)).not.toBe(scenarios);
    expect(projectFitScenarios(reloaded, lt, fit)).toEqual(scenarios);
    const refit = fitHistory(
      svc,
      h.points.map((p, i) => (i === h.points.length - 1 ? { ...p, v: p.v * 2 } : p))
    )!;
    expect(projectFitScenarios(svc, lt, refit)).toEqual(projectScenarios(svc, lt, refit.lastValue));
    expect(projectFitScenarios(svc, lt, refit)).not.toEqual(scenarios);
  });
});
