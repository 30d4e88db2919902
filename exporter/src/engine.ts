import type { Policy, Service } from './config/schema.js';
import type { DecisionState } from './model/decision.js';
import { emptyState } from './model/decision.js';
import { planService, type ServicePlan } from './model/plan.js';
import { analyzeLoadTest } from './model/loadtest.js';
import { fitHistory, projectForecast, projectModels, type HistoryFit } from './model/projection.js';
import type { HistoryReading, HistoryStep, Source } from './sources/source.js';

export interface HistoryEntry {
  fit: HistoryFit | null;
  reason?: string;
  /** Unix seconds of the fetch. */
  fetchedAt: number;
}

const DAY = 86_400;
/** Daily points are enough from four weeks on (two weekly seasons and room to cross-validate them). */
const DAILY_ENOUGH = 28;
/** Finer reads while the history is young: hourly over four weeks, then every minute over the last day. */
const YOUNG: readonly (HistoryStep & { enough: number })[] = [
  { stepSeconds: 3600, seconds: 28 * DAY, enough: 24 },
  { stepSeconds: 60, seconds: DAY, enough: 8 },
];

/**
 * The history at the finest useful step: daily once there are four weeks of it, else hourly, else
 * every minute (projections from the first hour). The forecast marks anything shorter than
 * history_days as learning. When nothing is enough, the daily read's reason stands.
 */
export async function readHistory(source: Source, svc: Service, now: number): Promise<HistoryReading> {
  if (svc.growth.history_query === undefined) return { ok: false, reason: 'no growth.history_query' };
  const daily = await source.readHistory(svc, now);
  if (daily.ok && daily.points.length >= DAILY_ENOUGH) return daily;
  for (const step of YOUNG) {
    const h = await source.readHistory(svc, now, step);
    if (h.ok && h.points.length >= step.enough) return h;
  }
  return daily;
}

/** Fetch a service's history and fit the growth models (the slow cadence). */
export async function refreshHistory(source: Source, svc: Service, now: number): Promise<HistoryEntry> {
  const h = await readHistory(source, svc, now);
  if (!h.ok) return { fit: null, reason: h.reason, fetchedAt: now };
  const fit = fitHistory(svc, h.points);
  if (fit && svc.capacity.loadtest) {
    // Projections of a fit do not depend on the current inputs: compute (and cache) them on this slow cadence.
    const lt = analyzeLoadTest(svc.capacity.loadtest);
    projectForecast(svc, lt, fit);
    projectModels(svc, lt, fit);
  }
  return fit
    ? { fit, fetchedAt: now }
    : { fit: null, reason: `history has ${h.points.length} points, need at least 2`, fetchedAt: now };
}

/** Read a service's current inputs and compute its plan (the fast cadence). */
export async function refreshPlan(
  policy: Policy,
  source: Source,
  svc: Service,
  now: number,
  history: HistoryEntry | undefined,
  state: DecisionState = emptyState()
): Promise<ServicePlan> {
  const inputs = await source.readInputs(svc, now);
  return planService(svc, inputs, history?.fit ?? null, state, {
    budgetGuard: policy.scaler.budget_guard,
    historyReason: history?.reason,
  });
}

/** One-shot plans of every service (CLI `plan`). */
export async function computePlans(policy: Policy, source: Source, now: number): Promise<ServicePlan[]> {
  return Promise.all(
    policy.services.map(async (svc) => refreshPlan(policy, source, svc, now, await refreshHistory(source, svc, now)))
  );
}
