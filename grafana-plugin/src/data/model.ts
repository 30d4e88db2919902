import type { Field } from '@grafana/data';

import { EXPECTED_METRICS, METRICS, MetricName } from '../queries';
import { labelKey, lastValue, Series } from './frames';

/** Known scenario and resource orders; anything else follows alphabetically. */
const SCENARIO_ORDER = ['conservative', 'moderate', 'aggressive', 'hockey_stick'];
const RESOURCE_ORDER = ['cpu', 'memory', 'sessions'];

function byKnownOrder(order: string[]) {
  return (a: string, b: string) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    if (ia !== -1 || ib !== -1) {
      return (ia === -1 ? order.length : ia) - (ib === -1 ? order.length : ib);
    }
    return a.localeCompare(b);
  };
}

/**
 * Reads the (variable-resolved) service option. Empty, an unresolved `$service`, or "All" mean no
 * filter. Multi-value variables arrive as `{a,b}` (Prometheus formatting) or `a|b`.
 */
export function parseServiceOption(text: string | undefined): string[] {
  const trimmed = (text ?? '')
    .trim()
    .replace(/^\{(.*)\}$/, '$1')
    .replace(/^\((.*)\)$/, '$1');
  if (trimmed === '' || trimmed.startsWith('$') || trimmed === 'All' || trimmed === '.*' || trimmed === '.+') {
    return [];
  }
  return trimmed
    .split(/[,|]/)
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export function servicesIn(series: Series[]): string[] {
  const names = new Set<string>();
  for (const s of series) {
    if (s.metric.startsWith('headroom_') && s.labels.service) {
      names.add(s.labels.service);
    }
  }
  return [...names].sort();
}

/** The service a single-service view shows: the first wanted one present, else the first present. */
export function pickService(series: Series[], wanted: string[]): string | undefined {
  const present = servicesIn(series);
  if (wanted.length === 0) {
    return present[0];
  }
  return wanted.find((name) => present.includes(name));
}

/** Series of one metric for one service; none when no service could be picked. */
function ofMetric(series: Series[], metric: MetricName, service: string | undefined): Series[] {
  return service === undefined ? [] : series.filter((s) => s.metric === metric && s.labels.service === service);
}

function missingOf(series: Series[], metrics: MetricName[], service: string | undefined): MetricName[] {
  return metrics.filter((metric) => ofMetric(series, metric, service).length === 0);
}

const finite = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : undefined);

export interface ScenarioPlan {
  name: string;
  /** horizon in months → instances needed */
  instances: Map<number, number>;
  /** horizon in months → monthly cost */
  cost: Map<number, number>;
  planning: boolean;
}

/** The exporter's automatic forecast of instances at one horizon, with its 80 % band. */
export interface ForecastBand {
  point: number;
  lower80: number;
  upper80: number;
}

export interface PlanModel {
  service?: string;
  /** horizon in months → forecast instances and band (headroom_forecast_instances). */
  forecast: Map<number, ForecastBand>;
  /** True while the exporter's forecast stands on less history than it needs (headroom_forecast_learning). */
  learning: boolean;
  /** Instance count over the dashboard range: [time ms, instances], oldest first. */
  history: Array<[number, number]>;
  services: string[];
  current?: number;
  min?: number;
  max?: number;
  horizons: number[];
  scenarios: ScenarioPlan[];
  planningScenario?: string;
  budget?: number;
  budgetUsage?: number;
  forecastSpend?: number;
  missing: MetricName[];
}

export function buildPlan(series: Series[], wanted: string[]): PlanModel {
  const service = pickService(series, wanted);
  const services = servicesIn(series);
  const pick = (metric: MetricName) => ofMetric(series, metric, service);
  const single = (metric: MetricName) => finite(lastValue(pick(metric)[0]));
  const limit = (name: string) => finite(lastValue(pick(METRICS.limitInstances).find((s) => s.labels.limit === name)));

  const scenarios = new Map<string, ScenarioPlan>();
  const horizons = new Set<number>();
  const collect = (metric: MetricName, into: 'instances' | 'cost') => {
    for (const s of pick(metric)) {
      const horizon = Number(s.labels.horizon_months);
      const value = finite(lastValue(s));
      const name = s.labels.scenario;
      if (!name || !Number.isFinite(horizon) || value === undefined) {
        continue;
      }
      let plan = scenarios.get(name);
      if (!plan) {
        plan = { name, instances: new Map(), cost: new Map(), planning: false };
        scenarios.set(name, plan);
      }
      plan[into].set(horizon, value);
      horizons.add(horizon);
    }
  };
  collect(METRICS.projectedInstances, 'instances');
  collect(METRICS.projectedMonthlyCost, 'cost');

  const planningScenario = pick(METRICS.planningScenario).find((s) => lastValue(s) === 1)?.labels.scenario;
  const ordered = [...scenarios.values()].sort((a, b) => byKnownOrder(SCENARIO_ORDER)(a.name, b.name));
  for (const plan of ordered) {
    plan.planning = plan.name === planningScenario;
  }

  return {
    service,
    services,
    forecast: forecastBands(pick(METRICS.forecastInstances)),
    learning: single(METRICS.forecastLearning) === 1,
    history: historyOf(pick(METRICS.instances)),
    current: single(METRICS.instances),
    min: limit('min'),
    max: limit('max'),
    horizons: [...horizons].sort((a, b) => a - b),
    scenarios: ordered,
    planningScenario,
    budget: single(METRICS.budgetMonthly),
    budgetUsage: single(METRICS.budgetUsage),
    forecastSpend: single(METRICS.budgetForecast),
    missing: missingOf(series, EXPECTED_METRICS.plan, service),
  };
}

const BOUND_KEYS: Record<string, keyof ForecastBand> = { point: 'point', lower_80: 'lower80', upper_80: 'upper80' };

/** Horizons where the point and both 80 % bounds are published. */
export function forecastBands(series: Series[]): Map<number, ForecastBand> {
  const partial = new Map<number, Partial<ForecastBand>>();
  for (const s of series) {
    const horizon = Number(s.labels.horizon_months);
    const key = BOUND_KEYS[s.labels.bound ?? ''];
    const value = finite(lastValue(s));
    if (!key || !Number.isFinite(horizon) || value === undefined) {
      continue;
    }
    partial.set(horizon, { ...partial.get(horizon), [key]: value });
  }
  const bands = new Map<number, ForecastBand>();
  for (const [h, b] of [...partial].sort((a, c) => a[0] - c[0])) {
    if (b.point !== undefined && b.lower80 !== undefined && b.upper80 !== undefined) {
      bands.set(h, { point: b.point, lower80: b.lower80, upper80: b.upper80 });
    }
  }
  return bands;
}

/** The longest series' finite samples with real times. */
function historyOf(series: Series[]): Array<[number, number]> {
  const longest = [...series].sort((a, b) => b.values.length - a.values.length)[0];
  if (!longest) {
    return [];
  }
  return longest.times
    .map((t, i) => [t, longest.values[i]] as [number, number])
    .filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));
}

/** Range of a metric across scenarios at one horizon, e.g. "6 months: 19–135 instances". */
export function rangeAt(plan: PlanModel, horizon: number, metric: 'instances' | 'cost'): [number, number] | undefined {
  const values = plan.scenarios.map((s) => s[metric].get(horizon)).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : [Math.min(...values), Math.max(...values)];
}

/** First horizon at which each scenario needs more than `limit`. */
export function firstHorizonAbove(plan: PlanModel, metric: 'instances' | 'cost', limit: number | undefined) {
  if (limit === undefined) {
    return [];
  }
  return plan.scenarios
    .map((s) => ({ scenario: s.name, horizon: plan.horizons.find((h) => (s[metric].get(h) ?? -Infinity) > limit) }))
    .filter((entry): entry is { scenario: string; horizon: number } => entry.horizon !== undefined);
}

export interface TimeSeries {
  times: number[];
  values: number[];
}

/**
 * One resource of one service. Every ratio is a share of the same base, the per-instance limit:
 * `utilization` = used / limit, `warning` and `critical` = threshold / limit. `limit` and `unit` turn
 * them into absolute values (used = utilization × limit).
 */
export interface ResourceHeadroom {
  resource: string;
  utilization?: number;
  warning?: number;
  critical?: number;
  /** The exporter's headroom_resource_headroom_ratio: 1 - used / warning (a share of the warning threshold, not of the limit). */
  headroom?: number;
  /** Per-instance limit in the policy's unit of the resource's signal. */
  limit?: number;
  unit?: string;
  /** Infinity when the exporter says never (or publishes nothing for a resource it has), undefined when unknown. */
  exhaustionSeconds?: number;
  /** Utilization over the dashboard's time range, oldest first (one point for an instant query). */
  history: TimeSeries;
  /** Fields Grafana built for the utilization and limit series: field config and data links. */
  utilizationField?: Field;
  limitField?: Field;
}

/** Headroom to the warning threshold as a share of the limit (negative once past it): warning - used. */
export function headroomOfLimit(r: ResourceHeadroom): number | undefined {
  return r.warning === undefined || r.utilization === undefined ? undefined : r.warning - r.utilization;
}

/** A share of the limit in the resource's own unit, when the limit is known. */
export function absolute(r: ResourceHeadroom, ratio: number | undefined): number | undefined {
  return ratio === undefined || r.limit === undefined ? undefined : ratio * r.limit;
}

export interface HeadroomModel {
  service?: string;
  services: string[];
  resources: ResourceHeadroom[];
  missing: MetricName[];
}

export function buildHeadroom(series: Series[], wanted: string[]): HeadroomModel {
  const service = pickService(series, wanted);
  const resources = new Map<string, ResourceHeadroom>();
  const entry = (name: string) => {
    let r = resources.get(name);
    if (!r) {
      r = { resource: name, history: { times: [], values: [] } };
      resources.set(name, r);
    }
    return r;
  };
  const each = (metric: MetricName, apply: (r: ResourceHeadroom, value: number | undefined, s: Series) => void) => {
    for (const s of ofMetric(series, metric, service)) {
      if (s.labels.resource) {
        apply(entry(s.labels.resource), lastValue(s), s);
      }
    }
  };
  each(METRICS.utilization, (r, v, s) => {
    r.utilization = finite(v);
    r.utilizationField = s.field;
    const points = s.times
      .map((t, i) => [t, s.values[i]] as const)
      .filter(([t, x]) => Number.isFinite(t) && Number.isFinite(x));
    r.history = { times: points.map(([t]) => t), values: points.map(([, x]) => x) };
  });
  each(METRICS.resourceLimit, (r, v, s) => {
    r.limit = finite(v) !== undefined && v! > 0 ? v : undefined;
    r.unit = s.labels.unit;
    r.limitField = s.field;
  });
  each(METRICS.threshold, (r, v, s) => {
    if (s.labels.level === 'warning') {
      r.warning = finite(v);
    } else if (s.labels.level === 'critical') {
      r.critical = finite(v);
    }
  });
  each(METRICS.headroom, (r, v) => (r.headroom = finite(v)));
  each(METRICS.exhaustion, (r, v) => (r.exhaustionSeconds = v === undefined || v < 0 ? undefined : v));

  const missing = missingOf(series, EXPECTED_METRICS.headroom, service);
  // The exporter leaves the exhaustion series out when a resource never runs out, so its absence
  // means "never" as long as the family exists for the service at all.
  if (!missing.includes(METRICS.exhaustion)) {
    for (const r of resources.values()) {
      r.exhaustionSeconds ??= Infinity;
    }
  }
  return {
    service,
    services: servicesIn(series),
    resources: [...resources.values()].sort((a, b) => byKnownOrder(RESOURCE_ORDER)(a.resource, b.resource)),
    missing,
  };
}

export type DecisionKind = 'scale_out' | 'scale_in' | 'blocked' | 'none';

export interface DecisionEvent {
  /** Decision time in ms (the value of the timestamp series). */
  time: number;
  service: string;
  trigger: string;
  action: string;
  blockedBy: string;
  kind: DecisionKind;
  current?: number;
  target?: number;
  /** The timestamp series' field and the row of this decision's sample (data links). */
  field?: Field;
  row?: number;
}

/** Instances running and the exporter's final recommendation over the time range, per service. */
export interface FleetTrack {
  service: string;
  instances: TimeSeries;
  recommended: TimeSeries;
}

export interface DecisionsModel {
  services: string[];
  events: DecisionEvent[];
  fleet: FleetTrack[];
  missing: MetricName[];
}

/** A decision that the scaler recorded but did not carry out: its target was held back. */
export function isBlocked(e: DecisionEvent): boolean {
  return e.kind === 'blocked';
}

/** Value of a gauge at the sample closest to `time` (the same scrape as the timestamp, normally). */
function valueNear(series: Series | undefined, time: number): number | undefined {
  if (!series || series.values.length === 0) {
    return undefined;
  }
  let best = 0;
  for (let i = 1; i < series.times.length; i++) {
    if (Math.abs(series.times[i] - time) < Math.abs(series.times[best] - time)) {
      best = i;
    }
  }
  return finite(series.values[best]);
}

export function decisionKind(action: string, blockedBy: string): DecisionKind {
  if (blockedBy && blockedBy !== 'none') {
    return 'blocked';
  }
  return action === 'scale_out' || action === 'scale_in' ? action : 'none';
}

/**
 * Every distinct value of a `…_last_decision_timestamp_seconds` series is one decision; its current
 * and target counts come from the series with the same labels at the same sample. Decisions with
 * action "none" that nothing blocked are not events.
 */
export function buildDecisions(
  series: Series[],
  wanted: string[],
  range?: { from: number; to: number }
): DecisionsModel {
  const inService = (s: Series) => wanted.length === 0 || wanted.includes(s.labels.service);
  const relevant = series.filter(inService);
  const index = (metric: MetricName) =>
    new Map(relevant.filter((s) => s.metric === metric).map((s) => [labelKey(s.labels), s] as const));
  const currents = index(METRICS.decisionCurrent);
  const targets = index(METRICS.decisionTarget);

  const events: DecisionEvent[] = [];
  const seen = new Set<string>();
  for (const s of relevant.filter((x) => x.metric === METRICS.decisionTimestamp)) {
    const key = labelKey(s.labels);
    for (let i = 0; i < s.values.length; i++) {
      const seconds = s.values[i];
      if (!Number.isFinite(seconds) || seconds <= 0 || seen.has(`${key}@${seconds}`)) {
        continue;
      }
      seen.add(`${key}@${seconds}`);
      const time = seconds * 1000;
      if (range && (time < range.from || time > range.to)) {
        continue;
      }
      const action = s.labels.action ?? 'none';
      const blockedBy = s.labels.blocked_by ?? 'none';
      const kind = decisionKind(action, blockedBy);
      if (kind === 'none') {
        continue;
      }
      const sampleTime = Number.isFinite(s.times[i]) ? s.times[i] : time;
      events.push({
        time,
        service: s.labels.service ?? '',
        trigger: s.labels.trigger ?? '',
        action,
        blockedBy,
        kind,
        current: valueNear(currents.get(key), sampleTime),
        target: valueNear(targets.get(key), sampleTime),
        field: s.field,
        row: s.rows?.[i],
      });
    }
  }
  events.sort((a, b) => a.time - b.time);
  const missing = EXPECTED_METRICS.decisions.filter((metric) => !relevant.some((s) => s.metric === metric));
  return {
    services: [...new Set(events.map((e) => e.service))].sort(),
    events,
    fleet: fleetTracks(relevant, range),
    missing,
  };
}

function inRange(series: Series | undefined, range?: { from: number; to: number }): TimeSeries {
  const points = (series?.times ?? [])
    .map((t, i) => [t, series!.values[i]] as const)
    .filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v) && (!range || (t >= range.from && t <= range.to)));
  return { times: points.map(([t]) => t), values: points.map(([, v]) => v) };
}

function fleetTracks(series: Series[], range?: { from: number; to: number }): FleetTrack[] {
  const services = [
    ...new Set(series.filter((s) => s.metric === METRICS.instances).map((s) => s.labels.service)),
  ].sort();
  return services.map((service) => ({
    service,
    instances: inRange(
      series.find((s) => s.metric === METRICS.instances && s.labels.service === service),
      range
    ),
    recommended: inRange(
      series.find(
        (s) =>
          s.metric === METRICS.recommendedInstances &&
          s.labels.service === service &&
          (s.labels.basis ?? 'final') === 'final'
      ),
      range
    ),
  }));
}
