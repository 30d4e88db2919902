import type { Fleet, Policy, Service } from '../config/schema.js';
import type { Point } from '../model/forecast.js';
import type { Reading, ServiceInputs } from '../model/plan.js';
import type { SpendLog, SpendStore } from './spend.js';

export type HistoryReading = { ok: true; points: Point[] } | { ok: false; reason: string };

/** A finer read of the history while it is young: every `stepSeconds` over the last `seconds`. */
export interface HistoryStep {
  stepSeconds: number;
  seconds: number;
}

/** Where a service's inputs come from: Prometheus, or the built-in demo workload. */
export type Discovery = { ok: true; names: string[] } | { ok: false; reason: string };

export interface Source {
  readonly kind: 'prometheus' | 'demo';
  /** Current signals, sustained-trigger states, instance count and spend at `now` (unix seconds). */
  readInputs(svc: Service, now: number): Promise<ServiceInputs>;
  /** Daily history of the growth query, `history_days` long, ending at `now`; or at `step` when given. */
  readHistory(svc: Service, now: number, step?: HistoryStep): Promise<HistoryReading>;
  /** Inputs of many services in one refresh, by service name (a fleet's vector queries split by fleet.label). */
  readInputsMany(services: Service[], now: number): Promise<Map<string, ServiceInputs>>;
  /** The label values a fleet's instances query returns now (discovery), or why it failed. */
  discover(fleet: Fleet, now: number): Promise<Discovery>;
  /** Histories of many services, by service name (as readHistory each). */
  readHistoryMany(services: Service[], now: number, step?: HistoryStep): Promise<Map<string, HistoryReading>>;
  /** Keep the month-to-date spend integrals in `store` across restarts (a source that integrates the spend). */
  persistSpend?(store: SpendStore, log: SpendLog, policy: Policy): void;
}

/** readInputsMany / readHistoryMany of a source that reads one service at a time. */
export async function eachService<T>(services: Service[], read: (svc: Service) => Promise<T>): Promise<Map<string, T>> {
  return new Map(await Promise.all(services.map(async (s) => [s.name, await read(s)] as const)));
}

export const missing = (reason: string): Reading => ({ ok: false, reason });

/**
 * A whole Source from one that reads a service at a time (embedding, tests): the *Many methods loop,
 * discovery fails with a reason (so a fleet's services are missing, never invented).
 */
export function singleServiceSource(s: Pick<Source, 'kind' | 'readInputs' | 'readHistory'>): Source {
  return {
    kind: s.kind,
    readInputs: (svc, now) => s.readInputs(svc, now),
    readHistory: (svc, now, step) => s.readHistory(svc, now, step),
    readInputsMany: (services, now) => eachService(services, (svc) => s.readInputs(svc, now)),
    readHistoryMany: (services, now, step) => eachService(services, (svc) => s.readHistory(svc, now, step)),
    discover: async () => ({ ok: false, reason: `the ${s.kind} source cannot discover fleet services` }),
  };
}
