/**
 * Every metric Headroom publishes, declared once: name, type, labels, unit and help text. The
 * exporter's registry, the scaler, docs/metrics.md, the rule and dashboard generators and the panel
 * read these entries; nothing else spells a metric name (test/contract.test.ts checks it).
 */
export interface MetricSpec<N extends string = string> {
  name: N;
  type: 'gauge' | 'counter' | 'histogram';
  labels: readonly string[];
  /** Base unit, or what is counted; documentation only (prom-client writes no # UNIT line). */
  unit: string;
  help: string;
  /** Histogram buckets, in the unit. */
  buckets?: readonly number[];
}

/** The declarations below write a metric's labels as one string, separated by spaces ('' for none). */
const labelList = (labels: string): readonly string[] => (labels ? labels.split(' ') : []);
const declare =
  <T extends MetricSpec['type']>(type: T) =>
  <N extends string>(name: N, labels: string, unit: string, help: string) => ({
    name,
    type,
    labels: labelList(labels),
    unit,
    help,
  });
const g = declare('gauge');
const c = declare('counter');
const h = <N extends string>(name: N, labels: string, unit: string, help: string, buckets: readonly number[]) => ({
  ...declare('histogram')(name, labels, unit, help),
  buckets,
});

/** The exporter's metrics (refresh loop and model), registered by exporter/src/metrics/registry.ts. */
export const EXPORTER_METRICS = {
  buildInfo: g('headroom_build_info', 'version', 'info', 'Always 1; the version label is the exporter version.'),
  // Inputs and refresh health
  inputUp: g(
    'headroom_input_up',
    'service signal',
    'boolean',
    'Whether the input was read this refresh (1) or is missing (0). signal is a signal name, or instances, history, spend. The reason is logged and in /api/v1/plan.'
  ),
  inputValue: g(
    'headroom_input_value',
    'service signal',
    'signal unit',
    'Last value read for the input, in its own unit (absent while missing). history is the last daily point.'
  ),
  inputLastSuccessTimestampSeconds: g(
    'headroom_input_last_success_timestamp_seconds',
    'service signal',
    'seconds',
    'Unix time of the last successful read of the input.'
  ),
  refreshDurationSeconds: g(
    'headroom_refresh_duration_seconds',
    'cadence',
    'seconds',
    'Duration of the last refresh: cadence="signals" is the whole refresh (inputs and model), "history" the history read and model fit.'
  ),
  lastRefreshSuccessTimestampSeconds: g(
    'headroom_last_refresh_success_timestamp_seconds',
    'cadence',
    'seconds',
    'Unix time at which the last refresh of this cadence completed. Missing inputs do not fail a refresh; see headroom_input_up.'
  ),
  historyPendingServices: g(
    'headroom_history_pending_services',
    '',
    'services',
    'Services whose growth history awaits its first fit under the current policy (at start, after a reload that changed them, when discovered): their plans are published from the current inputs, without projections or forecast (input history missing, "not read yet"), until the refit in progress completes. 0 once every fit is made.'
  ),
  planErrorsTotal: c(
    'headroom_plan_errors_total',
    'service',
    'refreshes',
    'Refreshes of the service that failed with an error (a bug, not missing data); the error is logged and in /api/v1/plan, and the input health stays published.'
  ),
  prometheusQueriesTotal: c(
    'headroom_prometheus_queries_total',
    'endpoint',
    'requests',
    'HTTP requests sent to Prometheus (and history stores) by endpoint: query, query_range, rules, runtimeinfo. Its increase over one refresh interval is the cost of a refresh; it grows with the signals and triggers of the policy, not with the number of services.'
  ),
  configLastReloadSuccessful: g(
    'headroom_config_last_reload_successful',
    '',
    'boolean',
    'Whether the last configuration reload succeeded (1) or was rejected and the previous policy kept (0).'
  ),
  configLastReloadSuccessTimestampSeconds: g(
    'headroom_config_last_reload_success_timestamp_seconds',
    '',
    'seconds',
    'Unix time of the last successful configuration (re)load.'
  ),
  // Instances now
  instances: g('headroom_instances', 'service', 'instances', 'Instances running now (absent while unknown).'),
  recommendedInstances: g(
    'headroom_recommended_instances',
    'service basis',
    'instances',
    'Instances recommended now per basis (loadtest, sessions, utilization, demand: the requests or queue model of the capacity kind; before limits) and final (the largest basis within limits).'
  ),
  limitInstances: g(
    'headroom_limit_instances',
    'service limit',
    'instances',
    'The limits on the instance count: limit="min" and "max" from the policy, "effective_min" the minimum in force now (min raised by the active schedule\'s min; no scale-in alert at or below it).'
  ),
  // Resources
  resourceUtilizationRatio: g(
    'headroom_resource_utilization_ratio',
    'service resource',
    'ratio',
    'Used / per-instance limit of the resource.'
  ),
  resourceThresholdRatio: g(
    'headroom_resource_threshold_ratio',
    'service resource level',
    'ratio',
    'Warning or critical threshold / per-instance limit of the resource.'
  ),
  resourceLimit: g(
    'headroom_resource_limit',
    'service resource unit',
    'signal unit',
    "Per-instance limit of the resource in its signal's unit (the unit label, from the policy), so used = utilization × limit and each threshold = its ratio × limit."
  ),
  resourceHeadroomRatio: g(
    'headroom_resource_headroom_ratio',
    'service resource',
    'ratio',
    '1 - used / warning threshold, floored at 0.'
  ),
  resourceExhaustionSeconds: g(
    'headroom_resource_exhaustion_seconds',
    'service resource',
    'seconds',
    'Time until the resource reaches its critical threshold at the current fleet size under the planning scenario (absent when never).'
  ),
  // Load test
  loadtestUsers: g(
    'headroom_loadtest_users',
    'service threshold',
    'users',
    'Concurrent users per instance at each load-test threshold: optimal, warning, critical, maximum, and the derived scale_out, scale_in, emergency triggers.'
  ),
  // Projections
  projectedUsers: g(
    'headroom_projected_users',
    'service scenario horizon_months',
    'users',
    'Projected daily active users per growth scenario and horizon.'
  ),
  projectedInstances: g(
    'headroom_projected_instances',
    'service scenario horizon_months',
    'instances',
    'Instances needed per growth scenario and horizon, including the buffer (may exceed the maximum).'
  ),
  projectedMonthlyCost: g(
    'headroom_projected_monthly_cost',
    'service scenario horizon_months',
    'currency',
    'Monthly cost of the projected instances at the projection pricing, in the policy currency.'
  ),
  planningScenarioInfo: g(
    'headroom_planning_scenario_info',
    'service scenario',
    'info',
    'Always 1; scenario is the planning scenario of the service.'
  ),
  modelProjectedUsers: g(
    'headroom_model_projected_users',
    'service model horizon_months bound',
    'users',
    'Daily active users forecast by a candidate model fitted on the history: bound="point", "lower_80", "upper_80", "lower_95" or "upper_95" (bands from its cross-validation errors).'
  ),
  modelProjectedInstances: g(
    'headroom_model_projected_instances',
    'service model horizon_months',
    'instances',
    'Instances needed for the point forecast of a candidate model.'
  ),
  modelCvMase: g(
    'headroom_model_cv_mase',
    'service model',
    'ratio to the naive error',
    'Mean absolute scaled error of a candidate model in rolling-origin cross-validation (1 = the in-sample error of the one-step naive forecast; lower is better).'
  ),
  modelSelected: g(
    'headroom_model_selected',
    'service model',
    'boolean',
    '1 for the models in the automatic forecast (the one with the lowest cross-validated MASE, or the members of the combination), else 0.'
  ),
  forecastUsers: g(
    'headroom_forecast_users',
    'service horizon_months bound',
    'users',
    'The automatic forecast of daily active users from the history: bound="point", "lower_80", "upper_80", "lower_95" or "upper_95" (widened while learning).'
  ),
  forecastInstances: g(
    'headroom_forecast_instances',
    'service horizon_months bound',
    'instances',
    'Instances needed at each bound of the automatic forecast of users (with the buffer, at least the minimum).'
  ),
  forecastCvMase: g(
    'headroom_forecast_cv_mase',
    'service horizon_months',
    'ratio to the naive error',
    'Cross-validated MASE of the automatic forecast at each horizon the rolling origins reach.'
  ),
  forecastModelInfo: g(
    'headroom_forecast_model_info',
    'service model',
    'info',
    'Always 1; model is the automatic choice (a model name, or "combination").'
  ),
  forecastCapacityExhaustionSeconds: g(
    'headroom_forecast_capacity_exhaustion_seconds',
    'service bound',
    'seconds',
    'Time until the instances needed exceed the maximum under the automatic forecast: bound="earliest_80" (its upper 80 % bound), "point", "latest_80" (its lower 80 % bound); absent when not within the forecast.'
  ),
  forecastBudgetExhaustionSeconds: g(
    'headroom_forecast_budget_exhaustion_seconds',
    'service bound',
    'seconds',
    'Time until the projected monthly cost exceeds the budget under the automatic forecast: bound="earliest_80", "point", "latest_80"; absent when not within the forecast.'
  ),
  forecastLearning: g(
    'headroom_forecast_learning',
    'service',
    'boolean',
    '1 while the history is shorter than growth.history_days (the forecast is fitted on what there is, at an hourly or finer step, with widened bands), else 0.'
  ),
  forecastHistorySeconds: g(
    'headroom_forecast_history_seconds',
    'service',
    'seconds',
    'Span of the history the forecast was fitted on.'
  ),
  forecastHistoryNeededSeconds: g(
    'headroom_forecast_history_needed_seconds',
    'service',
    'seconds',
    'Span of history needed for full confidence (growth.history_days).'
  ),
  capacityExhaustionSeconds: g(
    'headroom_capacity_exhaustion_seconds',
    'service scenario',
    'seconds',
    'Time until the instances needed exceed the maximum under the scenario (absent when not within 10 years).'
  ),
  budgetExhaustionSeconds: g(
    'headroom_budget_exhaustion_seconds',
    'service scenario',
    'seconds',
    'Time until the projected monthly cost exceeds the budget under the scenario (absent when not within 10 years).'
  ),
  // Cost and budget
  monthlyCost: g(
    'headroom_monthly_cost',
    'service pricing',
    'currency',
    'Monthly cost of the current fleet per pricing: on_demand, reserved, spot, resources (absent where the policy has no such price).'
  ),
  monthlySavings: g(
    'headroom_monthly_savings',
    'service strategy',
    'currency',
    'Monthly savings per strategy: right_sizing, reserved, spot.'
  ),
  budgetMonthly: g('headroom_budget_monthly', 'service', 'currency', 'Monthly budget of the service.'),
  budgetWarningRatio: g('headroom_budget_warning_ratio', 'service', 'ratio', 'Budget usage ratio at which to warn.'),
  budgetMonthToDateSpend: g(
    'headroom_budget_month_to_date_spend',
    'service',
    'currency',
    'Spend since the start of the month (UTC).'
  ),
  budgetUsageRatio: g('headroom_budget_usage_ratio', 'service', 'ratio', 'Month-to-date spend / monthly budget.'),
  budgetForecastMonthEndSpend: g(
    'headroom_budget_forecast_month_end_spend',
    'service',
    'currency',
    'Spend so far plus the current fleet until the end of the month.'
  ),
  budgetForecastRatio: g(
    'headroom_budget_forecast_ratio',
    'service',
    'ratio',
    'Forecast month-end spend / monthly budget.'
  ),
  // Decision
  decisionAction: g(
    'headroom_decision_action',
    'service action',
    'boolean',
    '1 for the action the policy takes now (scale_out, scale_in or none), 0 for the others.'
  ),
  decisionIntendedAction: g(
    'headroom_decision_intended_action',
    'service action',
    'boolean',
    '1 for the action the policy asks for before blocks, 0 for the others.'
  ),
  decisionTargetInstances: g(
    'headroom_decision_target_instances',
    'service',
    'instances',
    'Instance count the decision sets (the current count when no action).'
  ),
  decisionConfidenceRatio: g(
    'headroom_decision_confidence_ratio',
    'service',
    'ratio',
    'Confidence of the decision, 0..1 (lower when inputs are missing).'
  ),
  decisionBlocked: g(
    'headroom_decision_blocked',
    'service blocked_by',
    'boolean',
    '1 when that block applies now (cooldown, rate_limit, max_instances, min_instances, missing_data, warmup, budget, scale_out_active), else 0.'
  ),
  triggerFiring: g(
    'headroom_trigger_firing',
    'service trigger',
    'boolean',
    '1 when the scale-out trigger held above its threshold for its whole duration, 0 when not (absent while its data is missing).'
  ),
  cooldownRemainingSeconds: g(
    'headroom_cooldown_remaining_seconds',
    'service trigger',
    'seconds',
    'Cooldown left per scale-out trigger and for scale_in (0 when not cooling down).'
  ),
  // Cardinality (README "Metrics")
  series: g(
    'headroom_series',
    'service',
    'series',
    'Series the exporter publishes for the service, this one included, after trimming detail to the series budget (`headroom check` prints the expected count).'
  ),
  seriesBudget: g(
    'headroom_series_budget',
    '',
    'series',
    "Most headroom_* series the exporter may publish: the policy's series_budget (the process-wide series included, the scaler's not), or 120 per service when it sets none."
  ),
  seriesDropped: g(
    'headroom_series_dropped',
    'detail',
    'series',
    'Series not published to fit the series budget, per detail group of SERIES_DETAILS (contract), least useful first; 0 for a group kept. A log line says the same when the trimming changes.'
  ),
  // Fleets (README "Fleets")
  fleetServices: g(
    'headroom_fleet_services',
    'fleet state',
    'services',
    'Services of the fleet by state: present (in the last discovery), missing (absent from it, or the discovery failed; planned with missing inputs, never scaled), retired (missing longer than retire_after, out of the plans; remembered a day).'
  ),
  fleetDiscoveryUp: g(
    'headroom_fleet_discovery_up',
    'fleet',
    'boolean',
    "Whether the fleet's last discovery (its instances query) succeeded (1) or failed (0: every service of the fleet is missing, none is dropped)."
  ),
  fleetRejectedLabelValues: g(
    'headroom_fleet_rejected_label_values',
    'fleet',
    'label values',
    "Label values of the last discovery that cannot name a service (not a valid name, an explicit service, or another fleet's service); each is logged with the reason, none is planned."
  ),
  fleetRetirementsTotal: c(
    'headroom_fleet_retirements_total',
    'fleet',
    'services',
    'Services retired since the exporter started: missing for retire_after, then dropped from the plans and /metrics (logged).'
  ),
} as const satisfies Record<string, MetricSpec>;

const DECISION_LABELS = 'service trigger action blocked_by';

/** The webhook scaler's metrics, registered by exporter/src/scaler/metrics.ts on the same registry. */
export const SCALER_METRICS = {
  scalerNotificationsTotal: c(
    'headroom_scaler_notifications_total',
    'code',
    'requests',
    'Webhook requests by HTTP status code.'
  ),
  scalerDecisionsTotal: c(
    'headroom_scaler_decisions_total',
    'service action blocked_by',
    'decisions',
    'Decisions taken on firing scaling alerts; action is the intended action, blocked_by="none" when not blocked.'
  ),
  scalerActionsTotal: c(
    'headroom_scaler_actions_total',
    'service action result',
    'calls',
    'Actuator calls by result (success, failure, dry_run).'
  ),
  scalerLastActionTimestampSeconds: g(
    'headroom_scaler_last_action_timestamp_seconds',
    'service action',
    'seconds',
    'Time of the last successful (or dry-run) action.'
  ),
  scalerActuatorDurationSeconds: h(
    'headroom_scaler_actuator_duration_seconds',
    'actuator',
    'seconds',
    'Duration of actuator calls that set a target.',
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
  ),
  scalerLastDecisionTimestampSeconds: g(
    'headroom_scaler_last_decision_timestamp_seconds',
    DECISION_LABELS,
    'seconds',
    'Time of the last decision with these labels.'
  ),
  scalerLastDecisionCurrentInstances: g(
    'headroom_scaler_last_decision_current_instances',
    DECISION_LABELS,
    'instances',
    'Instances running at the last decision with these labels.'
  ),
  scalerLastDecisionTargetInstances: g(
    'headroom_scaler_last_decision_target_instances',
    DECISION_LABELS,
    'instances',
    'Target instances of the last decision with these labels; for a blocked decision, the target it held back.'
  ),
} as const satisfies Record<string, MetricSpec>;

export const METRICS = { ...EXPORTER_METRICS, ...SCALER_METRICS };
export type MetricKey = keyof typeof METRICS;
export type MetricName = (typeof METRICS)[MetricKey]['name'];

/** The exporter's catalogue, in declaration order (the order of docs/metrics.md). */
export const CATALOGUE = Object.values(EXPORTER_METRICS);
export const SCALER_CATALOGUE = Object.values(SCALER_METRICS);
/** Every metric name → its spec (exporter and scaler). */
export const ALL_METRICS: ReadonlyMap<string, MetricSpec> = new Map(Object.values(METRICS).map((m) => [m.name, m]));

/** Metric key → name: `METRIC.instances` is "headroom_instances". */
export const METRIC = Object.fromEntries(Object.entries(METRICS).map(([k, v]) => [k, v.name])) as {
  readonly [K in MetricKey]: (typeof METRICS)[K]['name'];
};

/** The label that names a service's fleet, on the per-service series of fleet services and on fleet rules. */
export const FLEET_LABEL = 'fleet';

/** A part of a metric family: every series of `metric`, or only those whose `label` is (not) in `values`. */
export interface SeriesSlice {
  metric: MetricName;
  label?: string;
  only?: readonly string[];
  except?: readonly string[];
}

/**
 * Detail the exporter drops, in this order (least useful first), when the per-service series do not
 * fit the series budget. Nothing the panel, the dashboards or the alert rules read is here
 * (test/metrics.cardinality.test.ts derives what they read and checks it); what is dropped from
 * /metrics stays in /api/v1/plan.
 */
const DETAIL_SLICES = {
  model_bands: [{ metric: METRIC.modelProjectedUsers, label: 'bound', except: ['point'] }],
  model_projections: [METRIC.modelProjectedUsers, METRIC.modelProjectedInstances],
  model_scores: [METRIC.modelCvMase, METRIC.modelSelected, METRIC.forecastCvMase],
  forecast_95: [
    { metric: METRIC.forecastUsers, label: 'bound', only: ['lower_95', 'upper_95'] },
    { metric: METRIC.forecastInstances, label: 'bound', only: ['lower_95', 'upper_95'] },
  ],
  forecast_users: [METRIC.forecastUsers],
  scenario_users: [METRIC.projectedUsers],
  input_values: [METRIC.inputValue],
  loadtest: [METRIC.loadtestUsers],
  forecast_exhaustion: [METRIC.forecastCapacityExhaustionSeconds, METRIC.forecastBudgetExhaustionSeconds],
  forecast_fit: [METRIC.forecastHistorySeconds, METRIC.forecastHistoryNeededSeconds, METRIC.forecastModelInfo],
  decision_detail: [METRIC.decisionIntendedAction, METRIC.cooldownRemainingSeconds, METRIC.decisionBlocked],
  cost_detail: [METRIC.monthlySavings, { metric: METRIC.recommendedInstances, label: 'basis', except: ['final'] }],
  decision: [METRIC.decisionAction, METRIC.triggerFiring, METRIC.decisionConfidenceRatio],
  cost: [METRIC.monthlyCost, METRIC.budgetWarningRatio, METRIC.budgetMonthToDateSpend],
} as const satisfies Record<string, readonly (MetricName | SeriesSlice)[]>;

export type SeriesDetail = keyof typeof DETAIL_SLICES;

/** DETAIL_SLICES in its order, a bare metric name standing for every series of the metric. */
export const SERIES_DETAILS: readonly { detail: SeriesDetail; slices: readonly SeriesSlice[] }[] = Object.entries(
  DETAIL_SLICES
).map(([detail, slices]) => ({
  detail: detail as SeriesDetail,
  slices: slices.map((slice: MetricName | SeriesSlice) => (typeof slice === 'string' ? { metric: slice } : slice)),
}));

/** Series per service the exporter publishes for a policy that sets no series_budget. */
export const DEFAULT_SERIES_PER_SERVICE = 120;
