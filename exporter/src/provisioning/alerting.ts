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
import { alertmanagerConfig, RECEIVERS, type AlertmanagerRoute } from '../alerts/alertmanager.js';
import { PROVISIONING, durationString, provisionedPrometheus } from './common.js';
import { ALERT_CLASS, CLASS_LABEL, METRIC, matcher } from '@headroom/contract';

type Json = Record<string, unknown>;

/** The people who get budget alerts: the policy's webhook (alerts.people_webhook_url) or email addresses. */
export type PeopleReceiver = { type: 'webhook'; url: string } | { type: 'email'; addresses: string };

export interface AlertingOptions {
  /** URL of the scaler's webhook as Grafana reaches it (the policy's alerts.webhook_url by default). */
  scalerUrl: string;
  /** Environment variable of the Grafana process holding the webhook bearer token (the policy's scaler.token_env by default). */
  tokenEnv: string;
  people: PeopleReceiver;
}

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
  /** The comparison of the Prometheus rule, as a Grafana threshold type (`>=` is gte, `>` is gt). */
  evaluator: 'gte' | 'gt';
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
    expr: (s) => `${METRIC.budgetUsageRatio}{${matcher('service', s.name)}}`,
    evaluator: 'gte',
    above: (s) => s.cost.budget.warning_ratio,
    severity: 'warning',
    summary: (s) =>
      `${s.name}: spend so far is at or above ${pct(s.cost.budget.warning_ratio)} of the monthly budget of ${s.cost.budget.monthly} ${s.cost.currency}`,
  },
  {
    key: 'forecast-overrun',
    title: ALERTS.budgetForecast,
    forSeconds: ALERT_TIMING.budgetForecastForSeconds,
    expr: (s) => `${METRIC.budgetForecastRatio}{${matcher('service', s.name)}}`,
    evaluator: 'gt',
    above: () => 1,
    severity: 'warning',
    summary: (s) =>
      `${s.name}: the forecast month-end spend passes the monthly budget of ${s.cost.budget.monthly} ${s.cost.currency}`,
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
        model: {
          refId: 'A',
          datasource: provisionedPrometheus,
          expr: r.expr(svc),
          instant: true,
          range: false,
          intervalMs: 1000,
          maxDataPoints: 43200,
        },
      },
      expr('B', { type: 'reduce', expression: 'A', reducer: 'last', settings: { mode: 'dropNN' } }),
      expr('C', {
        type: 'threshold',
        expression: 'B',
        conditions: [{ evaluator: { type: r.evaluator, params: [threshold] } }],
      }),
    ],
    dashboardUid: PROVISIONING.dashboardUid,
    panelId: BUDGET_PANEL_ID,
    // Missing budget data is reported by the input-health view, not as a budget alert.
    noDataState: 'OK',
    execErrState: 'Error',
    for: durationString(r.forSeconds),
    isPaused: false,
    labels: { [CLASS_LABEL]: ALERT_CLASS.budget, service: svc.name, severity: r.severity },
    annotations: {
      summary: `${r.summary(svc)} (threshold ratio ${threshold})`,
      description: `${r.expr(svc)} ${r.evaluator === 'gte' ? 'is at or above' : 'is above'} ${threshold} (value {{ humanize .Values.B.Value }}). Generated from headroom.yml services.${svc.name}.cost.budget.`,
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
            settings: {
              url: o.scalerUrl,
              httpMethod: 'POST',
              authorization_scheme: 'Bearer',
              authorization_credentials: `$${o.tokenEnv}`,
            },
            disableResolveMessage: false,
          },
        ],
      },
      {
        orgId: 1,
        name: CONTACT_POINTS.people,
        receivers: [
          o.people.type === 'email'
            ? {
                uid: 'headroom-people',
                type: 'email',
                settings: { addresses: o.people.addresses, singleEmail: true },
                disableResolveMessage: false,
              }
            : {
                uid: 'headroom-people',
                type: 'webhook',
                settings: { url: o.people.url, httpMethod: 'POST' },
                disableResolveMessage: false,
              },
        ],
      },
    ],
  };
}

const CONTACT_POINT_OF: Record<string, string> = {
  [RECEIVERS.scaler]: CONTACT_POINTS.scaler,
  [RECEIVERS.people]: CONTACT_POINTS.people,
};

/** `label="value"` (an Alertmanager matcher) as a Grafana object matcher. */
function objectMatcher(m: string): [string, string, string] {
  const eq = m.indexOf('=');
  return [m.slice(0, eq), '=', JSON.parse(m.slice(eq + 1)) as string];
}

/** A route of the generated alertmanager.yml as a Grafana notification policy: the same tree and timings. */
function grafanaRoute(r: AlertmanagerRoute): Json {
  const out: Json = {};
  if (r.receiver) out.receiver = CONTACT_POINT_OF[r.receiver];
  if (r.matchers) out.object_matchers = r.matchers.map(objectMatcher);
  for (const k of ['group_by', 'group_wait', 'group_interval', 'repeat_interval', 'continue'] as const)
    if (r[k] !== undefined) out[k] = r[k];
  if (r.routes) out.routes = r.routes.map(grafanaRoute);
  return out;
}

/**
 * Replaces the org's notification policy tree (as any provisioned `policies` does) with the routing
 * `headroom rules` writes to alertmanager.yml: scaling alerts to the scaler, each trigger repeated
 * after its cooldown + one group_interval, budget and health alerts to people.
 */
export function buildNotificationPolicies(policy: Policy, o: AlertingOptions): Json {
  const root = (alertmanagerConfig(policy, o.scalerUrl) as { route: AlertmanagerRoute }).route;
  const tree = grafanaRoute(root);
  return { apiVersion: 1, policies: [{ orgId: 1, ...tree, group_by: ['grafana_folder', ...(root.group_by ?? [])] }] };
}
