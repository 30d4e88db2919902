/**
 * A backtest of the built-in demo workload against a real Prometheus, in one command:
 *
 *   npx tsx exporter/scripts/backtest-demo.ts [--days 30] [--to 2026-11-27T00:00:00Z] [backtest flags…]
 *
 * 1. samples the demo workload (exporter/src/sources/demo.ts) every minute for `--days` days,
 *    as the gauges headroom_demo_signal{service,signal} and headroom_demo_instances{service};
 * 2. backfills them into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`;
 * 3. starts a private Prometheus (Debian package) on loopback over those blocks;
 * 4. runs `headroom backtest` with a copy of headroom.yml whose queries read those gauges
 *    (`--compare other.yml` is copied the same way), prints its report, and cleans up.
 * Needs `prometheus` and `promtool` on PATH. The README's backtest sample is this script's output.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePolicy } from '../src/config/load.js';
import { main } from '../src/cli/main.js';
import { startPrometheus, tempDir } from '../test/support/processes.js';
import { backfillBlocks, demoFamilies, demoPolicyText, demoWorkload, openMetrics } from './backtest-data.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DAY = 86_400;
const STEP = 60;

async function run(argv: string[]): Promise<number> {
  const args = [...argv];
  const take = (flag: string, fallback: string) => {
    const i = args.indexOf(flag);
    if (i < 0) return fallback;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const days = Number(take('--days', '30'));
  const to = Date.parse(take('--to', '2026-11-27T00:00:00Z')) / 1000;
  const policyFile = take('--config', path.join(ROOT, 'headroom.yml'));
  const compare = take('--compare', '');
  if (!(days > 0) || Number.isNaN(to))
    throw new Error(
      'usage: backtest-demo.ts [--days N] [--to ISO-time] [--config file] [--compare file] [backtest flags]'
    );
  const from = to - days * DAY;
  const steps = days * (DAY / STEP) + 1;

  const policy = parsePolicy(readFileSync(policyFile, 'utf8'), policyFile);
  const t0 = performance.now();
  const families = policy.services.flatMap((svc) => demoFamilies(svc.name, demoWorkload(svc, from, steps, STEP)));
  const storage = await backfillBlocks(openMetrics(families, from, STEP));
  process.stderr.write(
    `backfilled ${days} days of the demo workload at 1m in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`
  );
  const prom = await startPrometheus({ config: 'global:\n  scrape_interval: 1m\n', storage });
  const dir = tempDir('backtest-demo');
  const cwd = process.cwd();
  try {
    writeFileSync(path.join(dir, 'headroom.yml'), demoPolicyText(readFileSync(policyFile, 'utf8'), prom.url));
    if (compare)
      writeFileSync(path.join(dir, path.basename(compare)), demoPolicyText(readFileSync(compare, 'utf8'), prom.url));
    // Relative names, so the report shows "headroom.yml" rather than a temporary path.
    process.chdir(dir);
    const flags = [
      '--config',
      'headroom.yml',
      '--from',
      new Date(from * 1000).toISOString(),
      '--to',
      new Date(to * 1000).toISOString(),
      ...(compare ? ['--compare', path.basename(compare)] : []),
      ...args,
    ];
    return await main(['node', 'headroom', 'backtest', ...flags]);
  } finally {
    process.chdir(cwd);
    await prom.stop();
    rmSync(path.dirname(storage), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await run(process.argv.slice(2));
