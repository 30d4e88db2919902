/**
 * `npm run bench -- fleet`: the query cost of a refresh on a real Prometheus (Debian package), set
 * up as a user's would be. 1,000 services (exporter/test/support/fleet-data.ts: six gauges and an
 * instance count each, 2 h at 15 s running DATA_AHEAD_SECONDS past the start so they stay fresh
 * while the bench runs, and a year of daily users) are backfilled with
 * `promtool tsdb create-blocks-from openmetrics`. The fleet's recording rules are what
 * `headroom rules` writes for the bench's fleet policies (scaling.rules.yml, its records: one per
 * signal with a trigger, every 30 s, the refresh interval), loaded into that Prometheus, and their
 * history is backfilled the documented way: `promtool tsdb create-blocks-from rules` against the
 * running Prometheus, the blocks moved into its data directory, Prometheus restarted on it. So the
 * exporter's trigger windows read `min_over_time` / `count_over_time` over the recorded series, as
 * they do for a user with the rules loaded (checked in Prometheus's query log: no subquery).
 *
 * Then the compiled `headroom serve` runs on a fleet policy (label `service`, the example service as
 * template) at 1,000 services (fleet `shop`) and at 100 (fleet `shop100`, its own rules), and on the
 * same 1,000 services written as explicit entries. Per steady refresh (history is read on the first
 * only): queries sent (the exporter's headroom_prometheus_queries_total, checked against
 * Prometheus's own prometheus_http_requests_total), the refresh's wall time
 * (headroom_refresh_duration_seconds), and the CPU seconds of Prometheus and of the exporter over
 * the refresh (from /proc, sampled; Prometheus's less its idle rate, measured first).
 *
 * Floor, in the same run: the fleet's own vector queries sent straight to Prometheus once each, at
 * the same concurrency (4): one per signal, the window queries the exporter sends (extreme and count
 * over the recorded series, built by sources/recorded.ts recordedWindow, as the exporter's), the
 * instance count. The goal figure compares it with the exporter's steady refresh replayed the same
 * way: the queries Prometheus logged from it (and its read of the rules), runs taking turns with
 * the floor's. What it sends beyond the floor (the staleness timestamps, the list of rules) is
 * printed. The CPU measured in the refreshes themselves is shown beside it.
 *
 * The explicit shape is compared with the per-service path (each service's queries sent alone), run
 * in this process on 100 of the 1,000 services and scaled ×10: every service's queries have the
 * same shape, so the count is exact and the CPU proportional. The 100-service fleet and the
 * explicit services read 28 days of history (their first refresh is not a figure; a year is fitted
 * at 1,000 in the fleet's).
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { signalRecord } from '@headroom/contract';
import { validatePolicy } from '../exporter/src/config/load.js';
import { PrometheusSource } from '../exporter/src/sources/prometheus.js';
import { recordedWindow } from '../exporter/src/sources/recorded.js';
import { exec, startPrometheus, type Running } from '../exporter/test/support/processes.js';
import { parseMetrics } from '../exporter/test/support/serve.js';
import {
  FLEET_SIGNALS,
  HISTORY_METRIC,
  INSTANCES_METRIC,
  recordingFetch,
  writeFleetOpenMetrics,
} from '../exporter/test/support/fleet-data.js';
import { median, ROOT, type Figure } from './common.js';
import { startServeChild, type ServeChild } from './serve-child.js';

const SERVICES = 1000;
const STEP = 15;
const RAW_SECONDS = 7200;
/** The raw data runs this far past the bench's start, so its newest samples stay fresh (refresh.max_sample_age) to the end. */
const DATA_AHEAD_SECONDS = 1800;
const CONCURRENCY = 4;
/** The refresh interval of every run (the example's), hence (fleetRuleIntervalSeconds) the fleet rules' evaluation interval. */
const INTERVAL = '30s';
/** Steady refreshes measured per run (after the first, which also reads the history). */
const STEADY = 4;
/** Runs of the floor and of the replayed refresh, taking turns (medians). */
const FLOOR_RUNS = 7;
/** The per-service path is measured on this many of the explicit services, and scaled to all of them. */
const PER_SERVICE_SAMPLE = 100;
/** Seconds over which Prometheus's CPU is measured idle (no exporter, the rules evaluating). */
const IDLE_SECONDS = 20;

// A YAML document of the policy, edited as loaded (its schema checks it when headroom serve loads it).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const examplePolicy = (): Doc => yaml.load(readFileSync(path.join(ROOT, 'headroom.yml'), 'utf8')) as Doc;

/** The example policy's service (schedules off: they are not queries) with the fleet's queries on `sel`. */
function serviceDoc(name: string | undefined, sel: string, by: string, historyDays: number): Doc {
  const example = examplePolicy().services[0];
  const s = { ...example };
  if (name === undefined) delete s.name;
  else s.name = name;
  s.instances = { query: `sum${by}(${INSTANCES_METRIC}${sel})` };
  s.signals = FLEET_SIGNALS.map((f) => ({
    ...example.signals.find((x: Doc) => x.name === f.name),
    query: `${f.agg}${by}(${f.metric}${sel})`,
  }));
  s.scaling = { ...s.scaling, schedules: [] };
  s.growth = { ...s.growth, history_query: `sum${by}(${HISTORY_METRIC}${sel})`, history_days: historyDays };
  return s;
}

function policyDoc(promUrl: string, services: Doc[], fleets: Doc[]): Doc {
  return {
    ...examplePolicy(),
    prometheus: { url: promUrl, timeout: '60s', concurrency: CONCURRENCY },
    refresh: { interval: INTERVAL, history_interval: '1h' },
    services,
    fleets,
  };
}

/** The bench's fleets: `shop`, all 1,000 services (a year of history), and `shop100`, s0…s99. */
export const FLEETS = [
  { name: 'shop', sel: '{job="shop"}', historyDays: 365 },
  { name: 'shop100', sel: '{job="shop",service=~"s[0-9]{1,2}"}', historyDays: 28 },
] as const;
type FleetName = (typeof FLEETS)[number]['name'];

export function fleetPolicy(promUrl: string, name: FleetName): Doc {
  const f = FLEETS.find((x) => x.name === name)!;
  const template = serviceDoc(undefined, f.sel, ' by (service) ', f.historyDays);
  return policyDoc(promUrl, [], [{ name: f.name, label: 'service', template }]);
}
const explicitPolicy = (promUrl: string, n: number) =>
  policyDoc(
    promUrl,
    Array.from({ length: n }, (_, k) => serviceDoc(`s${k}`, `{job="shop",service="s${k}"}`, '', 28)),
    []
  );

/** Backfills the fleet's raw data; returns the storage directory and how long generating and promtool took. */
export async function backfillFleet(
  end: number
): Promise<{ storage: string; genSeconds: number; promtoolSeconds: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-fleet-bench-'));
  const input = path.join(dir, 'fleet.om');
  const t0 = performance.now();
  await writeFleetOpenMetrics(input, {
    services: SERVICES,
    end,
    rawSeconds: RAW_SECONDS,
    step: STEP,
    historyDays: 365,
  });
  const t1 = performance.now();
  const storage = path.join(dir, 'data');
  // Blocks of up to a year: one pass over the input per block, instead of one per 2 h of the year.
  await exec('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=8784h', input, storage], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const t2 = performance.now();
  rmSync(input);
  return { storage, genSeconds: (t1 - t0) / 1000, promtoolSeconds: (t2 - t1) / 1000 };
}

/**
 * What `headroom rules` (the compiled CLI) writes for the fleet's policy: the recording rules of its
 * scaling.rules.yml. Its alerts are left out: they evaluate whether the exporter runs or not (about
 * 0.8 s of Prometheus CPU every 30 s at 1,000 services with this data, many of them pending), on the
 * refreshes' cadence, so they would land in the spans measured per refresh.
 */
export async function fleetRules(name: FleetName): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-fleet-rules-'));
  try {
    const file = path.join(dir, 'headroom.yml');
    writeFileSync(file, yaml.dump(fleetPolicy('http://127.0.0.1:9090', name), { lineWidth: -1 }));
    await exec(process.execPath, [path.join(ROOT, 'exporter/bin/headroom.js'), 'rules', '-c', file, '--out', dir]);
    const doc = yaml.load(readFileSync(path.join(dir, 'scaling.rules.yml'), 'utf8')) as { groups: Doc[] };
    const groups = doc.groups.map((g) => ({ ...g, rules: g.rules.filter((r: Doc) => r.record !== undefined) }));
    return yaml.dump({ groups: groups.filter((g) => g.rules.length > 0) }, { lineWidth: -1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prometheus on the fleet's storage with the fleets' rules loaded, logging every query it answers. */
function startFleetPrometheus(storage: string, rules: Record<string, string>): Promise<Running> {
  const files = Object.keys(rules).map((f) => `'{{DIR}}/${f}'`);
  return startPrometheus({
    config: `global: { scrape_interval: 1m, query_log_file: '{{DIR}}/queries.log' }\nrule_files: [${files.join(', ')}]\n`,
    storage,
    files: rules,
    // The raw blocks run ahead of now, so the head refuses the live rule evaluations as out of bounds (the backfilled
    // history covers the span): their evaluation costs what it does for a user, a warning line per sample would not.
    extraArgs: ['--log.level=error'],
  });
}

/**
 * The recorded series' history, the documented way: `promtool tsdb create-blocks-from rules` evaluates
 * the rules against the running Prometheus over the raw data's span (each group at its own
 * interval), its blocks are moved into the data directory and Prometheus is restarted on it.
 */
export async function backfillRecorded(
  storage: string,
  rules: Record<string, string>,
  start: number,
  end: number
): Promise<{ prom: Running; seconds: number }> {
  const t = performance.now();
  const out = mkdtempSync(path.join(tmpdir(), 'headroom-fleet-recorded-'));
  const first = await startFleetPrometheus(storage, rules);
  try {
    await exec(
      'promtool',
      [
        'tsdb',
        'create-blocks-from',
        'rules',
        `--url=${first.url}`,
        `--start=${start}`,
        `--end=${end}`,
        `--output-dir=${out}`,
        ...Object.keys(rules).map((f) => path.join(first.dir, f)),
      ],
      { maxBuffer: 64 * 1024 * 1024 }
    );
  } finally {
    await first.stop();
  }
  for (const block of readdirSync(out)) renameSync(path.join(out, block), path.join(storage, block));
  rmSync(out, { recursive: true, force: true });
  const prom = await startFleetPrometheus(storage, rules);
  return { prom, seconds: (performance.now() - t) / 1000 };
}

/** CPU seconds (user + system) a process has spent, from /proc (no request to the process, so it costs it nothing). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** USER_HZ of /proc/<pid>/stat: 100 on Linux. */
const CLOCK_TICKS = 100;

/**
 * A process's CPU seconds sampled every SAMPLE_MS, so the CPU of a span that is known only once it
 * ended (a refresh: its end and duration) can be read back: the sample before its start to now.
 */
class CpuSampler {
  private readonly samples: { t: number; cpu: number }[] = [];
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }
  private sample(): void {
    this.samples.push({ t: performance.now() / 1000, cpu: cpuOf(this.pid) });
  }
  /** The last sample at or before `t` (performance.now() seconds). */
  at(t: number): { t: number; cpu: number } {
    let i = this.samples.length - 1;
    while (i > 0 && this.samples[i].t > t) i--;
    return this.samples[i];
  }
  stop(): void {
    clearInterval(this.timer);
  }
}
const SAMPLE_MS = 100;

/** The query requests Prometheus has answered, from its own /metrics. */
async function promCounters(prom: Running): Promise<{ requests: number; ruleEvaluations: number[] }> {
  const m = parseMetrics(await (await fetch(`${prom.url}/metrics`)).text());
  let requests = 0;
  const ruleEvaluations: number[] = [];
  for (const [k, v] of m) {
    if (/^prometheus_http_requests_total\{.*handler="\/api\/v1\/(query|query_range|rules|status\/runtimeinfo)"/.test(k))
      requests += v;
    if (k.startsWith('prometheus_rule_group_last_evaluation_timestamp_seconds{')) ruleEvaluations.push(v);
  }
  return { requests, ruleEvaluations };
}

interface ServeRun {
  firstRefreshSeconds: number;
  /** The history refit that follows the first refresh's publication (headroom_refresh_duration_seconds{cadence="history"}). */
  firstHistorySeconds: number;
  firstQueries: number;
  refreshSeconds: number;
  /** Median, least and most queries of the steady refreshes. */
  queries: number;
  queriesMin: number;
  queriesMax: number;
  promRequests: number;
  /** Prometheus CPU over a steady refresh, less its idle rate over that time. */
  promCpuSeconds: number;
  /** The same over the steady refreshes whose span held no rule evaluation (NaN: none), and how many did. */
  promCpuSecondsNoRules: number;
  withRuleEvaluation: number;
  /** The exporter's CPU over a steady refresh, and over a whole refresh cycle (its process_cpu_seconds_total, a /metrics scrape included). */
  exporterCpuSeconds: number;
  exporterCycleCpuSeconds: number;
  rssBytes: number;
  scrapeBytes: number;
  services: number;
  /** The distinct queries Prometheus logged from the exporter during the run, with how many times each. */
  logged: Map<string, number>;
  /** The distinct queries it logged during the steady refreshes: one refresh's (each refresh sends the same). */
  steadyQueries: string[];
}

const sum = (m: Map<string, number>, name: string) =>
  [...m].reduce((a, [k, v]) => (k === name || k.startsWith(`${name}{`) ? a + v : a), 0);

/** The distinct values of `label` on the series of `metric` (parseMetrics keys). */
function labelValuesOf(m: Map<string, number>, metric: string, label: string): Set<string> {
  const out = new Set<string>();
  for (const k of m.keys()) {
    if (!k.startsWith(`${metric}{`)) continue;
    const v = new RegExp(`[{,]${label}="([^"]+)"`).exec(k)?.[1];
    if (v !== undefined) out.add(v);
  }
  return out;
}

/** The instant and range queries Prometheus's query log holds (not its rules' evaluations), by text. */
function loggedQueries(prom: Running): Map<string, number> {
  const out = new Map<string, number>();
  const file = path.join(prom.dir, 'queries.log');
  const text = (() => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  })();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { params?: { query?: string }; ruleGroup?: unknown };
    if (e.ruleGroup || !e.params?.query) continue;
    out.set(e.params.query, (out.get(e.params.query) ?? 0) + 1);
  }
  return out;
}

/** Seconds before a refresh's measured start that its CPU span begins at (the sampling's and the log's delays). */
const SPAN_MARGIN_SECONDS = 0.3;

type Step = {
  ruleEvaluated: boolean;
  requests: number;
  queries: number;
  seconds: number;
  /** The last history refit's wall seconds (NaN before the first). */
  historySeconds: number;
  exporterCycleCpu: number;
  prom: number;
  exporter: number;
};

/**
 * One refresh's figures, read when its "refresh complete" line arrives: the CPU of Prometheus and of
 * the exporter over the refresh (from a sample before its start, known from its duration, to now),
 * less Prometheus's idle rate over that span; then the counters of both.
 */
async function readStep(
  prom: Running,
  serve: ServeChild,
  cpu: { prom: CpuSampler; exporter: CpuSampler },
  idleCpuPerSecond: number
): Promise<{ step: Step; body: string; metrics: Map<string, number> }> {
  const t = performance.now() / 1000;
  const wall = Date.now() / 1000;
  const end = { prom: cpuOf(prom.proc.pid!), exporter: cpuOf(serve.pid) };
  const body = await fetch(`${serve.url}/metrics`)
    .then((r) => r.text())
    .catch((e: Error) => {
      throw new Error(`GET /metrics of headroom serve failed (${e.message}); its log ends: ${serve.tail()}`);
    });
  const metrics = parseMetrics(body);
  const seconds = metrics.get('headroom_refresh_duration_seconds{cadence="signals"}') ?? NaN;
  const historySeconds = metrics.get('headroom_refresh_duration_seconds{cadence="history"}') ?? NaN;
  const start = t - seconds - SPAN_MARGIN_SECONDS;
  const from = { prom: cpu.prom.at(start), exporter: cpu.exporter.at(start) };
  const p = await promCounters(prom);
  return {
    body,
    metrics,
    step: {
      requests: p.requests,
      queries: sum(metrics, 'headroom_prometheus_queries_total'),
      seconds,
      historySeconds,
      exporterCycleCpu: metrics.get('process_cpu_seconds_total') ?? NaN,
      prom: end.prom - from.prom.cpu - idleCpuPerSecond * (t - from.prom.t),
      exporter: end.exporter - from.exporter.cpu,
      // A rule group evaluated inside the span: its CPU is in `prom` too.
      ruleEvaluated: p.ruleEvaluations.some((e) => e >= wall - (t - from.prom.t) && e <= wall),
    },
  };
}

/** The queries logged more often in `after` than in `before`, with how many more times. */
const since = (after: Map<string, number>, before: Map<string, number>) =>
  new Map([...after].map(([q, n]) => [q, n - (before.get(q) ?? 0)] as const).filter(([, n]) => n > 0));

/** Runs `headroom serve` on `policy` until STEADY refreshes after the first; the figures of each. */
async function measureServe(prom: Running, policy: Doc, idleCpuPerSecond: number): Promise<ServeRun> {
  // The first refresh also fits 1,000 histories of a year (tens of seconds of model work, see "history refit").
  const serve = await startServeChild(0, { policy, interval: INTERVAL, logLevel: 'debug', readyTimeoutMs: 600_000 });
  const cpu = { prom: new CpuSampler(prom.proc.pid!), exporter: new CpuSampler(serve.pid) };
  const logBefore = loggedQueries(prom);
  let logSteady = logBefore;
  try {
    const steps: Step[] = [];
    let last = { body: '', metrics: new Map<string, number>() };
    for (let seen = 0; steps.length <= STEADY;) {
      while (serve.refreshes() === seen) await new Promise((r) => setTimeout(r, 20));
      seen = serve.refreshes();
      const { step, ...read } = await readStep(prom, serve, cpu, idleCpuPerSecond);
      steps.push(step);
      last = read;
      if (steps.length === 1) logSteady = loggedQueries(prom);
    }
    const steady = steps.slice(1);
    const deltas = (f: (s: Step) => number) => steady.map((s, i) => f(s) - f(steps[i]));
    const queries = deltas((s) => s.queries);
    const logAfter = loggedQueries(prom);
    return {
      firstRefreshSeconds: steps[0].seconds,
      firstHistorySeconds: steps[0].historySeconds,
      firstQueries: steps[0].queries,
      refreshSeconds: median(steady.map((s) => s.seconds)),
      queries: median(queries),
      queriesMin: Math.min(...queries),
      queriesMax: Math.max(...queries),
      promRequests: median(deltas((s) => s.requests)),
      promCpuSeconds: median(steady.map((s) => s.prom)),
      promCpuSecondsNoRules: median(steady.filter((s) => !s.ruleEvaluated).map((s) => s.prom)),
      withRuleEvaluation: steady.filter((s) => s.ruleEvaluated).length,
      exporterCpuSeconds: median(steady.map((s) => s.exporter)),
      exporterCycleCpuSeconds: median(deltas((s) => s.exporterCycleCpu)),
      rssBytes: last.metrics.get('process_resident_memory_bytes') ?? NaN,
      scrapeBytes: Buffer.byteLength(last.body),
      services: labelValuesOf(last.metrics, 'headroom_instances', 'service').size,
      logged: since(logAfter, logBefore),
      steadyQueries: [...since(logAfter, logSteady).keys()],
    };
  } finally {
    cpu.prom.stop();
    cpu.exporter.stop();
    await serve.stop();
  }
}

/** Sends `queries` (instant, at `time`) at CONCURRENCY in flight, like the exporter's client. */
export async function sendAll(prom: Running, queries: string[], time: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const query = queries[next++];
      const res = await fetch(`${prom.url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query, time: String(time) }).toString(),
      });
      if (!res.ok) throw new Error(`floor query failed (HTTP ${res.status}): ${query}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/**
 * The fleet's own vector queries, once each: signals, the extreme and count of each window over
 * the signal's recorded series (recordedWindow, as the exporter builds them, at the rules' interval), instances.
 */
export function floorQueries(policy: Doc): string[] {
  const p = validatePolicy(policy, 'fleet bench policy');
  const fleet = p.fleets[0];
  const tpl = fleet.template;
  const interval = Number.parseInt(INTERVAL, 10);
  const window = (signal: string, fn: 'min_over_time' | 'max_over_time', seconds: number) => {
    const s = tpl.signals.find((x) => x.name === signal)!;
    const selector = `${signalRecord(s.name, s.unit)}{fleet=${JSON.stringify(fleet.name)}}`;
    return recordedWindow({ selector, intervalSeconds: interval }, fn, seconds);
  };
  const windows = [
    ...tpl.scaling.scale_out.map((t) => window(t.signal, 'min_over_time', t.for)),
    ...(tpl.scaling.scale_in?.conditions ?? []).map((c) =>
      window(c.signal, 'max_over_time', tpl.scaling.scale_in!.for)
    ),
  ];
  return [
    ...new Set([
      ...tpl.signals.map((s) => s.query),
      ...windows.flatMap((w) => [w.extreme, w.count]),
      tpl.instances.query!,
    ]),
  ];
}

/**
 * Wall seconds and Prometheus CPU seconds (less its idle rate) of each of `fns`, median of `runs`,
 * the functions taking turns so that a drift of the machine's load falls on all of them alike.
 */
async function onPrometheus(
  prom: Running,
  runs: number,
  idleCpuPerSecond: number,
  fns: (() => Promise<unknown>)[]
): Promise<{ wall: number; cpu: number }[]> {
  const wall: number[][] = fns.map(() => []);
  const cpu: number[][] = fns.map(() => []);
  for (let i = 0; i < runs; i++)
    for (const [k, fn] of fns.entries()) {
      const a = cpuOf(prom.proc.pid!);
      const t = performance.now();
      await fn();
      const seconds = (performance.now() - t) / 1000;
      wall[k].push(seconds);
      cpu[k].push(cpuOf(prom.proc.pid!) - a - idleCpuPerSecond * seconds);
    }
  return fns.map((_, k) => ({ wall: median(wall[k]), cpu: median(cpu[k]) }));
}

/** One steady refresh of the exporter replayed: the queries Prometheus logged from it, and its read of the rules. */
async function replayRefresh(prom: Running, queries: string[]): Promise<void> {
  await Promise.all([
    sendAll(prom, queries, Date.now() / 1000),
    fetch(`${prom.url}/api/v1/rules?type=record`).then((r) => r.arrayBuffer()),
  ]);
}

/** Prometheus's CPU seconds per second while nothing queries it (its rules evaluating, head housekeeping). */
async function idleCpu(prom: Running): Promise<number> {
  const a = cpuOf(prom.proc.pid!);
  const t = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  return (cpuOf(prom.proc.pid!) - a) / ((performance.now() - t) / 1000);
}

/**
 * Today's per-service path: every explicit service read alone (its own queries), counted on a
 * second refresh, on PER_SERVICE_SAMPLE of the services and scaled to all of them.
 */
async function perServicePath(
  prom: Running,
  policy: Doc,
  now: number,
  idleCpuPerSecond: number
): Promise<{ queries: number; wall: number; cpu: number }> {
  const p = validatePolicy(policy, 'explicit bench policy');
  const sample = p.services.slice(0, PER_SERVICE_SAMPLE);
  const scale = p.services.length / sample.length;
  const rec = recordingFetch();
  const src = new PrometheusSource(p.prometheus!, rec.fetchImpl);
  const refresh = () => Promise.all(sample.map((s) => src.readInputs(s, now)));
  await refresh();
  const before = rec.requests.length;
  const [m] = await onPrometheus(prom, 1, idleCpuPerSecond, [refresh]);
  return { queries: (rec.requests.length - before) * scale, wall: m.wall * scale, cpu: m.cpu * scale };
}

const MiB = 2 ** 20;

/** The queries the exporter sent during a run that the floor does not send, with how many times each per refresh. */
function beyondFloor(run: ServeRun, floor: string[]): string[] {
  const f = new Set(floor);
  return [...run.logged]
    .filter(([q]) => !f.has(q))
    .map(([q, n]) => `${(n / STEADY).toFixed(2)}× ${q.replace(/\s+/g, ' ').slice(0, 160)}`);
}

export async function run(): Promise<Figure[]> {
  const end = Math.floor(Date.now() / 1000 / STEP) * STEP + DATA_AHEAD_SECONDS;
  const data = await backfillFleet(end);
  const rules: Record<string, string> = {};
  for (const f of FLEETS) rules[`${f.name}.rules.yml`] = await fleetRules(f.name);
  const recorded = await backfillRecorded(data.storage, rules, end - RAW_SECONDS + STEP, end);
  const prom = recorded.prom;
  try {
    const idle = await idleCpu(prom);
    const fleet = fleetPolicy(prom.url, 'shop');
    const f1000 = await measureServe(prom, fleet, idle);
    const f100 = await measureServe(prom, fleetPolicy(prom.url, 'shop100'), idle);
    const floorQ = floorQueries(fleet);
    await sendAll(prom, floorQ, Date.now() / 1000); // warm the caches as a first refresh does
    const [floor, replayed] = await onPrometheus(prom, FLOOR_RUNS, idle, [
      () => sendAll(prom, floorQ, Date.now() / 1000),
      () => replayRefresh(prom, f1000.steadyQueries),
    ]);
    const explicit = explicitPolicy(prom.url, SERVICES);
    const e1000 = await measureServe(prom, explicit, idle);
    const today = await perServicePath(prom, explicit, Date.now() / 1000, idle);
    const windows = [...f1000.logged.keys()].filter((q) => /_over_time\(/.test(q));
    process.stderr.write(
      `fleet: the exporter's window queries at 1,000 (${windows.length}), ${windows.filter((q) => /:\d+s\]/.test(q)).length} of them subqueries:\n  ${windows.join('\n  ')}\n` +
        `fleet: queries beyond the floor's at 1,000, per refresh:\n  ${beyondFloor(f1000, floorQ).join('\n  ')}\n`
    );
    return figures({
      data,
      recordedSeconds: recorded.seconds,
      idle,
      f1000,
      f100,
      floor,
      replayed,
      floorQ,
      e1000,
      today,
    });
  } finally {
    await prom.stop();
    rmSync(path.dirname(data.storage), { recursive: true, force: true });
  }
}

interface Measured {
  data: Awaited<ReturnType<typeof backfillFleet>>;
  recordedSeconds: number;
  idle: number;
  f1000: ServeRun;
  f100: ServeRun;
  floor: { wall: number; cpu: number };
  /** The exporter's steady refresh at 1,000, its queries replayed like the floor's. */
  replayed: { wall: number; cpu: number };
  floorQ: string[];
  e1000: ServeRun;
  today: { queries: number; wall: number; cpu: number };
}

function figures(m: Measured): Figure[] {
  const { data, recordedSeconds, idle, f1000, f100, floor, replayed, floorQ, e1000, today } = m;
  const cpuRatio = replayed.cpu / floor.cpu;
  const subqueryWindows = [...f1000.logged.keys()].filter((q) => /_over_time\(/.test(q) && /:\d+s\]/.test(q));
  return [
    {
      name: 'fleet: backfill 1,000 services (generate + promtool)',
      value: data.genSeconds + data.promtoolSeconds,
      unit: 's',
    },
    { name: 'fleet: backfill of the recorded series (promtool, 2 fleets)', value: recordedSeconds, unit: 's' },
    { name: 'fleet: Prometheus CPU idle (rules evaluating), subtracted over each span', value: idle, unit: 's/s' },
    {
      name: 'fleet: services planned of 1,000',
      value: f1000.services,
      unit: 'services',
      goal: '= 1,000',
      met: f1000.services === 1000,
    },
    {
      name: 'fleet: services planned of 100',
      value: f100.services,
      unit: 'services',
      goal: '= 100',
      met: f100.services === 100,
    },
    {
      name: 'fleet: window queries on subqueries at 1,000 (recorded series loaded)',
      value: subqueryWindows.length,
      unit: 'queries',
      goal: '= 0',
      met: subqueryWindows.length === 0,
    },
    {
      name: 'fleet: first refresh at 1,000, signals published (before the history refit)',
      value: f1000.firstRefreshSeconds,
      unit: 's wall',
    },
    {
      name: 'fleet: history refit after the first refresh at 1,000 (1,000 year-long fits, in slices)',
      value: f1000.firstHistorySeconds,
      unit: 's wall',
    },
    { name: 'fleet: queries of the first refresh at 1,000', value: f1000.firstQueries, unit: 'queries' },
    {
      name: 'fleet: refresh at 1,000 services',
      value: f1000.refreshSeconds,
      unit: 's wall',
      floor: floor.wall,
      ratio: f1000.refreshSeconds / floor.wall,
      goal: '≤ 3 s',
      met: f1000.refreshSeconds <= 3,
    },
    { name: 'fleet: refresh at 100 services', value: f100.refreshSeconds, unit: 's wall' },
    {
      name: 'fleet: queries per refresh at 1,000',
      value: f1000.queries,
      unit: 'queries',
      floor: floorQ.length,
      goal: '≤ 40',
      met: f1000.queries <= 40,
    },
    {
      name: `fleet: queries per refresh at 1,000, least and most of ${STEADY} (spread)`,
      value: f1000.queriesMax - f1000.queriesMin,
      unit: 'queries',
      goal: '= 0',
      met: f1000.queriesMax === f1000.queriesMin,
    },
    {
      name: 'fleet: queries per refresh at 100',
      value: f100.queries,
      unit: 'queries',
      goal: '= at 1,000, every refresh',
      met: f100.queriesMin === f1000.queries && f100.queriesMax === f1000.queries,
    },
    { name: 'fleet: queries Prometheus answered per refresh at 1,000', value: f1000.promRequests, unit: 'requests' },
    {
      name: `fleet: Prometheus CPU per refresh at 1,000 (its ${f1000.steadyQueries.length} queries + rules replayed, as the floor)`,
      value: replayed.cpu,
      unit: 's',
      floor: floor.cpu,
      ratio: cpuRatio,
      goal: '≤ 1.5×',
      met: cpuRatio <= 1.5,
    },
    {
      name: 'fleet: Prometheus CPU per refresh at 1,000 (in the refreshes, less idle)',
      value: f1000.promCpuSeconds,
      unit: 's',
      floor: floor.cpu,
      ratio: f1000.promCpuSeconds / floor.cpu,
    },
    {
      name: `fleet: refreshes at 1,000 whose span held a rule evaluation (of ${STEADY})`,
      value: f1000.withRuleEvaluation,
      unit: 'refreshes',
    },
    {
      name: 'fleet: Prometheus CPU per refresh at 1,000 (in the refreshes without a rule evaluation)',
      value: f1000.promCpuSecondsNoRules,
      unit: 's',
      floor: floor.cpu,
      ratio: f1000.promCpuSecondsNoRules / floor.cpu,
    },
    { name: 'fleet: Prometheus CPU per refresh at 100', value: f100.promCpuSeconds, unit: 's' },
    { name: 'fleet: exporter CPU per refresh at 1,000', value: f1000.exporterCpuSeconds, unit: 's' },
    {
      name: 'fleet: exporter CPU per refresh cycle at 1,000 (process_cpu_seconds_total, a /metrics scrape included)',
      value: f1000.exporterCycleCpuSeconds,
      unit: 's',
    },
    { name: 'fleet: exporter CPU per refresh at 100', value: f100.exporterCpuSeconds, unit: 's' },
    { name: 'fleet: exporter RSS at 1,000', value: f1000.rssBytes / MiB, unit: 'MiB' },
    { name: 'fleet: /metrics size at 1,000', value: f1000.scrapeBytes / MiB, unit: 'MiB' },
    {
      name: 'explicit: refresh at 1,000 services (floor: per-service path)',
      value: e1000.refreshSeconds,
      unit: 's wall',
      floor: today.wall,
    },
    {
      name: 'explicit: queries per refresh at 1,000 (floor: per-service path)',
      value: e1000.queries,
      unit: 'queries',
      floor: today.queries,
      ratio: today.queries / e1000.queries,
      goal: '≥ 5× fewer than per service',
      met: today.queries / e1000.queries >= 5,
    },
    {
      name: 'explicit: Prometheus CPU per refresh at 1,000 (floor: per-service path)',
      value: e1000.promCpuSeconds,
      unit: 's',
      floor: today.cpu,
    },
    { name: 'explicit: exporter CPU per refresh at 1,000', value: e1000.exporterCpuSeconds, unit: 's' },
  ];
}
