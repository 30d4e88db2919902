import type { Command } from 'commander';
import type { Policy, Service } from '../config/schema.js';
import { parseDuration } from '../config/schema.js';
import { clientOptions, PrometheusClient } from '../sources/prometheus-client.js';
import { usedSignals } from '../model/decision.js';
import { replay, REPLAY_DEFAULTS, type ReplayInput } from '../model/replay.js';
import { fixed } from '../format.js';
import { iso, renderCsv, renderText } from './backtest-report.js';
import {
  addConfigOption,
  parseFormat,
  parseRelativeTime,
  policyFile,
  readPolicy,
  UsageError,
  type Io,
} from './common.js';

export const BACKTEST_LIMITS = {
  /** Prometheus refuses a range query with more than 11,000 points per series
   * (web/api/v1/api.go: "exceeded maximum resolution of 11,000 points per timeseries"). */
  pointsPerQuery: 11_000,
  /** Points per series over the whole range: 500,000 is ~1 year at 1m, or 46 queries per series. */
  pointsPerSeries: 500_000,
  defaultStep: '1m',
  defaultFlapWindow: `${REPLAY_DEFAULTS.flapWindow / 60}m`,
} as const;

/** A failure that is not bad input (Prometheus down, a query error): exit 1, printed without a stack. */
class BacktestError extends Error {
  constructor(message: string) {
    super(message);
    this.stack = message;
  }
}

interface Options {
  'config.file'?: string;
  config?: string;
  service?: string;
  from?: string;
  to?: string;
  step: string;
  compare?: string;
  format: string;
  flapWindow: string;
  progress?: boolean;
}

/** Kept under its old name for the tests that import it. */
export const parseBacktestTime = parseRelativeTime;

function parseSeconds(flag: string, v: string, min: number): number {
  const s = parseDuration(v);
  if (s === undefined) throw new UsageError(`${flag}: expected a duration such as "30s", "1m" or "1h", got "${v}"`);
  if (s < min) throw new UsageError(`${flag}: expected at least ${min}s, got "${v}"`);
  return s;
}

function findService(policy: Policy, file: string, name: string | undefined): Service {
  if (name === undefined) {
    if (policy.services.length === 1) return policy.services[0];
    throw new UsageError(
      `--service: ${file} has ${policy.services.length} services; name one (${policy.services.map((s) => s.name).join(', ')})`
    );
  }
  const svc = policy.services.find((s) => s.name === name);
  if (!svc)
    throw new UsageError(
      `--service: unknown service "${name}" in ${file} (known: ${policy.services.map((s) => s.name).join(', ')})`
    );
  return svc;
}

/** Query ranges of at most `pointsPerQuery` points on the grid start + k * step. */
export function chunkRange(
  start: number,
  steps: number,
  step: number,
  perQuery: number = BACKTEST_LIMITS.pointsPerQuery
): { first: number; count: number; start: number; end: number }[] {
  const chunks = [];
  for (let first = 0; first < steps; first += perQuery) {
    const count = Math.min(perQuery, steps - first);
    chunks.push({ first, count, start: start + first * step, end: start + (first + count - 1) * step });
  }
  return chunks;
}

interface Progress {
  tick: () => void;
  done: () => void;
}

function progressBar(total: number, enabled: boolean, write: (s: string) => void): Progress {
  if (!enabled) return { tick: () => {}, done: () => {} };
  let n = 0;
  const width = 30;
  const draw = () => {
    const filled = Math.round((width * n) / total);
    write(`\rquerying Prometheus [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} queries`);
  };
  draw();
  return {
    tick: () => {
      n++;
      draw();
    },
    done: () => write('\r\x1b[K'),
  };
}

/** Reads every distinct query over the grid, chunked; NaN where Prometheus has no sample. */
async function fetchSeries(
  client: PrometheusClient,
  url: string,
  queries: string[],
  start: number,
  steps: number,
  step: number,
  progress: Progress
): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  const chunks = chunkRange(start, steps, step);
  await Promise.all(
    queries.map(async (q) => {
      const values = new Float64Array(steps).fill(NaN);
      out.set(q, values);
      const results = await Promise.all(
        chunks.map(async (c) => {
          const r = await client.range(q, c.start, c.end, step);
          progress.tick();
          return { c, r };
        })
      );
      // Checked in chunk order, so the error names the first offending chunk whatever finished first.
      for (const { c, r } of results) {
        if (!r.ok) throw new BacktestError(`cannot read ${JSON.stringify(q)} from ${url}: ${r.reason}`);
        if (r.series.length > 1) {
          throw new UsageError(
            `query ${JSON.stringify(q)} returned ${r.series.length} series between ${iso(c.start)} and ${iso(c.end)}; expected one (aggregate it, e.g. with sum or avg)`
          );
        }
        for (const p of r.series[0]?.points ?? []) {
          const k = Math.round((p.t - start) / step);
          if (k >= 0 && k < steps) values[k] = p.v;
        }
      }
    })
  );
  return out;
}

const count = (a: Float64Array) => a.reduce((n, v) => n + (Number.isFinite(v) ? 1 : 0), 0);

function inputFor(
  svc: Service,
  data: Map<string, Float64Array>,
  start: number,
  steps: number,
  step: number
): ReplayInput {
  const instances =
    svc.instances.query !== undefined
      ? data.get(svc.instances.query)!
      : new Float64Array(steps).fill(svc.instances.static ?? NaN);
  const signals: Record<string, Float64Array> = {};
  for (const name of usedSignals(svc.scaling)) signals[name] = data.get(signalQuery(svc, name))!;
  return { start, step, instances, signals };
}

export function registerBacktest(program: Command, io: Io, clock: () => number): void {
  addConfigOption(
    program
      .command('backtest')
      .description(
        'replay a scaling policy over recorded Prometheus data and report what it would have done and at what cost'
      ),
    'policy file (needs a prometheus: section)'
  )
    .option('--service <name>', 'the service to replay (optional when the policy has one)')
    .requiredOption('--from <time>', 'start: ISO 8601, unix seconds, or now-<duration> such as now-30d')
    .option('--to <time>', 'end: ISO 8601, unix seconds, or now[-<duration>]', 'now')
    .option('--step <duration>', 'resolution of the replay', BACKTEST_LIMITS.defaultStep)
    .option('--compare <file>', 'a second policy to replay on the same data, shown side by side')
    .option('--format <format>', 'text, json or csv (csv: the decisions)', 'text')
    .option(
      '--flap-window <duration>',
      'a reversal within this window counts as a flap',
      BACKTEST_LIMITS.defaultFlapWindow
    )
    .option('--no-progress', 'no progress bar on stderr (shown only on a terminal)')
    .action((opts: Options) => backtest(opts, io, clock));
}

/** The replayed grid: samples at from, from + step, … before `to`; each stands for the step that follows it. */
interface Grid {
  from: number;
  to: number;
  step: number;
  steps: number;
  flapWindow: number;
}

function parseGrid(opts: Options, clock: () => number): Grid {
  const step = parseSeconds('--step', opts.step, 1);
  const flapWindow = parseSeconds('--flap-window', opts.flapWindow, 0);
  const from = parseBacktestTime('--from', opts.from!, clock);
  const to = parseBacktestTime('--to', opts.to ?? 'now', clock);
  if (from >= to) throw new UsageError(`--from (${iso(from)}) must be before --to (${iso(to)})`);
  const steps = Math.ceil((to - from) / step - 1e-9);
  if (steps > BACKTEST_LIMITS.pointsPerSeries) {
    const minStep = Math.ceil((to - from) / BACKTEST_LIMITS.pointsPerSeries);
    throw new UsageError(
      `--step ${opts.step} is too small for ${iso(from)} → ${iso(to)}: ${fixed(steps)} points per series, above the limit of ${fixed(BACKTEST_LIMITS.pointsPerSeries)} points per series (Prometheus serves at most ${fixed(BACKTEST_LIMITS.pointsPerQuery)} per query); use --step ${minStep}s or more, or a shorter range`
    );
  }
  return { from, to, step, steps, flapWindow };
}

interface Run {
  label: string;
  svc: Service;
}

/** The policy's service and, with --compare, the same service of the other policy. */
function readRuns(opts: Options): { policy: Policy & { prometheus: NonNullable<Policy['prometheus']> }; runs: Run[] } {
  const config = policyFile(opts);
  const policy = readPolicy(config);
  if (!policy.prometheus) {
    throw new UsageError(
      `${config}: no prometheus: section; backtest replays recorded data, so the policy needs prometheus.url (the built-in demo has no history to replay; see exporter/scripts/backtest-demo.ts)`
    );
  }
  const svc = findService(policy, config, opts.service);
  const runs: Run[] = [{ label: config, svc }];
  if (opts.compare !== undefined) {
    const other = readPolicy(opts.compare);
    runs.push({ label: opts.compare, svc: findService(other, opts.compare, svc.name) });
    if (runs[1].label === runs[0].label) runs[1].label = `${opts.compare} (2)`;
  }
  return { policy: { ...policy, prometheus: policy.prometheus }, runs };
}

const signalQuery = (svc: Service, name: string) => svc.signals.find((s) => s.name === name)!.query;

/** Every distinct query the runs need, read once over the grid. */
async function readData(
  prom: NonNullable<Policy['prometheus']>,
  runs: Run[],
  grid: Grid,
  progressOn: boolean,
  io: Io
): Promise<Map<string, Float64Array>> {
  const queries = new Set<string>();
  for (const r of runs) {
    if (r.svc.instances.query !== undefined) queries.add(r.svc.instances.query);
    for (const name of usedSignals(r.svc.scaling)) queries.add(signalQuery(r.svc, name));
  }
  const client = new PrometheusClient(clientOptions(prom));
  const total = queries.size * chunkRange(grid.from, grid.steps, grid.step).length;
  const progress = progressBar(total, progressOn, io.stderr);
  try {
    return await fetchSeries(client, prom.url, [...queries], grid.from, grid.steps, grid.step, progress);
  } finally {
    progress.done();
  }
}

/** A run without its fleet size, or without any signal, cannot be replayed: exit 2 saying which. */
function checkData(runs: Run[], data: Map<string, Float64Array>, grid: Grid): void {
  const range = `between ${iso(grid.from)} and ${iso(grid.to)}`;
  for (const r of runs) {
    const q = r.svc.instances.query;
    if (q !== undefined && count(data.get(q)!) === 0) {
      throw new UsageError(
        `no data ${range}: the instance count query ${JSON.stringify(q)} of service ${r.svc.name} returned no samples (${r.label}); backtest needs the recorded fleet size`
      );
    }
    const names = usedSignals(r.svc.scaling);
    const empty = names.filter((n) => count(data.get(signalQuery(r.svc, n))!) === 0);
    if (empty.length === names.length) {
      throw new UsageError(
        `no data ${range}: none of the signals of service ${r.svc.name} (${names.join(', ')}) returned samples (${r.label})`
      );
    }
  }
}

async function backtest(opts: Options, io: Io, clock: () => number): Promise<void> {
  const format = parseFormat(opts.format, ['text', 'json', 'csv']);
  const grid = parseGrid(opts, clock);
  const { policy, runs } = readRuns(opts);
  const prom = policy.prometheus;
  const data = await readData(prom, runs, grid, opts.progress !== false && process.stderr.isTTY === true, io);
  checkData(runs, data, grid);
  const { from, to, step, steps, flapWindow } = grid;
  const results = runs.map((r) => ({
    label: r.label,
    result: replay(r.svc, inputFor(r.svc, data, from, steps, step), { flapWindow }),
  }));
  if (format === 'json') {
    const backtests = results.map((r) => ({ policy: r.label, ...r.result }));
    io.stdout(
      `${JSON.stringify({ version: 1, service: runs[0].svc.name, from: iso(from), to: iso(to), step, flapWindow, prometheus: prom.url, backtests }, null, 2)}\n`
    );
  } else if (format === 'csv') {
    io.stdout(renderCsv(results));
  } else {
    io.stdout(renderText(results));
  }
}
