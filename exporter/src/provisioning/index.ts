/**
 * Every file of provisioning/, generated from one policy: Grafana data sources with fixed uids, the
 * dashboard provider, the Headroom overview dashboard and Grafana-managed budget alerting. URLs,
 * receivers and the currency come from the policy (or the flags of `headroom dashboards`).
 */
import type { Policy } from '../config/schema.js';
import {
  buildAlertRules,
  buildContactPoints,
  buildNotificationPolicies,
  type AlertingOptions,
  type PeopleReceiver,
} from './alerting.js';
import { generatedNote, PROVISIONING } from './common.js';
import { buildOverviewDashboard } from './dashboard.js';
import { toJson, toYaml as dumpYaml, yamlHeader } from '../generated.js';

export { PROVISIONING } from './common.js';
export { buildOverviewDashboard } from './dashboard.js';

export interface ProvisioningOptions extends AlertingOptions {
  /** Prometheus and Alertmanager as Grafana reaches them. */
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** Where Grafana finds the dashboard JSON files (the mounted provisioning/dashboards). */
  dashboardsPath: string;
  /** ISO currency code of the dashboard's money figures. */
  currency: string;
  /** The policy file's name (a base name), quoted in the generated-by notes. */
  configName: string;
}

/** What neither the policy nor a flag says: the docker-compose service names and mount path. */
export const PROVISIONING_FALLBACKS = {
  prometheusUrl: 'http://prometheus:9090',
  alertmanagerUrl: 'http://alertmanager:9093',
  dashboardsPath: '/etc/grafana/provisioning/dashboards',
  tokenEnv: 'HEADROOM_WEBHOOK_TOKEN',
} as const;

/** Flags of `headroom dashboards` that override the policy. */
export interface ProvisioningFlags {
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  scalerUrl?: string;
  peopleEmail?: string;
  currency?: string;
  dashboardsPath?: string;
  configName?: string;
}

/** A policy the dashboards cannot be generated from without a flag (exit 2, naming the flag). */
export class ProvisioningError extends Error {}

/** The options for `policy`: each from its flag, else the policy, else the compose fallback. */
export function provisioningOptions(policy: Policy, flags: ProvisioningFlags = {}): ProvisioningOptions {
  const currencies = [...new Set(policy.services.map((s) => s.cost.currency))];
  if (flags.currency === undefined && currencies.length > 1) {
    throw new ProvisioningError(
      `the services price in different currencies (${currencies.join(', ')}); pass --currency <code> for the dashboard`
    );
  }
  const people: PeopleReceiver =
    flags.peopleEmail !== undefined
      ? { type: 'email', addresses: flags.peopleEmail }
      : { type: 'webhook', url: policy.alerts.people_webhook_url };
  return {
    prometheusUrl: flags.prometheusUrl ?? policy.prometheus?.url ?? PROVISIONING_FALLBACKS.prometheusUrl,
    alertmanagerUrl: flags.alertmanagerUrl ?? PROVISIONING_FALLBACKS.alertmanagerUrl,
    dashboardsPath: flags.dashboardsPath ?? PROVISIONING_FALLBACKS.dashboardsPath,
    scalerUrl: flags.scalerUrl ?? policy.alerts.webhook_url,
    tokenEnv: policy.scaler.token_env ?? PROVISIONING_FALLBACKS.tokenEnv,
    people,
    currency: flags.currency ?? currencies[0],
    configName: flags.configName ?? 'headroom.yml',
  };
}

/** Relative path → file contents. */
export function buildProvisioning(
  policy: Policy,
  o: ProvisioningOptions = provisioningOptions(policy)
): Record<string, string> {
  const toYaml = (what: string, doc: unknown) => yamlHeader(what, generatedNote(o.configName)) + dumpYaml(doc);
  const datasources = {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        type: 'prometheus',
        uid: PROVISIONING.prometheusUid,
        access: 'proxy',
        url: o.prometheusUrl,
        isDefault: true,
        editable: false,
        jsonData: { httpMethod: 'POST', manageAlerts: true, alertmanagerUid: PROVISIONING.alertmanagerUid },
      },
      {
        name: 'Alertmanager',
        type: 'alertmanager',
        uid: PROVISIONING.alertmanagerUid,
        access: 'proxy',
        url: o.alertmanagerUrl,
        editable: false,
        jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
      },
    ],
  };
  const provider = {
    apiVersion: 1,
    providers: [
      {
        name: 'headroom',
        orgId: 1,
        folder: PROVISIONING.folder,
        folderUid: PROVISIONING.folderUid,
        type: 'file',
        disableDeletion: false,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: o.dashboardsPath, foldersFromFilesStructure: false },
      },
    ],
  };
  return {
    'datasources/datasources.yml': toYaml(
      'Grafana data sources: Prometheus and Alertmanager with fixed uids (the alert rules refer to them; the dashboard to its datasource variable).',
      datasources
    ),
    'dashboards/provider.yml': toYaml(
      'Dashboard provider: loads the JSON dashboards of this directory into the Headroom folder.',
      provider
    ),
    'dashboards/headroom-overview.json': toJson(
      buildOverviewDashboard(policy, { currency: o.currency, configName: o.configName })
    ),
    'alerting/budget-rules.yml': toYaml(
      'Grafana-managed budget alerts of the policy (for setups without Alertmanager).',
      buildAlertRules(policy)
    ),
    'alerting/contact-points.yml': toYaml(
      'Contact points: the Headroom scaler webhook (bearer token from the environment) and the people who get budget alerts.',
      buildContactPoints(o)
    ),
    'alerting/policies.yml': toYaml(
      "Notification policy: the routing of `headroom rules`' alertmanager.yml (scaling to the scaler, budget and health to people). Replaces the org policy tree.",
      buildNotificationPolicies(policy, o)
    ),
  };
}
