/**
 * The month-to-date spend across a restart, on a real Prometheus (Debian package) holding a
 * backfilled instance count that changes every 25 minutes, with the integrals persisted in a real
 * SQLite file and a real redis-server: the restarted exporter's first catch-up spans only the gap
 * since the last refresh it wrote (read from Prometheus's query log), its spend is the one an
 * uninterrupted exporter reports, and every persisted entry that cannot be trusted is discarded
 * with a log line naming the service and why, the month then caught up whole.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { METRIC } from '@headroom/contract';
import { startServe } from '../src/server/index.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy, Service } from '../src/config/schema.js';
import { hourlyRate } from '../src/model/cost.js';
import { RedisStore } from '../src/scaler/store-redis.js';
import { SqliteStore } from '../src/scaler/store-sqlite.js';
import type { StateStore } from '../src/scaler/store.js';
import { PrometheusSource } from '../src/sources/prometheus.js';
import { SPEND_STEP_SECONDS } from '../src/sources/spend.js';
import { backfill, exec, startPrometheus, startRedis, tempDir, type Running } from './support/processes.js';
import { basePolicy, explicitService, fleetMember, INSTANCES_METRIC, shopFleet } from './support/fleet-data.js';
import { captureLogger, scrape, seriesKey } from './support/serve.js';

/** A month in the past, so the times are fixed: 1 October 2026, 00:00 UTC. */
const MONTH = Date.UTC(2026, 9, 1) / 1000;
const KS = [0, 1, 2];
/** Service k's count at t: 2 + k, plus 0, 1 or 2 in turn every 25 minutes. */
const countAt = (k: number, t: number) => 2 + k + (Math.floor((t - MONTH) / 1500) % 3);
/** Refreshes before the restart (5 h into the month, a minute apart), and the first one after it, 30 minutes later. */
const T1 = MONTH + 5 * 3600;
const BEFORE = [T1, T1 + 60, T1 + 120];
const LAST = BEFORE[BEFORE.length - 1];
const AFTER = LAST + 1800;

let prom: Running;
let redis: Running;
const dir = tempDir('spend-restart');
let template: Service;
let n = 0;
/** Every store handle a test opened, closed after the tests (closing twice is harmless). */
const opened: StateStore[] = [];

beforeAll(async () => {
  const lines = ['# TYPE shop_instances gauge'];
  for (let t = MONTH - 3600; t <= AFTER + 600; t += 15)
    for (const k of KS) lines.push(`${INSTANCES_METRIC}{job="shop",service="s${k}"} ${countAt(k, t)} ${t}`);
  const storage = await backfill(lines.join('\n'));
  [prom, redis] = await Promise.all([
    startPrometheus({ config: 'global: { query_log_file: {{DIR}}/queries.log }\n', storage }),
    startRedis(),
  ]);
  template = basePolicy(prom.url).policy.services[0];
}, 60_000);

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await Promise.all([prom?.stop(), redis?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The distinct spans (seconds) of the spend catch-ups Prometheus was asked for since `from` bytes
 * of its query log (explicit services' catch-ups arrive batched in one query, a fleet's as one vector).
 */
function catchUpSpans(from: number): number[] {
  const text = readFileSync(path.join(prom.dir, 'queries.log'), 'utf8').slice(from);
  return [...new Set([...text.matchAll(/avg_over_time\(\(sum[^[]*\)\[(\d+)s:300s\]\)/g)].map((m) => Number(m[1])))];
}
const logSize = () => readFileSync(path.join(prom.dir, 'queries.log'), 'utf8').length;

/** Explicit services (their catch-ups batched) or a fleet's (one vector for all), with the policy that lists them. */
const shapes: Record<string, () => { services: Service[]; policy: Policy }> = {
  'explicit services': () => {
    const services = KS.map((k) => explicitService(template, k));
    return { services, policy: { ...basePolicy(prom.url).policy, services } };
  },
  'a fleet': () => ({
    services: KS.map((k) => fleetMember(template, k)),
    policy: { ...basePolicy(prom.url).policy, services: [], fleets: [shopFleet(template)] },
  }),
};

/** A fresh namespace per call; `open` is a new handle on it (a restarted process or another replica). */
const stores: Record<string, () => { open: () => StateStore }> = {
  SQLite: () => {
    const file = path.join(dir, `s${++n}.db`);
    return { open: () => new SqliteStore(file) };
  },
  Redis: () => {
    const prefix = `spend${++n}:`;
    return { open: () => new RedisStore(redis.url, prefix) };
  },
};

/** A source that keeps its spend in `store`, as `headroom serve` wires it. */
function persisting(store: StateStore, policy: Policy) {
  const log = captureLogger();
  const src = new PrometheusSource(policy.prometheus!);
  src.persistSpend(store, log.logger, policy);
  opened.push(store);
  return { src, log };
}

async function spends(src: PrometheusSource, services: Service[], at: number): Promise<Map<string, number>> {
  const inputs = await src.readInputsMany(services, at);
  return new Map(
    services.map((s) => {
      const r = inputs.get(s.name)!.spendToDate;
      if (!r.ok) throw new Error(`${s.name}: spend missing: ${r.reason}`);
      return [s.name, r.value];
    })
  );
}

/** What an exporter that never stopped reports at AFTER: refreshes every minute from T1 (memory only). */
const uninterrupted = new Map<string, Map<string, number>>();
async function uninterruptedSpend(shape: string): Promise<Map<string, number>> {
  let m = uninterrupted.get(shape);
  if (m) return m;
  const { services, policy } = shapes[shape]();
  const src = new PrometheusSource(policy.prometheus!);
  for (let t = T1; t < AFTER; t += 60) await spends(src, services, t);
  uninterrupted.set(shape, (m = await spends(src, services, AFTER)));
  return m;
}

/** One 5-minute step of the dearest service's spend: the catch-up's resolution. */
const oneStep = (svc: Service) => (hourlyRate(svc.capacity, svc.cost, countAt(2, 0) + 2) * SPEND_STEP_SECONDS) / 3600;

describe.each(Object.keys(stores))('the month-to-date spend with the %s store', (storeName) => {
  it.each(Object.keys(shapes))(
    'after a restart, catches up only the 30 minutes since the last refresh written, and reports what an uninterrupted exporter reports (%s)',
    async (shape) => {
      const { services, policy } = shapes[shape]();
      const ns = stores[storeName]();
      const first = ns.open();
      const before = persisting(first, policy);
      let mark = logSize();
      for (const t of BEFORE) await spends(before.src, services, t);
      // Before the restart: one catch-up from the start of the month (5 h), then sample and hold.
      expect(catchUpSpans(mark)).toEqual([T1 - MONTH]);
      await first.close();

      const second = ns.open();
      const after = persisting(second, policy);
      mark = logSize();
      const got = await spends(after.src, services, AFTER);
      expect(catchUpSpans(mark)).toEqual([AFTER - LAST]);
      expect(after.log.text()).toContain(`spend: ${services.length} persisted month-to-date integrals read`);
      const want = await uninterruptedSpend(shape);
      for (const s of services) {
        expect(want.get(s.name)!).toBeGreaterThan(0);
        expect(Math.abs(got.get(s.name)! - want.get(s.name)!)).toBeLessThanOrEqual(oneStep(s));
      }
      await second.close();
    },
    30_000
  );

  const good = (svc: Service) => ({
    month: MONTH,
    query: svc.instances.query,
    until: LAST,
    instanceSeconds: 1,
    count: 3,
  });
  it.each<[string, (svc: Service) => string, RegExp]>([
    [
      'an entry of another month',
      (s) => JSON.stringify({ ...good(s), month: Date.UTC(2026, 8, 1) / 1000 }),
      /kept for the month from 2026-09-01T00:00:00.000Z, not 2026-10-01T00:00:00.000Z/,
    ],
    [
      'another instances query',
      (s) => JSON.stringify({ ...good(s), query: 'sum(other_instances)' }),
      /integrates another instances query \("sum\(other_instances\)"\), not sum/,
    ],
    [
      'an until in the future',
      (s) => JSON.stringify({ ...good(s), until: AFTER + 600 }),
      /until \d+ \(2026-10-01T05:42:00.000Z\) is not a whole second between 2026-10-01T00:00:00.000Z and now \(2026-10-01T05:32:00.000Z\)/,
    ],
    [
      'an until before the month',
      (s) => JSON.stringify({ ...good(s), until: MONTH - 60 }),
      /until \d+ \(2026-09-30T23:59:00.000Z\) is not a whole second between/,
    ],
    [
      'negative instance-seconds',
      (s) => JSON.stringify({ ...good(s), instanceSeconds: -5 }),
      /instanceSeconds is -5, expected a finite number >= 0/,
    ],
    [
      'NaN instance-seconds (null once written as JSON)',
      (s) => JSON.stringify({ ...good(s), instanceSeconds: NaN }),
      /instanceSeconds is null, expected a finite number >= 0/,
    ],
    [
      'infinite instance-seconds',
      (s) => JSON.stringify(good(s)).replace('"instanceSeconds":1', '"instanceSeconds":1e999'),
      /instanceSeconds is Infinity, expected a finite number >= 0/,
    ],
    [
      'a count of "NaN"',
      (s) => JSON.stringify({ ...good(s), count: 'NaN' }),
      /count is "NaN", expected a finite number >= 0/,
    ],
    ['a count of 2.5', (s) => JSON.stringify({ ...good(s), count: 2.5 }), /count 2.5 is not a whole number/],
    [
      'no count',
      (s) => JSON.stringify({ ...good(s), count: undefined }),
      /count is absent, expected a finite number >= 0/,
    ],
    ['text that is not JSON', () => '{"month": 1759276800, "until', /not JSON: \{"month": 1759276800, "until/],
    ['a list', () => '[1, 2]', /expected an object \{month, query, until, instanceSeconds, count\}, got \[1, 2\]/],
  ])('ignores a persisted entry with %s, says so, and catches up the month whole', async (_row, entry, reason) => {
    const { services, policy } = shapes['explicit services']();
    const ns = stores[storeName]();
    const seed = ns.open();
    await seed.saveSpend(new Map(services.map((s) => [s.name, entry(s)])), []);
    await seed.close();
    const store = ns.open();
    const { src, log } = persisting(store, policy);
    const mark = logSize();
    const got = await spends(src, services, AFTER);
    expect(catchUpSpans(mark)).toEqual([AFTER - MONTH]);
    for (const s of services) {
      const line = log.lines().find((l) => l.service === s.name)!;
      expect(line.msg).toMatch(new RegExp(`^spend: persisted integral of ${s.name} discarded \\(`));
      expect(line.msg).toMatch(/; catching up from the start of the month$/);
      expect(line.reason).toMatch(reason);
      expect(line.level).toBe(40);
      // The full catch-up at 5-minute steps, the integral from Prometheus alone.
      const avg = await fullMonthAverage(s);
      expect(got.get(s.name)).toBeCloseTo((hourlyRate(s.capacity, s.cost, avg) * (AFTER - MONTH)) / 3600, 6);
    }
    // The discarded entries are replaced by the new integrals in the same (one) write.
    const kept = await store.loadSpend();
    for (const s of services) expect(JSON.parse(kept.get(s.name)!)).toMatchObject({ until: AFTER, month: MONTH });
    await store.close();
  });

  it('ignores and deletes the persisted entry of a service removed from the policy, naming it', async () => {
    const { services, policy } = shapes['explicit services']();
    const ns = stores[storeName]();
    const before = persisting(ns.open(), { ...policy, services: [...services, { ...services[0], name: 'gone' }] });
    await spends(before.src, [...services, { ...services[0], name: 'gone' }], LAST);
    const store = ns.open();
    expect([...(await store.loadSpend()).keys()].sort()).toEqual(['gone', 's0', 's1', 's2']);
    const { src, log } = persisting(store, policy);
    const mark = logSize();
    await spends(src, services, AFTER);
    expect(catchUpSpans(mark)).toEqual([AFTER - LAST]);
    expect(log.lines().find((l) => l.service === 'gone')).toMatchObject({
      level: 40,
      msg: 'spend: persisted integral of gone discarded (not a service of the policy (removed, or its fleet has another instances query)); deleted from the state store',
    });
    expect([...(await store.loadSpend()).keys()].sort()).toEqual(['s0', 's1', 's2']);
    await store.close();
  });

  it('deletes the entries of a month that is over, read back or held, so the store keeps one month of services', async () => {
    const { services, policy } = shapes['a fleet']();
    const query = policy.fleets[0].template.instances.query!;
    const SEPTEMBER = Date.UTC(2026, 8, 1) / 1000;
    const NOVEMBER = Date.UTC(2026, 10, 1) / 1000;
    const ns = stores[storeName]();
    const seed = ns.open();
    opened.push(seed);
    // Two fleet services no longer discovered, so never read again: one kept in September, one in October.
    const entry = (month: number, until: number) =>
      JSON.stringify({ month, query, until, instanceSeconds: 3600, count: 2 });
    await seed.saveSpend(
      new Map([
        ['retired', entry(SEPTEMBER, SEPTEMBER + 3600)],
        ['resting', entry(MONTH, T1)],
      ]),
      []
    );
    const store = ns.open();
    const { src, log } = persisting(store, policy);
    await spends(src, services, AFTER);
    expect([...(await store.loadSpend()).keys()].sort()).toEqual(['resting', 's0', 's1', 's2']);
    expect(log.lines().find((l) => l.service === 'retired')).toMatchObject({
      level: 40,
      msg: 'spend: persisted integral of retired discarded (kept for a past month, or unreadable); deleted from the state store',
    });
    // The first refresh of November: October's integrals, held or never read, leave the store.
    await src.readInputsMany([], NOVEMBER + 3600);
    expect([...(await store.loadSpend()).keys()]).toEqual([]);
    await store.close();
  });

  it('leaves the spend missing while the count is missing, keeping the persisted entry for when it returns', async () => {
    const { services, policy } = shapes['explicit services']();
    const ns = stores[storeName]();
    const before = persisting(ns.open(), policy);
    await spends(before.src, services, LAST);
    const blind = services.map((s) => ({ ...s, instances: { query: 'sum(shop_nothing)' } }));
    const store = ns.open();
    const { src } = persisting(store, policy);
    const inputs = await src.readInputsMany(blind, AFTER);
    for (const s of blind)
      expect(inputs.get(s.name)!.spendToDate).toEqual({
        ok: false,
        reason: 'no instance count (no series (empty result))',
      });
    const mark = logSize();
    await spends(src, services, AFTER + 60);
    expect(catchUpSpans(mark)).toEqual([AFTER + 60 - LAST]);
    await store.close();
  });
});

/** The month's average count of `svc` up to AFTER, as Prometheus computes it at 5-minute steps. */
async function fullMonthAverage(svc: Service): Promise<number> {
  const q = `avg_over_time((${svc.instances.query})[${AFTER - MONTH}s:300s])`;
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${AFTER}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0].value[1]);
}

describe('two replicas sharing a Redis', () => {
  it('write the integrals once per refresh, every service in one HSET (Redis commandstats)', async () => {
    const { services, policy } = shapes['explicit services']();
    const hsets = async () => {
      const { stdout } = await exec('redis-cli', ['-p', String(redis.port), 'info', 'commandstats']);
      return Number(/cmdstat_hset:calls=(\d+)/.exec(stdout)?.[1] ?? 0);
    };
    const { src } = persisting(stores.Redis().open(), policy);
    const before = await hsets();
    for (const t of BEFORE) await spends(src, services, t);
    expect((await hsets()) - before).toBe(BEFORE.length);
  });

  it("overwrite each other's entries whole (last writer wins per service), and a restarted one resumes from the last one written", async () => {
    const { services, policy } = shapes['explicit services']();
    const ns = stores.Redis();
    const a = persisting(ns.open(), policy);
    const b = persisting(ns.open(), policy);
    // A refreshes at T1 and LAST; B, a minute behind, writes last with its own (older) until.
    await spends(a.src, services, T1);
    await spends(b.src, services, T1 + 60);
    await spends(a.src, services, LAST);
    await spends(b.src, services, LAST - 60 + 1);
    const store = ns.open();
    const { src } = persisting(store, policy);
    const mark = logSize();
    const got = await spends(src, services, AFTER);
    expect(catchUpSpans(mark)).toEqual([AFTER - (LAST - 60 + 1)]);
    const want = await uninterruptedSpend('explicit services');
    for (const s of services) expect(Math.abs(got.get(s.name)! - want.get(s.name)!)).toBeLessThanOrEqual(oneStep(s));
    await store.close();
  });
});

describe('headroom serve with the default SQLite state store', () => {
  it('restarted, catches up only the gap since its last refresh and publishes the spend an uninterrupted exporter publishes', async () => {
    const file = path.join(dir, 'serve.yml');
    const { doc } = basePolicy(prom.url, (d) => {
      Object.assign(d.services[0], { name: 's0', instances: { query: explicitService(template, 0).instances.query } });
      d.refresh = { ...d.refresh, interval: '1h' };
      d.scaler = { store: { type: 'sqlite', path: path.join(dir, 'serve-state.db') }, actuator: { type: 'dry-run' } };
    });
    writeFileSync(file, yaml.dump(doc));
    let now = T1;
    const serve = async () => {
      const log = captureLogger();
      const srv = await startServe({
        configFile: file,
        listen: '127.0.0.1:0',
        logger: log.logger,
        version: 'test',
        env: {},
        clock: () => now,
      });
      await srv.refresher.refresh();
      return { srv, log };
    };
    let mark = logSize();
    const first = await serve();
    for (const t of BEFORE.slice(1)) {
      now = t;
      await first.srv.refresher.refresh();
    }
    expect(catchUpSpans(mark)).toEqual([T1 - MONTH]);
    await first.srv.close();

    now = AFTER;
    mark = logSize();
    const second = await serve();
    expect(catchUpSpans(mark)).toEqual([AFTER - LAST]);
    const spend = (await scrape(second.srv.url)).get(seriesKey(METRIC.budgetMonthToDateSpend, { service: 's0' }))!;
    const want = (await uninterruptedSpend('explicit services')).get('s0')!;
    expect(Math.abs(spend - want)).toBeLessThanOrEqual(oneStep(template));
    expect(second.log.text()).toContain('spend: 1 persisted month-to-date integrals read from the state store');
    await second.srv.close();
  }, 60_000);
});
