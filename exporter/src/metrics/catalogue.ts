/**
 * Every metric the exporter publishes, declared once: name, labels, unit and help text.
 * The registry (registry.ts), docs/metrics.md (doc.ts) and the tests read this list; docs/CONTRACTS.md
 * is the agreement with the alerts, the scaler and the panel. The scaler's own metrics
 * (`headroom_scaler_*`) are declared by the scaler in src/scaler/.
 */
export interface MetricSpec {
  name: string;
  type: 'gauge' | 'counter';
  labels: readonly string[];
  /** Base unit, or what is counted; documentation only (prom-client writes no # UNIT line). */
  unit: string;
  help: string;
}

const g = (name: string, labels: readonly string[], unit: string, help: string): MetricSpec => ({ name, type: 'gauge', labels, unit, help });
const c = (name: string, labels: readonly string[], unit: string, help: string): MetricSpec => ({ name, type: 'counter', labels, unit, help });

export const CATALOGUE = [
  g('headroom_build_info', ['version'], 'info', 'Always 1; the version label is the exporter version.'),
  // Inputs and refresh health
  g('headroom_input_up', ['service', 'signal'], 'boolean', 'Whether the input was read this refresh (1) or is missing (0). signal is a signal name, or instances, history, spend. The reason is logged and in /api/v1/plan.'),
  g('headroom_input_value', ['service', 'signal'], 'signal unit', 'Last value read for the input, in its own unit (absent while missing). history is the last daily point.'),
  g('headroom_input_last_success_timestamp_seconds', ['service', 'signal'], 'seconds', 'Unix time of the last successful read of the input.'),
  g('headroom_refresh_duration_seconds', ['cadence'], 'seconds', 'Duration of the last refresh: cadence="signals" is the whole refresh (inputs and model), "history" the history read and model fit.'),
  g('headroom_last_refresh_success_timestamp_seconds', ['cadence'], 'seconds', 'Unix time at which the last refresh of this cadence completed. Missing inputs do not fail a refresh; see headroom_input_up.'),
  c('headroom_plan_errors_total', ['service'], 'refreshes', 'Refreshes of the service that failed with an error (a bug, not missing data); the error is logged and in /api/v1/plan, and the input health stays published.'),
  g('headroom_config_last_reload_successful', [], 'boolean', 'Whether the last configuration reload succeeded (1) or was rejected and the previous policy kept (0).'),
  g('headroom_config_last_reload_success_timestamp_seconds', [], 'seconds', 'Unix time of the last successful configuration (re)load.'),
  // Instances now
  g('headroom_instances', ['service'], 'instances', 'Instances running now (absent while unknown).'),
  g('headroom_recommended_instances', ['service', 'basis'], 'instances', 'Instances recommended now per basis (loadtest, sessions, utilization, demand: the requests or queue model of the capacity kind; before limits) and final (the largest basis within limits).'),
  g('headroom_limit_instances', ['service', 'limit'], 'instances', 'The limits on the instance count: limit="min" and "max" from the policy, "effective_min" the minimum in force now (min raised by the active schedule\'s min; no scale-in alert at or below it).'),
  // Resources
  g('headroom_resource_utilization_ratio', ['service', 'resource'], 'ratio', 'Used / per-instance limit of the resource.'),
  g('headroom_resource_threshold_ratio', ['service', 'resource', 'level'], 'ratio', 'Warning or critical threshold / per-instance limit of the resource.'),
  g('headroom_resource_limit', ['service', 'resource', 'unit'], 'signal unit', "Per-instance limit of the resource in its signal's unit (the unit label, from the policy), so used = utilization × limit and each threshold = its ratio × limit."),
  g('headroom_resource_headroom_ratio', ['service', 'resource'], 'ratio', '1 - used / warning threshold, floored at 0.'),
  g('headroom_resource_exhaustion_seconds', ['service', 'resource'], 'seconds', 'Time until the resource reaches its critical threshold at the current fleet size under the planning scenario (absent when never).'),
  // Load test
  g('headroom_loadtest_users', ['service', 'threshold'], 'users', 'Concurrent users per instance at each load-test threshold: optimal, warning, critical, maximum, and the derived scale_out, scale_in, emergency triggers.'),
  // Projections
  g('headroom_projected_users', ['service', 'scenario', 'horizon_months'], 'users', 'Projected daily active users per growth scenario and horizon.'),
  g('headroom_projected_instances', ['service', 'scenario', 'horizon_months'], 'instances', 'Instances needed per growth scenario and horizon, including the buffer (may exceed the maximum).'),
  g('headroom_projected_monthly_cost', ['service', 'scenario', 'horizon_months'], 'currency', 'Monthly cost of the projected instances at the projection pricing, in the policy currency.'),
  g('headroom_planning_scenario_info', ['service', 'scenario'], 'info', 'Always 1; scenario is the planning scenario of the service.'),
  g('headroom_model_projected_users', ['service', 'model', 'horizon_months', 'bound'], 'users', 'Daily active users forecast by a candidate model fitted on the history: bound="point", "lower_80", "upper_80", "lower_95" or "upper_95" (bands from its cross-validation errors).'),
  g('headroom_model_projected_instances', ['service', 'model', 'horizon_months'], 'instances', 'Instances needed for the point forecast of a candidate model.'),
  g('headroom_model_cv_mase', ['service', 'model'], 'ratio to the naive error', 'Mean absolute scaled error of a candidate model in rolling-origin cross-validation (1 = the in-sample error of the one-step naive forecast; lower is better).'),
  g('headroom_model_selected', ['service', 'model'], 'boolean', '1 for the models in the automatic forecast (the one with the lowest cross-validated MASE, or the members of the combination), else 0.'),
  g('headroom_forecast_users', ['service', 'horizon_months', 'bound'], 'users', 'The automatic forecast of daily active users from the history: bound="point", "lower_80", "upper_80", "lower_95" or "upper_95" (widened while learning).'),
  g('headroom_forecast_instances', ['service', 'horizon_months', 'bound'], 'instances', 'Instances needed at each bound of the automatic forecast of users (with the buffer, at least the minimum).'),
  g('headroom_forecast_cv_mase', ['service', 'horizon_months'], 'ratio to the naive error', 'Cross-validated MASE of the automatic forecast at each horizon the rolling origins reach.'),
  g('headroom_forecast_model_info', ['service', 'model'], 'info', 'Always 1; model is the automatic choice (a model name, or "combination").'),
  g('headroom_forecast_capacity_exhaustion_seconds', ['service', 'bound'], 'seconds', 'Time until the instances needed exceed the maximum under the automatic forecast: bound="earliest_80" (its upper 80 % bound), "point", "latest_80" (its lower 80 % bound); absent when not within the forecast.'),
  g('headroom_forecast_budget_exhaustion_seconds', ['service', 'bound'], 'seconds', 'Time until the projected monthly cost exceeds the budget under the automatic forecast: bound="earliest_80", "point", "latest_80"; absent when not within the forecast.'),
  g('headroom_forecast_learning', ['service'], 'boolean', '1 while the history is shorter than growth.history_days (the forecast is fitted on what there is, at an hourly or finer step, with widened bands), else 0.'),
  g('headroom_forecast_history_seconds', ['service'], 'seconds', 'Span of the history the forecast was fitted on.'),
  g('headroom_forecast_history_needed_seconds', ['service'], 'seconds', 'Span of history needed for full confidence (growth.history_days).'),
  g('headroom_capacity_exhaustion_seconds', ['service', 'scenario'], 'seconds', 'Time until the instances needed exceed the maximum under the scenario (absent when not within 10 years).'),
  g('headroom_budget_exhaustion_seconds', ['service', 'scenario'], 'seconds', 'Time until the projected monthly cost exceeds the budget under the scenario (absent when not within 10 years).'),
  // Cost and budget
  g('headroom_monthly_cost', ['service', 'pricing'], 'currency', 'Monthly cost of the current fleet per pricing: on_demand, reserved, spot, resources (absent where the policy has no such price).'),
  g('headroom_monthly_savings', ['service', 'strategy'], 'currency', 'Monthly savings per strategy: right_sizing, reserved, spot.'),
  g('headroom_budget_monthly', ['service'], 'currency', 'Monthly budget of the service.'),
  g('headroom_budget_warning_ratio', ['service'], 'ratio', 'Budget usage ratio at which to warn.'),
  g('headroom_budget_month_to_date_spend', ['service'], 'currency', 'Spend since the start of the month (UTC).'),
  g('headroom_budget_usage_ratio', ['service'], 'ratio', 'Month-to-date spend / monthly budget.'),
  g('headroom_budget_forecast_month_end_spend', ['service'], 'currency', 'Spend so far plus the current fleet until the end of the month.'),
  g('headroom_budget_forecast_ratio', ['service'], 'ratio', 'Forecast month-end spend / monthly budget.'),
  // Decision
  g('headroom_decision_action', ['service', 'action'], 'boolean', '1 for the action the policy takes now (scale_out, scale_in or none), 0 for the others.'),
  g('headroom_decision_intended_action', ['service', 'action'], 'boolean', '1 for the action the policy asks for before blocks, 0 for the others.'),
  g('headroom_decision_target_instances', ['service'], 'instances', 'Instance count the decision sets (the current count when no action).'),
  g('headroom_decision_confidence_ratio', ['service'], 'ratio', 'Confidence of the decision, 0..1 (lower when inputs are missing).'),
  g('headroom_decision_blocked', ['service', 'blocked_by'], 'boolean', '1 when that block applies now (cooldown, rate_limit, max_instances, min_instances, missing_data, warmup, budget, scale_out_active), else 0.'),
  g('headroom_trigger_firing', ['service', 'trigger'], 'boolean', '1 when the scale-out trigger held above its threshold for its whole duration, 0 when not (absent while its data is missing).'),
  g('headroom_cooldown_remaining_seconds', ['service', 'trigger'], 'seconds', 'Cooldown left per scale-out trigger and for scale_in (0 when not cooling down).'),
] as const satisfies readonly MetricSpec[];

export type MetricName = (typeof CATALOGUE)[number]['name'];
