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
