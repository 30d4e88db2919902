/**
 * @headroom/contract: the names Headroom's parts agree on. The exporter, the rule and dashboard
 * generators, the scaler and the Grafana panel (bundled by webpack) import them from here.
 */
export * from './metrics.js';
export * from './alerts.js';
export * from './panel.js';
