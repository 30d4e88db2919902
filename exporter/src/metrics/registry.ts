import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { BASES, type ServicePlan } from '../model/plan.js';
import { BLOCK_REASONS } from '../model/decision.js';
import { PRICINGS } from '../model/cost.js';
import type { ForecastProjection, ModelProjection } from '../model/projection.js';
import { CATALOGUE, type MetricName } from './catalogue.js';
import { OPENMETRICS_CONTENT_TYPE, toOpenMetrics } from './openmetrics.js';

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
  'headroom_build_info',
  'headroom_refresh_duration_seconds',
  'headroom_last_refresh_success_timestamp_seconds',
  'headroom_config_last_reload_successful',
  'headroom_config_last_reload_success_timestamp_seconds',
]);

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
      const opts = { name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: [registry] };
      if (spec.type === 'counter') this.counters.set(spec.name, new Counter(opts));
      else this.gauges.set(spec.name, new Gauge(opts));
    }
    this.g('headroom_build_info').set({ version }, 1);
  }

  /** The /metrics body: both registries, as Prometheus text (0.0.4) or OpenMetrics 1.0.0. */
  async exposition(openMetrics: boolean): Promise<{ contentType: string; text: string }> {
    const merged = Registry.merge([this.registry, this.runtime]);
    const text = await merged.metrics();
    return openMetrics ? { contentType: OPENMETRICS_CONTENT_TYPE, text: toOpenMetrics(text) } : { contentType: merged.contentType, text };
  }

  private g(name: MetricName): Gauge<string> {
    return this.gauges.get(name)!;
  }

  setReload(ok: boolean, at: number): void {
    this.g('headroom_config_last_reload_successful').set(ok ? 1 : 0);
    if (ok) this.g('headroom_config_last_reload_success_timestamp_seconds').set(at);
  }

  setRefresh(cadence: Cadence, durationSeconds: number, completedAt: number): void {
    this.g('headroom_refresh_duration_seconds').set({ cadence }, durationSeconds);
    this.g('headroom_last_refresh_success_timestamp_seconds').set({ cadence }, completedAt);
  }

  /** Replace every per-service series with the ones of `services`. Synchronous: a scrape sees all or nothing. */
  publish(services: readonly ServiceSnapshot[], failures: readonly ServiceFailure[] = []): void {
    for (const [name, gauge] of this.gauges) if (!PROCESS_METRICS.has(name)) gauge.reset();
    for (const s of services) this.publishService(s);
    for (const f of failures) this.publishInputs(f.service, f.inputs);
  }

  /** One more refresh of `service` failed (counters are never reset by publish). */
  countPlanError(service: string): void {
    this.counters.get('headroom_plan_errors_total')!.inc({ service });
  }

  private publishInputs(service: string, inputs: readonly InputHealth[]): void {
    const set = (name: MetricName, labels: Record<string, string>, v: number | null) => {
      if (v !== null && Number.isFinite(v)) this.g(name).set({ service, ...labels }, v);
    };
    for (const i of inputs) {
      set('headroom_input_up', { signal: i.signal }, i.ok ? 1 : 0);
      if (i.ok) set('headroom_input_value', { signal: i.signal }, i.value);
      set('headroom_input_last_success_timestamp_seconds', { signal: i.signal }, i.lastSuccess);
    }
  }

  private publishService({ plan: p, inputs, limits, triggers, resources = [] }: ServiceSnapshot): void {
    const service = p.service;
    const set: SetFn = (name, labels, v) => {
      if (v !== null && v !== undefined && Number.isFinite(v)) this.g(name).set({ service, ...labels }, v);
    };

    this.publishInputs(service, inputs);

    set('headroom_instances', {}, p.current);
    const r = p.recommendation;
    for (const b of BASES) set('headroom_recommended_instances', { basis: b }, r.bases[b]);
    set('headroom_recommended_instances', { basis: 'final' }, r.recommended);
    set('headroom_limit_instances', { limit: 'min' }, limits.min);
    set('headroom_limit_instances', { limit: 'max' }, limits.max);
    set('headroom_limit_instances', { limit: 'effective_min' }, p.decision.effectiveMin);

    for (const r of resources) set('headroom_resource_limit', { resource: r.name, unit: r.unit }, r.limit);
    for (const h of p.headroom) {
      const resource = h.resource;
      set('headroom_resource_utilization_ratio', { resource }, h.utilization);
      set('headroom_resource_threshold_ratio', { resource, level: 'warning' }, h.warningRatio);
      set('headroom_resource_threshold_ratio', { resource, level: 'critical' }, h.criticalRatio);
      set('headroom_resource_headroom_ratio', { resource }, h.headroom);
      set('headroom_resource_exhaustion_seconds', { resource }, h.exhaustionSeconds);
    }

    if (p.loadtest) for (const [threshold, key] of LOADTEST_KEYS) set('headroom_loadtest_users', { threshold }, p.loadtest[key]);

    const pr = p.projections;
    set('headroom_planning_scenario_info', { scenario: pr.planningScenario }, 1);
    for (const s of pr.scenarios) {
      for (const h of s.horizons) {
        const labels = { scenario: s.scenario, horizon_months: h.months };
        set('headroom_projected_users', labels, h.dailyUsers);
        set('headroom_projected_instances', labels, h.instances);
        set('headroom_projected_monthly_cost', labels, h.monthlyCost);
      }
      set('headroom_capacity_exhaustion_seconds', { scenario: s.scenario }, s.capacityExhaustionSeconds);
      set('headroom_budget_exhaustion_seconds', { scenario: s.scenario }, s.budgetExhaustionSeconds);
    }
    this.setForecast(set, pr.models, pr.forecast);

    for (const pricing of PRICINGS) set('headroom_monthly_cost', { pricing }, p.cost.monthly[pricing]);
    const sv = p.cost.savings;
    if (sv) for (const [strategy, v] of Object.entries(sv.monthly)) set('headroom_monthly_savings', { strategy }, v);

    const b = p.budget;
    set('headroom_budget_monthly', {}, b.monthlyBudget);
    set('headroom_budget_warning_ratio', {}, b.warningRatio);
    set('headroom_budget_month_to_date_spend', {}, b.spendToDate);
    set('headroom_budget_usage_ratio', {}, b.usageRatio);
    set('headroom_budget_forecast_month_end_spend', {}, b.forecastMonthEnd);
    set('headroom_budget_forecast_ratio', {}, b.forecastRatio);

    const d = p.decision;
    for (const action of ACTIONS) {
      set('headroom_decision_action', { action }, d.action === action ? 1 : 0);
      set('headroom_decision_intended_action', { action }, d.intended === action ? 1 : 0);
    }
    set('headroom_decision_target_instances', {}, d.target);
    set('headroom_decision_confidence_ratio', {}, d.confidence);
    for (const blocked_by of BLOCK_REASONS) set('headroom_decision_blocked', { blocked_by }, d.blockedBy.includes(blocked_by) ? 1 : 0);
    for (const t of triggers) if (t.ok) set('headroom_trigger_firing', { trigger: t.name }, d.firing.includes(t.name) ? 1 : 0);
    for (const [trigger, v] of Object.entries(d.cooldownRemaining)) set('headroom_cooldown_remaining_seconds', { trigger }, v);
  }

  /** Candidates, the automatic forecast's band, its exhaustion ranges and the learning state. */
  private setForecast(set: SetFn, models: ModelProjection[], f: ForecastProjection | null): void {
    for (const m of models) {
      if (!m.ok) continue;
      const model = m.model;
      set('headroom_model_cv_mase', { model }, m.cvMase);
      set('headroom_model_selected', { model }, m.selected ? 1 : 0);
      for (const h of m.horizons) {
        for (const [bound, key] of BAND_KEYS) set('headroom_model_projected_users', { model, horizon_months: h.months, bound }, h.users[key]);
        set('headroom_model_projected_instances', { model, horizon_months: h.months }, h.instances.point);
      }
    }
    if (!f) return;
    set('headroom_forecast_model_info', { model: f.chosen }, 1);
    for (const h of f.horizons) {
      for (const [bound, key] of BAND_KEYS) {
        set('headroom_forecast_users', { horizon_months: h.months, bound }, h.users[key]);
        set('headroom_forecast_instances', { horizon_months: h.months, bound }, h.instances[key]);
      }
    }
    for (const c of f.cvMaseByHorizon) set('headroom_forecast_cv_mase', { horizon_months: c.months }, c.mase);
    for (const [bound, key] of EXHAUSTION_KEYS) {
      set('headroom_forecast_capacity_exhaustion_seconds', { bound }, f.capacityExhaustion[key]);
      set('headroom_forecast_budget_exhaustion_seconds', { bound }, f.budgetExhaustion[key]);
    }
    set('headroom_forecast_learning', {}, f.learning.active ? 1 : 0);
    set('headroom_forecast_history_seconds', {}, f.learning.historySeconds);
    set('headroom_forecast_history_needed_seconds', {}, f.learning.neededSeconds);
  }
}
