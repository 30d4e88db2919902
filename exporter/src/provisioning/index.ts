/**
 * Every file of provisioning/, generated from one policy: Grafana data sources with fixed uids, the
 * dashboard provider, the Headroom overview dashboard and Grafana-managed budget alerting.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import yaml from 'js-yaml';
import type { Policy } from '../config/schema.js';
import { ALERTING_DEFAULTS, buildAlertRules, buildContactPoints, buildNotificationPolicies, type AlertingOptions } from './alerting.js';
import { GENERATED_NOTE, PROVISIONING } from './common.js';
import { buildOverviewDashboard, type PanelQueries } from './dashboard.js';

export { PROVISIONING } from './common.js';
export { buildOverviewDashboard, type PanelQueries } from './dashboard.js';

export interface ProvisioningOptions extends AlertingOptions {
  /** Prometheus and Alertmanager as Grafana reaches them (compose service names by default). */
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** Where Grafana finds the dashboard JSON files (the mounted provisioning/dashboards). */
  dashboardsPath: string;
}

export const PROVISIONING_DEFAULTS: ProvisioningOptions = {
  ...ALERTING_DEFAULTS,
  prometheusUrl: 'http://prometheus:9090',
  alertmanagerUrl: 'http://alertmanager:9093',
  dashboardsPath: '/etc/grafana/provisioning/dashboards',
};

/** The panel's queries live with the panel (grafana-plugin/src/queries.ts); the dashboard copies them. */
export const DEFAULT_QUERIES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../grafana-plugin/src/queries.ts');

export async function loadPanelQueries(file = DEFAULT_QUERIES_FILE): Promise<PanelQueries> {
  if (!existsSync(file)) throw new Error(`${file}: the panel's queries are missing (pass --queries <grafana-plugin/src/queries.ts>)`);
  // tsImport: the plugin's package is not an ES module package, so a plain import() of its .ts fails.
  const mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { QUERIES?: PanelQueries };
  if (!mod.QUERIES?.plan || !mod.QUERIES.headroom || !mod.QUERIES.decisions) throw new Error(`${file}: expected an export QUERIES with plan, headroom and decisions`);
  return mod.QUERIES;
}

const header = (what: string) => `# ${what}\n# ${GENERATED_NOTE}\n`;
const toYaml = (what: string, doc: unknown) => header(what) + yaml.dump(doc, { lineWidth: -1, noRefs: true, quotingType: '"' });

/** Relative path → file contents. */
export function buildProvisioning(policy: Policy, queries: PanelQueries, options: Partial<ProvisioningOptions> = {}): Record<string, string> {
  const o = { ...PROVISIONING_DEFAULTS, ...options };
  const datasources = {
    apiVersion: 1,
    datasources: [
      { name: 'Prometheus', type: 'prometheus', uid: PROVISIONING.prometheusUid, access: 'proxy', url: o.prometheusUrl, isDefault: true, editable: false, jsonData: { httpMethod: 'POST', manageAlerts: true, alertmanagerUid: PROVISIONING.alertmanagerUid } },
      { name: 'Alertmanager', type: 'alertmanager', uid: PROVISIONING.alertmanagerUid, access: 'proxy', url: o.alertmanagerUrl, editable: false, jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false } },
    ],
  };
  const provider = {
    apiVersion: 1,
    providers: [
      { name: 'headroom', orgId: 1, folder: PROVISIONING.folder, folderUid: PROVISIONING.folderUid, type: 'file', disableDeletion: false, allowUiUpdates: false, updateIntervalSeconds: 30, options: { path: o.dashboardsPath, foldersFromFilesStructure: false } },
    ],
  };
  return {
    'datasources/datasources.yml': toYaml('Grafana data sources: Prometheus and Alertmanager with fixed uids (dashboards and alert rules refer to them).', datasources),
    'dashboards/provider.yml': toYaml('Dashboard provider: loads the JSON dashboards of this directory into the Headroom folder.', provider),
    'dashboards/headroom-overview.json': `${JSON.stringify(buildOverviewDashboard(policy, queries), null, 2)}\n`,
    'alerting/budget-rules.yml': toYaml('Grafana-managed budget alerts of headroom.yml (for setups without Alertmanager).', buildAlertRules(policy)),
    'alerting/contact-points.yml': toYaml('Contact points: the Headroom scaler webhook (bearer token from the environment) and the people who get budget alerts.', buildContactPoints(o)),
    'alerting/policies.yml': toYaml('Notification policy: headroom="scaling" to the scaler, headroom="budget" to people. Replaces the org policy tree.', buildNotificationPolicies()),
  };
}

export function writeProvisioning(outDir: string, files: Record<string, string>): string[] {
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(outDir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return Object.keys(files);
}

/** Files of `outDir` that differ from `files` (missing or changed). */
export function diffProvisioning(outDir: string, files: Record<string, string>): string[] {
  return Object.entries(files)
    .filter(([rel, text]) => {
      const file = path.join(outDir, rel);
      return !existsSync(file) || readFileSync(file, 'utf8') !== text;
    })
    .map(([rel]) => rel);
}
