import type { Command } from 'commander';
import type { Policy, Service } from '../config/schema.js';
import { parseDuration } from '../config/schema.js';
import { clientOptions, PrometheusClient } from '../sources/prometheus-client.js';
import { usedSignals } from '../model/decision.js';
import { replay, REPLAY_DEFAULTS, type ReplayInput, type ReplayResult } from '../model/replay.js';
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

const fmtNum = (v: number, digits = 0) =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const money = (v: number, cur: string) => `${cur === 'USD' ? '$' : `${cur} `}${fmtNum(v, 2)}`;
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const minutes = (m: number) => (m >= 120 ? `${fmtNum(m / 60, 1)} h` : `${fmtNum(m)} min`);
const durationText = (s: number) => (s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);

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
  for (const name of usedSignalsOf(svc)) signals[name] = data.get(svc.signals.find((s) => s.name === name)!.query)!;
  return { start, step, instances, signals };
}

function renderText(runs: { label: string; result: ReplayResult }[]): string {
  const r0 = runs[0].result;
  const cur = r0.summary.cost.currency;
  const out: string[] = [];
  const cols = runs.length;
  const w = 26;
  out.push(
    `Headroom backtest: ${r0.service}  ${iso(r0.from)} → ${iso(r0.to)}  (${fmtNum(r0.steps)} steps of ${durationText(r0.step)}, flap window ${durationText(r0.flapWindow)})`
  );
  const cov = (r: ReplayResult) =>
    [
      `instances ${fmtNum(r.coverage.instances * 100, 1)}%`,
      ...Object.entries(r.coverage.signals).map(([s, c]) => `${s} ${fmtNum(c * 100, 1)}%`),
    ].join(' · ');
  for (const run of runs) out.push(`  ${cols > 1 ? `${run.label}: ` : ''}data coverage: ${cov(run.result)}`);
  out.push('');
  const row = (name: string, cells: string[]) =>
    out.push(`  ${name.padEnd(34)}${cells.map((c) => c.padStart(w)).join('')}`);
  out.push('Summary');
  if (cols > 1)
    row(
      '',
      runs.map((r) => r.label)
    );
  const s = (f: (r: ReplayResult) => string) => runs.map((r) => f(r.result));
  row(
    'scale-outs',
    s((r) => fmtNum(r.summary.scaleOuts))
  );
  row(
    'scale-ins',
    s((r) => fmtNum(r.summary.scaleIns))
  );
  row(
    `flaps (reversal within ${durationText(r0.flapWindow)})`,
    s((r) => fmtNum(r.summary.flaps))
  );
  row(
    'instances start → end (min–max)',
    s((r) => {
      const i = r.summary.instances;
      return `${i.start ?? '?'} → ${i.end ?? '?'} (${i.min ?? '?'}–${i.max ?? '?'})`;
    })
  );
  row(
    'time at max instances',
    s((r) => minutes(r.summary.minutesAtMax))
  );
  row(
    'instance-hours simulated',
    s((r) => fmtNum(r.summary.instanceHours.simulated, 1))
  );
  row(
    'instance-hours recorded',
    s((r) => fmtNum(r.summary.instanceHours.recorded, 1))
  );
  row(
    `cost simulated (${r0.summary.cost.pricing})`,
    s((r) => money(r.summary.cost.simulated, cur))
  );
  row(
    `cost recorded (${r0.summary.cost.pricing})`,
    s((r) => money(r.summary.cost.recorded, cur))
  );
  row(
    'difference',
    s((r) => {
      const d = r.summary.cost.simulated - r.summary.cost.recorded;
      return `${d >= 0 ? '+' : '−'}${money(Math.abs(d), cur)}${r.summary.cost.recorded > 0 ? ` (${d >= 0 ? '+' : '−'}${fmtNum((Math.abs(d) / r.summary.cost.recorded) * 100, 1)}%)` : ''}`;
    })
  );
  row(
    'steps with missing data',
    s((r) => fmtNum(r.summary.missingSteps))
  );
  row(
    'wanted to act but blocked',
    s(
      (r) =>
        Object.entries(r.summary.blocked)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'never'
    )
  );
  out.push('');
  out.push('Risk: time above each scale-out threshold (simulated fleet / recorded fleet)');
  for (const run of runs) {
    if (cols > 1) out.push(`  ${run.label}`);
    for (const t of run.result.summary.risk) {
      out.push(
        `  ${cols > 1 ? '  ' : ''}${t.trigger.padEnd(16)} ${`${t.signal} > ${fmtNum(t.above, 2).replace(/\.00$/, '')}`.padEnd(24)} ${minutes(t.simulatedMinutes).padStart(10)} / ${minutes(t.recordedMinutes)}`
      );
    }
  }
  out.push('');
  out.push(
    'Per day (UTC): actions, flaps, simulated instances (min–max), instance-hours and cost simulated/recorded, minutes at risk'
  );
  const widths = [8, 6, 10, 14, 20, 7];
  const cell = (values: string[]) => values.map((v, j) => v.padStart(widths[j])).join('');
  const blank = ''.padEnd(widths.reduce((a, b) => a + b, 0));
  if (cols > 1)
    out.push(
      `  ${''.padEnd(10)}${runs.map((r) => `  ${r.label.slice(-blank.length).padStart(blank.length)}`).join(' │')}`
    );
  out.push(
    `  ${'date'.padEnd(10)}${runs.map(() => `  ${cell(['out/in', 'flaps', 'instances', 'inst-hours', 'cost', 'risk'])}`).join(' │')}`
  );
  for (let i = 0; i < r0.days.length; i++) {
    const cells = runs.map((run) => {
      const d = run.result.days[i];
      const inst =
        d.minInstances === null
          ? '?'
          : d.minInstances === d.maxInstances
            ? `${d.minInstances}`
            : `${d.minInstances}–${d.maxInstances}`;
      const h = `${fmtNum(d.instanceHours.simulated, 0)}/${fmtNum(d.instanceHours.recorded, 0)}`;
      const c = `${money(d.cost.simulated, cur)}/${money(d.cost.recorded, cur)}`;
      return `  ${cell([`+${d.scaleOuts}/−${d.scaleIns}`, String(d.flaps), inst, h, c, `${fmtNum(d.riskMinutes)}m`])}`;
    });
    out.push(`  ${r0.days[i].date}${cells.join(' │')}`);
  }
  out.push('');
  for (const run of runs) {
    const ds = run.result.decisions;
    out.push(
      `Decisions${cols > 1 ? ` (${run.label})` : ''}: ${ds.length}${ds.length ? '' : ' — the policy would not have acted'}`
    );
    for (const d of ds) {
      out.push(
        `  ${iso(d.at)}  ${d.action.replace('_', '-').padEnd(9)} ${String(d.from).padStart(3)} → ${String(d.to).padEnd(3)} ${d.trigger}${d.flap ? '  [flap]' : ''}${d.recorded !== null ? `  (recorded ${fmtNum(d.recorded, 1).replace(/\.0$/, '')})` : ''}`
      );
      for (const reason of d.reasons) out.push(`      - ${reason}`);
      for (const warning of d.warnings) out.push(`      ! ${warning}`);
    }
    out.push('');
  }
  return out.join('\n');
}

const csvCell = (v: string | number | boolean | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

function renderCsv(runs: { label: string; result: ReplayResult }[]): string {
  const lines = ['policy,service,time,unix,action,from,to,trigger,recorded,flap,reasons'];
  for (const run of runs) {
    for (const d of run.result.decisions) {
      lines.push(
        [
          run.label,
          run.result.service,
          d.time,
          d.at,
          d.action,
          d.from,
          d.to,
          d.trigger,
          d.recorded,
          d.flap,
          d.reasons.join(' '),
        ]
          .map(csvCell)
          .join(',')
      );
    }
  }
  return lines.join('\n') + '\n';
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
    .action(async (opts: Options) => {
      const format = parseFormat(opts.format, ['text', 'json', 'csv']);
      const step = parseSeconds('--step', opts.step, 1);
      const flapWindow = parseSeconds('--flap-window', opts.flapWindow, 0);
      const from = parseBacktestTime('--from', opts.from!, clock);
      const to = parseBacktestTime('--to', opts.to ?? 'now', clock);
      if (from >= to) throw new UsageError(`--from (${iso(from)}) must be before --to (${iso(to)})`);
      // Samples at from, from + step, … before `to`; each stands for the step that follows it.
      const steps = Math.ceil((to - from) / step - 1e-9);
      if (steps > BACKTEST_LIMITS.pointsPerSeries) {
        const minStep = Math.ceil((to - from) / BACKTEST_LIMITS.pointsPerSeries);
        throw new UsageError(
          `--step ${opts.step} is too small for ${iso(from)} → ${iso(to)}: ${fmtNum(steps)} points per series, above the limit of ${fmtNum(BACKTEST_LIMITS.pointsPerSeries)} points per series (Prometheus serves at most ${fmtNum(BACKTEST_LIMITS.pointsPerQuery)} per query); use --step ${minStep}s or more, or a shorter range`
        );
      }

      const config = policyFile(opts);
      const policy = readPolicy(config);
      if (!policy.prometheus) {
        throw new UsageError(
          `${config}: no prometheus: section; backtest replays recorded data, so the policy needs prometheus.url (the built-in demo has no history to replay; see exporter/scripts/backtest-demo.ts)`
        );
      }
      const svc = findService(policy, config, opts.service);
      const runs: { label: string; svc: Service }[] = [{ label: config, svc }];
      if (opts.compare !== undefined) {
        const other = readPolicy(opts.compare);
        runs.push({ label: opts.compare, svc: findService(other, opts.compare, svc.name) });
        if (runs[1].label === runs[0].label) runs[1].label = `${opts.compare} (2)`;
      }

      // Every distinct query either policy needs, read once.
      const queries = new Set<string>();
      for (const r of runs) {
        if (r.svc.instances.query !== undefined) queries.add(r.svc.instances.query);
        for (const name of usedSignalsOf(r.svc)) queries.add(r.svc.signals.find((s) => s.name === name)!.query);
      }
      const prom = policy.prometheus;
      const client = new PrometheusClient(clientOptions(prom));
      const total = queries.size * chunkRange(from, steps, step).length;
      const progress = progressBar(total, opts.progress !== false && process.stderr.isTTY === true, io.stderr);
      let data: Map<string, Float64Array>;
      try {
        data = await fetchSeries(client, prom.url, [...queries], from, steps, step, progress);
      } finally {
        progress.done();
      }

      const range = `between ${iso(from)} and ${iso(to)}`;
      for (const r of runs) {
        const q = r.svc.instances.query;
        if (q !== undefined && count(data.get(q)!) === 0) {
          throw new UsageError(
            `no data ${range}: the instance count query ${JSON.stringify(q)} of service ${r.svc.name} returned no samples (${r.label}); backtest needs the recorded fleet size`
          );
        }
        const names = usedSignalsOf(r.svc);
        const empty = names.filter((n) => count(data.get(r.svc.signals.find((s) => s.name === n)!.query)!) === 0);
        if (empty.length === names.length) {
          throw new UsageError(
            `no data ${range}: none of the signals of service ${r.svc.name} (${names.join(', ')}) returned samples (${r.label})`
          );
        }
      }

      const results = runs.map((r) => ({
        label: r.label,
        result: replay(r.svc, inputFor(r.svc, data, from, steps, step), { flapWindow }),
      }));
      if (format === 'json') {
        io.stdout(
          `${JSON.stringify({ version: 1, service: svc.name, from: iso(from), to: iso(to), step, flapWindow, prometheus: prom.url, backtests: results.map((r) => ({ policy: r.label, ...r.result })) }, null, 2)}\n`
        );
      } else if (format === 'csv') {
        io.stdout(renderCsv(results));
      } else {
        io.stdout(renderText(results));
      }
    });
}

/** Signals the service's scaling policy reads. */
function usedSignalsOf(svc: Service): string[] {
  return usedSignals(svc.scaling);
}
