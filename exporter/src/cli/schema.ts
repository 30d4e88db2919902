import type { Command } from 'commander';
import { policyJsonSchema } from '../config/load.js';
import { toJson } from '../generated.js';
import { emitGeneratedFile, type Io } from './common.js';

export function registerSchema(program: Command, io: Io): void {
  program
    .command('schema')
    .description('print (or write) the JSON Schema of headroom.yml, for editor completion')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--check', 'write nothing; exit 1 when the file of --out differs from the schema')
    .action((opts: { out?: string; check?: boolean }) => {
      emitGeneratedFile(io, 'schema', toJson(policyJsonSchema()), opts);
    });
}
