/**
 * The Prometheus queries the panel expects, from @headroom/contract (the one place metric names and
 * queries are declared; webpack bundles it into module.js). The provisioned dashboard uses the same.
 */
import {
  EXPECTED_METRICS,
  PANEL_METRICS,
  panelTargets,
  QUERIES,
  SERVICE_MATCHER,
  type PanelMetricName,
  type PanelQuery,
} from '@headroom/contract';

export { EXPECTED_METRICS, panelTargets, QUERIES, SERVICE_MATCHER };
export type { PanelQuery };

/** The panel's metrics by role. */
export const METRICS = PANEL_METRICS;
export type MetricName = PanelMetricName;
