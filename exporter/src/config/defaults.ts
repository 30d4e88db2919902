/**
 * Every default of headroom.yml, declared once. The schema (schema.ts) reads these; nothing else
 * repeats them as literals. Numbers cite the capacity-planning guide (the seed) where they come from.
 */
import { DEFAULT_MODELS } from '../model/forecast/types.js';

export const DEFAULTS = {
  /** Default listen address of `headroom serve`. 9778 is free of Prometheus (9090), Alertmanager
   * (9093/9094), node exporter (9100), Grafana (3000) and pushgateway (9091). */
  listen: '127.0.0.1:9778',
  prometheus: {
    timeoutSeconds: 10,
    concurrency: 4,
  },
  refresh: {
    intervalSeconds: 30,
    /** History (365 days of daily data) changes slowly; it is refetched and refitted hourly. */
    historyIntervalSeconds: 3600,
    /** How long an input may stay missing, or the last refresh stay old, before the health alerts fire. */
    staleAfterSeconds: 300,
    /** An input whose newest raw sample is older than this is missing (refresh.max_sample_age): two
     * scrapes at Prometheus's default 15 s scrape interval plus margin; raise it for slower scrapes. */
    maxSampleAgeSeconds: 60,
  },
  loadtest: {
    /** Seed: warning when response time > 300 ms or CPU > 80 %. */
    warningResponseMs: 300,
    warningCpuPercent: 80,
    /** Seed: critical when error rate > 1 % or response time > 500 ms. */
    criticalResponseMs: 500,
    criticalErrorPercent: 1,
    /** Seed: maximum when error rate > 5 %. */
    maximumErrorPercent: 5,
    /** Seed: scale out at 80 % of warning users, scale in at 60 % of optimal, emergency at 90 % of critical. */
    scaleOutRatio: 0.8,
    scaleInRatio: 0.6,
    emergencyRatio: 0.9,
  },
  capacity: {
    sessionsPerUser: 2,
    /** Seed: Buffer_Instances = max(1, Required_Instances * 0.2), rounded up here. */
    bufferRatio: 0.2,
    minBufferInstances: 1,
  },
  scaling: {
    scaleOutStep: 1,
    scaleInStep: 1,
    /** Seed health_checks.grace_period: 300 s for new instances. */
    warmupSeconds: 300,
    timezone: 'UTC',
    /** scaling.limits.max_step_out, as Kubernetes' HPA default scale-up policy: at most the larger
     * of 4 instances and 100 % of the current count per action
     * (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#default-behavior). */
    maxStepOutInstances: 4,
    maxStepOutPercent: 100,
  },
  growth: {
    horizonsMonths: [1, 3, 6, 12],
    historyDays: 365,
    /** Candidates by default (model/forecast/types.ts). */
    models: DEFAULT_MODELS,
    /** Seed: 15 % concurrency (concurrent users / daily active users). */
    concurrencyRatio: 0.15,
    planningScenario: 'moderate',
  },
  cost: {
    currency: 'USD',
    /** Seed: 24 * 30. */
    hoursPerMonth: 720,
    /** Seed: 30 % buffer on CPU and memory, 20 % on storage. */
    buffers: { cpu: 0.3, memory: 0.3, storage: 0.2 },
    /** Seed cost-optimization.sh: right-size to 65 % CPU and 70 % memory. */
    rightSizingTargets: { cpu: 65, memory: 70 },
    projectionPricing: 'on_demand',
    budgetWarningRatio: 0.8,
  },
  alerts: {
    /** Alertmanager reads the scaler's bearer token from this file (the same token as scaler.token_file / token_env). */
    webhookCredentialsFile: '/etc/alertmanager/headroom-webhook-token',
    /** A placeholder receiver for budget and health alerts: replace with email, Slack or a pager. */
    peopleWebhookUrl: 'http://127.0.0.1:9779/headroom-people',
    /** Budget alert when the planning scenario needs more than limits.max within this many months
     * (one quarter: enough lead time to buy capacity or renegotiate the budget). */
    capacityWarningMonths: 3,
    /** Prometheus job name that scrapes the exporter (alert HeadroomExporterDown). */
    exporterJob: 'headroom',
  },
  fleet: {
    /** A discovered service missing this long is retired (an hour: longer than a deploy or a scrape outage). */
    retireAfterSeconds: 3600,
  },
  scaler: {
    bodyLimitBytes: 256 * 1024,
    actuatorTimeoutSeconds: 10,
    storePath: 'headroom-state.db',
    budgetGuard: 'off',
    reconcileIntervalSeconds: 15,
    /** An intent is presumed interrupted when its actuator call has not finished this long after
     * the actuator timeout (then it is reconciled against the actuator's count, never re-sent). */
    leaseGraceSeconds: 2,
    /** A firing alert's startsAt may be this far ahead of the scaler's clock (clock skew between hosts). */
    clockSkewSeconds: 300,
    /** A firing scaling alert that started longer ago than this is rejected (422): 30 days. */
    maxAlertAgeSeconds: 30 * 86_400,
    /** How long a notification waits for the service's intent in flight before it is blocked_by=in_flight. */
    inFlightWaitSeconds: 2,
    /** Free text (reasons, trigger names from alerts) passed to an actuator is capped at this many characters. */
    actuatorTextLimit: 1024,
  },
} as const;

/** A month, for growth projections and cost: 30 days, as the seed's hours_per_month of 720. */
export const MONTH_SECONDS = 30 * 86_400;
export const DAY_SECONDS = 86_400;
