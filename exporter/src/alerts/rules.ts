/**
 * Prometheus rules generated from the policy (pure: a Policy in, rule groups out). Every threshold,
 * duration and step comes from headroom.yml and feeds both the expression and the summary, so a
 * threshold is written exactly once (the monitoring-mixin way).
 *
 * Naming (`level:metric:operations`):
 * - recording rule per signal: `service:headroom_signal_<signal>:<unit>`: level `service` (each
 *   series carries the `service` label), metric `headroom_signal_<signal>`, and the signal's unit in
 *   place of the operations, because the operations are the policy's own PromQL;
 * - alerts `Headroom<What>`; one rule per trigger shares the alert name `HeadroomScaleOut` and is
 *   told apart by its `trigger` label (the label the scaler and the routing read).
 */
import { MONTH_SECONDS } from '../config/defaults.js';
import type { Policy, ScaleOutTrigger, Schedule, Service, Signal } from '../config/schema.js';
import { usedSignals } from '../model/decision.js';
import { percent, plain, promDuration, promString, UNIT_SUFFIX } from './format.js';
import { localMinutePromQL, zoneRule, type ZoneRule } from './zone.js';
import {
  ALERT_CLASS,
  ALERT_CLASSES,
  type AlertClass,
  CLASS_LABEL,
  EXPORTER_SCOPE,
  LOCAL_MINUTE_RECORD,
  METRIC,
  SCOPE_LABEL,
  scheduleTrigger,
  signalRecord,
  TRIGGER,
} from '@headroom/contract';

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertingRule;
export const isAlert = (r: Rule): r is AlertingRule => 'alert' in r;

export interface RuleGroup {
  name: string;
  /** Only on fleet groups: contract fleetRuleIntervalSeconds (explicit groups use Prometheus' global interval). */
  interval?: string;
  rules: Rule[];
}

/** One rule file per alert class. */
export type RuleFileKind = AlertClass;
export const RULE_FILE_KINDS: readonly RuleFileKind[] = ALERT_CLASSES;

/**
 * Timings of the budget and health alerts that are not policy settings. Each is chosen for a
 * reason given here; durations tied to the policy (stale_after, history_interval) are read from it.
 */
export const ALERT_TIMING = {
  /** Spend to date only grows within a month; 15 m rides out exporter restarts around the threshold. */
  budgetUsageForSeconds: 15 * 60,
  /** The month-end forecast is noisy early in a month; it must stay above the budget for an hour. */
  budgetForecastForSeconds: 3600,
  /** Window in which any failed scaler action is reported. */
  scalerFailureWindowSeconds: 15 * 60,
  /** History is refitted every history_interval; stale after missing this many refits. */
  historyStaleRefits: 2,
  /** A schedule's alert is active this long after each cron fire: several evaluations and one
   * notification (group_wait 0s), after which the scaler has recorded the schedule as applied. */
  scheduleWindowSeconds: 15 * 60,
  /** HeadroomInputMissing pages only for an input read at least once within this window (or since the
   * exporter started): a week covers a weekend and an exporter restart, so a history or a signal that
   * never existed (a fresh Prometheus, a service still learning) never pages. */
  inputSeenWindowSeconds: 7 * 86_400,
  /** Below limits.min for two minutes: an instance that is being replaced does not trigger it. */
  belowMinimumForSeconds: 2 * 60,
} as const;

export const ALERTS = {
  scaleOut: 'HeadroomScaleOut',
  scaleIn: 'HeadroomScaleIn',
  belowMinimum: 'HeadroomBelowMinimum',
  schedule: 'HeadroomScheduledScaling',
  budgetWarning: 'HeadroomBudgetWarning',
  budgetForecast: 'HeadroomBudgetForecastOverrun',
  capacity: 'HeadroomCapacityExhaustion',
  inputMissing: 'HeadroomInputMissing',
  stale: 'HeadroomDataStale',
  exporterDown: 'HeadroomExporterDown',
  exporterAbsent: 'HeadroomExporterAbsent',
  scalerFailing: 'HeadroomScalerActionsFailing',
  configReload: 'HeadroomConfigReloadFailed',
} as const;

export const recordName = (sig: Signal) => signalRecord(sig.name, sig.unit);
export const signalOf = (svc: Service, name: string): Signal => svc.signals.find((s) => s.name === name)!;
const sel = (metric: string, matchers: Record<string, string>) =>
  `${metric}{${Object.entries(matchers)
    .map(([k, v]) => `${k}=${promString(v)}`)
    .join(',')}}`;
export const recordSelector = (svc: Service, sig: Signal) => sel(recordName(sig), { service: svc.name });
/** `70` with the signal's unit: "70%", "300 ms". */
export const withUnit = (v: number | string, sig: Signal) =>
  `${typeof v === 'number' ? plain(v) : v}${UNIT_SUFFIX[sig.unit]}`;

/** The runbook of an alert: the policy's runbook_url with the alert's anchor (README table rows). */
export function runbook(policy: Policy, alert: string): string {
  const base = policy.runbook_url.replace(/#.*$/, '');
  return `${base}#${alert.toLowerCase()}`;
}

const instancesWord = (n: number) => `${n} instance${n === 1 ? '' : 's'}`;

export function scaleOutRule(policy: Policy, svc: Service, t: ScaleOutTrigger): AlertingRule {
  const sig = signalOf(svc, t.signal);
  const l = svc.scaling.limits;
  return {
    alert: ALERTS.scaleOut,
    expr: `${recordSelector(svc, sig)} > ${plain(t.above)}`,
    for: promDuration(t.for),
    labels: {
      [CLASS_LABEL]: ALERT_CLASS.scaling,
      service: svc.name,
      trigger: t.name,
      action: 'scale_out',
      step: String(t.step),
      severity: t.severity,
    },
    annotations: {
      summary: `${svc.name}: ${t.signal} is {{ $value | humanize }}${UNIT_SUFFIX[sig.unit]}, above ${withUnit(t.above, sig)} for ${promDuration(t.for)}: scale out by ${instancesWord(t.step)}`,
      description:
        (t.description ? `${t.description}. ` : '') +
        `Trigger ${t.name}: ${t.signal} of ${svc.name} (${recordName(sig)}) has stayed above ${withUnit(t.above, sig)} for ${promDuration(t.for)}. ` +
        `Headroom's webhook scales ${svc.name} out by ${instancesWord(t.step)}` +
        `${t.target !== undefined ? ` (or to ceil(current × value / ${plain(t.target)}) when larger)` : ''}, ` +
        `then waits the ${promDuration(t.cooldown)} cooldown; at most ${l.max_scale_out_per_hour} scale-outs an hour and ${l.max} instances.`,
      runbook_url: runbook(policy, ALERTS.scaleOut),
      value: '{{ $value }}',
    },
  };
}

/** Fewer instances than limits.min (crashed or removed instances): the scaler restores the minimum. */
export function belowMinimumRule(policy: Policy, svc: Service): AlertingRule {
  const min = svc.scaling.limits.min;
  return {
    alert: ALERTS.belowMinimum,
    expr: `${sel(METRIC.instances, { service: svc.name })} < ${min}`,
    for: promDuration(ALERT_TIMING.belowMinimumForSeconds),
    labels: {
      [CLASS_LABEL]: ALERT_CLASS.scaling,
      service: svc.name,
      trigger: TRIGGER.minInstances,
      action: 'scale_out',
      severity: 'warning',
    },
    annotations: {
      summary: `${svc.name}: {{ $value }} instances running, below limits.min = ${min} for ${promDuration(ALERT_TIMING.belowMinimumForSeconds)}: scale out to ${min}`,
      description: `${svc.name} runs fewer instances than its minimum of ${min} (instances crashed or were removed outside Headroom). Headroom's webhook scales it out to the minimum (or the active schedule's, when higher).`,
      runbook_url: runbook(policy, ALERTS.belowMinimum),
      value: '{{ $value }}',
    },
  };
}

/** Time zones whose wall clock is UTC: PromQL's hour() and minute() read it directly. */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Z']);

/**
 * Minutes of the (local) day at which a cron fires, when PromQL can express it: minute and hour as
 * numbers or lists (hour also `*`), every day (`* * *`). Otherwise a reason why not.
 */
export function cronMinutesOfDay(cron: string): number[] | string {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5) return `cron "${cron}" does not have 5 fields`;
  const list = (v: string, max: number) =>
    /^\d+(,\d+)*$/.test(v)
      ? v
          .split(',')
          .map(Number)
          .filter((n) => n <= max)
      : null;
  const minutes = list(f[0], 59);
  const hours = f[1] === '*' ? Array.from({ length: 24 }, (_, i) => i) : list(f[1], 23);
  if (!minutes || !hours || f[2] !== '*' || f[3] !== '*' || f[4] !== '*')
    return `cron "${cron}" is not of the form "M H * * *" (numbers or lists, every day)`;
  return [...new Set(hours.flatMap((h) => minutes.map((m) => h * 60 + m)))].sort((a, b) => a - b);
}

/** The zone's rule for PromQL, null for UTC, or why the zone cannot be written in PromQL. */
export function scheduleZone(timezone: string): ZoneRule | null | string {
  return UTC_ZONES.has(timezone) ? null : zoneRule(timezone);
}

/** Recorded local minute of the day (0..1439) of a time zone, per service (labels service, timezone). */
export { LOCAL_MINUTE_RECORD };
const localMinuteSelector = (svc: Service, timezone: string) =>
  sel(LOCAL_MINUTE_RECORD, { service: svc.name, timezone });

/** A schedule's fires and the PromQL of its local minute of the day, or why it gets no rule. */
export function schedulePlan(
  svc: Service,
  sch: Schedule
): { fires: number[]; minute: string; zone: ZoneRule | null } | string {
  const fires = cronMinutesOfDay(sch.cron);
  if (typeof fires === 'string') return fires;
  const zone = scheduleZone(sch.timezone);
  if (typeof zone === 'string') return zone;
  return { fires, minute: zone ? localMinuteSelector(svc, sch.timezone) : 'hour() * 60 + minute()', zone };
}

/** One recording rule per time zone other than UTC that a service's schedules use. */
export function localTimeRules(svc: Service): RecordingRule[] {
  const zones = new Map<string, ZoneRule>();
  for (const sch of svc.scaling.schedules) {
    const plan = schedulePlan(svc, sch);
    if (typeof plan !== 'string' && plan.zone) zones.set(sch.timezone, plan.zone);
  }
  return [...zones].map(([timezone, zone]) => ({
    record: LOCAL_MINUTE_RECORD,
    expr: localMinutePromQL(zone),
    labels: { service: svc.name, timezone },
  }));
}

/**
 * A schedule is applied through the same path as the triggers: for scheduleWindowSeconds after each
 * cron fire (in the schedule's time zone, daylight saving time included), an alert asks the scaler
 * to move to the schedule's desired count (scale_out when fewer instances run, scale_in when more).
 * The scaler's decision engine applies each fire once (schedulesApplied), keeps limits, warm-up and
 * cooldowns, and enforces the schedule's `min`.
 */
export function scheduleRules(policy: Policy, svc: Service): AlertingRule[] {
  const windowMin = ALERT_TIMING.scheduleWindowSeconds / 60;
  return svc.scaling.schedules.flatMap((sch) => {
    const plan = schedulePlan(svc, sch);
    if (typeof plan === 'string') return [];
    const inWindow = plan.fires.map((f) => `((${plan.minute} - ${f} + 1440) % 1440 < ${windowMin})`).join(' or ');
    const rule = (action: 'scale_out' | 'scale_in'): AlertingRule => ({
      alert: ALERTS.schedule,
      expr: `${sel(METRIC.instances, { service: svc.name })} ${action === 'scale_out' ? '<' : '>'} ${sch.desired}\nand on () (${inWindow})`,
      labels: {
        [CLASS_LABEL]: ALERT_CLASS.scaling,
        service: svc.name,
        trigger: scheduleTrigger(sch.name),
        action,
        severity: 'info',
      },
      annotations: {
        summary: `${svc.name}: schedule ${sch.name} (${sch.cron} ${sch.timezone}) wants ${sch.desired} instances, {{ $value }} running: scale ${action === 'scale_out' ? 'out' : 'in'} to ${sch.desired}`,
        description: `Schedule ${sch.name} fired at ${sch.cron} (${sch.timezone}); for ${promDuration(ALERT_TIMING.scheduleWindowSeconds)} after each fire this alert asks Headroom's webhook to move ${svc.name} to ${sch.desired} instances (at least ${sch.min} until the next schedule fires), once per fire, within limits ${svc.scaling.limits.min}..${svc.scaling.limits.max}.`,
        runbook_url: runbook(policy, ALERTS.schedule),
        value: '{{ $value }}',
      },
    });
    return [rule('scale_out'), rule('scale_in')];
  });
}

/** Schedules `headroom rules` cannot turn into rules, with the reason (printed as warnings). */
export function unsupportedSchedules(policy: Policy): string[] {
  return policy.services.flatMap((svc, si) =>
    svc.scaling.schedules.flatMap((sch, i) => {
      const r = schedulePlan(svc, sch);
      return typeof r === 'string'
        ? [
            `services[${si}].scaling.schedules[${i}] (${sch.name}): no rule generated: ${r}; the exporter's decision still applies it when the scaler is called`,
          ]
        : [];
    })
  );
}

/** The selector of the scale-out alerts of a service (triggers, minimum, schedules), pending or firing. */
export const scaleOutAlertsSelector = (svc: Service) =>
  sel('ALERTS', { [CLASS_LABEL]: ALERT_CLASS.scaling, action: 'scale_out', service: svc.name });

/**
 * Scale-in holds when every condition holds at every evaluation for the window (`for:`), and never
 * while a scale-out alert of the service (trigger, minimum or schedule) is pending or firing. `for:` rather than
 * `max_over_time(rec[window])`: the recorded series has one sample per evaluation either way, but
 * max_over_time is already true on the first sample after a restart or a gap, while `for:` resets
 * when any condition has no data, so missing data never produces a scale-in.
 */
export function scaleInRule(policy: Policy, svc: Service): AlertingRule | null {
  const si = svc.scaling.scale_in;
  if (!si) return null;
  const conds = si.conditions.map((c) => {
    const sig = signalOf(svc, c.signal);
    return { c, sig, expr: `${recordSelector(svc, sig)} < ${plain(c.below)}` };
  });
  const instances = sel(METRIC.instances, { service: svc.name });
  const min = svc.scaling.limits.min;
  const expr = [
    conds.map((c, i) => (i === 0 ? c.expr : `and on (service) ${c.expr}`)).join('\n'),
    // Quiet at the floor: never at limits.min or the active schedule's minimum, nor with an unknown count.
    `and on (service) ${instances} > ${min}`,
    `unless on (service) (${instances} <= on (service) ${sel(METRIC.limitInstances, { service: svc.name, limit: 'effective_min' })})`,
    `unless on (service) ${scaleOutAlertsSelector(svc)}`,
  ].join('\n');
  const first = conds[0];
  const all = conds.map((c) => `${c.c.signal} < ${withUnit(c.c.below, c.sig)}`).join(', ');
  return {
    alert: ALERTS.scaleIn,
    expr,
    for: promDuration(si.for),
    labels: {
      [CLASS_LABEL]: ALERT_CLASS.scaling,
      service: svc.name,
      trigger: TRIGGER.scaleIn,
      action: 'scale_in',
      step: String(si.step),
      severity: 'info',
    },
    annotations: {
      summary: `${svc.name}: idle for ${promDuration(si.for)} (${all}; ${first.c.signal} now {{ $value | humanize }}${UNIT_SUFFIX[first.sig.unit]}): scale in by ${instancesWord(si.step)}`,
      description:
        `Every scale-in condition of ${svc.name} (${all}) has held for ${promDuration(si.for)}, more than limits.min = ${min} instances run (and more than the active schedule's minimum), and no scale-out alert of ${svc.name} is pending or firing. ` +
        `Headroom's webhook scales ${svc.name} in by ${instancesWord(si.step)}, never below ${svc.scaling.limits.min} or the active schedule's minimum, ` +
        `not within ${promDuration(svc.scaling.warmup)} of a scale-out (warm-up), then waits the ${promDuration(si.cooldown)} cooldown; at most ${svc.scaling.limits.max_scale_in_per_hour} scale-ins an hour.`,
      runbook_url: runbook(policy, ALERTS.scaleIn),
      value: '{{ $value }}',
    },
  };
}

export function scalingGroup(policy: Policy, svc: Service): RuleGroup {
  const used = new Set(usedSignals(svc.scaling));
  const records: RecordingRule[] = svc.signals
    .filter((s) => used.has(s.name))
    .map((s) => ({ record: recordName(s), expr: s.query, labels: { service: svc.name } }));
  const scaleIn = scaleInRule(policy, svc);
  // Order matters: a group evaluates its rules in order, so the alerts read this evaluation's
  // recorded values, and scale-in sees this evaluation's scale-out ALERTS.
  return {
    name: `headroom.${svc.name}.scaling`,
    rules: [
      ...records,
      ...localTimeRules(svc),
      ...svc.scaling.scale_out.map((t) => scaleOutRule(policy, svc, t)),
      belowMinimumRule(policy, svc),
      ...scheduleRules(policy, svc),
      ...(scaleIn ? [scaleIn] : []),
    ],
  };
}

export function budgetGroup(policy: Policy, svc: Service): RuleGroup {
  const b = svc.cost.budget;
  const cur = svc.cost.currency;
  const months = policy.alerts.capacity_warning_months;
  const horizon = months * MONTH_SECONDS;
  const planning = svc.growth.planning_scenario;
  const labels = (severity: string) => ({ [CLASS_LABEL]: ALERT_CLASS.budget, service: svc.name, severity });
  return {
    name: `headroom.${svc.name}.budget`,
    rules: [
      {
        alert: ALERTS.budgetWarning,
        expr: `${sel(METRIC.budgetUsageRatio, { service: svc.name })} >= ${plain(b.warning_ratio)}`,
        for: promDuration(ALERT_TIMING.budgetUsageForSeconds),
        labels: labels('warning'),
        annotations: {
          summary: `${svc.name} has spent {{ $value | humanizePercentage }} of its ${plain(b.monthly)} ${cur} monthly budget, at or above the warning at ${percent(b.warning_ratio)}`,
          description: `Month-to-date spend of ${svc.name} is at least ${percent(b.warning_ratio)} of the monthly budget of ${plain(b.monthly)} ${cur}. Check the Headroom dashboard for the forecast month-end spend, right-sizing and reserved/spot savings, or raise the budget in headroom.yml.`,
          runbook_url: runbook(policy, ALERTS.budgetWarning),
          value: '{{ $value }}',
        },
      },
      {
        alert: ALERTS.budgetForecast,
        expr: `${sel(METRIC.budgetForecastRatio, { service: svc.name })} > 1`,
        for: promDuration(ALERT_TIMING.budgetForecastForSeconds),
        labels: labels('warning'),
        annotations: {
          summary: `${svc.name} is forecast to spend {{ $value | humanizePercentage }} of its ${plain(b.monthly)} ${cur} monthly budget by the end of the month`,
          description: `The forecast month-end spend of ${svc.name} (spend to date plus the current fleet's cost for the rest of the month) is above the monthly budget of ${plain(b.monthly)} ${cur}. With scaler.budget_guard: block, scale-outs that pass the budget are blocked.`,
          runbook_url: runbook(policy, ALERTS.budgetForecast),
          value: '{{ $value }}',
        },
      },
      {
        alert: ALERTS.capacity,
        expr: `${sel(METRIC.capacityExhaustionSeconds, { service: svc.name, scenario: planning })} < ${horizon}`,
        for: promDuration(policy.refresh.history_interval),
        labels: { ...labels('warning'), scenario: planning },
        annotations: {
          summary: `${svc.name} needs more than ${svc.scaling.limits.max} instances (limits.max) in {{ $value | humanizeDuration }} under the ${planning} scenario, within ${plain(months)} months`,
          description: `Under the planning scenario ${planning}, the projected demand of ${svc.name} needs more than limits.max = ${svc.scaling.limits.max} instances within ${plain(months)} months (alerts.capacity_warning_months). Plan capacity (raise limits.max, make instances larger) or revisit the growth assumptions.`,
          runbook_url: runbook(policy, ALERTS.capacity),
          value: '{{ $value }}',
        },
      },
    ],
  };
}

/** An input that was read before and has been missing for refresh.stale_after (never one that never existed). */
export function inputMissingRule(policy: Policy, svc: Service): AlertingRule {
  const staleAfter = policy.refresh.stale_after;
  const impact = blockedByMissing(svc.name);
  return {
    alert: ALERTS.inputMissing,
    // Inputs that were there and stopped: read once since the exporter started, or seen up within the window.
    expr: [
      `${sel(METRIC.inputUp, { service: svc.name })} == 0`,
      `and on (service, signal) (`,
      `  ${sel(METRIC.inputLastSuccessTimestampSeconds, { service: svc.name })}`,
      `  or max_over_time(${sel(METRIC.inputUp, { service: svc.name })}[${promDuration(ALERT_TIMING.inputSeenWindowSeconds)}]) == 1`,
      `)`,
    ].join('\n'),
    for: promDuration(staleAfter),
    labels: { [CLASS_LABEL]: ALERT_CLASS.health, service: svc.name, severity: 'warning' },
    annotations: {
      summary: `${svc.name}: input {{ $labels.signal }} has been missing for ${promDuration(staleAfter)}`,
      description: `The exporter could not read the input {{ $labels.signal }} of ${svc.name} for ${promDuration(staleAfter)} (refresh.stale_after), after reading it before. ${impact} Run the signal's query in Prometheus and check the exporter's logs. An input that was never read (a new Prometheus, a history still being collected) does not page; it is in /api/v1/plan.`,
      runbook_url: runbook(policy, ALERTS.inputMissing),
      value: '{{ $value }}',
    },
  };
}

const blockedByMissing = (who: string) =>
  `Headroom's decisions for ${who} are blocked by missing data (never a scale-in on missing data).`;

/**
 * Names an exporter-wide alert lists; the rest are counted. The summary is read in a notification
 * title or on a phone: a long list would hide the sentence's end (the threshold and the value).
 */
export const EXPORTER_SCOPE_NAMES_MAX = 10;

/** The services an exporter-wide alert concerns, for its text: "every service of this exporter: a, b, fleet x". */
export function everyServiceOf(policy: Policy): string {
  const names = [...policy.services.map((s) => s.name), ...policy.fleets.map((f) => `fleet ${f.name}`)];
  const shown = names.slice(0, EXPORTER_SCOPE_NAMES_MAX);
  const more = names.length > shown.length ? ` and ${names.length - shown.length} more` : '';
  return `every service of this exporter${names.length ? `: ${shown.join(', ')}${more}` : ''}`;
}

const ONCE = 'One alert for the exporter, not one per service or fleet.';

/** Labels of an exporter-wide alert: the health class and `scope="exporter"`, no `service`. */
const exporterLabels = (severity: string) => ({
  [CLASS_LABEL]: ALERT_CLASS.health,
  [SCOPE_LABEL]: EXPORTER_SCOPE,
  severity,
});

/** The exporter's last signals or history refresh is too old (one rule per cadence, for every service). */
function staleRules(policy: Policy): AlertingRule[] {
  const staleAfter = policy.refresh.stale_after;
  const historyStale = ALERT_TIMING.historyStaleRefits * policy.refresh.history_interval;
  const every = everyServiceOf(policy);
  return [
    {
      alert: ALERTS.stale,
      expr: `time() - ${sel(METRIC.lastRefreshSuccessTimestampSeconds, { cadence: 'signals' })} > ${staleAfter}`,
      labels: { ...exporterLabels('warning'), cadence: 'signals' },
      annotations: {
        summary: `The Headroom exporter's last successful signals refresh was {{ $value | humanizeDuration }} ago, more than ${promDuration(staleAfter)} (${every})`,
        description: `The refresh loop has not completed for longer than refresh.stale_after (${promDuration(staleAfter)}): every metric the exporter publishes is stale. ${blockedByMissing('every service')} Affected: ${every}. ${ONCE}`,
        runbook_url: runbook(policy, ALERTS.stale),
        value: '{{ $value }}',
      },
    },
    {
      alert: ALERTS.stale,
      expr: `time() - ${sel(METRIC.lastRefreshSuccessTimestampSeconds, { cadence: 'history' })} > ${historyStale}`,
      labels: { ...exporterLabels('warning'), cadence: 'history' },
      annotations: {
        summary: `The Headroom exporter's last successful history refresh was {{ $value | humanizeDuration }} ago, more than ${promDuration(historyStale)} (${every})`,
        description: `The history has not been refitted for ${ALERT_TIMING.historyStaleRefits} × refresh.history_interval (${promDuration(historyStale)}): projections, capacity and budget dates are out of date. Affected: ${every}. ${ONCE}`,
        runbook_url: runbook(policy, ALERTS.stale),
        value: '{{ $value }}',
      },
    },
  ];
}

/** The exporter is down or not scraped, or the policy reload failed: one rule each, for every service. */
function exporterRules(policy: Policy): AlertingRule[] {
  const staleAfter = policy.refresh.stale_after;
  const job = policy.alerts.exporter_job;
  const every = everyServiceOf(policy);
  return [
    {
      alert: ALERTS.exporterDown,
      expr: `${sel('up', { job })} == 0`,
      for: promDuration(staleAfter),
      labels: exporterLabels('critical'),
      annotations: {
        summary: `The Headroom exporter {{ $labels.instance }} has been down for ${promDuration(staleAfter)} (${every})`,
        description: `Prometheus cannot scrape the Headroom exporter (job ${job}): no service is measured or scaled, and the webhook scaler may be unreachable. Affected: ${every}. ${ONCE}`,
        runbook_url: runbook(policy, ALERTS.exporterDown),
        value: '{{ $value }}',
      },
    },
    {
      alert: ALERTS.exporterAbsent,
      expr: `absent(${sel('up', { job })})`,
      for: promDuration(staleAfter),
      labels: exporterLabels('critical'),
      annotations: {
        summary: `Prometheus has had no target for job ${job} (the Headroom exporter) for ${promDuration(staleAfter)} (${every})`,
        description: `No scrape target with job="${job}" exists: the exporter is not in Prometheus' scrape configuration or its discovery failed, so no service is measured or scaled. Affected: ${every}. ${ONCE}`,
        runbook_url: runbook(policy, ALERTS.exporterAbsent),
        value: '{{ $value }}',
      },
    },
    {
      alert: ALERTS.configReload,
      expr: `${METRIC.configLastReloadSuccessful} == 0`,
      labels: exporterLabels('warning'),
      annotations: {
        summary: `The Headroom exporter failed to reload headroom.yml and keeps the previous policy (${every})`,
        description: `The last reload of the policy failed validation; the exporter and the scaler keep using the previous policy for every service. Run \`npx headroom check\` on the file. Affected: ${every}. ${ONCE}`,
        runbook_url: runbook(policy, ALERTS.configReload),
        value: '{{ $value }}',
      },
    },
  ];
}

/** The scaler's actions for a service fail. */
function scalerFailingRule(policy: Policy, svc: Service): AlertingRule {
  const window = promDuration(ALERT_TIMING.scalerFailureWindowSeconds);
  return {
    alert: ALERTS.scalerFailing,
    expr: `increase(${sel(METRIC.scalerActionsTotal, { service: svc.name, result: 'failure' })}[${window}]) > 0`,
    labels: { [CLASS_LABEL]: ALERT_CLASS.health, service: svc.name, severity: 'critical' },
    annotations: {
      summary: `${svc.name}: {{ $value | humanize }} {{ $labels.action }} action(s) failed in the last ${window}`,
      description: `The scaler's actuator failed to apply {{ $labels.action }} to ${svc.name}. The decision is recorded with the actuator's error; see the scaler's decision history and logs, and the orchestrator the actuator calls.`,
      runbook_url: runbook(policy, ALERTS.scalerFailing),
      value: '{{ $value }}',
    },
  };
}

/** Per service: an input missing, the scaler's actions failing. */
export function healthGroup(policy: Policy, svc: Service): RuleGroup {
  return { name: `headroom.${svc.name}.health`, rules: [inputMissingRule(policy, svc), scalerFailingRule(policy, svc)] };
}

/**
 * The exporter-wide alerts, once per policy (not per service or fleet): stale refresh, exporter
 * down or absent, reload failed. No service takes the group's name (theirs end in `.health`).
 */
export function exporterGroup(policy: Policy): RuleGroup {
  return { name: 'headroom.exporter', rules: [...staleRules(policy), ...exporterRules(policy)] };
}

/** All rule groups of the explicit services, by file; health starts with the exporter-wide group. */
export function ruleGroups(policy: Policy): Record<RuleFileKind, RuleGroup[]> {
  return {
    scaling: policy.services.map((s) => scalingGroup(policy, s)),
    budget: policy.services.map((s) => budgetGroup(policy, s)),
    health: [exporterGroup(policy), ...policy.services.map((s) => healthGroup(policy, s))],
  };
}
