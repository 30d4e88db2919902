/**
 * The series a service can publish, from its policy alone (`headroom check`): every label set of
 * /metrics with a placeholder value, so the same countSeries / decideTrim as the exporter's apply.
 * An upper bound: what the data leaves undefined (an exhaustion date beyond the projections, a model
 * that does not fit, a horizon the cross-validation does not reach) is absent from /metrics.
 */
import type { Policy, Service } from '../config/schema.js';
import { BASES } from '../model/plan.js';
import { BLOCK_REASONS } from '../model/decision.js';
import { MODEL_NAMES } from '../model/forecast/types.js';
import { METRIC, type MetricName } from '@headroom/contract';
import { SERIES_KEYS, type Series } from './series.js';
import { budgetOf, countSeries, decideTrim, PROCESS_SERIES, type SeriesCount, type TrimDecision } from './budget.js';

type Labels = Record<string, string | number>;

/** Label sets of every series a service can publish (values 0). */
export function expectedSeries(svc: Service): Series[] {
  const out: Series[] = [];
  const add = (name: MetricName, ...sets: Labels[]) => {
    for (const labels of sets.length ? sets : [{}])
      out.push({ name, labels: { service: svc.name, ...labels }, value: 0 });
  };
  const each = <T>(xs: readonly T[], f: (x: T) => Labels) => xs.map(f);
  const inputs = [...svc.signals.map((s) => s.name), 'instances', 'spend'];
  if (svc.growth.history_query !== undefined) inputs.push('history');
  for (const m of [METRIC.inputUp, METRIC.inputValue, METRIC.inputLastSuccessTimestampSeconds])
    add(m, ...each(inputs, (signal) => ({ signal })));
  addCapacity(svc, add);
  const horizons = svc.growth.horizons_months;
  const scenarioHorizons = svc.growth.scenarios.flatMap((s) =>
    horizons.map((h) => ({ scenario: s.name, horizon_months: h }))
  );
  add(METRIC.planningScenarioInfo, { scenario: svc.growth.planning_scenario });
  for (const m of [METRIC.projectedUsers, METRIC.projectedInstances, METRIC.projectedMonthlyCost])
    add(m, ...scenarioHorizons);
  for (const m of [METRIC.capacityExhaustionSeconds, METRIC.budgetExhaustionSeconds])
    add(m, ...each(svc.growth.scenarios, (s) => ({ scenario: s.name })));
  if (svc.growth.history_query !== undefined) addForecast(horizons, add);
  addCostAndDecision(svc, add);
  return out;
}

type Add = (name: MetricName, ...sets: Labels[]) => void;

function addCapacity(svc: Service, add: Add): void {
  const cap = svc.capacity;
  add(METRIC.instances);
  const bases = BASES.filter((b) => (b === 'demand' ? cap.kind === 'requests' || cap.kind === 'queue' : true));
  add(METRIC.recommendedInstances, ...[...bases, 'final'].map((basis) => ({ basis })));
  add(METRIC.limitInstances, ...['min', 'max', 'effective_min'].map((limit) => ({ limit })));
  const resources = cap.resources.map((r) => r.name);
  for (const m of [METRIC.resourceLimit, METRIC.resourceUtilizationRatio, METRIC.resourceHeadroomRatio])
    add(m, ...resources.map((resource) => ({ resource })));
  add(METRIC.resourceExhaustionSeconds, ...resources.map((resource) => ({ resource })));
  add(
    METRIC.resourceThresholdRatio,
    ...resources.flatMap((resource) => ['warning', 'critical'].map((level) => ({ resource, level })))
  );
  if (cap.loadtest) add(METRIC.loadtestUsers, ...SERIES_KEYS.loadtest.map((threshold) => ({ threshold })));
}

function addForecast(horizons: readonly number[], add: Add): void {
  const bands = horizons.flatMap((h) => SERIES_KEYS.bands.map((bound) => ({ horizon_months: h, bound })));
  for (const m of [METRIC.modelCvMase, METRIC.modelSelected]) add(m, ...MODEL_NAMES.map((model) => ({ model })));
  add(METRIC.modelProjectedUsers, ...MODEL_NAMES.flatMap((model) => bands.map((b) => ({ model, ...b }))));
  add(
    METRIC.modelProjectedInstances,
    ...MODEL_NAMES.flatMap((model) => horizons.map((h) => ({ model, horizon_months: h })))
  );
  add(METRIC.forecastModelInfo);
  for (const m of [METRIC.forecastUsers, METRIC.forecastInstances]) add(m, ...bands);
  add(METRIC.forecastCvMase, ...horizons.map((h) => ({ horizon_months: h })));
  for (const m of [METRIC.forecastCapacityExhaustionSeconds, METRIC.forecastBudgetExhaustionSeconds])
    add(m, ...SERIES_KEYS.exhaustionBounds.map((bound) => ({ bound })));
  for (const m of [METRIC.forecastLearning, METRIC.forecastHistorySeconds, METRIC.forecastHistoryNeededSeconds]) add(m);
}

function addCostAndDecision(svc: Service, add: Add): void {
  const c = svc.cost;
  const pricings = [
    ...(['on_demand', 'reserved', 'spot'] as const).filter((p) => c.instance_hour?.[p] !== undefined),
    ...(c.resources ? ['resources'] : []),
  ];
  add(METRIC.monthlyCost, ...pricings.map((pricing) => ({ pricing })));
  add(METRIC.monthlySavings, ...['right_sizing', 'reserved', 'spot'].map((strategy) => ({ strategy })));
  for (const m of [
    METRIC.budgetMonthly,
    METRIC.budgetWarningRatio,
    METRIC.budgetMonthToDateSpend,
    METRIC.budgetUsageRatio,
    METRIC.budgetForecastMonthEndSpend,
    METRIC.budgetForecastRatio,
    METRIC.decisionTargetInstances,
    METRIC.decisionConfidenceRatio,
  ])
    add(m);
  for (const m of [METRIC.decisionAction, METRIC.decisionIntendedAction])
    add(m, ...SERIES_KEYS.actions.map((action) => ({ action })));
  add(METRIC.decisionBlocked, ...BLOCK_REASONS.map((blocked_by) => ({ blocked_by })));
  const triggers = svc.scaling.scale_out.map((t) => t.name);
  add(METRIC.triggerFiring, ...triggers.map((trigger) => ({ trigger })));
  const cooling = svc.scaling.scale_in ? [...triggers, 'scale_in'] : triggers;
  add(METRIC.cooldownRemainingSeconds, ...cooling.map((trigger) => ({ trigger })));
}

/** The expected series of a policy: explicit services exactly as listed, plus `perFleetService` for each discovered one. */
export interface ExpectedCount {
  services: { name: string; series: number }[];
  trim: TrimDecision;
}

/** Trims the explicit services (and `discovered` services of each fleet template) to the policy's budget. */
export function expectedCount(
  policy: Policy,
  extra: { name: string; svc: Service; count: number }[] = []
): ExpectedCount {
  const counts: { name: string; count: SeriesCount; times: number }[] = [
    ...policy.services.map((svc) => ({ name: svc.name, count: countSeries(expectedSeries(svc)), times: 1 })),
    ...extra.map((e) => ({ name: e.name, count: countSeries(expectedSeries(e.svc)), times: e.count })),
  ];
  const all = counts.flatMap((c) => Array.from({ length: c.times }, () => c.count));
  const trim = decideTrim(all, PROCESS_SERIES, budgetOf(policy.series_budget, all.length, PROCESS_SERIES));
  const dropped = new Set<string>(trim.dropped.map((d) => d.detail));
  const kept = (c: SeriesCount) => c.core + [...c.details].reduce((n, [d, k]) => n + (dropped.has(d) ? 0 : k), 0);
  return { services: counts.map((c) => ({ name: c.name, series: kept(c.count) })), trim };
}
