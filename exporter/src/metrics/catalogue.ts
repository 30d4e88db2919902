/**
 * The metric catalogue lives in @headroom/contract (packages/contract/src/metrics.ts), which the
 * exporter, the scaler, the generators and the panel share; this module re-exports it for the code
 * that imports it from here. Add new metrics there.
 */
export {
  CATALOGUE,
  SCALER_CATALOGUE,
  ALL_METRICS,
  METRIC,
  METRICS,
  type MetricName,
  type MetricSpec,
} from '@headroom/contract';
