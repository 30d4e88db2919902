import type { Service } from '../config/schema.js';
import type { Point } from '../model/forecast.js';
import type { Reading, ServiceInputs } from '../model/plan.js';

export type HistoryReading = { ok: true; points: Point[] } | { ok: false; reason: string };

/** A finer read of the history while it is young: every `stepSeconds` over the last `seconds`. */
export interface HistoryStep {
  stepSeconds: number;
  seconds: number;
}

/** Where a service's inputs come from: Prometheus, or the built-in demo workload. */
export interface Source {
  readonly kind: 'prometheus' | 'demo';
  /** Current signals, sustained-trigger states, instance count and spend at `now` (unix seconds). */
  readInputs(svc: Service, now: number): Promise<ServiceInputs>;
  /** Daily history of the growth query, `history_days` long, ending at `now`; or at `step` when given. */
  readHistory(svc: Service, now: number, step?: HistoryStep): Promise<HistoryReading>;
}

export const missing = (reason: string): Reading => ({ ok: false, reason });

/** A fleet's answer to discovery: the label values its instances query returns now, or why it failed. */
export type Discovery = { ok: true; names: string[] } | { ok: false; reason: string };

/** What the sources read of a fleet (FLEET.md §1): its name, label and template's instances and signals. */
export interface FleetLike {
  name: string;
  label: string;
  template: { instances: { query?: string }; signals: { name: string; unit: string; query: string }[] };
}

/** The fleet a service was built from (its queries are vectors by `label`), or undefined for an explicit service. */
export const fleetOf = (svc: Service): { name: string; label: string } | undefined =>
  (svc as Service & { fleet?: { name: string; label: string } }).fleet;
