import type { Command } from 'commander';
import { loadPolicy } from '../config/load.js';
import { DEFAULT_CONFIG, type Io } from './common.js';

export function registerCheck(program: Command, io: Io): void {
  program
    .command('check')
    .description('validate a policy file; exit 0 when valid, 2 with every problem named otherwise')
    .argument('[file]', 'policy file', DEFAULT_CONFIG)
    .action((file: string) => {
      const p = loadPolicy(file);
      const triggers = p.services.reduce((n, s) => n + s.scaling.scale_out.length, 0);
      io.stdout(`${file}: OK (${p.services.length} service${p.services.length === 1 ? '' : 's'}, ${triggers} scale-out triggers, source: ${p.prometheus ? p.prometheus.url : 'built-in demo'})\n`);
    });
}
