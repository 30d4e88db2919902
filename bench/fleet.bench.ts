/**
 * `npm run bench -- fleet`: the query cost of a refresh on a real Prometheus (Debian package).
 * 1,000 services (exporter/test/support/fleet-data.ts: six gauges and an instance count each,
 * 2 h at 15 s, and a year of daily users) are backfilled with promtool; then the compiled
 * `headroom serve` runs on a fleet policy (label `service`, the example service as template) at
 * 1,000 and at 100 services, and on the same 1,000 services written as explicit entries.
 * Per steady refresh (history is read on the first only): queries sent (the exporter's
 * headroom_prometheus_queries_total, checked against Prometheus's own
 * prometheus_http_requests_total), Prometheus CPU seconds (its process_cpu_seconds_total) and the
 * refresh's wall time (headroom_refresh_duration_seconds). Floor, in the same run: the fleet's
 * vector queries (one per signal, extreme and count per window, instances) sent straight to
 * Prometheus once each, at the same concurrency. The explicit shape is compared with the
 * per-service path (each service's queries sent alone), run in this process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { validatePolicy } from '../exporter/src/config/load.js';
import { windowQueries } from '../exporter/src/sources/prometheus.js';
import { PrometheusSource } from '../exporter/src/sources/prometheus.js';
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
import { startServeChild } from './serve-child.js';

const SERVICES = 1000;
const STEP = 15;
const CONCURRENCY = 4;
/** Steady refreshes measured per run (after the first, which also reads the history). */
const STEADY = 3;

// A YAML document of the policy, edited as loaded (its schema checks it when headroom serve loads it).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

/** The example policy's service (schedules off: they are not queries) with the fleet's queries on `sel`. */
function serviceDoc(name: string | undefined, sel: string, by: string): Doc {
  const doc = yaml.load(readFileSync(path.join(ROOT, 'headroom.yml'), 'utf8')) as Doc;
  const s = { ...doc.services[0] };
  if (name === undefined) delete s.name;
  else s.name = name;
  s.instances = { query: `sum${by}(${INSTANCES_METRIC}${sel})` };
  s.signals = FLEET_SIGNALS.map((f) => ({
    ...doc.services[0].signals.find((x: Doc) => x.name === f.name),
    query: `${f.agg}${by}(${f.metric}${sel})`,
  }));
  s.scaling = { ...s.scaling, schedules: [] };
  s.growth = { ...s.growth, history_query: `sum${by}(${HISTORY_METRIC}${sel})` };
  return s;
}

function policyDoc(promUrl: string, services: Doc[], fleets: Doc[]): Doc {
  const doc = yaml.load(readFileSync(path.join(ROOT, 'headroom.yml'), 'utf8')) as Doc;
  return { ...doc, prometheus: { url: promUrl, timeout: '60s', concurrency: CONCURRENCY }, services, fleets };
}

const fleetPolicy = (promUrl: string, sel: string) =>
  policyDoc(promUrl, [], [{ name: 'shop', label: 'service', template: serviceDoc(undefined, sel, ' by (service) ') }]);
const explicitPolicy = (promUrl: string, n: number) =>
  policyDoc(
    promUrl,
    Array.from({ length: n }, (_, k) => serviceDoc(`s${k}`, `{job="shop",service="s${k}"}`, '')),
    []
  );

/** Backfills the fleet's data; returns the storage directory and how long generating and promtool took. */
async function backfillFleet(end: number): Promise<{ storage: string; genSeconds: number; promtoolSeconds: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-fleet-bench-'));
  const input = path.join(dir, 'fleet.om');
  const t0 = performance.now();
  await writeFleetOpenMetrics(input, { services: SERVICES, end, rawSeconds: 7200, step: STEP, historyDays: 365 });
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

/** Prometheus's CPU seconds and the query requests it has answered, from its own /metrics. */
async function promCounters(prom: Running): Promise<{ cpu: number; requests: number }> {
  const m = parseMetrics(await (await fetch(`${prom.url}/metrics`)).text());
  let requests = 0;
  for (const [k, v] of m)
    if (/^prometheus_http_requests_total\{.*handler="\/api\/v1\/(query|query_range|rules|status\/runtimeinfo)"/.test(k))
      requests += v;
  return { cpu: m.get('process_cpu_seconds_total') ?? NaN, requests };
}

interface ServeRun {
  firstRefreshSeconds: number;
  firstQueries: number;
  refreshSeconds: number;
  queries: number;
  promRequests: number;
  promCpuSeconds: number;
  rssBytes: number;
  scrapeBytes: number;
  services: number;
}

const sum = (m: Map<string, number>, name: string) =>
  [...m].reduce((a, [k, v]) => (k === name || k.startsWith(`${name}{`) ? a + v : a), 0);

/** Runs `headroom serve` on `policy` until STEADY refreshes after the first; the figures of each. */
async function measureServe(prom: Running, policy: Doc): Promise<ServeRun> {
  // The first refresh also fits 1,000 histories of a year (tens of seconds of model work, see "history refit").
  const serve = await startServeChild(0, { policy, interval: '5s', logLevel: 'debug', readyTimeoutMs: 600_000 });
  try {
    const steps: { cpu: number; requests: number; queries: number; seconds: number }[] = [];
    let metrics = new Map<string, number>();
    let body = '';
    for (let seen = 0; steps.length <= STEADY;) {
      while (serve.refreshes() === seen) await new Promise((r) => setTimeout(r, 20));
      seen = serve.refreshes();
      const p = await promCounters(prom);
      body = await fetch(`${serve.url}/metrics`)
        .then((r) => r.text())
        .catch((e: Error) => {
          throw new Error(`GET /metrics of headroom serve failed (${e.message}); its log ends: ${serve.tail()}`);
        });
      metrics = parseMetrics(body);
      steps.push({
        ...p,
        queries: sum(metrics, 'headroom_prometheus_queries_total'),
        seconds: metrics.get('headroom_refresh_duration_seconds{cadence="signals"}') ?? NaN,
      });
    }
    const d = (f: (s: (typeof steps)[number]) => number) => median(steps.slice(1).map((s, i) => f(s) - f(steps[i])));
    return {
      firstRefreshSeconds: steps[0].seconds,
      firstQueries: steps[0].queries,
      refreshSeconds: median(steps.slice(1).map((s) => s.seconds)),
      queries: d((s) => s.queries),
      promRequests: d((s) => s.requests),
      promCpuSeconds: d((s) => s.cpu),
      rssBytes: metrics.get('process_resident_memory_bytes') ?? NaN,
      scrapeBytes: Buffer.byteLength(body),
      services: new Set([...metrics.keys()].flatMap((k) => /^headroom_instances\{service="([^"]+)"/.exec(k)?.[1] ?? []))
        .size,
    };
  } finally {
    await serve.stop();
  }
}

/** Sends `queries` (instant, at `time`) at CONCURRENCY in flight, like the exporter's client. */
async function sendAll(prom: Running, queries: string[], time: number): Promise<void> {
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

/** The fleet's own vector queries, once each: signals, each window's extreme and count, instances. */
function floorQueries(policy: Doc): string[] {
  const tpl = validatePolicy(policy, 'fleet bench policy').fleets[0].template;
  const q = (signal: string) => tpl.signals.find((s) => s.name === signal)!.query;
  const windows = [
    ...tpl.scaling.scale_out.map((t) => windowQueries(q(t.signal), 'min_over_time', t.for)),
    ...(tpl.scaling.scale_in?.conditions ?? []).map((c) =>
      windowQueries(q(c.signal), 'max_over_time', tpl.scaling.scale_in!.for)
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

/** Wall seconds and Prometheus CPU seconds of `fn`, median of `runs`. */
async function onPrometheus(
  prom: Running,
  runs: number,
  fn: () => Promise<unknown>
): Promise<{ wall: number; cpu: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = await promCounters(prom);
    const t = performance.now();
    await fn();
    wall.push((performance.now() - t) / 1000);
    cpu.push((await promCounters(prom)).cpu - a.cpu);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Today's per-service path: every explicit service read alone (its own queries), counted on a second refresh. */
async function perServicePath(
  prom: Running,
  policy: Doc,
  now: number
): Promise<{ queries: number; wall: number; cpu: number }> {
  const p = validatePolicy(policy, 'explicit bench policy');
  const rec = recordingFetch();
  const src = new PrometheusSource(p.prometheus!, rec.fetchImpl);
  const refresh = () => Promise.all(p.services.map((s) => src.readInputs(s, now)));
  await refresh();
  const before = rec.requests.length;
  const m = await onPrometheus(prom, 1, refresh);
  return { queries: rec.requests.length - before, ...m };
}

const MiB = 2 ** 20;

export async function run(): Promise<Figure[]> {
  // The raw data runs 10 minutes past now, so the samples stay fresh (refresh.max_sample_age) while the bench runs.
  const end = Math.floor(Date.now() / 1000 / STEP) * STEP + 600;
  const data = await backfillFleet(end);
  const prom = await startPrometheus({ config: 'global: { scrape_interval: 1m }\n', storage: data.storage });
  try {
    const fleet = fleetPolicy(prom.url, '{job="shop"}');
    const f1000 = await measureServe(prom, fleet);
    const f100 = await measureServe(prom, fleetPolicy(prom.url, '{job="shop",service=~"s[0-9]{1,2}"}'));
    const floorQ = floorQueries(fleet);
    const now = Date.now() / 1000;
    await sendAll(prom, floorQ, now); // warm the caches as a first refresh does
    const floor = await onPrometheus(prom, 5, () => sendAll(prom, floorQ, Date.now() / 1000));
    const explicit = explicitPolicy(prom.url, SERVICES);
    const e1000 = await measureServe(prom, explicit);
    const today = await perServicePath(prom, explicit, Date.now() / 1000);
    return figures(data, f1000, f100, floor, floorQ.length, e1000, today);
  } finally {
    await prom.stop();
    rmSync(path.dirname(data.storage), { recursive: true, force: true });
  }
}

function figures(
  data: Awaited<ReturnType<typeof backfillFleet>>,
  f1000: ServeRun,
  f100: ServeRun,
  floor: { wall: number; cpu: number },
  floorQueries: number,
  e1000: ServeRun,
  today: { queries: number; wall: number; cpu: number }
): Figure[] {
  const cpuRatio = f1000.promCpuSeconds / floor.cpu;
  return [
    {
      name: 'fleet: backfill 1,000 services (generate + promtool)',
      value: data.genSeconds + data.promtoolSeconds,
      unit: 's',
    },
    { name: 'fleet: services planned of 1,000', value: f1000.services, unit: 'services' },
    { name: 'fleet: services planned of 100', value: f100.services, unit: 'services' },
    { name: 'fleet: first refresh at 1,000 (history + signals)', value: f1000.firstRefreshSeconds, unit: 's wall' },
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
    {
      name: 'fleet: queries per refresh at 1,000',
      value: f1000.queries,
      unit: 'queries',
      floor: floorQueries,
      goal: '≤ 40',
      met: f1000.queries <= 40,
    },
    {
      name: 'fleet: queries per refresh at 100',
      value: f100.queries,
      unit: 'queries',
      goal: '= at 1,000',
      met: f100.queries === f1000.queries,
    },
    { name: 'fleet: queries Prometheus answered per refresh at 1,000', value: f1000.promRequests, unit: 'requests' },
    {
      name: 'fleet: Prometheus CPU per refresh at 1,000',
      value: f1000.promCpuSeconds,
      unit: 's',
      floor: floor.cpu,
      ratio: cpuRatio,
      goal: '≤ 1.5×',
      met: cpuRatio <= 1.5,
    },
    { name: 'fleet: Prometheus CPU per refresh at 100', value: f100.promCpuSeconds, unit: 's' },
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
  ];
}
