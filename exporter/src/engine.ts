import type { Policy, Service } from './config/schema.js';
import { emptyState } from './model/decision.js';
import { planService, type ServiceInputs, type ServicePlan } from './model/plan.js';
import { analyzeLoadTest } from './model/loadtest.js';
import { fitHistory, projectForecast, projectModels, type HistoryFit } from './model/projection.js';
import type { HistoryReading, HistoryStep, Source } from './sources/source.js';
import { checkDiscoveredName, fleetService, FleetServiceError } from './fleet/expand.js';

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
 * Histories of many services at the finest useful step: daily once there are four weeks of it,
 * else hourly, else every minute (projections from the first hour); one readHistoryMany per step
 * for the services that still need it. The forecast marks anything shorter than history_days as
 * learning. When nothing is enough, the daily read's reason stands.
 */
export async function readHistories(
  source: Source,
  services: readonly Service[],
  now: number
): Promise<Map<string, HistoryReading>> {
  const out = new Map<string, HistoryReading>();
  for (const s of services)
    if (s.growth.history_query === undefined) out.set(s.name, { ok: false, reason: 'no growth.history_query' });
  let pending = services.filter((s) => s.growth.history_query !== undefined);
  const daily = await source.readHistoryMany(pending, now);
  /** Keeps in `out` the readings with at least `n` points; returns whether the service still needs a finer one. */
  const stillShort = (read: Map<string, HistoryReading>, n: number) => (s: Service) => {
    const h = read.get(s.name);
    if (h?.ok && h.points.length >= n) out.set(s.name, h);
    return !out.has(s.name);
  };
  pending = pending.filter(stillShort(daily, DAILY_ENOUGH));
  for (const step of YOUNG) {
    if (pending.length === 0) break;
    const finer = await source.readHistoryMany(pending, now, step);
    pending = pending.filter(stillShort(finer, step.enough));
  }
  for (const s of pending) out.set(s.name, daily.get(s.name) ?? { ok: false, reason: 'not read' });
  return out;
}

/** The fit of one history reading (and its projections, cached on this slow cadence). */
function historyEntry(svc: Service, h: HistoryReading, now: number): HistoryEntry {
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

/**
 * Fetch many services' histories and fit the growth models (the slow cadence); a failed read fails
 * them all, with the error. `abandoned` is asked between slices: once true, the fits stop there and
 * what is returned is partial (the caller drops it: a reload replaced the policy it was made under).
 */
export async function refreshHistories(
  source: Source,
  services: readonly Service[],
  now: number,
  abandoned: () => boolean = () => false
): Promise<Map<string, HistoryEntry>> {
  let read: Map<string, HistoryReading>;
  try {
    read = await readHistories(source, services, now);
  } catch (e) {
    const reason = `history refresh failed: ${(e as Error).message}`;
    return new Map(services.map((s) => [s.name, { fit: null, reason, fetchedAt: now }]));
  }
  return fitInSlices(services, read, now, abandoned);
}

/**
 * Longest the history fits run (ms) before they let the event loop serve what waits: a /metrics
 * scrape, a health check, an Alertmanager notification. A fleet's cold refit is tens of seconds of
 * model work; done in one go it would hold every webhook for that long.
 */
export const FIT_SLICE_MS = 20;

/** Fits every reading, yielding to the event loop after each FIT_SLICE_MS of work (same fits, same order) until `abandoned`. */
async function fitInSlices(
  services: readonly Service[],
  read: Map<string, HistoryReading>,
  now: number,
  abandoned: () => boolean
): Promise<Map<string, HistoryEntry>> {
  const out = new Map<string, HistoryEntry>();
  let sliceStart = performance.now();
  for (const s of services) {
    out.set(s.name, historyEntry(s, read.get(s.name)!, now));
    if (performance.now() - sliceStart < FIT_SLICE_MS) continue;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (abandoned()) break;
    sliceStart = performance.now();
  }
  return out;
}

/** Fetch a service's history and fit the growth models. */
export async function refreshHistory(source: Source, svc: Service, now: number): Promise<HistoryEntry> {
  return (await refreshHistories(source, [svc], now)).get(svc.name)!;
}

/**
 * The inputs of a service that is missing from its fleet's discovery: every input missing with
 * the reason, never read or invented, so nothing can hold (no trigger, no scale-in).
 */
export function missingInputs(svc: Service, reason: string, now: number): ServiceInputs {
  const missing = { ok: false as const, reason };
  return {
    now,
    current: missing,
    signals: Object.fromEntries(svc.signals.map((s) => [s.name, missing])),
    scaleOut: Object.fromEntries(svc.scaling.scale_out.map((t) => [t.name, missing])),
    scaleIn: svc.scaling.scale_in?.conditions.map(() => missing),
    spendToDate: missing,
  };
}

/**
 * The services of every fleet that one discovery finds now (valid, unclaimed names; a failed
 * discovery finds none). The one-shot form of fleet/directory.ts, for the CLI.
 */
export async function discoverServices(policy: Policy, source: Source, now: number): Promise<Service[]> {
  const explicit = new Set(policy.services.map((s) => s.name));
  const owner = new Map<string, string>();
  const out: Service[] = [];
  for (const fleet of policy.fleets) {
    const found = await source.discover(fleet, now);
    for (const name of found.ok ? found.names : []) {
      if (!checkDiscoveredName(name, { explicit, owner }, fleet.name).ok || owner.has(name)) continue;
      try {
        out.push(fleetService(fleet, name));
        owner.set(name, fleet.name);
      } catch (e) {
        if (!(e instanceof FleetServiceError)) throw e;
      }
    }
  }
  return out;
}

/** One-shot plans of every service, explicit and discovered (CLI `plan`). */
export async function computePlans(policy: Policy, source: Source, now: number): Promise<ServicePlan[]> {
  const services = [...policy.services, ...(await discoverServices(policy, source, now))];
  const [histories, inputs] = await Promise.all([
    refreshHistories(source, services, now),
    source.readInputsMany(services, now),
  ]);
  return services.map((svc) => {
    const history = histories.get(svc.name);
    return planService(svc, inputs.get(svc.name)!, history?.fit ?? null, emptyState(), {
      budgetGuard: policy.scaler.budget_guard,
      historyReason: history?.reason,
    });
  });
}
