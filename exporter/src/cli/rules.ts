import type { Command } from 'commander';
import path from 'node:path';
import { generateAlerts, REGENERATE, RULES_FORMATS, type RulesFormat } from '../alerts/index.js';
import { unsupportedSchedules } from '../alerts/rules.js';
import { staleGenerated, writeGenerated } from '../generated.js';
import { DEFAULT_CONFIG, parseFormat, parseUrl, readPolicy, reportStale, type Io } from './common.js';

interface RulesOptions {
  config: string;
  out: string;
  format: string;
  webhookUrl?: string;
  check?: boolean;
}

export function registerRules(program: Command, io: Io): void {
  program
    .command('rules')
    .description('generate Prometheus rules, promtool tests and alertmanager.yml from the policy (alerts/)')
    .option('-c, --config <file>', 'policy file', DEFAULT_CONFIG)
    .option('--out <dir>', 'output directory', 'alerts')
    .option('--format <format>', `rule format: ${RULES_FORMATS.join(' or ')}`, 'prometheus')
    .option('--webhook-url <url>', "Headroom's webhook for scaling alerts (default: the policy's alerts.webhook_url)")
    .option('--check', 'write nothing; exit 1 when a file in --out differs from what would be generated')
    .action((opts: RulesOptions) => {
      const format = parseFormat(opts.format, RULES_FORMATS) as RulesFormat;
      const webhookUrl = opts.webhookUrl === undefined ? undefined : parseUrl('--webhook-url', opts.webhookUrl);
      const policy = readPolicy(opts.config);
      const files = generateAlerts(policy, { configName: path.basename(opts.config), format, webhookUrl });
      for (const w of unsupportedSchedules(policy)) io.stderr(`headroom: warning: ${opts.config}: ${w}\n`);
      if (opts.check) {
        if (reportStale(io, staleGenerated(opts.out, files), 'rules', REGENERATE)) return;
        io.stdout(`${opts.out}: ${files.size} generated files up to date with ${opts.config}\n`);
        return;
      }
      writeGenerated(opts.out, files);
      io.stdout(`${opts.out}: wrote ${[...files.keys()].join(', ')} from ${opts.config}\n`);
    });
}
