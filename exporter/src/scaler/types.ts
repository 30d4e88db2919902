import type { Action, BlockReason, DecisionState } from '../model/decision.js';

/** The model's block reasons plus the scaler's own: another intent of the service is in flight. */
export type ScalerBlockReason = BlockReason | 'in_flight';

/** The intent being applied to a service (at most one at a time). */
export interface IntentRef {
  /** The service's state version after the intent was committed: a per-service sequence number that increases with every change, carried by the actuator call. */
  seq: number;
  /** Dedup key of the intent's record (findByKey gives the record). */
  key: string;
  action: 'scale_out' | 'scale_in';
  trigger: string;
  from: number;
  target: number;
  /** Unix seconds of the decision. */
  at: number;
  leaseUntil: number;
  /** The schedule whose desired count this intent applies (recorded as applied only once it is). */
  schedule?: { name: string; since: number };
}

/**
 * The scaler's per-service state: the model's (actions, applied schedules), plus the intent in
 * flight and the last count the actuator confirmed. An action enters `actions` (and so starts
 * cooldowns and counts for rate limits) only once the actuator confirmed it.
 */
export interface ScalerState extends DecisionState {
  intent?: IntentRef | null;
  confirmed?: { count: number; seq: number; at: number } | null;
}

/**
 * Life of a recorded decision:
 * - `recorded`: a decision that takes no action (blocked, or nothing to do);
 * - `resolved` / `ignored`: a resolved alert, or an alert that is not a scaling alert;
 * - `pending`: the intent is durable and the actuator is being called (or the process died doing so);
 * - `done` / `dry_run`: the actuator confirmed (or the dry-run actuator recorded) the target;
 * - `failed`: the actuator answered with an error or timed out, or an interrupted intent was
 *   found not applied; `unknown`: interrupted and the actuator cannot report its count.
 */
export type RecordStatus = 'recorded' | 'resolved' | 'ignored' | 'pending' | 'done' | 'dry_run' | 'failed' | 'unknown';

/** The alert a decision came from (no free text from it ever becomes a metric label). */
export interface NotificationRef {
  kind: 'alertmanager' | 'grafana';
  receiver: string;
  groupKey: string | null;
  fingerprint: string;
  startsAt: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
}

export interface ActuatorResult {
  ok: boolean;
  actuator: string;
  /** HTTP status or process exit code, when there was one. */
  code?: number | null;
  message: string;
  durationSeconds: number;
}

export interface RecordedDecision {
  id: string;
  /** Unix seconds. */
  at: number;
  service: string;
  trigger: string;
  action: Action;
  intended: Action;
  current: number | null;
  target: number | null;
  /** What the policy asked for before blocks (equals target when acting; absent in records written before it existed). */
  wanted?: number | null;
  blockedBy: ScalerBlockReason[];
  /** For an acting decision, the intent's per-service sequence number (carried by the actuator call). */
  sequence?: number;
  confidence: number;
  reasons: string[];
  warnings: string[];
  notification: NotificationRef;
  /** service|trigger|fingerprint|startsAt: a retried or duplicated notification has the same key. */
  dedupKey: string;
  status: RecordStatus;
  result: ActuatorResult | null;
  attempts: number;
  /** While `pending`: after this time (unix seconds) the intent is presumed interrupted. */
  leaseUntil: number | null;
  updatedAt: number;
}

/** The fields a status transition rewrites; the rest of a record never changes. */
export interface RecordPatch {
  status: RecordStatus;
  result: ActuatorResult | null;
  attempts: number;
  leaseUntil: number | null;
  updatedAt: number;
}

export type NewRecord = Omit<RecordedDecision, 'id'>;

export const MUTABLE_FIELDS = ['status', 'result', 'attempts', 'leaseUntil', 'updatedAt'] as const;

/** The immutable part of a record, as stored. */
export function recordBody(r: NewRecord): Omit<NewRecord, (typeof MUTABLE_FIELDS)[number]> {
  const { status: _s, result: _r, attempts: _a, leaseUntil: _l, updatedAt: _u, ...body } = r;
  return body;
}

export const ACTED: readonly RecordStatus[] = ['pending', 'done', 'dry_run', 'failed', 'unknown'];

/** What became of one alert of a notification (the webhook's `results`). */
export interface AlertOutcome {
  alert: number;
  service?: string;
  trigger?: string;
  outcome: 'acted' | 'failed' | 'blocked' | 'no_action' | 'duplicate' | 'in_progress' | 'resolved' | 'ignored';
  id?: string;
  action?: string;
  current?: number | null;
  target?: number | null;
  blocked_by?: string[];
  message?: string;
  /** A 5xx goes back so that Alertmanager retries. */
  retry?: boolean;
}
