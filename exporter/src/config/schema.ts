import { MODEL_NAMES } from '../model/forecast/types.js';
import { z } from 'zod';
import { CronExpressionParser } from 'cron-parser';
import { DEFAULTS } from './defaults.js';
import { timeZoneProblem } from './timezone.js';

/** "90s", "5m", "1h", "1d" or a plain number of seconds. Always parsed to seconds. */
export const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };

export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = durationPattern.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_SECONDS[m[2]];
}

const DURATION_ERROR = 'expected a duration such as "90s", "5m", "1h" or a number of seconds';
const duration = z
  .union([z.number().nonnegative(), z.string().regex(durationPattern, { error: DURATION_ERROR })], {
    error: DURATION_ERROR,
  })
  .transform((v) => parseDuration(v) as number);

const name = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
  error: 'expected a name of letters, digits and underscores (a Prometheus label value)',
});
const positive = z.number().positive();
const nonneg = z.number().nonnegative();
const ratio = z.number().min(0).max(1);

const auth = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('bearer'),
    credentials: z.string().optional(),
    credentials_file: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('basic'),
    username: z.string(),
    password: z.string().optional(),
    password_file: z.string().optional(),
  }),
]);

const prometheus = z.strictObject({
  url: z.url({ error: 'expected an http(s) URL such as http://127.0.0.1:9090' }),
  timeout: duration.default(DEFAULTS.prometheus.timeoutSeconds),
  concurrency: z.number().int().min(1).max(64).default(DEFAULTS.prometheus.concurrency),
  auth: auth.optional(),
  /** Sent with every query, e.g. Mimir/Cortex tenant `X-Scope-OrgID`. */
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'expected an HTTP header name' }), z.string())
    .optional(),
  /** As Prometheus' tls_config: CA bundle, client certificate and key, server name. */
  tls_config: z
    .strictObject({
      ca_file: z.string().optional(),
      cert_file: z.string().optional(),
      key_file: z.string().optional(),
      server_name: z.string().optional(),
      insecure_skip_verify: z.boolean().default(false),
    })
    .refine((t) => (t.cert_file === undefined) === (t.key_file === undefined), {
      error: 'expected cert_file and key_file together (a client certificate needs its key)',
    })
    .optional(),
});

const signal = z.strictObject({
  name,
  query: z.string().min(1),
  unit: z.enum([
    'percent',
    'ratio',
    'count',
    'seconds',
    'milliseconds',
    'users',
    'sessions',
    'bytes',
    'requests_per_second',
  ]),
  /** utilization: scales with 1/instances when the fleet changes (CPU %, sessions per instance).
   * count: a property of the demand (total users), unchanged by the fleet size. */
  kind: z.enum(['utilization', 'count']).default('utilization'),
  description: z.string().optional(),
});

const instances = z
  .strictObject({ query: z.string().min(1).optional(), static: z.number().int().min(0).optional() })
  .refine((v) => (v.query === undefined) !== (v.static === undefined), {
    error: 'expected exactly one of "query" or "static"',
  });

const loadtest = z.strictObject({
  users: z.array(positive).min(2),
  response_time_ms: z.array(nonneg),
  cpu_percent: z.array(nonneg).optional(),
  memory_percent: z.array(nonneg).optional(),
  error_percent: z.array(nonneg),
  throughput_rps: z.array(nonneg),
  criteria: z
    .strictObject({
      warning_response_ms: positive.default(DEFAULTS.loadtest.warningResponseMs),
      warning_cpu_percent: positive.default(DEFAULTS.loadtest.warningCpuPercent),
      critical_response_ms: positive.default(DEFAULTS.loadtest.criticalResponseMs),
      critical_error_percent: nonneg.default(DEFAULTS.loadtest.criticalErrorPercent),
      maximum_error_percent: nonneg.default(DEFAULTS.loadtest.maximumErrorPercent),
      scale_out_ratio: ratio.default(DEFAULTS.loadtest.scaleOutRatio),
      scale_in_ratio: ratio.default(DEFAULTS.loadtest.scaleInRatio),
      emergency_ratio: ratio.default(DEFAULTS.loadtest.emergencyRatio),
    })
    .prefault({}),
});

const resource = z.strictObject({
  name,
  signal: name,
  /** Capacity of one instance in the signal's unit (100 for a percentage, 200 sessions). */
  limit: positive,
  warning: positive,
  critical: positive,
});

/**
 * The capacity model of a kind of workload; only what a kind needs is required (semantic.ts):
 * - sessions: concurrent users and sessions (scaling_factors, loadtest), the seed's web app;
 * - requests: requests per second, `requests.per_instance` each (an API, a web server);
 * - queue: a backlog drained at `queue.throughput_per_instance` items/s each within `queue.drain_seconds`;
 * - utilization: the triggers' proportional targets and the resources' thresholds only (a database, a VM).
 */
export const CAPACITY_KINDS = ['sessions', 'requests', 'queue', 'utilization'] as const;

const capacity = z.strictObject({
  kind: z.enum(CAPACITY_KINDS).default('sessions'),
  instance: z.strictObject({ cpu_cores: positive, memory_gb: positive, storage_gb: nonneg.default(0) }),
  scaling_factors: z
    .strictObject({
      sessions_per_cpu_core: positive,
      sessions_per_gb_memory: positive,
      websockets_per_cpu_core: positive,
      max_sessions_per_instance: positive,
    })
    .optional(),
  sessions_per_user: positive.default(DEFAULTS.capacity.sessionsPerUser),
  buffer_ratio: nonneg.default(DEFAULTS.capacity.bufferRatio),
  min_buffer_instances: z.number().int().min(0).default(DEFAULTS.capacity.minBufferInstances),
  /** The signal that measures concurrent users (demand for the load-test basis). */
  users_signal: name.optional(),
  /** kind requests: the signal of requests per second (kind count: the fleet's total; utilization: per instance). */
  requests: z.strictObject({ signal: name, per_instance: positive }).optional(),
  /** kind queue: backlog and arrivals, and what one instance drains. */
  queue: z
    .strictObject({
      depth_signal: name,
      /** Items arriving per second (a count signal); without it only the backlog is sized. */
      arrival_signal: name.optional(),
      throughput_per_instance: positive,
      drain_seconds: positive,
    })
    .optional(),
  resources: z.array(resource).default([]),
  loadtest: loadtest.optional(),
});

const scaleOutTrigger = z.strictObject({
  name,
  signal: name,
  above: z.number({ error: 'expected a number' }),
  for: duration,
  cooldown: duration,
  step: z.number().int().min(1).default(DEFAULTS.scaling.scaleOutStep),
  /** Desired value of the signal: when set, the target is also ceil(current * observed / target). */
  target: positive.optional(),
  severity: z.enum(['info', 'warning', 'critical', 'page']).default('warning'),
  description: z.string().optional(),
});

const scaleIn = z.strictObject({
  conditions: z.array(z.strictObject({ signal: name, below: z.number({ error: 'expected a number' }) })).min(1),
  for: duration,
  cooldown: duration,
  step: z.number().int().min(1).default(DEFAULTS.scaling.scaleInStep),
});

/** Cron and time zone are checked field by field, so a misspelt zone is named even when the cron is fine. */
const cron = z.string().superRefine((v, ctx) => {
  try {
    CronExpressionParser.parse(v, { tz: 'UTC' });
  } catch (e) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a cron expression such as "0 8 * * 1-5" (${(e as Error).message})`,
      input: v,
    });
  }
});
const timezone = z.string().superRefine((v, ctx) => {
  const problem = timeZoneProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: v });
});

/** Cross-field rules (desired within limits, min <= desired) are in semantic.ts. */
const schedule = z.strictObject({
  name,
  cron,
  timezone: timezone.default(DEFAULTS.scaling.timezone),
  desired: z.number().int().min(0),
  min: z.number().int().min(0),
});

const scaling = z.strictObject({
  scale_out: z.array(scaleOutTrigger).min(1),
  scale_in: scaleIn.optional(),
  schedules: z.array(schedule).default([]),
  limits: z.strictObject({
    min: z.number().int().min(0),
    max: z.number().int().min(1),
    max_scale_out_per_hour: z.number().int().min(1),
    max_scale_in_per_hour: z.number().int().min(1),
    /** One action grows the fleet by at most the larger of `instances` and `percent` % of the current
     * count; absent: DEFAULTS.scaling.maxStepOut* (HPA's default, model/step.ts). */
    max_step_out: z
      .strictObject({
        instances: z.number().int().min(1).default(DEFAULTS.scaling.maxStepOutInstances),
        percent: z.number().min(0).default(DEFAULTS.scaling.maxStepOutPercent),
      })
      .optional(),
  }),
  warmup: duration.default(DEFAULTS.scaling.warmupSeconds),
});

const growth = z.strictObject({
  /** PromQL of daily active users; without it a service has no growth projections (and no history input). */
  history_query: z.string().min(1).optional(),
  history_days: z.number().int().min(28).max(3650).default(DEFAULTS.growth.historyDays),
  /** Long-term store for history_query (Thanos, Mimir, VictoriaMetrics); default: the live prometheus. */
  history_source: prometheus.optional(),
  /** Concurrent users per daily active user (seed: 0.15). */
  concurrency_ratio: ratio.default(DEFAULTS.growth.concurrencyRatio),
  /** Other ratios of daily active users to report (seed: terminal_sessions 0.3). */
  ratios: z.record(name, nonneg).default({}),
  scenarios: z
    .array(z.strictObject({ name, monthly_rate: z.number().min(-0.99).max(10), description: z.string().optional() }))
    .min(1),
  planning_scenario: name.default(DEFAULTS.growth.planningScenario),
  horizons_months: z
    .array(z.number().int().min(1).max(120))
    .min(1)
    .default([...DEFAULTS.growth.horizonsMonths]),
  /** Candidate growth models, chosen among by rolling-origin cross-validation (ets and mstl are augurs', slower). */
  models: z
    .array(z.enum(MODEL_NAMES))
    .min(1)
    .default([...DEFAULTS.growth.models]),
  /** Season length in days; absent: from the history's spacing (hourly 24 h and 7 d, daily 7 d, monthly 12). */
  season_length_days: z.number().int().min(1).max(366).optional(),
});

const cost = z.strictObject({
  currency: z.string().default(DEFAULTS.cost.currency),
  hours_per_month: positive.default(DEFAULTS.cost.hoursPerMonth),
  resources: z
    .strictObject({ cpu_core_hour: nonneg, memory_gb_hour: nonneg, storage_gb_month: nonneg.default(0) })
    .optional(),
  instance_hour: z.strictObject({ on_demand: nonneg, reserved: nonneg.optional(), spot: nonneg.optional() }),
  buffers: z
    .strictObject({
      cpu: nonneg.default(DEFAULTS.cost.buffers.cpu),
      memory: nonneg.default(DEFAULTS.cost.buffers.memory),
      storage: nonneg.default(DEFAULTS.cost.buffers.storage),
    })
    .prefault({}),
  right_sizing_targets: z
    .strictObject({
      cpu: positive.default(DEFAULTS.cost.rightSizingTargets.cpu),
      memory: positive.default(DEFAULTS.cost.rightSizingTargets.memory),
    })
    .prefault({}),
  projection_pricing: z.enum(['on_demand', 'reserved', 'spot', 'resources']).default(DEFAULTS.cost.projectionPricing),
  /** PromQL returning month-to-date spend; when absent it is estimated from instance-hours. */
  spend_query: z.string().optional(),
  budget: z.strictObject({ monthly: positive, warning_ratio: ratio.default(DEFAULTS.cost.budgetWarningRatio) }),
});

/** Cross-field rules (signal references, unique names, threshold order) are in semantic.ts. */
export const serviceSchema = z.strictObject({
  name,
  description: z.string().optional(),
  instances,
  signals: z.array(signal).min(1),
  capacity,
  scaling,
  growth,
  cost,
});
const service = serviceSchema;

const store = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sqlite'), path: z.string().default(DEFAULTS.scaler.storePath) }),
  z.strictObject({
    type: z.literal('redis'),
    url: z.string().regex(/^rediss?:\/\//, { error: 'expected a redis:// URL' }),
    key_prefix: z.string().default('headroom:'),
  }),
]);

/** The object both Kubernetes actuators patch, and how they reach the API server (scaler/kube-call.ts). */
const kubernetesTarget = { namespace: z.string(), name: z.string() };
const kubernetesConnection = {
  /** Defaults to the in-cluster service account; a kubeconfig path may be given instead. */
  kubeconfig: z.string().optional(),
  api_url: z.url().optional(),
  /** Outside a cluster without a kubeconfig: a bearer token file and a CA bundle for api_url. */
  token_file: z.string().optional(),
  ca_file: z.string().optional(),
  timeout: duration.default(DEFAULTS.scaler.actuatorTimeoutSeconds),
};

const actuator = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('dry-run'),
    /** Simulated starting count when neither the store nor the source knows one. */
    instances: z.number().int().min(0).optional(),
  }),
  z.strictObject({
    type: z.literal('http'),
    url: z.url(),
    /** Where the current instance count is read (GET, JSON {"count": n} or {"instances": n}). */
    count_url: z.url().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    auth: auth.optional(),
    timeout: duration.default(DEFAULTS.scaler.actuatorTimeoutSeconds),
  }),
  z.strictObject({
    type: z.literal('kubernetes'),
    kind: z.enum(['Deployment', 'StatefulSet']).default('Deployment'),
    ...kubernetesTarget,
    ...kubernetesConnection,
  }),
  z.strictObject({
    /** Moves a HorizontalPodAutoscaler's minReplicas (scaler/actuator-hpa.ts) instead of fighting it. */
    type: z.literal('kubernetes-hpa'),
    ...kubernetesTarget,
    raise_max: z.boolean().default(false),
    ...kubernetesConnection,
  }),
  z.strictObject({
    type: z.literal('command'),
    argv: z.array(z.string()).min(1),
    count_argv: z.array(z.string()).min(1).optional(),
    timeout: duration.default(DEFAULTS.scaler.actuatorTimeoutSeconds),
  }),
]);

/** A Prometheus label name (https://prometheus.io/docs/concepts/data_model/); `__` names are Prometheus' own. */
const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'expected a Prometheus label name (letters, digits, underscores)' })
  .refine((v) => !v.startsWith('__'), { error: 'expected a label name not starting with "__" (reserved)' });

/** A fleet's template: a service without a name, whose queries are vectors by the fleet's label. */
export const templateSchema = serviceSchema.omit({ name: true }).refine((t) => t.instances.query !== undefined, {
  error: 'expected instances.query (a vector by the fleet label: discovery reads it), not instances.static',
  path: ['instances'],
});

/** A partial block of a service, merged into the template (validated once merged: config/fleet.ts). */
const partial = (what: string) =>
  z.record(z.string(), z.unknown(), { error: `expected an object (a partial ${what}, merged into the template)` });

const fleetOverride = z
  .strictObject({
    /** One label value (a service name). */
    match: z.string().min(1).optional(),
    /** A regular expression over label values, anchored like Prometheus' =~. */
    match_regex: z.string().min(1).optional(),
    scaling: partial('scaling').optional(),
    cost: partial('cost').optional(),
    capacity: partial('capacity').optional(),
    actuator: actuator.optional(),
  })
  .refine((o) => (o.match === undefined) !== (o.match_regex === undefined), {
    error: 'expected exactly one of "match" or "match_regex"',
  });

const fleet = z.strictObject({
  /** Label fleet="<name>" on the fleet's recorded series and alerts. */
  name,
  /** The label whose values name the services (service, deployment, job, namespace…). */
  label: labelName,
  /** A service missing this long is retired: dropped from plans and metrics, logged, counted. */
  retire_after: duration.default(DEFAULTS.fleet.retireAfterSeconds),
  template: templateSchema,
  /** Applied in order (later wins) to the services they match: README "Fleets". */
  overrides: z.array(fleetOverride).default([]),
});

const scaler = z.strictObject({
  store: store.default({ type: 'sqlite', path: DEFAULTS.scaler.storePath }),
  /** One actuator for all services, or per service name. */
  actuator: actuator.default({ type: 'dry-run' }),
  actuators: z.record(name, actuator).default({}),
  token_file: z.string().optional(),
  token_env: z.string().optional(),
  body_limit_bytes: z.number().int().min(1024).default(DEFAULTS.scaler.bodyLimitBytes),
  budget_guard: z.enum(['off', 'warn', 'block']).default(DEFAULTS.scaler.budgetGuard),
  /** How often intents whose actuator call was interrupted (crash, kill) are reconciled. */
  reconcile_interval: duration.default(DEFAULTS.scaler.reconcileIntervalSeconds),
});

export const policySchema = z.strictObject({
  prometheus: prometheus.optional(),
  refresh: z
    .strictObject({
      interval: duration.default(DEFAULTS.refresh.intervalSeconds),
      history_interval: duration.default(DEFAULTS.refresh.historyIntervalSeconds),
      stale_after: duration.default(DEFAULTS.refresh.staleAfterSeconds),
      /** An input whose newest raw sample is older than this is missing. */
      max_sample_age: duration.default(DEFAULTS.refresh.maxSampleAgeSeconds),
    })
    .prefault({}),
  runbook_url: z.string().default('https://github.com/headroom/headroom/blob/main/README.md#alerts'),
  /** `headroom rules`: where Alertmanager sends alerts and the budget alerts' horizon. */
  alerts: z
    .strictObject({
      /** Headroom's scaler webhook (POST /webhook on the exporter's listen address). */
      webhook_url: z.url().default(`http://${DEFAULTS.listen}/webhook`),
      /** File with the webhook's bearer token, read by Alertmanager. */
      webhook_credentials_file: z.string().min(1).default(DEFAULTS.alerts.webhookCredentialsFile),
      /** Receiver of budget and health alerts (a placeholder webhook for people). */
      people_webhook_url: z.url().default(DEFAULTS.alerts.peopleWebhookUrl),
      /** Budget alert when the planning scenario reaches limits.max within this many 30-day months. */
      capacity_warning_months: positive.default(DEFAULTS.alerts.capacityWarningMonths),
      /** Prometheus job that scrapes the exporter. */
      exporter_job: z.string().min(1).default(DEFAULTS.alerts.exporterJob),
    })
    .prefault({}),
  scaler: scaler.prefault({}),
  /** At most this many headroom_* series on /metrics: detail is trimmed past it, saying what. */
  series_budget: z.number().int().positive().optional(),
  /** Explicit services; may be empty when fleets exist (semantic.ts requires one of them). */
  services: z.array(service).default([]),
  fleets: z.array(fleet).default([]),
});

export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
/** A service: explicit, or built from a fleet (then `fleet` is set and its queries are vectors by `fleet.label`). */
export type Service = Policy['services'][number] & { fleet?: FleetRef };
export interface FleetRef {
  name: string;
  label: string;
}
export type Fleet = Policy['fleets'][number];
export type FleetOverride = Fleet['overrides'][number];
export type FleetTemplate = Fleet['template'];
export type Signal = Service['signals'][number];
export type ScalingPolicy = Service['scaling'];
export type ScaleOutTrigger = ScalingPolicy['scale_out'][number];
export type Schedule = ScalingPolicy['schedules'][number];
export type LoadTestCurve = NonNullable<Service['capacity']['loadtest']>;
export type CapacityModel = Service['capacity'];
export type GrowthModel = Service['growth'];
export type CostModel = Service['cost'];
export type ActuatorConfig = Policy['scaler']['actuator'];
export type StoreConfig = Policy['scaler']['store'];
export type PrometheusConfig = NonNullable<Policy['prometheus']>;
export type AuthConfig = NonNullable<PrometheusConfig['auth']>;
