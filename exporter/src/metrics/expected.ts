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
import { countSeries, PROCESS_SERIES, trimFor, type SeriesCount, type TrimDecision } from './budget.js';

type Labels = Record<string, string | number>;

/** Label sets of every series a service can publish (values 0); `add(metric, ...labelSets)` adds one per set. */
export function expectedSeries(svc: Service): Series[] {
  const out: Series[] = [];
  const add = (name: MetricName, ...sets: Labels[]) => {
    for (const labels of sets) out.push({ name, labels: { service: svc.name, ...labels }, value: 0 });
  };
  const each = <T>(xs: readonly T[], f: (x: T) => Labels) => xs.map(f);
  const inputs = [...svc.signals.map((s) => s.name), 'instances', 'spend'];
  if (svc.growth.history_query !== undefined) inputs.push('history');
  for (const m of [METRIC.inputUp, METRIC.inputValue, METRIC.inputLastSuccessTimestampSeconds])
    add(m, ...each(inputs, (signal) => ({ signal })));
  addCapacity(svc, add);
  add(METRIC.planningScenarioInfo, { scenario: svc.growth.planning_scenario });
  // Projections stand on the history and the load test (model/plan.ts).
  if (svc.growth.history_query !== undefined && svc.capacity.loadtest) addProjections(svc, add);
  addCostAndDecision(svc, add);
  return out;
}

type Add = (name: MetricName, ...sets: Labels[]) => void;

function addProjections(svc: Service, add: Add): void {
  const horizons = svc.growth.horizons_months;
  const scenarios = svc.growth.scenarios;
  const scenarioHorizons = scenarios.flatMap((s) => horizons.map((h) => ({ scenario: s.name, horizon_months: h })));
  for (const m of [METRIC.projectedUsers, METRIC.projectedInstances, METRIC.projectedMonthlyCost])
    add(m, ...scenarioHorizons);
  for (const m of [METRIC.capacityExhaustionSeconds, METRIC.budgetExhaustionSeconds])
    add(m, ...scenarios.map((s) => ({ scenario: s.name })));
  addForecast(horizons, add);
}

/** The bases the capacity model can compute (model/plan.ts recommend), and final when there is one. */
function bases(svc: Service): string[] {
  const cap = svc.capacity;
  const has: Record<(typeof BASES)[number], boolean> = {
    loadtest: cap.users_signal !== undefined && cap.loadtest !== undefined,
    sessions: cap.users_signal !== undefined,
    utilization: svc.scaling.scale_out.some((t) => t.target !== undefined),
    demand: cap.kind === 'requests' || cap.kind === 'queue',
  };
  const some = BASES.filter((b) => has[b]);
  return some.length ? [...some, 'final'] : [];
}

function addCapacity(svc: Service, add: Add): void {
  const cap = svc.capacity;
  add(METRIC.instances, {});
  add(METRIC.recommendedInstances, ...bases(svc).map((basis) => ({ basis })));
  add(METRIC.limitInstances, ...['min', 'max', 'effective_min'].map((limit) => ({ limit })));
  const resources = cap.resources.map((r) => r.name);
  for (const m of [METRIC.resourceUtilizationRatio, METRIC.resourceHeadroomRatio])
    add(m, ...resources.map((resource) => ({ resource })));
  const unitOf = (signal: string) => svc.signals.find((s) => s.name === signal)?.unit;
  add(
    METRIC.resourceLimit,
    ...cap.resources.flatMap((r) => {
      const unit = unitOf(r.signal);
      return unit ? [{ resource: r.name, unit }] : [];
    })
  );
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
  add(METRIC.forecastModelInfo, {});
  for (const m of [METRIC.forecastUsers, METRIC.forecastInstances]) add(m, ...bands);
  add(METRIC.forecastCvMase, ...horizons.map((h) => ({ horizon_months: h })));
  for (const m of [METRIC.forecastCapacityExhaustionSeconds, METRIC.forecastBudgetExhaustionSeconds])
    add(m, ...SERIES_KEYS.exhaustionBounds.map((bound) => ({ bound })));
  for (const m of [METRIC.forecastLearning, METRIC.forecastHistorySeconds, METRIC.forecastHistoryNeededSeconds])
    add(m, {});
}

function addCostAndDecision(svc: Service, add: Add): void {
  const c = svc.cost;
  const pricings = [
    ...(['on_demand', 'reserved', 'spot'] as const).filter((p) => c.instance_hour?.[p] !== undefined),
    ...(c.resources ? ['resources'] : []),
  ];
  add(METRIC.monthlyCost, ...pricings.map((pricing) => ({ pricing })));
  const resources = new Set(svc.capacity.resources.map((r) => r.name));
  const strategies = [
    ...(resources.has('cpu') && resources.has('memory') ? ['right_sizing'] : []),
    ...(['reserved', 'spot'] as const).filter((p) => c.instance_hour?.[p] !== undefined),
  ];
  add(METRIC.monthlySavings, ...strategies.map((strategy) => ({ strategy })));
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
    add(m, {});
  for (const m of [METRIC.decisionAction, METRIC.decisionIntendedAction])
    add(m, ...SERIES_KEYS.actions.map((action) => ({ action })));
  add(METRIC.decisionBlocked, ...BLOCK_REASONS.map((blocked_by) => ({ blocked_by })));
  const triggers = svc.scaling.scale_out.map((t) => t.name);
  add(METRIC.triggerFiring, ...triggers.map((trigger) => ({ trigger })));
  const cooling = svc.scaling.scale_in ? [...triggers, 'scale_in'] : triggers;
  add(METRIC.cooldownRemainingSeconds, ...cooling.map((trigger) => ({ trigger })));
}

/** The expected series of a policy: per explicit service (at most), and the trimming. */
export interface ExpectedCount {
  services: { name: string; series: number }[];
  trim: TrimDecision;
}

/** Trims the policy's explicit services to its budget, as the exporter does. */
export function expectedCount(policy: Policy): ExpectedCount {
  const counts = policy.services.map((svc) => ({ name: svc.name, count: countSeries(expectedSeries(svc)) }));
  const trim = trimFor(
    policy.series_budget,
    counts.map((c) => c.count),
    PROCESS_SERIES
  );
  const dropped = new Set<string>(trim.dropped.map((d) => d.detail));
  const kept = (c: SeriesCount) => c.core + [...c.details].reduce((n, [d, k]) => n + (dropped.has(d) ? 0 : k), 0);
  return { services: counts.map((c) => ({ name: c.name, series: kept(c.count) })), trim };
}
