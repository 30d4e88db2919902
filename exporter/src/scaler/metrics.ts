import { SCALER_METRICS, type MetricSpec } from '@headroom/contract';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The scaler's metrics (declared in @headroom/contract; names and labels: docs/CONTRACTS.md, binding). */
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
  const registers = [registry];
  function get<T>(
    spec: MetricSpec,
    make: (opts: { name: string; help: string; labelNames: string[]; registers: Registry[] }) => T
  ): T {
    return (
      (registry.getSingleMetric(spec.name) as T | undefined) ??
      make({ name: spec.name, help: spec.help, labelNames: [...spec.labels], registers })
    );
  }
  const M = SCALER_METRICS;
  return {
    notifications: get(M.scalerNotificationsTotal, (o) => new Counter(o)),
    decisions: get(M.scalerDecisionsTotal, (o) => new Counter(o)),
    actions: get(M.scalerActionsTotal, (o) => new Counter(o)),
    lastAction: get(M.scalerLastActionTimestampSeconds, (o) => new Gauge(o)),
    actuatorDuration: get(
      M.scalerActuatorDurationSeconds,
      (o) => new Histogram({ ...o, buckets: [...M.scalerActuatorDurationSeconds.buckets] })
    ),
    lastDecisionTimestamp: get(M.scalerLastDecisionTimestampSeconds, (o) => new Gauge(o)),
    lastDecisionCurrent: get(M.scalerLastDecisionCurrentInstances, (o) => new Gauge(o)),
    lastDecisionTarget: get(M.scalerLastDecisionTargetInstances, (o) => new Gauge(o)),
  };
}
