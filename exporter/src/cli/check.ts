import type { Command } from 'commander';
import { ConfigError, loadPolicyWithWarnings } from '../config/load.js';
import type { Policy } from '../config/schema.js';
import { describeTrim } from '../metrics/budget.js';
import { expectedCount } from '../metrics/expected.js';
import { fleetService } from '../fleet/expand.js';
import { DEFAULT_CONFIG, type Io } from './common.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The series /metrics will carry for the policy (at most: absent values are not published): per
 * explicit service, per fleet service (each is its template: overrides change values, not label
 * sets) times the services discovered, and the trimming. Without series_budget every service is
 * trimmed to DEFAULT_SERIES_PER_SERVICE, whatever the number discovered.
 */
export function seriesReport(policy: Policy): string {
  const templates = policy.fleets.map((f) => fleetService(f, f.name));
  const { services, trim } = expectedCount({ ...policy, services: [...policy.services, ...templates] });
  const explicit = services.slice(0, policy.services.length);
  const per = explicit.map((s) => `${s.name} ${s.series}`).join(', ');
  const lines = [
    `series: at most ${trim.published} on /metrics (${per || 'no explicit service'}; process-wide included${policy.fleets.length ? '; one service per fleet' : ''}):`,
    `  ${describeTrim(trim)}`,
  ];
  policy.fleets.forEach((fleet, i) => {
    const note = policy.series_budget === undefined ? '' : ' (series_budget trims more as more are discovered)';
    lines.push(
      `  fleet ${fleet.name}: at most ${services[policy.services.length + i].series} per service × services discovered${note}`
    );
  });
  return lines.join('\n');
}

export function registerCheck(program: Command, io: Io): void {
  program
    .command('check')
    .description(
      'validate a policy file and print the series /metrics will carry; exit 0 when valid (warnings on stderr), 2 with every problem named otherwise'
    )
    .argument('[file]', 'policy file', DEFAULT_CONFIG)
    .action((file: string) => {
      let checked;
      try {
        checked = loadPolicyWithWarnings(file);
      } catch (e) {
        // Errors and warnings of the same pass are printed together.
        if (e instanceof ConfigError && e.warnings.length > 0)
          throw new ConfigError(e.file, [...e.problems, ...e.warnings]);
        throw e;
      }
      const { policy: p, warnings } = checked;
      for (const w of warnings) io.stderr(`${w}\n`);
      const triggers = p.services.reduce((n, s) => n + s.scaling.scale_out.length, 0);
      const fleets = p.fleets.length ? `, ${plural(p.fleets.length, 'fleet')}` : '';
      const warned = warnings.length ? `, ${plural(warnings.length, 'warning')}` : '';
      io.stdout(
        `${file}: OK (${plural(p.services.length, 'service')}${fleets}, ${triggers} scale-out triggers, source: ${p.prometheus ? p.prometheus.url : 'built-in demo'}${warned})\n`
      );
      io.stdout(`${seriesReport(p)}\n`);
    });
}
