/**
 * Configuration of the full stack around the demo fleet, shared by docker-compose (deploy/, generated
 * and committed), `npm run stack` (generated into a temp dir) and the end-to-end test (with short
 * timings): the example policy pointed at Prometheus and the fleet, and Prometheus' own config.
 */
/** Prometheus job names; the alert rules and the policy's queries refer to them. */
export const JOBS = { exporter: 'headroom', fleet: 'fleet', node: 'node', prometheus: 'prometheus' } as const;

/** The fleet's metric for each signal name of the example policy (headroom.yml). */
export const FLEET_QUERIES: Record<string, string> = {
  cpu: `avg(demo_fleet_cpu_percent{job="${JOBS.fleet}"})`,
  memory: `avg(demo_fleet_memory_percent{job="${JOBS.fleet}"})`,
  sessions: `avg(demo_fleet_active_sessions{job="${JOBS.fleet}"})`,
  latency_p95: `1000 * max(demo_fleet_latency_p95_seconds{job="${JOBS.fleet}"})`,
  error_rate: `100 * avg(demo_fleet_error_ratio{job="${JOBS.fleet}"})`,
  concurrent_users: `sum(demo_fleet_connected_users{job="${JOBS.fleet}"})`,
  daily_users: `sum(demo_fleet_daily_active_users{job="${JOBS.fleet}"})`,
};
export const FLEET_INSTANCES_QUERY = `sum(demo_fleet_instances{job="${JOBS.fleet}"})`;
export const FLEET_SPEND_QUERY = `sum(demo_fleet_month_to_date_spend{job="${JOBS.fleet}"})`;

export interface FleetPolicyEndpoints {
  prometheusUrl: string;
  /** Base URL of the demo fleet as the exporter reaches it. */
  fleetUrl: string;
  /** The scaler webhook as Alertmanager reaches it. */
  webhookUrl: string;
  /** Where Alertmanager reads the webhook token (the exporter reads it from HEADROOM_WEBHOOK_TOKEN). */
  webhookCredentialsFile: string;
  peopleWebhookUrl: string;
  statePath: string;
}

// A parsed YAML document, edited in place before it is validated by the policy schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

/**
 * The example policy (parsed headroom.yml) with every service reading the demo fleet through
 * Prometheus and scaled through the fleet's orchestrator API (the http actuator).
 */
export function fleetPolicy(example: Doc, e: FleetPolicyEndpoints): Doc {
  const doc: Doc = structuredClone(example);
  doc.prometheus = { url: e.prometheusUrl, timeout: '5s', concurrency: 4 };
  doc.scaler = {
    ...doc.scaler,
    store: { type: 'sqlite', path: e.statePath },
    actuator: { type: 'http', url: `${e.fleetUrl}/scale`, count_url: `${e.fleetUrl}/instances`, timeout: '5s' },
    token_env: 'HEADROOM_WEBHOOK_TOKEN',
  };
  doc.alerts = {
    ...doc.alerts,
    webhook_url: e.webhookUrl,
    webhook_credentials_file: e.webhookCredentialsFile,
    people_webhook_url: e.peopleWebhookUrl,
    exporter_job: JOBS.exporter,
  };
  for (const svc of doc.services as Doc[]) {
    svc.instances = { query: FLEET_INSTANCES_QUERY };
    for (const sig of svc.signals as Doc[]) {
      if (!FLEET_QUERIES[sig.name])
        throw new Error(`the demo fleet has no metric for signal "${sig.name}" of service ${svc.name}`);
      sig.query = FLEET_QUERIES[sig.name];
    }
    svc.growth.history_query = FLEET_QUERIES.daily_users;
    svc.cost.spend_query = FLEET_SPEND_QUERY;
  }
  return doc;
}

export interface PrometheusConfigOptions {
  scrapeInterval: string;
  evaluationInterval: string;
  ruleFiles: string[];
  alertmanagers: string[];
  targets: { exporter: string[]; fleet: string[]; node?: string[]; prometheus?: string[] };
}

export function prometheusConfig(o: PrometheusConfigOptions): Doc {
  const job = (name: string, targets: string[] | undefined) =>
    targets && targets.length ? [{ job_name: name, static_configs: [{ targets }] }] : [];
  return {
    global: { scrape_interval: o.scrapeInterval, evaluation_interval: o.evaluationInterval },
    rule_files: o.ruleFiles,
    alerting: { alertmanagers: [{ static_configs: [{ targets: o.alertmanagers }] }] },
    scrape_configs: [
      ...job(JOBS.exporter, o.targets.exporter),
      ...job(JOBS.fleet, o.targets.fleet),
      ...job(JOBS.node, o.targets.node),
      ...job(JOBS.prometheus, o.targets.prometheus),
    ],
  };
}
