import type { Command } from 'commander';
import { renderMetricsDoc } from '../metrics/doc.js';
import { emitGeneratedFile, type Io } from './common.js';

export function register(program: Command, io: Io): void {
  program
    .command('metrics-doc')
    .description('print (or write) the metrics reference, docs/metrics.md, generated from the metric catalogue')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--check', 'write nothing; exit 1 when the file of --out differs from the catalogue')
    .action((opts: { out?: string; check?: boolean }) => {
      emitGeneratedFile(io, 'metrics-doc', renderMetricsDoc(), opts);
    });
}
