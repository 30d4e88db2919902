import type { Command } from 'commander';
import path from 'node:path';
import { staleGenerated, writeGenerated } from '../generated.js';
import { renderMetricsDoc } from '../metrics/doc.js';
import { reportStale, UsageError, type Io } from './common.js';

export function register(program: Command, io: Io): void {
  program
    .command('metrics-doc')
    .description('print (or write) the metrics reference, docs/metrics.md, generated from the metric catalogue')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--check', 'write nothing; exit 1 when the file of --out differs from the catalogue')
    .action((opts: { out?: string; check?: boolean }) => {
      const text = renderMetricsDoc();
      if (!opts.out) {
        if (opts.check) throw new UsageError('--check: needs --out <file>, the file to compare');
        io.stdout(text);
        return;
      }
      const files = { [path.basename(opts.out)]: text };
      if (opts.check) {
        if (!reportStale(io, staleGenerated(path.dirname(opts.out), files), 'metrics-doc', `npx headroom metrics-doc --out ${opts.out}`)) io.stdout(`${opts.out}: up to date\n`);
        return;
      }
      writeGenerated(path.dirname(opts.out), files);
    });
}
