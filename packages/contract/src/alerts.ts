/**
 * The labels Headroom's alerts carry and the rules for their values: the generated Prometheus rules,
 * Alertmanager routing, Grafana alerting and the scaler's router all read them from here.
 * (docs/CONTRACTS.md "Alert labels" explains each.)
 */
/** The label that classes every Headroom alert; Alertmanager routes on it. */
export const CLASS_LABEL = 'headroom';

/** Values of the class label: scaling alerts go to the scaler's webhook, the others to people. */
export const ALERT_CLASS = { scaling: 'scaling', budget: 'budget', health: 'health' } as const;
export type AlertClass = (typeof ALERT_CLASS)[keyof typeof ALERT_CLASS];
export const ALERT_CLASSES: readonly AlertClass[] = Object.values(ALERT_CLASS);

/**
 * The label of the exporter-wide alerts (refresh stale, exporter down or absent, reload failed):
 * `scope="exporter"`. They are about the exporter, not a service: one rule per policy, without a
 * `service` (or `fleet`) label, so one outage is one alert however many services the exporter has.
 * Route on it (`scope="exporter"`) to page whoever runs the exporter.
 */
export const SCOPE_LABEL = 'scope';
export const EXPORTER_SCOPE = 'exporter';

/** Labels every scaling alert carries: what the scaler needs to act. */
export const SCALING_LABELS = ['service', 'trigger', 'action'] as const;

/** Trigger names that are not a scale-out trigger of the policy. */
export const TRIGGER = {
  /** The fleet runs below limits.min. */
  minInstances: 'min_instances',
  /** The fleet runs above limits.max (a decision of the exporter; no alert rule). */
  maxInstances: 'max_instances',
  /** The scale-in conditions all hold. */
  scaleIn: 'scale_in',
} as const;

const SCHEDULE_PREFIX = 'schedule_';
/** The trigger of a schedule: `schedule_<name>`. */
export const scheduleTrigger = (schedule: string): string => `${SCHEDULE_PREFIX}${schedule}`;
/** The schedule a trigger names, or null when it is not a schedule's trigger. */
export const scheduleOf = (trigger: string): string | null =>
  trigger.startsWith(SCHEDULE_PREFIX) ? trigger.slice(SCHEDULE_PREFIX.length) : null;

/** The labels that class an alert, for a rule's `labels`. */
export const classLabels = (c: AlertClass): { [CLASS_LABEL]: AlertClass } => ({ [CLASS_LABEL]: c });

/** An Alertmanager matcher `label="value"` (the value JSON-quoted, as Alertmanager parses it). */
export const matcher = (label: string, value: string): string => `${label}=${JSON.stringify(value)}`;
/** `headroom="scaling"`. */
export const classMatcher = (c: AlertClass): string => matcher(CLASS_LABEL, c);

/** The recording rule of a policy signal: `service:<headroom signal metric>:<unit>` (`level:metric:operations`). */
export const SIGNAL_RECORD_PREFIX = 'service:headroom_signal_';
export const signalRecord = (signal: string, unit: string): string => `${SIGNAL_RECORD_PREFIX}${signal}:${unit}`;

/** The recording rule of the local minute of the day per time zone (schedules in any zone): `timezone:<metric>:minutes`. */
export const LOCAL_MINUTE_RECORD = 'timezone:headroom_local_minute_of_day:minutes';

/**
 * Evaluation interval of a fleet's rule groups, seconds, for a policy refreshing every
 * `refreshSeconds`: FLEET_RULE_INTERVAL_SECONDS, or the refresh interval when shorter, so the
 * exporter never reads a recorded window whose newest sample is older than one refresh. A window of
 * W seconds over a recorded series holds W / interval raw evaluations when none is missing (what
 * the sources count to see a gap). The generated group states it (`interval:`), so Prometheus'
 * global evaluation_interval does not change it.
 */
export const FLEET_RULE_INTERVAL_SECONDS = 30;
export const fleetRuleIntervalSeconds = (refreshSeconds: number): number =>
  Math.min(FLEET_RULE_INTERVAL_SECONDS, refreshSeconds);

/**
 * On a fleet rule that applies to overridden services only: which overrides (their `match`, or
 * `match_regex`; several joined by `,`). It tells apart the rules of one trigger that differ by an
 * override (another threshold, limit or budget in the text), so no two rules carry the same labels.
 */
export const OVERRIDE_LABEL = 'override';

/**
 * The label the exporter's batched queries tag each member's series with (`label_replace(q_i, …, "<i>", "", "")
 * or …`), so one answer splits back into the members' (exporter/src/sources/batch.ts). Never stored.
 */
export const QUERY_BATCH_LABEL = 'headroom_batch';
