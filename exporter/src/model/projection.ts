import type { Service } from '../config/schema.js';
import { MONTH_SECONDS } from '../config/defaults.js';
import { bufferInstances, capacityRequirements, loadTestInstances } from './capacity.js';
import { projectionCost } from './cost.js';
import {
  forecast,
  samplingInterval,
  type Candidate,
  type ChoiceName,
  type ForecastResult,
  type ModelName,
  type PathPoint,
  type Point,
} from './forecast.js';
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
export function instancesForUsers(
  svc: Service,
  lt: LoadTestThresholds,
  dailyUsers: number
): { concurrentUsers: number; instances: number } {
  const concurrentUsers = dailyUsers * svc.growth.concurrency_ratio;
  const required = Math.max(
    loadTestInstances(concurrentUsers, lt.optimal),
    capacityRequirements(svc.capacity, concurrentUsers)?.instances ?? 0
  );
  return {
    concurrentUsers,
    instances: Math.max(svc.scaling.limits.min, required + bufferInstances(svc.capacity, required)),
  };
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
function exhaustion(
  svc: Service,
  lt: LoadTestThresholds,
  users: (months: number) => number,
  rate: number,
  over: (h: HorizonProjection) => boolean
): number | null {
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
export function projectScenarios(
  svc: Service,
  lt: LoadTestThresholds,
  currentDailyUsers: number
): ScenarioProjection[] {
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

/** Users at a horizon with the forecast's 80 % and 95 % bounds. */
export interface Band {
  point: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export interface ModelHorizon {
  months: number;
  users: Band;
  /** Instances needed at each bound of the users (with the buffer, at least limits.min). */
  instances: Band;
  monthlyCost: number;
}

export interface ModelProjection {
  model: ModelName;
  ok: boolean;
  reason?: string;
  /** Mean cross-validated MASE (lower is better; 1 = the one-step naive forecast's in-sample error). */
  cvMase: number | null;
  selected: boolean;
  horizons: ModelHorizon[];
}

/** When the needed instances (or cost) pass the limit: the 80 % band's earliest and latest dates, and the point's. */
export interface ExhaustionRange {
  /** Seconds from now at which the upper 80 % bound crosses; null: not within the forecast. */
  earliestSeconds: number | null;
  pointSeconds: number | null;
  /** Seconds from now at which the lower 80 % bound crosses; null: not within the forecast. */
  latestSeconds: number | null;
}

export interface Learning {
  /** True while the history is shorter than growth.history_days: the band is widened by `widen`. */
  active: boolean;
  historySeconds: number;
  neededSeconds: number;
  stepSeconds: number;
  widen: number;
}

export interface ForecastProjection {
  chosen: ChoiceName;
  members: ModelName[];
  cvMase: number;
  /** Cross-validated MASE of the chosen forecast at each horizon the cross-validation reached. */
  cvMaseByHorizon: { months: number; mase: number }[];
  seasons: number[];
  origins: number;
  horizons: ModelHorizon[];
  capacityExhaustion: ExhaustionRange;
  budgetExhaustion: ExhaustionRange;
  learning: Learning;
}

export interface HistoryFit {
  /** Unix seconds of the last history point. */
  lastT: number;
  lastValue: number;
  /** Sampling interval in seconds. */
  step: number;
  /** Paths sampled once a day (day 1 … the longest horizon), stored as columns (PathColumns). */
  result: FitResult;
  learning: Learning;
}

const BOUNDS = ['point', 'lower80', 'upper80', 'lower95', 'upper95'] as const;

/**
 * A forecast path stored as one column of doubles per bound: the same numbers as the PathPoint[]
 * it is built from (a Float64Array holds a number exactly), without one object and five boxed
 * numbers per day. A fit holds ten paths of a year of days; at 1,000 services that is 3.6 million
 * objects the garbage collector would walk on every major collection.
 */
export class PathColumns {
  readonly length: number;
  private readonly columns: Record<keyof PathPoint, Float64Array>;

  constructor(path: readonly PathPoint[]) {
    this.length = path.length;
    const column = (b: keyof PathPoint) => Float64Array.from(path, (p) => p[b]);
    this.columns = {
      point: column('point'),
      lower80: column('lower80'),
      upper80: column('upper80'),
      lower95: column('lower95'),
      upper95: column('upper95'),
    };
  }

  /** Day `i` (0-based), or undefined past the end, as the array's index would be. */
  at(i: number): PathPoint | undefined {
    if (!(i >= 0 && i < this.length)) return undefined;
    const c = this.columns;
    return {
      point: c.point[i],
      lower80: c.lower80[i],
      upper80: c.upper80[i],
      lower95: c.lower95[i],
      upper95: c.upper95[i],
    };
  }

  map<T>(f: (p: PathPoint) => T): T[] {
    return Array.from({ length: this.length }, (_, i) => f(this.at(i)!));
  }

  /** As JSON, the path it was built from. */
  toJSON(): PathPoint[] {
    return this.map((p) => p);
  }
}

/** A forecast result whose paths are PathColumns. */
export type FitResult = Omit<ForecastResult, 'path' | 'candidates'> & {
  path: PathColumns;
  candidates: (Omit<Candidate, 'path'> & { path: PathColumns })[];
};

const compact = (r: ForecastResult): FitResult => ({
  ...r,
  path: new PathColumns(r.path),
  candidates: r.candidates.map((c) => ({ ...c, path: new PathColumns(c.path) })),
});

const DAY = 86_400;
/** Band widening while learning: √(needed / have), at most this (a guess with one hour of data stays a guess). */
const MAX_WIDEN = 3;

export function learningState(svc: Service, points: Point[], step: number): Learning {
  const historySeconds = points.length < 2 ? 0 : points[points.length - 1].t - points[0].t + step;
  const neededSeconds = svc.growth.history_days * DAY;
  const active = historySeconds < neededSeconds;
  return {
    active,
    historySeconds,
    neededSeconds,
    stepSeconds: step,
    widen: active ? Math.min(MAX_WIDEN, Math.sqrt(neededSeconds / Math.max(step, historySeconds))) : 1,
  };
}

/** Season lengths in steps: the policy's season_length_days when set, else from the spacing. */
function seasonsOf(svc: Service, step: number): number[] | undefined {
  const days = svc.growth.season_length_days;
  return days === undefined ? undefined : [Math.max(2, Math.round((days * DAY) / step))];
}

/**
 * The last fit of each service with the points it came from. Daily points change once a day and the
 * refit runs hourly: an unchanged history (same service object, same points) reuses its fit, which
 * is the same value the refit would give (the forecast is deterministic).
 */
const lastFits = new WeakMap<Service, { t: Float64Array; v: Float64Array; fit: HistoryFit }>();
const samePoints = (a: { t: Float64Array; v: Float64Array }, b: Point[]) =>
  a.t.length === b.length && b.every((p, i) => p.t === a.t[i] && p.v === a.v[i]);

/** Fit the growth models to the daily-users history (any spacing: hourly while learning). Runs on the slow history cadence. */
export function fitHistory(svc: Service, points: Point[]): HistoryFit | null {
  if (points.length < 2) return null;
  const last = lastFits.get(svc);
  if (last && samePoints(last, points)) return last.fit;
  const step = samplingInterval(points);
  const maxDays = Math.max(...svc.growth.horizons_months) * 30;
  const perDay = DAY / step;
  const pathAt = Array.from({ length: maxDays }, (_, d) => Math.max(1, Math.round((d + 1) * perDay)));
  const result = forecast(
    points.map((p) => p.v),
    {
      stepSeconds: step,
      horizon: pathAt[pathAt.length - 1],
      pathAt,
      models: svc.growth.models,
      seasons: seasonsOf(svc, step),
    }
  );
  const end = points[points.length - 1];
  const fit = {
    lastT: end.t,
    lastValue: end.v,
    step,
    result: compact(result),
    learning: learningState(svc, points, step),
  };
  lastFits.set(svc, { t: Float64Array.from(points, (p) => p.t), v: Float64Array.from(points, (p) => p.v), fit });
  return fit;
}

function widen(p: PathPoint, f: number): Band {
  const at = (b: number) => Math.max(0, p.point + f * (b - p.point));
  return {
    point: Math.max(0, p.point),
    lower80: at(p.lower80),
    upper80: at(p.upper80),
    lower95: at(p.lower95),
    upper95: at(p.upper95),
  };
}

function bandHorizons(svc: Service, lt: LoadTestThresholds, path: PathColumns, f: number): ModelHorizon[] {
  return svc.growth.horizons_months.map((m) => {
    const users = widen(path.at(m * 30 - 1)!, f);
    const instances = Object.fromEntries(
      BOUNDS.map((b) => [b, instancesForUsers(svc, lt, users[b]).instances])
    ) as unknown as Band;
    return { months: m, users, instances, monthlyCost: projectionCost(svc.capacity, svc.cost, instances.point) };
  });
}

/** First day (as seconds from the last history point) on which `over` holds for the users of that day. */
function crossing(path: number[], over: (users: number) => boolean): number | null {
  const d = path.findIndex(over);
  return d < 0 ? null : (d + 1) * DAY;
}

function exhaustionRange(path: Band[], over: (users: number) => boolean): ExhaustionRange {
  return {
    earliestSeconds: crossing(
      path.map((p) => p.upper80),
      over
    ),
    pointSeconds: crossing(
      path.map((p) => p.point),
      over
    ),
    latestSeconds: crossing(
      path.map((p) => p.lower80),
      over
    ),
  };
}

/**
 * Projections of a fit depend on the fit and the service only, not on the current inputs: computed
 * once per fit (the slow history cadence), not on every signal refresh. Pure: same inputs, same value.
 */
const cache = new WeakMap<
  HistoryFit,
  { svc: Service; forecast?: ForecastProjection | null; models?: ModelProjection[]; scenarios?: ScenarioProjection[] }
>();
function cached<K extends 'forecast' | 'models' | 'scenarios'>(
  svc: Service,
  fit: HistoryFit,
  key: K,
  compute: () => NonNullable<ReturnType<typeof cache.get>>[K]
) {
  let entry = cache.get(fit);
  if (!entry || entry.svc !== svc) cache.set(fit, (entry = { svc }));
  if (!(key in entry)) entry[key] = compute();
  return entry[key]!;
}

/** The scenarios from the fit's last value (projectScenarios), computed once per fit, not on every signal refresh. */
export function projectFitScenarios(svc: Service, lt: LoadTestThresholds, fit: HistoryFit): ScenarioProjection[] {
  return cached(svc, fit, 'scenarios', () => projectScenarios(svc, lt, fit.lastValue));
}

/** The automatic forecast: bands at the horizons, and the 80 % ranges of capacity and budget exhaustion. */
export function projectForecast(svc: Service, lt: LoadTestThresholds, fit: HistoryFit): ForecastProjection | null {
  return cached(svc, fit, 'forecast', () => computeForecast(svc, lt, fit));
}

function computeForecast(svc: Service, lt: LoadTestThresholds, fit: HistoryFit): ForecastProjection | null {
  const r = fit.result;
  if (r.chosen === null || r.cvMase === null) return null;
  const f = fit.learning.widen;
  const daily = r.path.map((p) => widen(p, f));
  const needs = (users: number) => horizon(svc, lt, 0, users);
  return {
    chosen: r.chosen,
    members: r.members,
    cvMase: r.cvMase,
    cvMaseByHorizon: svc.growth.horizons_months
      .map((m) => ({ months: m, k: Math.round((m * MONTH_SECONDS) / fit.step) }))
      .filter((x) => x.k <= r.cvMaseByStep.length)
      .map((x) => ({ months: x.months, mase: r.cvMaseByStep[x.k - 1] })),
    seasons: r.seasons,
    origins: r.origins.length,
    horizons: bandHorizons(svc, lt, r.path, f),
    capacityExhaustion: exhaustionRange(daily, (u) => needs(u).exceedsMax),
    budgetExhaustion: exhaustionRange(daily, (u) => needs(u).overBudget),
    learning: fit.learning,
  };
}

export function projectModels(svc: Service, lt: LoadTestThresholds, fit: HistoryFit): ModelProjection[] {
  return cached(svc, fit, 'models', () => computeModels(svc, lt, fit));
}

function computeModels(svc: Service, lt: LoadTestThresholds, fit: HistoryFit): ModelProjection[] {
  return fit.result.candidates.map((c) =>
    c.ok
      ? {
          model: c.model,
          ok: true,
          cvMase: c.cvMase,
          selected: fit.result.members.includes(c.model),
          horizons: bandHorizons(svc, lt, c.path, fit.learning.widen),
        }
      : { model: c.model, ok: false, reason: c.reason, cvMase: null, selected: false, horizons: [] }
  );
}
