import type { Command } from 'commander';
import { ConfigError, loadPolicyWithWarnings } from '../config/load.js';
import { DEFAULT_CONFIG, type Io } from './common.js';

export function registerCheck(program: Command, io: Io): void {
  program
    .command('check')
    .description('validate a policy file; exit 0 when valid (warnings on stderr), 2 with every problem named otherwise')
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
      const warned = warnings.length ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : '';
      io.stdout(
        `${file}: OK (${p.services.length} service${p.services.length === 1 ? '' : 's'}, ${triggers} scale-out triggers, source: ${p.prometheus ? p.prometheus.url : 'built-in demo'}${warned})\n`
      );
    });
}
