import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateAlerts, REGENERATE, RULES_FORMATS, type RulesFormat } from '../alerts/index.js';
import { unsupportedSchedules } from '../alerts/rules.js';
import { DEFAULT_CONFIG, parseFormat, readPolicy, UsageError, type Io } from './common.js';

interface RulesOptions {
  config: string;
  out: string;
  format: string;
  webhookUrl?: string;
  check?: boolean;
}

function parseUrl(flag: string, v: string): string {
  try {
    const u = new URL(v);
    if (u.protocol === 'http:' || u.protocol === 'https:') return v;
  } catch {
    // reported below
  }
  throw new UsageError(`${flag}: expected an http(s) URL such as http://127.0.0.1:9778/webhook, got "${v}"`);
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
        const stale = [...files].filter(([name, text]) => {
          const file = path.join(opts.out, name);
          return !existsSync(file) || readFileSync(file, 'utf8') !== text;
        });
        for (const [name] of stale) io.stderr(`${path.join(opts.out, name)}: differs from the output of \`headroom rules\`\n`);
        if (stale.length > 0) {
          io.stderr(`headroom: ${stale.length} generated file${stale.length === 1 ? '' : 's'} out of date; run \`${REGENERATE}\`\n`);
          process.exitCode = 1;
          return;
        }
        io.stdout(`${opts.out}: ${files.size} generated files up to date with ${opts.config}\n`);
        return;
      }
      for (const [name, text] of files) {
        const file = path.join(opts.out, name);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
      io.stdout(`${opts.out}: wrote ${[...files.keys()].join(', ')} from ${opts.config}\n`);
    });
}
