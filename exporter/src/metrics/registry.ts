import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { BASES, type ServicePlan } from '../model/plan.js';
import { BLOCK_REASONS } from '../model/decision.js';
import { PRICINGS } from '../model/cost.js';
import type { ForecastProjection, ModelProjection } from '../model/projection.js';
import { CATALOGUE, METRIC, type MetricName } from '@headroom/contract';
import { OPENMETRICS_CONTENT_TYPE, toOpenMetrics } from './openmetrics.js';
import type { FleetStatus } from '../fleet/directory.js';
import { QUERIES_SENT } from '../sources/prometheus-client.js';

/** Health of one input of one service this refresh (signals, plus instances, history, spend). */
export interface InputHealth {
  signal: string;
  ok: boolean;
  value: number | null;
  reason?: string;
  /** Unix seconds of the last successful read, null when never. */
  lastSuccess: number | null;
}

export interface ServiceSnapshot {
  plan: ServicePlan;
  inputs: InputHealth[];
  limits: { min: number; max: number };
  /** Scale-out triggers and whether their data was read (a trigger without data has no firing series). */
  triggers: { name: string; ok: boolean }[];
  /** Per-instance limit and unit of each resource, so the panel can show absolute values beside the ratios. */
  resources?: { name: string; limit: number; unit: string }[];
  /** A fleet service's fleet and state (fleet/directory.ts); explicit services have none. */
  fleet?: FleetStatus;
}

/** A service whose refresh threw (a bug, not missing data): its input health stays published. */
export interface ServiceFailure {
  service: string;
  /** Unix seconds of the failed refresh. */
  at: number;
  error: string;
  inputs: InputHealth[];
}

export type Cadence = 'signals' | 'history';

type SetFn = (name: MetricName, labels: Record<string, string | number>, v: number | null | undefined) => void;

const BAND_KEYS = [
  ['point', 'point'],
  ['lower_80', 'lower80'],
  ['upper_80', 'upper80'],
  ['lower_95', 'lower95'],
  ['upper_95', 'upper95'],
] as const;
const EXHAUSTION_KEYS = [
  ['earliest_80', 'earliestSeconds'],
  ['point', 'pointSeconds'],
  ['latest_80', 'latestSeconds'],
] as const;

const ACTIONS = ['scale_out', 'scale_in', 'none'] as const;
const LOADTEST_KEYS = [
  ['optimal', 'optimal'],
  ['warning', 'warning'],
  ['critical', 'critical'],
  ['maximum', 'maximum'],
  ['scale_out', 'scaleOut'],
  ['scale_in', 'scaleIn'],
  ['emergency', 'emergency'],
] as const;

/** Metrics about the process itself, not per service: never reset by a refresh. */
const PROCESS_METRICS = new Set<MetricName>([
  METRIC.buildInfo,
  METRIC.refreshDurationSeconds,
  METRIC.lastRefreshSuccessTimestampSeconds,
  METRIC.configLastReloadSuccessful,
  METRIC.configLastReloadSuccessTimestampSeconds,
]);

function readQueriesSent(this: Counter<string>): void {
  this.reset();
  for (const [endpoint, n] of QUERIES_SENT) this.inc({ endpoint }, n);
}

/**
 * The catalogue as prom-client gauges without collect callbacks: a refresh resets and sets every
 * per-service series at once (so series of removed services, resources or models disappear), and a
 * scrape only serializes what is there. Nothing here computes; values come from the plans.
 */
export class HeadroomMetrics {
  /** Headroom's own metrics (the catalogue and the scaler's): what `promtool check metrics` lints. */
  readonly registry: Registry;
  /** prom-client's default process_* and nodejs_* metrics, served beside them on /metrics. Kept
   * apart because three of prom-client's gauges end in _total, which promtool's lint rejects. */
  readonly runtime = new Registry();
  private readonly gauges = new Map<MetricName, Gauge<string>>();
  private readonly counters = new Map<MetricName, Counter<string>>();

  constructor(version: string, registry = new Registry()) {
    this.registry = registry;
    collectDefaultMetrics({ register: this.runtime });
    for (const spec of CATALOGUE) {
      const opts = {
        name: spec.name,
        help: spec.help,
        labelNames: [...spec.labels],
        registers: [registry],
        // The Prometheus client counts its requests process-wide; a scrape reads the count.
        collect: spec.name === METRIC.prometheusQueriesTotal ? readQueriesSent : undefined,
      };
      if (spec.type === 'counter') this.counters.set(spec.name, new Counter(opts));
      else this.gauges.set(spec.name, new Gauge(opts));
    }
    this.g(METRIC.buildInfo).set({ version }, 1);
  }

  /** The /metrics body: both registries, as Prometheus text (0.0.4) or OpenMetrics 1.0.0. */
  async exposition(openMetrics: boolean): Promise<{ contentType: string; text: string }> {
    const merged = Registry.merge([this.registry, this.runtime]);
    const text = await merged.metrics();
    return openMetrics
      ? { contentType: OPENMETRICS_CONTENT_TYPE, text: toOpenMetrics(text) }
      : { contentType: merged.contentType, text };
  }

  private g(name: MetricName): Gauge<string> {
    return this.gauges.get(name)!;
  }

  setReload(ok: boolean, at: number): void {
    this.g(METRIC.configLastReloadSuccessful).set(ok ? 1 : 0);
    if (ok) this.g(METRIC.configLastReloadSuccessTimestampSeconds).set(at);
  }

  setRefresh(cadence: Cadence, durationSeconds: number, completedAt: number): void {
    this.g(METRIC.refreshDurationSeconds).set({ cadence }, durationSeconds);
    this.g(METRIC.lastRefreshSuccessTimestampSeconds).set({ cadence }, completedAt);
  }

  /** Replace every per-service series with the ones of `services`. Synchronous: a scrape sees all or nothing. */
  publish(services: readonly ServiceSnapshot[], failures: readonly ServiceFailure[] = []): void {
    for (const [name, gauge] of this.gauges) if (!PROCESS_METRICS.has(name)) gauge.reset();
    for (const s of services) this.publishService(s);
    for (const f of failures) this.publishInputs(f.service, f.inputs);
  }

  /** One more refresh of `service` failed (counters are never reset by publish). */
  countPlanError(service: string): void {
    this.counters.get(METRIC.planErrorsTotal)!.inc({ service });
  }

  private publishInputs(service: string, inputs: readonly InputHealth[]): void {
    const set = (name: MetricName, labels: Record<string, string>, v: number | null) => {
      if (v !== null && Number.isFinite(v)) this.g(name).set({ service, ...labels }, v);
    };
    for (const i of inputs) {
      set(METRIC.inputUp, { signal: i.signal }, i.ok ? 1 : 0);
      if (i.ok) set(METRIC.inputValue, { signal: i.signal }, i.value);
      set(METRIC.inputLastSuccessTimestampSeconds, { signal: i.signal }, i.lastSuccess);
    }
  }

  private publishService({ plan: p, inputs, limits, triggers, resources = [] }: ServiceSnapshot): void {
    const service = p.service;
    const set: SetFn = (name, labels, v) => {
      if (v !== null && v !== undefined && Number.isFinite(v)) this.g(name).set({ service, ...labels }, v);
    };

    this.publishInputs(service, inputs);

    set(METRIC.instances, {}, p.current);
    const r = p.recommendation;
    for (const b of BASES) set(METRIC.recommendedInstances, { basis: b }, r.bases[b]);
    set(METRIC.recommendedInstances, { basis: 'final' }, r.recommended);
    set(METRIC.limitInstances, { limit: 'min' }, limits.min);
    set(METRIC.limitInstances, { limit: 'max' }, limits.max);
    set(METRIC.limitInstances, { limit: 'effective_min' }, p.decision.effectiveMin);

    for (const r of resources) set(METRIC.resourceLimit, { resource: r.name, unit: r.unit }, r.limit);
    for (const h of p.headroom) {
      const resource = h.resource;
      set(METRIC.resourceUtilizationRatio, { resource }, h.utilization);
      set(METRIC.resourceThresholdRatio, { resource, level: 'warning' }, h.warningRatio);
      set(METRIC.resourceThresholdRatio, { resource, level: 'critical' }, h.criticalRatio);
      set(METRIC.resourceHeadroomRatio, { resource }, h.headroom);
      set(METRIC.resourceExhaustionSeconds, { resource }, h.exhaustionSeconds);
    }

    if (p.loadtest)
      for (const [threshold, key] of LOADTEST_KEYS) set(METRIC.loadtestUsers, { threshold }, p.loadtest[key]);

    const pr = p.projections;
    set(METRIC.planningScenarioInfo, { scenario: pr.planningScenario }, 1);
    for (const s of pr.scenarios) {
      for (const h of s.horizons) {
        const labels = { scenario: s.scenario, horizon_months: h.months };
        set(METRIC.projectedUsers, labels, h.dailyUsers);
        set(METRIC.projectedInstances, labels, h.instances);
        set(METRIC.projectedMonthlyCost, labels, h.monthlyCost);
      }
      set(METRIC.capacityExhaustionSeconds, { scenario: s.scenario }, s.capacityExhaustionSeconds);
      set(METRIC.budgetExhaustionSeconds, { scenario: s.scenario }, s.budgetExhaustionSeconds);
    }
    this.setForecast(set, pr.models, pr.forecast);

    for (const pricing of PRICINGS) set(METRIC.monthlyCost, { pricing }, p.cost.monthly[pricing]);
    const sv = p.cost.savings;
    if (sv) for (const [strategy, v] of Object.entries(sv.monthly)) set(METRIC.monthlySavings, { strategy }, v);

    const b = p.budget;
    set(METRIC.budgetMonthly, {}, b.monthlyBudget);
    set(METRIC.budgetWarningRatio, {}, b.warningRatio);
    set(METRIC.budgetMonthToDateSpend, {}, b.spendToDate);
    set(METRIC.budgetUsageRatio, {}, b.usageRatio);
    set(METRIC.budgetForecastMonthEndSpend, {}, b.forecastMonthEnd);
    set(METRIC.budgetForecastRatio, {}, b.forecastRatio);

    const d = p.decision;
    for (const action of ACTIONS) {
      set(METRIC.decisionAction, { action }, d.action === action ? 1 : 0);
      set(METRIC.decisionIntendedAction, { action }, d.intended === action ? 1 : 0);
    }
    set(METRIC.decisionTargetInstances, {}, d.target);
    set(METRIC.decisionConfidenceRatio, {}, d.confidence);
    for (const blocked_by of BLOCK_REASONS)
      set(METRIC.decisionBlocked, { blocked_by }, d.blockedBy.includes(blocked_by) ? 1 : 0);
    for (const t of triggers)
      if (t.ok) set(METRIC.triggerFiring, { trigger: t.name }, d.firing.includes(t.name) ? 1 : 0);
    for (const [trigger, v] of Object.entries(d.cooldownRemaining))
      set(METRIC.cooldownRemainingSeconds, { trigger }, v);
  }

  /** Candidates, the automatic forecast's band, its exhaustion ranges and the learning state. */
  private setForecast(set: SetFn, models: ModelProjection[], f: ForecastProjection | null): void {
    for (const m of models) {
      if (!m.ok) continue;
      const model = m.model;
      set(METRIC.modelCvMase, { model }, m.cvMase);
      set(METRIC.modelSelected, { model }, m.selected ? 1 : 0);
      for (const h of m.horizons) {
        for (const [bound, key] of BAND_KEYS)
          set(METRIC.modelProjectedUsers, { model, horizon_months: h.months, bound }, h.users[key]);
        set(METRIC.modelProjectedInstances, { model, horizon_months: h.months }, h.instances.point);
      }
    }
    if (!f) return;
    set(METRIC.forecastModelInfo, { model: f.chosen }, 1);
    for (const h of f.horizons) {
      for (const [bound, key] of BAND_KEYS) {
        set(METRIC.forecastUsers, { horizon_months: h.months, bound }, h.users[key]);
        set(METRIC.forecastInstances, { horizon_months: h.months, bound }, h.instances[key]);
      }
    }
    for (const c of f.cvMaseByHorizon) set(METRIC.forecastCvMase, { horizon_months: c.months }, c.mase);
    for (const [bound, key] of EXHAUSTION_KEYS) {
      set(METRIC.forecastCapacityExhaustionSeconds, { bound }, f.capacityExhaustion[key]);
      set(METRIC.forecastBudgetExhaustionSeconds, { bound }, f.budgetExhaustion[key]);
    }
    set(METRIC.forecastLearning, {}, f.learning.active ? 1 : 0);
    set(METRIC.forecastHistorySeconds, {}, f.learning.historySeconds);
    set(METRIC.forecastHistoryNeededSeconds, {}, f.learning.neededSeconds);
  }
}
