/** `headroom dashboards`: writes (or checks) Grafana provisioning generated from the policy. */
import type { Command } from 'commander';
import { readPolicy, UsageError, type Io } from './common.js';
import { buildProvisioning, diffProvisioning, loadPanelQueries, PROVISIONING_DEFAULTS, writeProvisioning } from '../provisioning/index.js';

export function register(program: Command, io: Io): void {
  program
    .command('dashboards')
    .description('Generate Grafana provisioning from the policy: data sources, the Headroom overview dashboard, budget alerting')
    .option('-c, --config <file>', 'policy file', 'headroom.yml')
    .option('-o, --out <dir>', 'provisioning directory', 'provisioning')
    .option('--check', 'do not write; exit 1 when the files in --out differ from what the policy generates')
    .option('--queries <file>', "the panel's queries (grafana-plugin/src/queries.ts)")
    .option('--scaler-url <url>', 'webhook URL of the scaler as Grafana reaches it', PROVISIONING_DEFAULTS.scalerUrl)
    .option('--people-email <addresses>', 'who receives Grafana-managed budget alerts', PROVISIONING_DEFAULTS.peopleEmail)
    .action(async (opts: { config: string; out: string; check?: boolean; queries?: string; scalerUrl: string; peopleEmail: string }) => {
      const policy = readPolicy(opts.config);
      let queries;
      try {
        queries = await loadPanelQueries(opts.queries);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const files = buildProvisioning(policy, queries, { scalerUrl: opts.scalerUrl, peopleEmail: opts.peopleEmail });
      if (opts.check) {
        const stale = diffProvisioning(opts.out, files);
        if (stale.length > 0) {
          io.stderr(`headroom: ${opts.out} is out of date with ${opts.config}: ${stale.join(', ')} (run: npx headroom dashboards --out ${opts.out})\n`);
          process.exitCode = 1;
          return;
        }
        io.stdout(`${opts.out}: up to date with ${opts.config}\n`);
        return;
      }
      for (const f of writeProvisioning(opts.out, files)) io.stdout(`wrote ${opts.out}/${f}\n`);
    });
}
