/**
 * Grafana-managed alerting, for users who do not run Alertmanager: the policy's budget alerts as a
 * Grafana rule group on the provisioned Prometheus data source, a webhook contact point to the scaler's
 * POST /webhook with bearer auth (the scaler accepts Grafana's webhook payload), a contact point for
 * people, and the notification policy that routes `headroom="scaling"` to the scaler and
 * `headroom="budget"` to people. Grafana's file-provisioning format (apiVersion 1):
 * https://grafana.com/docs/grafana/latest/alerting/set-up/provision-alerting-resources/file-provisioning/
 *
 * Grafana expands `$VAR` in provisioning files, so rule texts use Go templates without `$`, and the
 * bearer token is read from the environment of the Grafana process.
 */
import type { Policy, Service } from '../config/schema.js';
import { ALERT_TIMING, ALERTS } from '../alerts/rules.js';
import { PROVISIONING, durationString } from './common.js';

type Json = Record<string, unknown>;

export interface AlertingOptions {
  /** URL of the scaler's webhook as Grafana reaches it. */
  scalerUrl: string;
  /** Environment variable of the Grafana process holding the webhook bearer token. */
  tokenEnv: string;
  /** Addresses of the people who receive budget alerts. */
  peopleEmail: string;
}

export const ALERTING_DEFAULTS: AlertingOptions = {
  scalerUrl: 'http://exporter:9778/webhook',
  tokenEnv: 'HEADROOM_WEBHOOK_TOKEN',
  peopleEmail: 'capacity-team@example.com',
};

export const CONTACT_POINTS = { scaler: 'Headroom scaler', people: 'Headroom people' } as const;

/** Evaluate every minute; budgets move slowly. */
const EVAL_INTERVAL_SECONDS = 60;
/** Id of the "Budget used" panel of the overview dashboard (dashboard.ts), linked from each rule. */
const BUDGET_PANEL_ID = 2;

interface BudgetRule {
  key: string;
  /** The alert name and `for` of the Prometheus budget rule (`headroom rules`), so both setups agree. */
  title: string;
  forSeconds: number;
  expr: (svc: Service) => string;
  above: (svc: Service) => number;
  severity: string;
  summary: (svc: Service) => string;
}

const pct = (r: number) => `${Math.round(r * 100)} %`;

const BUDGET_RULES: BudgetRule[] = [
  {
    key: 'warning',
    title: ALERTS.budgetWarning,
    forSeconds: ALERT_TIMING.budgetUsageForSeconds,
    expr: (s) => `headroom_budget_usage_ratio{service="${s.name}"}`,
    above: (s) => s.cost.budget.warning_ratio,
    severity: 'warning',
    summary: (s) => `${s.name}: spend so far is above ${pct(s.cost.budget.warning_ratio)} of the monthly budget of ${s.cost.budget.monthly} ${s.cost.currency}`,
  },
  {
    key: 'forecast-overrun',
    title: ALERTS.budgetForecast,
    forSeconds: ALERT_TIMING.budgetForecastForSeconds,
    expr: (s) => `headroom_budget_forecast_ratio{service="${s.name}"}`,
    above: () => 1,
    severity: 'warning',
    summary: (s) => `${s.name}: the forecast month-end spend passes the monthly budget of ${s.cost.budget.monthly} ${s.cost.currency}`,
  },
];

const expr = (refId: string, model: Json): Json => ({
  refId,
  relativeTimeRange: { from: 0, to: 0 },
  datasourceUid: '__expr__',
  model: { refId, datasource: { type: '__expr__', uid: '__expr__' }, ...model },
});

function budgetRule(policy: Policy, svc: Service, r: BudgetRule): Json {
  const threshold = r.above(svc);
  return {
    uid: `headroom-${svc.name}-budget-${r.key}`.slice(0, 40),
    // Grafana wants rule titles unique within a folder; the title is the alertname.
    title: `${r.title} ${svc.name}`,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: 600, to: 0 },
        datasourceUid: PROVISIONING.prometheusUid,
        model: { refId: 'A', datasource: { type: 'prometheus', uid: PROVISIONING.prometheusUid }, expr: r.expr(svc), instant: true, range: false, intervalMs: 1000, maxDataPoints: 43200 },
      },
      expr('B', { type: 'reduce', expression: 'A', reducer: 'last', settings: { mode: 'dropNN' } }),
      expr('C', { type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: 'gt', params: [threshold] } }] }),
    ],
    dashboardUid: PROVISIONING.dashboardUid,
    panelId: BUDGET_PANEL_ID,
    // Missing budget data is reported by the input-health view, not as a budget alert.
    noDataState: 'OK',
    execErrState: 'Error',
    for: durationString(r.forSeconds),
    isPaused: false,
    labels: { headroom: 'budget', service: svc.name, severity: r.severity },
    annotations: {
      summary: `${r.summary(svc)} (threshold ratio ${threshold})`,
      description: `${r.expr(svc)} is above ${threshold} (value {{ humanize .Values.B.Value }}). Generated from headroom.yml services.${svc.name}.cost.budget.`,
      runbook_url: policy.runbook_url,
    },
  };
}

export function buildAlertRules(policy: Policy): Json {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'headroom-budget',
        folder: PROVISIONING.folder,
        interval: durationString(EVAL_INTERVAL_SECONDS),
        rules: policy.services.flatMap((svc) => BUDGET_RULES.map((r) => budgetRule(policy, svc, r))),
      },
    ],
  };
}

export function buildContactPoints(o: AlertingOptions): Json {
  return {
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: CONTACT_POINTS.scaler,
        receivers: [
          {
            uid: 'headroom-scaler',
            type: 'webhook',
            settings: { url: o.scalerUrl, httpMethod: 'POST', authorization_scheme: 'Bearer', authorization_credentials: `$${o.tokenEnv}` },
            disableResolveMessage: false,
          },
        ],
      },
      {
        orgId: 1,
        name: CONTACT_POINTS.people,
        receivers: [{ uid: 'headroom-people', type: 'email', settings: { addresses: o.peopleEmail, singleEmail: true }, disableResolveMessage: false }],
      },
    ],
  };
}

/** Replaces the org's notification policy tree (as any provisioned `policies` does). */
export function buildNotificationPolicies(): Json {
  return {
    apiVersion: 1,
    policies: [
      {
        orgId: 1,
        receiver: CONTACT_POINTS.people,
        group_by: ['grafana_folder', 'alertname', 'service'],
        routes: [
          // The scaler wants every change at once and dedupes retries itself.
          { receiver: CONTACT_POINTS.scaler, object_matchers: [['headroom', '=', 'scaling']], group_by: ['alertname', 'service', 'trigger'], group_wait: '0s', group_interval: '1m', repeat_interval: '1h' },
          { receiver: CONTACT_POINTS.people, object_matchers: [['headroom', '=', 'budget']], group_wait: '30s', group_interval: '5m', repeat_interval: '12h' },
        ],
      },
    ],
  };
}
