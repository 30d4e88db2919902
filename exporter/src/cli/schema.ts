import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { policyJsonSchema } from '../config/load.js';
import type { Io } from './common.js';

export function registerSchema(program: Command, io: Io): void {
  program
    .command('schema')
    .description('print (or write) the JSON Schema of headroom.yml, for editor completion')
    .option('--out <file>', 'write to this file instead of stdout')
    .action((opts: { out?: string }) => {
      const text = `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
      if (opts.out) writeFileSync(opts.out, text);
      else io.stdout(text);
    });
}
