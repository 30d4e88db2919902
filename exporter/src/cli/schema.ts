import type { Command } from 'commander';
import path from 'node:path';
import { policyJsonSchema } from '../config/load.js';
import { staleGenerated, toJson, writeGenerated } from '../generated.js';
import { reportStale, UsageError, type Io } from './common.js';

export function registerSchema(program: Command, io: Io): void {
  program
    .command('schema')
    .description('print (or write) the JSON Schema of headroom.yml, for editor completion')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--check', 'write nothing; exit 1 when the file of --out differs from the schema')
    .action((opts: { out?: string; check?: boolean }) => {
      const text = toJson(policyJsonSchema());
      if (!opts.out) {
        if (opts.check) throw new UsageError('--check: needs --out <file>, the file to compare');
        io.stdout(text);
        return;
      }
      const files = { [path.basename(opts.out)]: text };
      if (opts.check) {
        if (!reportStale(io, staleGenerated(path.dirname(opts.out), files), 'schema', `npx headroom schema --out ${opts.out}`)) io.stdout(`${opts.out}: up to date\n`);
        return;
      }
      writeGenerated(path.dirname(opts.out), files);
    });
}
