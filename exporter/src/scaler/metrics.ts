import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The scaler's metrics (names and labels: docs/CONTRACTS.md, binding). */
export interface ScalerMetrics {
  notifications: Counter<'code'>;
  decisions: Counter<'service' | 'action' | 'blocked_by'>;
  actions: Counter<'service' | 'action' | 'result'>;
  lastAction: Gauge<'service' | 'action'>;
  actuatorDuration: Histogram<'actuator'>;
  lastDecisionTimestamp: Gauge<'service' | 'trigger' | 'action' | 'blocked_by'>;
  lastDecisionCurrent: Gauge<'service' | 'trigger' | 'action' | 'blocked_by'>;
  lastDecisionTarget: Gauge<'service' | 'trigger' | 'action' | 'blocked_by'>;
}

/** Registers the metrics in `registry`, or reuses them when a scaler was created on it before. */
export function scalerMetrics(registry: Registry): ScalerMetrics {
  function get<T>(name: string, make: () => T): T {
    return (registry.getSingleMetric(name) as T | undefined) ?? make();
  }
  const registers = [registry];
  const decisionLabels = ['service', 'trigger', 'action', 'blocked_by'] as const;
  return {
    notifications: get('headroom_scaler_notifications_total', () => new Counter({ name: 'headroom_scaler_notifications_total', help: 'Webhook requests by HTTP status code.', labelNames: ['code'], registers })),
    decisions: get('headroom_scaler_decisions_total', () => new Counter({ name: 'headroom_scaler_decisions_total', help: 'Decisions taken on firing scaling alerts; action is the intended action, blocked_by="none" when not blocked.', labelNames: ['service', 'action', 'blocked_by'], registers })),
    actions: get('headroom_scaler_actions_total', () => new Counter({ name: 'headroom_scaler_actions_total', help: 'Actuator calls by result (success, failure, dry_run).', labelNames: ['service', 'action', 'result'], registers })),
    lastAction: get('headroom_scaler_last_action_timestamp_seconds', () => new Gauge({ name: 'headroom_scaler_last_action_timestamp_seconds', help: 'Time of the last successful (or dry-run) action.', labelNames: ['service', 'action'], registers })),
    actuatorDuration: get('headroom_scaler_actuator_duration_seconds', () => new Histogram({ name: 'headroom_scaler_actuator_duration_seconds', help: 'Duration of actuator calls that set a target.', labelNames: ['actuator'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers })),
    lastDecisionTimestamp: get('headroom_scaler_last_decision_timestamp_seconds', () => new Gauge({ name: 'headroom_scaler_last_decision_timestamp_seconds', help: 'Time of the last decision with these labels.', labelNames: decisionLabels, registers })),
    lastDecisionCurrent: get('headroom_scaler_last_decision_current_instances', () => new Gauge({ name: 'headroom_scaler_last_decision_current_instances', help: 'Instances running at the last decision with these labels.', labelNames: decisionLabels, registers })),
    lastDecisionTarget: get('headroom_scaler_last_decision_target_instances', () => new Gauge({ name: 'headroom_scaler_last_decision_target_instances', help: 'Target instances of the last decision with these labels; for a blocked decision, the target it held back.', labelNames: decisionLabels, registers })),
  };
}
