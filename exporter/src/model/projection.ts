import type { Service } from '../config/schema.js';
import { MONTH_SECONDS } from '../config/defaults.js';
import { bufferInstances, capacityRequirements, loadTestInstances } from './capacity.js';
import { projectionCost } from './cost.js';
import { fitAll, samplingInterval, type ForecastSet, type ModelName, type Point } from './forecast.js';
import type { LoadTestThresholds } from './loadtest.js';

export interface HorizonProjection {
  months: number;
  dailyUsers: number;
  concurrentUsers: number;
  /** Instances needed including the buffer, at least limits.min (may exceed limits.max). */
  instances: number;
  monthlyCost: number;
  exceedsMax: boolean;
  overBudget: boolean;
}

export interface ScenarioProjection {
  scenario: string;
  monthlyRate: number;
  description?: string;
  planning: boolean;
  horizons: HorizonProjection[];
  /** Seconds from now until the needed instances pass limits.max; null if not within 10 years. */
  capacityExhaustionSeconds: number | null;
  /** Seconds from now until the monthly cost passes the budget; null if not within 10 years. */
  budgetExhaustionSeconds: number | null;
}

/** Instances needed for a number of daily active users: load-test and session bases, plus buffer. */
export function instancesForUsers(svc: Service, lt: LoadTestThresholds, dailyUsers: number): { concurrentUsers: number; instances: number } {
  const concurrentUsers = dailyUsers * svc.growth.concurrency_ratio;
  const required = Math.max(loadTestInstances(concurrentUsers, lt.optimal), capacityRequirements(svc.capacity, concurrentUsers).instances);
  return { concurrentUsers, instances: Math.max(svc.scaling.limits.min, required + bufferInstances(svc.capacity, required)) };
}

function horizon(svc: Service, lt: LoadTestThresholds, months: number, dailyUsers: number): HorizonProjection {
  const { concurrentUsers, instances } = instancesForUsers(svc, lt, dailyUsers);
  const monthlyCost = projectionCost(svc.capacity, svc.cost, instances);
  return {
    months,
    dailyUsers,
    concurrentUsers,
    instances,
    monthlyCost,
    exceedsMax: instances > svc.scaling.limits.max,
    overBudget: monthlyCost > svc.cost.budget.monthly,
  };
}

const SEARCH_MONTHS = 120;

/**
 * First time (seconds from now, day resolution) at which the users need more than allowed.
 * Needed instances and cost only grow with users, so a bisection over days finds it.
 */
function exhaustion(svc: Service, lt: LoadTestThresholds, users: (months: number) => number, rate: number, over: (h: HorizonProjection) => boolean): number | null {
  const overAt = (day: number) => over(horizon(svc, lt, day / 30, users(day / 30)));
  if (overAt(0)) return 0;
  let hi = SEARCH_MONTHS * 30;
  if (!(rate > 0) || !overAt(hi)) return null;
  let lo = 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (overAt(mid)) hi = mid;
    else lo = mid;
  }
  return (hi / 30) * MONTH_SECONDS;
}

/** Compound growth: month m has users * (1 + rate)^m, so month 1 already grows (seed used exponent 0). */
export function projectScenarios(svc: Service, lt: LoadTestThresholds, currentDailyUsers: number): ScenarioProjection[] {
  return svc.growth.scenarios.map((s) => {
    const users = (m: number) => currentDailyUsers * (1 + s.monthly_rate) ** m;
    return {
      scenario: s.name,
      monthlyRate: s.monthly_rate,
      description: s.description,
      planning: s.name === svc.growth.planning_scenario,
      horizons: svc.growth.horizons_months.map((m) => horizon(svc, lt, m, users(m))),
      capacityExhaustionSeconds: exhaustion(svc, lt, users, s.monthly_rate, (h) => h.exceedsMax),
      budgetExhaustionSeconds: exhaustion(svc, lt, users, s.monthly_rate, (h) => h.overBudget),
    };
  });
}

export interface ModelHorizon extends HorizonProjection {
  lower: number;
  upper: number;
}

export interface ModelProjection {
  model: ModelName;
  ok: boolean;
  reason?: string;
  rSquared: number | null;
  holdoutError: number | null;
  selected: boolean;
  horizons: ModelHorizon[];
}

export interface HistoryFit {
  /** Unix seconds of the last history point. */
  lastT: number;
  lastValue: number;
  /** Sampling interval in seconds. */
  step: number;
  set: ForecastSet;
}

/** Fit every configured model to the daily-users history. Runs on the slow history cadence. */
export function fitHistory(svc: Service, points: Point[], z: number): HistoryFit | null {
  if (points.length < 2) return null;
  const step = samplingInterval(points);
  const seasonSteps = Math.max(2, Math.round((svc.growth.season_length_days * 86_400) / step));
  const set = fitAll(
    svc.growth.models,
    points.map((p) => p.v),
    { seasonLength: seasonSteps, holdoutRatio: svc.growth.holdout_ratio, z },
  );
  const last = points[points.length - 1];
  return { lastT: last.t, lastValue: last.v, step, set };
}

export function projectModels(svc: Service, lt: LoadTestThresholds, fit: HistoryFit): ModelProjection[] {
  return fit.set.fits.map((f) => {
    if (!f.ok) return { model: f.model, ok: false, reason: f.reason, rSquared: null, holdoutError: null, selected: false, horizons: [] };
    return {
      model: f.model,
      ok: true,
      rSquared: f.rSquared,
      holdoutError: f.holdoutError,
      selected: fit.set.best === f,
      horizons: svc.growth.horizons_months.map((m) => {
        const fc = f.predict(Math.round((m * MONTH_SECONDS) / fit.step));
        const point = Math.max(0, fc.point);
        return { ...horizon(svc, lt, m, point), dailyUsers: point, lower: Math.max(0, fc.lower), upper: Math.max(0, fc.upper) };
      }),
    };
  });
}
