import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { renderMetricsDoc } from '../metrics/doc.js';
import type { Io } from './common.js';

export function register(program: Command, io: Io): void {
  program
    .command('metrics-doc')
    .description('print (or write) the metrics reference, docs/metrics.md, generated from the metric catalogue')
    .option('--out <file>', 'write to this file instead of stdout')
    .action((opts: { out?: string }) => {
      if (opts.out) writeFileSync(opts.out, renderMetricsDoc());
      else io.stdout(renderMetricsDoc());
    });
}
