/**
 * The demo's tests run the real exporter with the exporter's own test support: the example policy, the
 * in-process CLI and the helpers that start real Prometheus, Alertmanager and friends (exporter/test/).
 */
export { EXAMPLE_POLICY, ROOT, examplePolicy, runCli } from '../../exporter/test/helpers.js';
export * from '../../exporter/test/support/processes.js';
