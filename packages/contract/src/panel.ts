/**
 * The Prometheus queries the panel expects, one per metric family. The panel, the provisioned
 * dashboard and the README use these; the panel reads the metric name from each series, so the
 * refIds and the order of queries do not matter.
 */
import { METRIC, type MetricName } from './metrics.js';

export type PanelView = 'plan' | 'headroom' | 'decisions' | 'fleet';

/** The panel's metrics by role (a subset of the catalogue). */
export const PANEL_METRICS = {
  instances: METRIC.instances,
  recommendedInstances: METRIC.recommendedInstances,
  limitInstances: METRIC.limitInstances,
  projectedInstances: METRIC.projectedInstances,
  projectedMonthlyCost: METRIC.projectedMonthlyCost,
  planningScenario: METRIC.planningScenarioInfo,
  budgetMonthly: METRIC.budgetMonthly,
  budgetUsage: METRIC.budgetUsageRatio,
  budgetForecast: METRIC.budgetForecastMonthEndSpend,
  forecastInstances: METRIC.forecastInstances,
  forecastLearning: METRIC.forecastLearning,
  utilization: METRIC.resourceUtilizationRatio,
  threshold: METRIC.resourceThresholdRatio,
  resourceLimit: METRIC.resourceLimit,
  headroom: METRIC.resourceHeadroomRatio,
  exhaustion: METRIC.resourceExhaustionSeconds,
  decisionTimestamp: METRIC.scalerLastDecisionTimestampSeconds,
  decisionCurrent: METRIC.scalerLastDecisionCurrentInstances,
  decisionTarget: METRIC.scalerLastDecisionTargetInstances,
  capacityExhaustion: METRIC.capacityExhaustionSeconds,
  budgetExhaustion: METRIC.budgetExhaustionSeconds,
  inputUp: METRIC.inputUp,
} as const satisfies Record<string, MetricName>;

export type PanelMetricName = (typeof PANEL_METRICS)[keyof typeof PANEL_METRICS];

export interface PanelQuery {
  refId: string;
  expr: string;
  /** Instant queries for the current plan and thresholds; range queries for what the views draw over the dashboard's time range. */
  instant: boolean;
  range: boolean;
}

/** The dashboard variable of the service, and the label matcher every query uses. */
export const SERVICE_VARIABLE = 'service';
export const SERVICE_MATCHER = `service=~"$${SERVICE_VARIABLE}"`;

/** The Grafana data source of every query: the dashboard's `$datasource` variable. */
export const DATASOURCE_VARIABLE = 'datasource';
export const PROMETHEUS_DATASOURCE = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` } as const;

/** `metric{service=~"$service"}`, optionally with more matchers. */
export const serviceSelector = (metric: MetricName, ...matchers: string[]): string =>
  `${metric}{${[SERVICE_MATCHER, ...matchers].join(',')}}`;

type ViewQuery = Omit<PanelQuery, 'refId'>;

/** The selector of `metric` as an instant query (the value now) or a range query (drawn over time). */
const instant = (metric: PanelMetricName, ...matchers: string[]): ViewQuery => ({
  expr: serviceSelector(metric, ...matchers),
  instant: true,
  range: false,
});
const range = (metric: PanelMetricName, ...matchers: string[]): ViewQuery => ({
  ...instant(metric, ...matchers),
  instant: false,
  range: true,
});
const instants = (...metrics: PanelMetricName[]) => metrics.map((metric) => instant(metric));
const ranges = (...metrics: PanelMetricName[]) => metrics.map((metric) => range(metric));

/** A view's queries, with refIds A, B, C, … in their order. */
const view = (...queries: ViewQuery[]): PanelQuery[] =>
  queries.map((query, i) => ({ refId: String.fromCharCode(65 + i), ...query }));

const M = PANEL_METRICS;

/** The series of `metric` for the planning scenario of each service only. */
const planningScenarioOnly = (metric: PanelMetricName): ViewQuery => ({
  ...instant(metric),
  expr: `${serviceSelector(metric)} and on (service, scenario) ${serviceSelector(M.planningScenario)}`,
});

export const QUERIES: Record<PanelView, PanelQuery[]> = {
  // A range query for instances: its last sample is the count now, the samples before it the history the plan view draws.
  plan: view(
    range(M.instances),
    ...instants(
      M.limitInstances,
      M.projectedInstances,
      M.projectedMonthlyCost,
      M.planningScenario,
      M.budgetMonthly,
      M.budgetUsage,
      M.budgetForecast,
      M.forecastInstances,
      M.forecastLearning
    )
  ),
  headroom: view(range(M.utilization), ...instants(M.threshold, M.headroom, M.exhaustion, M.resourceLimit)),
  decisions: view(
    ...ranges(M.decisionTimestamp, M.decisionCurrent, M.decisionTarget, M.instances),
    range(M.recommendedInstances, 'basis="final"')
  ),
  // Instant queries only, so 1,000 services stay one sample per series. The two exhaustion times are
  // those of the planning scenario (`and on` keeps the left side's name and labels); the inputs only
  // where one is missing (== 0), which is what the fleet view marks a service missing by.
  fleet: view(
    instant(M.instances),
    instant(M.limitInstances, 'limit="max"'),
    instant(M.headroom),
    planningScenarioOnly(M.capacityExhaustion),
    planningScenarioOnly(M.budgetExhaustion),
    ...instants(M.budgetMonthly, M.budgetForecast),
    { ...instant(M.inputUp), expr: `${serviceSelector(M.inputUp)} == 0` }
  ),
};

/** The metric a query reads (the selector's name). */
export const metricOf = (query: PanelQuery): PanelMetricName => query.expr.split('{')[0] as PanelMetricName;

/** Series each view needs to draw everything; the empty and partial-data views list the missing ones. */
export const EXPECTED_METRICS: Record<PanelView, PanelMetricName[]> = {
  plan: QUERIES.plan.map(metricOf),
  headroom: QUERIES.headroom.map(metricOf),
  decisions: QUERIES.decisions.map(metricOf),
  fleet: QUERIES.fleet.map(metricOf),
};

/** Dashboard-JSON targets for a view, e.g. for provisioned dashboards. */
export function panelTargets(view: PanelView, datasource: { type: string; uid: string } = PROMETHEUS_DATASOURCE) {
  return QUERIES[view].map((query) => ({ ...query, datasource, format: 'time_series' as const }));
}
