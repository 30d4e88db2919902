/**
 * The Prometheus queries the panel expects, one per metric family. The provisioned dashboard and the
 * README use these strings; the panel itself reads the metric name from each series, so the refIds and
 * the order of queries do not matter.
 */
import type { PanelView } from './types';

export const METRICS = {
  instances: 'headroom_instances',
  recommendedInstances: 'headroom_recommended_instances',
  limitInstances: 'headroom_limit_instances',
  projectedInstances: 'headroom_projected_instances',
  projectedMonthlyCost: 'headroom_projected_monthly_cost',
  planningScenario: 'headroom_planning_scenario_info',
  budgetMonthly: 'headroom_budget_monthly',
  budgetUsage: 'headroom_budget_usage_ratio',
  budgetForecast: 'headroom_budget_forecast_month_end_spend',
  forecastInstances: 'headroom_forecast_instances',
  forecastLearning: 'headroom_forecast_learning',
  utilization: 'headroom_resource_utilization_ratio',
  threshold: 'headroom_resource_threshold_ratio',
  resourceLimit: 'headroom_resource_limit',
  headroom: 'headroom_resource_headroom_ratio',
  exhaustion: 'headroom_resource_exhaustion_seconds',
  decisionTimestamp: 'headroom_scaler_last_decision_timestamp_seconds',
  decisionCurrent: 'headroom_scaler_last_decision_current_instances',
  decisionTarget: 'headroom_scaler_last_decision_target_instances',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

export interface PanelQuery {
  refId: string;
  expr: string;
  /** Instant queries for the current plan and thresholds; range queries for what the views draw over the dashboard's time range. */
  instant: boolean;
  range: boolean;
}

/** Label matcher used by every query; `$service` is the dashboard variable. */
export const SERVICE_MATCHER = 'service=~"$service"';

function q(refId: string, metric: MetricName, range = false, matcher = ''): PanelQuery {
  return { refId, expr: `${metric}{${SERVICE_MATCHER}${matcher}}`, instant: !range, range };
}

export const QUERIES: Record<PanelView, PanelQuery[]> = {
  plan: [
    // A range query: its last sample is the count now, the samples before it the history the plan view draws.
    q('A', METRICS.instances, true),
    q('B', METRICS.limitInstances),
    q('C', METRICS.projectedInstances),
    q('D', METRICS.projectedMonthlyCost),
    q('E', METRICS.planningScenario),
    q('F', METRICS.budgetMonthly),
    q('G', METRICS.budgetUsage),
    q('H', METRICS.budgetForecast),
    q('I', METRICS.forecastInstances),
    q('J', METRICS.forecastLearning),
  ],
  headroom: [
    q('A', METRICS.utilization, true),
    q('B', METRICS.threshold),
    q('C', METRICS.headroom),
    q('D', METRICS.exhaustion),
    q('E', METRICS.resourceLimit),
  ],
  decisions: [
    q('A', METRICS.decisionTimestamp, true),
    q('B', METRICS.decisionCurrent, true),
    q('C', METRICS.decisionTarget, true),
    q('D', METRICS.instances, true),
    q('E', METRICS.recommendedInstances, true, ',basis="final"'),
  ],
};

/** Series each view needs to draw everything; the empty and partial-data views list the missing ones. */
export const EXPECTED_METRICS: Record<PanelView, MetricName[]> = {
  plan: QUERIES.plan.map((query) => query.expr.split('{')[0] as MetricName),
  headroom: QUERIES.headroom.map((query) => query.expr.split('{')[0] as MetricName),
  decisions: QUERIES.decisions.map((query) => query.expr.split('{')[0] as MetricName),
};

/** Dashboard-JSON targets for a view, e.g. for provisioned dashboards. */
export function panelTargets(view: PanelView, datasource: { type: string; uid: string } = { type: 'prometheus', uid: '${datasource}' }) {
  return QUERIES[view].map((query) => ({ ...query, datasource, format: 'time_series' as const }));
}
