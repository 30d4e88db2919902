/**
 * Query cost against a real Prometheus (Debian package) holding 25 minutes of 15 s data for 30
 * services, backfilled with promtool: batching explicit services' queries changes no input, a
 * fleet's refresh costs the same number of queries at 3 and 30 services, a bad query in a batch
 * lands on its own service, and the month's spend is not re-scanned on every refresh.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy, Service } from '../src/config/schema.js';
import { hourlyRate, monthBounds } from '../src/model/cost.js';
import { PrometheusSource } from '../src/sources/prometheus.js';
import { emptyState } from '../src/model/decision.js';
import { planService, type ServiceInputs } from '../src/model/plan.js';
import { exec, startPrometheus, tempDir, type Running } from './support/processes.js';
import {
  basePolicy,
  explicitService,
  fleetMember,
  instancesOf,
  recordingFetch,
  shopFleet,
  writeFleetOpenMetrics,
} from './support/fleet-data.js';

const SERVICES = 30;
const STEP = 15;
// The newest sample a minute ago: well inside refresh.max_sample_age (60 s) when read at END + 30.
const END = Math.floor(Date.now() / 1000 / STEP) * STEP - 30;
const NOW = END + 15;

let prom: Running;
/** Sample times every STEP seconds in [from, to]. */
const samples = (from: number, to: number) => Array.from({ length: (to - from) / STEP + 1 }, (_, i) => from + i * STEP);
let policy: Policy;
let template: Service;

beforeAll(async () => {
  const dir = tempDir('batch');
  const input = path.join(dir, 'fleet.om');
  await writeFleetOpenMetrics(input, {
    services: SERVICES,
    end: END,
    rawSeconds: 25 * 60,
    step: STEP,
    historyDays: 30,
  });
  // Two series for one service (replicas not aggregated), one without the label, one ended 2 minutes ago.
  const extra = [
    '# TYPE shop_replica_cpu gauge',
    ...[`service="s1",replica="a"`, `service="s1",replica="b"`, `replica="c"`, `service="s0",replica="a"`].map(
      (l) => `shop_replica_cpu{job="shop",${l}} 50 ${END}`
    ),
    '# TYPE shop_old gauge',
    `shop_old{job="shop",service="s2"} 1 ${END - 120}`,
    // cpu 80 every 15 s: for the last 6 minutes only (a new service), and for 25 minutes but 3 (from 11 to 8 minutes ago).
    '# TYPE shop_fresh_cpu gauge',
    ...samples(END - 360, END).map((t) => `shop_fresh_cpu{job="shop",service="s0"} 80 ${t}`),
    '# TYPE shop_gappy_cpu gauge',
    ...samples(END - 25 * 60, END)
      .filter((t) => t <= END - 660 || t > END - 480)
      .map((t) => `shop_gappy_cpu{job="shop",service="s0"} 80 ${t}`),
    '# EOF',
  ].join('\n');
  writeFileSync(path.join(dir, 'extra.om'), `${extra}\n`);
  const storage = path.join(dir, 'data');
  for (const f of [input, path.join(dir, 'extra.om')])
    await exec('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=744h', f, storage]);
  prom = await startPrometheus({ config: 'global: { scrape_interval: 1m }\n', storage });
  ({ policy } = basePolicy(prom.url));
  template = policy.services[0];
}, 60_000);

afterAll(async () => {
  await prom?.stop();
});

/** A source whose requests are recorded. */
function source() {
  const rec = recordingFetch();
  return { src: new PrometheusSource(policy.prometheus!, rec.fetchImpl), requests: rec.requests };
}

/** Every service read alone, one after the other's queries (today's per-service path). */
async function readAlone(src: PrometheusSource, services: Service[], now: number) {
  return new Map(await Promise.all(services.map(async (s) => [s.name, await src.readInputs(s, now)] as const)));
}

const explicit = (n: number) => Array.from({ length: n }, (_, k) => explicitService(template, k));
const fleet = (n: number) => Array.from({ length: n }, (_, k) => fleetMember(template, k));

/** Explicit services whose queries fail in each of the ways a batch member can. */
function oddServices(): Service[] {
  const withCpu = (name: string, query: string): Service => {
    const s = explicitService(template, 3);
    return { ...s, name, signals: s.signals.map((x) => (x.name === 'cpu' ? { ...x, query } : x)) };
  };
  return [
    withCpu('no_series', 'avg(shop_nothing{service="s3"})'),
    withCpu('two_series', 'shop_replica_cpu{service="s1"}'),
    withCpu('nan', 'avg(shop_cpu_percent{service="s3"}) * 0 / 0'),
    withCpu('stale', 'avg(shop_old{service="s2"})'),
    withCpu('bad_promql', 'avg(shop_cpu_percent{service="s3"}'),
    withCpu('scalar', 'scalar(avg(shop_cpu_percent{service="s3"}))'),
  ];
}

describe('queries of many services on a real Prometheus', () => {
  it('batching changes no input: every service reads exactly what it reads alone, failures included', async () => {
    const services = [...explicit(10), ...oddServices()];
    const alone = await readAlone(source().src, services, NOW);
    const { src, requests } = source();
    const batched = await src.readInputsMany(services, NOW);
    for (const s of services) {
      expect({ service: s.name, inputs: batched.get(s.name) }).toEqual({ service: s.name, inputs: alone.get(s.name) });
      const plan = (i: ServiceInputs) => planService(s, i, null, emptyState());
      expect(plan(batched.get(s.name)!)).toEqual(plan(alone.get(s.name)!));
    }
    expect(alone.get('s5')!.signals.cpu).toEqual({ ok: true, value: 80 });
    expect(alone.get('s5')!.scaleOut.cpu_high).toEqual({ ok: true, value: 80, sustained: true });
    const reasons = Object.fromEntries(
      oddServices().map((s) => [s.name, (alone.get(s.name)!.signals.cpu as { reason?: string }).reason])
    );
    expect(reasons).toMatchObject({
      no_series: 'no series (empty result)',
      two_series: '2 series, expected exactly one (aggregate the query, e.g. with sum or avg)',
      nan: 'value is NaN',
      scalar: undefined,
    });
    expect(reasons.stale).toMatch(/^stale: the newest raw sample of shop_old\{service="s2"\} is 1\d\ds old/);
    expect(reasons.bad_promql).toMatch(/^HTTP 400: bad_data: .*parse error/);

    // The members that broke their batch are sent alone from then on: the next refresh's batches all succeed.
    const before = requests.length;
    const again = await src.readInputsMany(services, NOW);
    for (const s of services) expect(again.get(s.name)).toEqual(alone.get(s.name));
    const second = requests.slice(before);
    expect(second.filter((r) => r.query?.includes('shop_cpu_percent{service="s3"}')).length).toBeGreaterThan(0);
    expect(second.length).toBeLessThan(before);
  }, 60_000);

  it("explicit services in today's shape cost at least 5× fewer queries batched than one by one", async () => {
    const services = explicit(SERVICES);
    const one = source();
    await readAlone(one.src, services, NOW);
    const many = source();
    await many.src.readInputsMany(services, NOW);
    expect(one.requests.length / many.requests.length).toBeGreaterThanOrEqual(5);
    // 35 queries per service alone: 6 signals, their selectors' 6 timestamps, 8 windows × (extreme, count), the raw-sample
    // coverage of the windows' 5 selectors (one each, over its longest window), instances and spend. Batched for all 30:
    // signals 2, timestamps 2, extremes 3, counts 3, coverage 3 (one per span: 15, 2 and 1 minutes), instances 1, spend 1.
    expect({ alone: one.requests.length, batched: many.requests.length }).toEqual({ alone: 30 * 35, batched: 15 });
  }, 60_000);

  it('a fleet costs the same queries at 3 and 30 services and in every refresh, at most 40, and reads what its explicit services read', async () => {
    const counts: Record<number, number[]> = {};
    for (const n of [3, SERVICES]) {
      const { src, requests } = source();
      const members = fleet(n);
      const shop = members[0].fleet!;
      expect(shop).toEqual({ name: 'shop', label: 'service' });
      counts[n] = [];
      // Four refreshes 5 s apart, as the exporter runs them: discovery, then the services' inputs.
      for (const at of [NOW, NOW + 5, NOW + 10, NOW + 15]) {
        const before = requests.length;
        const found = await src.discover(shopFleet(template), at);
        expect(found).toEqual({ ok: true, names: Array.from({ length: SERVICES }, (_, k) => `s${k}`).sort() });
        const inputs = await src.readInputsMany(members, at);
        const sent = requests.slice(before);
        counts[n].push(sent.length);
        // Discovery's instances query is the one the refresh reads the counts with: sent once for both.
        expect(sent.filter((r) => r.query === members[0].instances.query)).toHaveLength(1);
        // The list of recording rules is read once in every refresh (none here: the windows run on subqueries).
        expect(sent.filter((r) => r.endpoint === 'rules')).toHaveLength(1);
        if (at !== NOW) continue;
        const same = await source().src.readInputsMany(explicit(n), at);
        for (let k = 0; k < n; k++) expect(inputs.get(`s${k}`)).toEqual(same.get(`s${k}`));
      }
    }
    // The first refresh also reads the month's spend so far (one query); every later one sends the same queries.
    const steady = counts[SERVICES][1];
    // 6 signals, their 6 selectors' staleness timestamps (each alone), 8 windows × (extreme, count) on
    // subqueries, their 5 selectors' raw-sample coverage (one batch per span: 15, 2 and 1 minutes), the
    // instances and the list of rules.
    expect(steady).toBe(6 + 6 + 16 + 3 + 1 + 1);
    expect(counts).toEqual({
      3: [steady + 1, steady, steady, steady],
      [SERVICES]: [steady + 1, steady, steady, steady],
    });
    expect(steady + 1).toBeLessThanOrEqual(40);
  });

  it.each([
    ['s0', { ok: true, value: 50 }],
    ['s1', { ok: false, reason: '2 series with service="s1", expected exactly one (aggregate by (service))' }],
    ['s2', { ok: false, reason: 'no series with service="s2" (of 4, 1 without service)' }],
  ])('splits a fleet vector by its label: %s reads %j', async (name, expected) => {
    const k = Number(name.slice(1));
    const svc = fleetMember(template, k);
    svc.signals = svc.signals.map((s) => (s.name === 'cpu' ? { ...s, query: 'shop_replica_cpu{job="shop"}' } : s));
    const inputs = await source().src.readInputsMany([svc], NOW);
    expect(inputs.get(name)!.signals.cpu).toEqual(expected);
  });

  it("reads the month's spend once, then integrates the instance count between refreshes", async () => {
    const services = fleet(SERVICES);
    const { src, requests } = source();
    const month = monthBounds(NOW).start;
    const spendQueries = () => requests.filter((r) => r.query?.startsWith('avg_over_time(')).map((r) => r.query);
    const reads = [NOW - 330, NOW - 320, NOW - 310];
    const refreshes = [];
    for (const at of reads) refreshes.push(await src.readInputsMany(services, at));
    // The first refresh reads the month so far, the next ones send no query for the spend.
    expect(spendQueries()).toEqual([
      `avg_over_time((sum by (service) (shop_instances{job="shop"}))[${NOW - 330 - month}s:300s])`,
    ]);
    for (const [i, refresh] of refreshes.entries())
      services.forEach((s, k) =>
        expect(refresh.get(s.name)!.spendToDate).toEqual({
          ok: true,
          value: (hourlyRate(s.capacity, s.cost, instancesOf(k)) * (reads[i] - month)) / 3600,
        })
      );
    // A gap longer than the hold (a restart, an outage) is caught up with one query over the gap.
    await src.readInputsMany(services, NOW);
    expect(spendQueries().slice(1)).toEqual([
      `avg_over_time((sum by (service) (shop_instances{job="shop"}))[310s:300s])`,
    ]);
  });

  it("reads a selector's raw-sample coverage once for all its windows, each covered when its own buckets are", async () => {
    // cpu has two windows: cpu_high over 5 minutes (scale-out), the scale-in's over 15; both judge 60 s buckets.
    const withCpu = (name: string, metric: string): Service => {
      const s = explicitService(template, 0);
      return { ...s, name, signals: s.signals.map((x) => (x.name === 'cpu' ? { ...x, query: `avg(${metric})` } : x)) };
    };
    const services = [withCpu('fresh', 'shop_fresh_cpu{job="shop"}'), withCpu('gappy', 'shop_gappy_cpu{job="shop"}')];
    const { src, requests } = source();
    const inputs = await src.readInputsMany(services, NOW);
    for (const s of services) {
      expect({ service: s.name, out: inputs.get(s.name)!.scaleOut.cpu_high }).toEqual({
        service: s.name,
        out: { ok: true, value: 80, sustained: true },
      });
      const scaleIn = inputs.get(s.name)!.scaleIn![0] as { ok: boolean; reason: string };
      expect(scaleIn.ok).toBe(false);
      expect(scaleIn.reason).toMatch(
        new RegExp(`^900s window: raw samples of shop_${s.name}_cpu\\{job="shop"\\} in \\d+ of 15 parts of the window`)
      );
    }
    // Each selector's coverage is one subquery over its longest window, for both windows (batched across the services).
    const coverage = requests.filter((r) => r.query?.includes('count_over_time(shop_fresh_cpu'));
    expect(coverage).toHaveLength(1);
    expect(coverage[0].query).toContain('[900s:60s]');
    expect(coverage[0].query).toContain('count_over_time(shop_gappy_cpu');
    // Read alone, each service reads the same.
    for (const s of services) expect(await source().src.readInputs(s, NOW)).toEqual(inputs.get(s.name));
  });

  it('reports a failed discovery with its reason (every service of the fleet is then missing, none dropped)', async () => {
    const bad = {
      ...shopFleet(template),
      template: { ...shopFleet(template).template, instances: { query: 'sum by (service) (' } },
    };
    const r = await source().src.discover(bad, NOW);
    expect(r).toMatchObject({ ok: false });
    expect((r as { reason: string }).reason).toMatch(
      /^instances query \(sum by \(service\) \(\): HTTP 400: bad_data: .*parse error/
    );
  });

  it('leaves the spend missing, never 0, while the instance count is missing', async () => {
    const svc = { ...explicitService(template, 0), instances: { query: 'sum(shop_nothing)' } };
    const inputs = (await source().src.readInputsMany([svc], NOW)).get('s0')!;
    expect(inputs.spendToDate).toEqual({ ok: false, reason: 'no instance count (no series (empty result))' });
  });

  it("reads a fleet's histories with one range query, each service its own series", async () => {
    const { src, requests } = source();
    const many = await src.readHistoryMany(fleet(SERVICES), NOW);
    expect(requests.map((r) => r.endpoint)).toEqual(['query_range']);
    const alone = source().src;
    for (const s of explicit(SERVICES)) expect(many.get(s.name)).toEqual(await alone.readHistory(s, NOW));
    expect((many.get('s3') as { points: unknown[] }).points).toHaveLength(28);
  });
});
