/**
 * The per-service series of /metrics (pure: a snapshot in, series out through a callback), so the
 * exporter can count them and trim detail to the series budget before it sets a single gauge.
 */
import { BASES, type ServicePlan } from '../model/plan.js';
import { BLOCK_REASONS } from '../model/decision.js';
import { PRICINGS } from '../model/cost.js';
import type { ForecastProjection, ModelProjection } from '../model/projection.js';
import type { FleetStatus } from '../fleet/directory.js';
import { FLEET_LABEL, METRIC, type MetricName } from '@headroom/contract';

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
  /** A fleet service's fleet and state (fleet/directory.ts; its series carry the fleet label); explicit services have none. */
  fleet?: FleetStatus;
}

/** One sample of /metrics: metric, labels (service included) and a finite value. */
export interface Series {
  name: MetricName;
  labels: Record<string, string | number>;
  value: number;
}

export type Labels = Record<string, string | number>;
/**
 * Receives one series of a service: its metric, its own labels (without the service's: see
 * serviceLabels) and its value, which may be absent (null, undefined, NaN, ±Inf: not published).
 */
export type Add = (name: MetricName, labels: Labels, v: number | null | undefined) => void;

/**
 * Whether some series of these metrics may be published (the publisher's trimming): false only when
 * every one would be dropped, so a producer may skip computing them.
 */
export type Wants = (...names: MetricName[]) => boolean;

/** Whether a value is published (absent values, null, undefined, NaN and ±Inf, are skipped). */
export const present = (v: number | null | undefined): v is number =>
  v !== null && v !== undefined && Number.isFinite(v);

/** The labels every series of a service carries: service, and fleet for a fleet service (those of its headroom_series gauge). */
export const serviceLabels = (service: string, fleet: string | undefined): Labels =>
  fleet === undefined ? { service } : { service, [FLEET_LABEL]: fleet };

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

/** Label values of the label sets /metrics can carry, for the expected count (`headroom check`). */
export const SERIES_KEYS = {
  bands: BAND_KEYS.map(([k]) => k),
  exhaustionBounds: EXHAUSTION_KEYS.map(([k]) => k),
  actions: ACTIONS,
  loadtest: LOADTEST_KEYS.map(([k]) => k),
} as const;

/** The input health series of a service, each given to `add` with its own labels. */
export function emitInputs(add: Add, inputs: readonly InputHealth[]): void {
  for (const i of inputs) {
    add(METRIC.inputUp, { signal: i.signal }, i.ok ? 1 : 0);
    if (i.ok) add(METRIC.inputValue, { signal: i.signal }, i.value);
    add(METRIC.inputLastSuccessTimestampSeconds, { signal: i.signal }, i.lastSuccess);
  }
}

/**
 * Every series of a service's snapshot, in catalogue order, each given to `add` with its own labels
 * (no array, no copy of the service's labels: the publisher adds them to the series it keeps).
 */
export function emitService(add: Add, s: ServiceSnapshot, wants: Wants = () => true): void {
  emitInputs(add, s.inputs);
  addCapacity(add, s);
  addProjections(add, s.plan);
  if (wants(METRIC.modelCvMase, METRIC.modelSelected, METRIC.modelProjectedUsers, METRIC.modelProjectedInstances))
    addModels(add, s.plan.projections.models);
  addForecast(add, s.plan.projections.forecast);
  addCost(add, s.plan);
  addDecision(add, s);
}

function addCapacity(add: Add, { plan: p, limits, resources = [] }: ServiceSnapshot): void {
  add(METRIC.instances, {}, p.current);
  const r = p.recommendation;
  for (const b of BASES) add(METRIC.recommendedInstances, { basis: b }, r.bases[b]);
  add(METRIC.recommendedInstances, { basis: 'final' }, r.recommended);
  add(METRIC.limitInstances, { limit: 'min' }, limits.min);
  add(METRIC.limitInstances, { limit: 'max' }, limits.max);
  add(METRIC.limitInstances, { limit: 'effective_min' }, p.decision.effectiveMin);
  for (const res of resources) add(METRIC.resourceLimit, { resource: res.name, unit: res.unit }, res.limit);
  for (const h of p.headroom) {
    const resource = h.resource;
    add(METRIC.resourceUtilizationRatio, { resource }, h.utilization);
    add(METRIC.resourceThresholdRatio, { resource, level: 'warning' }, h.warningRatio);
    add(METRIC.resourceThresholdRatio, { resource, level: 'critical' }, h.criticalRatio);
    add(METRIC.resourceHeadroomRatio, { resource }, h.headroom);
    add(METRIC.resourceExhaustionSeconds, { resource }, h.exhaustionSeconds);
  }
  if (p.loadtest)
    for (const [threshold, key] of LOADTEST_KEYS) add(METRIC.loadtestUsers, { threshold }, p.loadtest[key]);
}

function addProjections(add: Add, p: ServicePlan): void {
  const pr = p.projections;
  add(METRIC.planningScenarioInfo, { scenario: pr.planningScenario }, 1);
  for (const s of pr.scenarios) {
    for (const h of s.horizons) {
      const labels = { scenario: s.scenario, horizon_months: h.months };
      add(METRIC.projectedUsers, labels, h.dailyUsers);
      add(METRIC.projectedInstances, labels, h.instances);
      add(METRIC.projectedMonthlyCost, labels, h.monthlyCost);
    }
    add(METRIC.capacityExhaustionSeconds, { scenario: s.scenario }, s.capacityExhaustionSeconds);
    add(METRIC.budgetExhaustionSeconds, { scenario: s.scenario }, s.budgetExhaustionSeconds);
  }
}

/** The candidate models' scores and projections (the largest part of a service's series, and the first trimmed). */
function addModels(add: Add, models: ModelProjection[]): void {
  for (const m of models) {
    if (!m.ok) continue;
    const model = m.model;
    add(METRIC.modelCvMase, { model }, m.cvMase);
    add(METRIC.modelSelected, { model }, m.selected ? 1 : 0);
    for (const h of m.horizons) {
      for (const [bound, key] of BAND_KEYS)
        add(METRIC.modelProjectedUsers, { model, horizon_months: h.months, bound }, h.users[key]);
      add(METRIC.modelProjectedInstances, { model, horizon_months: h.months }, h.instances.point);
    }
  }
}

/** The automatic forecast's band, its exhaustion ranges and the learning state. */
function addForecast(add: Add, f: ForecastProjection | null): void {
  if (!f) return;
  add(METRIC.forecastModelInfo, { model: f.chosen }, 1);
  for (const h of f.horizons) {
    for (const [bound, key] of BAND_KEYS) {
      add(METRIC.forecastUsers, { horizon_months: h.months, bound }, h.users[key]);
      add(METRIC.forecastInstances, { horizon_months: h.months, bound }, h.instances[key]);
    }
  }
  for (const c of f.cvMaseByHorizon) add(METRIC.forecastCvMase, { horizon_months: c.months }, c.mase);
  for (const [bound, key] of EXHAUSTION_KEYS) {
    add(METRIC.forecastCapacityExhaustionSeconds, { bound }, f.capacityExhaustion[key]);
    add(METRIC.forecastBudgetExhaustionSeconds, { bound }, f.budgetExhaustion[key]);
  }
  add(METRIC.forecastLearning, {}, f.learning.active ? 1 : 0);
  add(METRIC.forecastHistorySeconds, {}, f.learning.historySeconds);
  add(METRIC.forecastHistoryNeededSeconds, {}, f.learning.neededSeconds);
}

function addCost(add: Add, p: ServicePlan): void {
  for (const pricing of PRICINGS) add(METRIC.monthlyCost, { pricing }, p.cost.monthly[pricing]);
  const sv = p.cost.savings;
  if (sv) for (const [strategy, v] of Object.entries(sv.monthly)) add(METRIC.monthlySavings, { strategy }, v);
  const b = p.budget;
  add(METRIC.budgetMonthly, {}, b.monthlyBudget);
  add(METRIC.budgetWarningRatio, {}, b.warningRatio);
  add(METRIC.budgetMonthToDateSpend, {}, b.spendToDate);
  add(METRIC.budgetUsageRatio, {}, b.usageRatio);
  add(METRIC.budgetForecastMonthEndSpend, {}, b.forecastMonthEnd);
  add(METRIC.budgetForecastRatio, {}, b.forecastRatio);
}

function addDecision(add: Add, { plan: p, triggers }: ServiceSnapshot): void {
  const d = p.decision;
  for (const action of ACTIONS) {
    add(METRIC.decisionAction, { action }, d.action === action ? 1 : 0);
    add(METRIC.decisionIntendedAction, { action }, d.intended === action ? 1 : 0);
  }
  add(METRIC.decisionTargetInstances, {}, d.target);
  add(METRIC.decisionConfidenceRatio, {}, d.confidence);
  for (const blocked_by of BLOCK_REASONS)
    add(METRIC.decisionBlocked, { blocked_by }, d.blockedBy.includes(blocked_by) ? 1 : 0);
  for (const t of triggers) if (t.ok) add(METRIC.triggerFiring, { trigger: t.name }, d.firing.includes(t.name) ? 1 : 0);
  for (const [trigger, v] of Object.entries(d.cooldownRemaining)) add(METRIC.cooldownRemainingSeconds, { trigger }, v);
}
