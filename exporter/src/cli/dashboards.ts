/** `headroom dashboards`: writes (or checks) Grafana provisioning generated from the policy. */
import type { Command } from 'commander';
import path from 'node:path';
import { staleGenerated, writeGenerated } from '../generated.js';
import {
  buildProvisioning,
  PROVISIONING_FALLBACKS,
  ProvisioningError,
  provisioningOptions,
  type ProvisioningFlags,
} from '../provisioning/index.js';
import { DEFAULT_CONFIG, parseUrl, readPolicy, reportStale, UsageError, type Io } from './common.js';

interface DashboardsFlags {
  config: string;
  out: string;
  check?: boolean;
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  scalerUrl?: string;
  peopleEmail?: string;
  currency?: string;
}

function parseCurrency(v: string): string {
  if (!/^[A-Z]{3}$/.test(v))
    throw new UsageError(`--currency: expected an ISO 4217 code such as USD or EUR, got "${v}"`);
  return v;
}

export function register(program: Command, io: Io): void {
  program
    .command('dashboards')
    .description(
      'generate Grafana provisioning from the policy: data sources, the Headroom overview dashboard, budget alerting and its routing'
    )
    .option('-c, --config <file>', 'policy file', DEFAULT_CONFIG)
    .option('-o, --out <dir>', 'provisioning directory', 'provisioning')
    .option('--check', 'write nothing; exit 1 when a file in --out differs from what the policy generates')
    .option(
      '--prometheus-url <url>',
      `Prometheus as Grafana reaches it (default: the policy's prometheus.url, else ${PROVISIONING_FALLBACKS.prometheusUrl})`
    )
    .option(
      '--alertmanager-url <url>',
      `Alertmanager as Grafana reaches it (default: ${PROVISIONING_FALLBACKS.alertmanagerUrl})`
    )
    .option(
      '--scaler-url <url>',
      "the scaler's webhook as Grafana reaches it (default: the policy's alerts.webhook_url)"
    )
    .option(
      '--people-email <addresses>',
      "email the budget alerts to these addresses (default: the policy's alerts.people_webhook_url)"
    )
    .option('--currency <code>', "currency of the dashboard's money figures (default: the services' currency)")
    .action((opts: DashboardsFlags) => {
      const flags: ProvisioningFlags = {
        prometheusUrl: opts.prometheusUrl === undefined ? undefined : parseUrl('--prometheus-url', opts.prometheusUrl),
        alertmanagerUrl:
          opts.alertmanagerUrl === undefined ? undefined : parseUrl('--alertmanager-url', opts.alertmanagerUrl),
        scalerUrl: opts.scalerUrl === undefined ? undefined : parseUrl('--scaler-url', opts.scalerUrl),
        peopleEmail: opts.peopleEmail,
        currency: opts.currency === undefined ? undefined : parseCurrency(opts.currency),
        configName: path.basename(opts.config),
      };
      const policy = readPolicy(opts.config);
      let options;
      try {
        options = provisioningOptions(policy, flags);
      } catch (e) {
        if (e instanceof ProvisioningError) throw new UsageError(`${opts.config}: ${e.message}`);
        throw e;
      }
      const files = buildProvisioning(policy, options);
      if (opts.check) {
        if (
          reportStale(
            io,
            staleGenerated(opts.out, files),
            'dashboards',
            `npx headroom dashboards --config ${opts.config} --out ${opts.out}`
          )
        )
          return;
        io.stdout(`${opts.out}: up to date with ${opts.config}\n`);
        return;
      }
      for (const f of writeGenerated(opts.out, files)) io.stdout(`wrote ${opts.out}/${f}\n`);
    });
}
