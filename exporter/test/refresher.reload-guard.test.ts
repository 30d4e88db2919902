/**
 * A reload (SIGHUP, POST /-/reload: server/index.ts reloader) can replace the policy while a
 * refresh's history refit is in flight: the fits run in slices that yield to the event loop
 * (engine.ts FIT_SLICE_MS). Fits made under the replaced policy are never kept for the new one
 * (the reload guard of refresher.ts refreshHistory) and stop at the next slice, the refresh that was
 * in flight publishes nothing of the replaced policy (nor does its discovery write a catalog), and
 * the reload's own refresh refits and publishes the new one.
 *
 * Deterministic: performance.now advances FIT_SLICE_MS per read, so the refit yields after every
 * fit, and the reload runs in the first of those yields (queued when the history read returns).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { FIT_SLICE_MS, missingInputs } from '../src/engine.js';
import { parsePolicy } from '../src/config/load.js';
import type { Policy, Service } from '../src/config/schema.js';
import { HeadroomMetrics } from '../src/metrics/registry.js';
import type { ServiceSnapshot } from '../src/metrics/registry.js';
import { Refresher } from '../src/server/refresher.js';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { DemoSource } from '../src/sources/demo.js';
import type { Source } from '../src/sources/source.js';
import { EXAMPLE_POLICY, FLEET_POLICY, examplePolicy, exampleService } from './helpers.js';
import { tempDir, waitFor } from './support/processes.js';
import { captureLogger, parseMetrics } from './support/serve.js';

const NOW = Date.UTC(2026, 10, 27, 12) / 1000;
const named = (name: string): Service => ({ ...exampleService(), name });

/** The example policy with these services. */
function policyOf(services: Service[]): Policy {
  return { ...examplePolicy(), services };
}

/** A demo source that runs `during` in the event loop's next turn after its next history read: inside the refit's slices. */
function refitSource(): Source & { during: (fn: () => void) => void; historyReads: () => number } {
  const demo = new DemoSource();
  let pending: (() => void) | null = null;
  let reads = 0;
  return Object.assign(Object.create(demo) as Source, {
    async readHistoryMany(...args: Parameters<Source['readHistoryMany']>) {
      reads++;
      const read = await demo.readHistoryMany(...args);
      const fn = pending;
      pending = null;
      if (fn) setImmediate(fn);
      return read;
    },
    during: (fn: () => void) => void (pending = fn),
    historyReads: () => reads,
  });
}

/** Each publication's snapshots, in order. */
function publications(metrics: HeadroomMetrics): (readonly ServiceSnapshot[])[] {
  const seen: (readonly ServiceSnapshot[])[] = [];
  const publish = metrics.publish.bind(metrics);
  vi.spyOn(metrics, 'publish').mockImplementation((snaps, ...rest) => {
    seen.push(snaps);
    return publish(snaps, ...rest);
  });
  return seen;
}

const historyOk = (s: ServiceSnapshot | undefined) => s?.inputs.find((i) => i.signal === 'history')?.ok ?? null;
const byName = (snaps: readonly ServiceSnapshot[], name: string) => snaps.find((s) => s.plan.service === name);

/** The plans a refresher started on `policy` publishes once its first refresh is complete (the reference). */
async function plansOf(policy: Policy): Promise<ServiceSnapshot[]> {
  const r = new Refresher({
    policy,
    source: new DemoSource(),
    metrics: new HeadroomMetrics('test'),
    logger: captureLogger().logger,
    clock: () => NOW,
  });
  await r.refresh();
  return r.snapshots;
}

beforeEach(() => {
  // Every read of the clock is a whole slice later: the refit yields after every fit.
  let t = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => (t += FIT_SLICE_MS));
});
afterEach(() => vi.restoreAllMocks());

/** Starts a refresh on `before`, reloads `after` in the middle of its refit, then refreshes as the reloader does. */
async function reloadMidRefit(before: Policy, after: Policy) {
  const source = refitSource();
  const metrics = new HeadroomMetrics('test');
  const seen = publications(metrics);
  const refresher = new Refresher({
    policy: before,
    source,
    metrics,
    logger: captureLogger().logger,
    clock: () => NOW,
  });
  let reloadedAt: number | null = null;
  let inFlight = true;
  source.during(() => {
    expect(inFlight).toBe(true);
    reloadedAt = seen.length;
    refresher.setPolicy(after, source);
  });
  const first = refresher.refresh().then(() => (inFlight = false));
  await first;
  expect(reloadedAt).not.toBeNull();
  const afterInFlight = seen.length;
  await refresher.refresh();
  return { refresher, metrics, source, seen, reloadedAt: reloadedAt!, afterInFlight };
}

describe('a reload while a refit is in flight', () => {
  it('keeps none of the fits made under the replaced policy: a service whose growth settings changed is refitted under the new ones', async () => {
    const before = policyOf([named('a'), named('b')]);
    const changed = { ...named('a'), growth: { ...named('a').growth, history_days: 60 } };
    const after = policyOf([changed, named('b')]);
    const { refresher, seen, reloadedAt } = await reloadMidRefit(before, after);
    const reference = await plansOf(after);
    // Every publication after the reload either has no fit for "a" yet or the new policy's fit.
    for (const snaps of seen.slice(reloadedAt)) {
      const a = byName(snaps, 'a');
      if (historyOk(a)) expect(a!.plan.projections).toEqual(byName(reference, 'a')!.plan.projections);
    }
    expect(historyOk(byName(refresher.snapshots, 'a'))).toBe(true);
    expect(refresher.snapshots.map((s) => s.plan.projections)).toEqual(reference.map((s) => s.plan.projections));
  });

  it('publishes nothing of the replaced policy once the reload is made: the refresh in flight stops, the reload refreshes', async () => {
    const before = policyOf([named('a'), named('b')]);
    const raised = {
      ...named('a'),
      scaling: { ...named('a').scaling, limits: { ...named('a').scaling.limits, max: 7 } },
    };
    const after = policyOf([raised]);
    const { seen, reloadedAt, afterInFlight } = await reloadMidRefit(before, after);
    expect(afterInFlight).toBe(reloadedAt); // the refresh in flight published nothing after the reload
    expect(seen.length).toBeGreaterThan(reloadedAt);
    for (const snaps of seen.slice(reloadedAt)) {
      expect(snaps.map((s) => s.plan.service)).toEqual(['a']);
      expect(snaps[0].limits.max).toBe(7);
    }
  });

  it("takes a removed service's series out of /metrics", async () => {
    const { metrics } = await reloadMidRefit(policyOf([named('a'), named('b')]), policyOf([named('a')]));
    const series = [...parseMetrics((await metrics.exposition(false)).text).keys()];
    expect(series.filter((k) => k.includes('service="a"')).length).toBeGreaterThan(0);
    expect(series.filter((k) => k.includes('service="b"'))).toEqual([]);
  });

  it('gives a service the reload added its own refit in the refresh that follows', async () => {
    const after = policyOf([named('a'), named('c')]);
    const { refresher } = await reloadMidRefit(policyOf([named('a')]), after);
    const reference = await plansOf(after);
    expect(refresher.snapshots.map((s) => [s.plan.service, historyOk(s)])).toEqual([
      ['a', true],
      ['c', true],
    ]);
    expect(byName(refresher.snapshots, 'c')!.plan.projections).toEqual(byName(reference, 'c')!.plan.projections);
  });

  it('refits a service the reload left alone to the same fit, then keeps it', async () => {
    // The guard drops the whole batch: "b" is refitted in the reload's refresh, from the same history, to the same fit.
    const before = policyOf([named('a'), named('b')]);
    const after = policyOf([{ ...named('a'), growth: { ...named('a').growth, history_days: 60 } }, named('b')]);
    const { source, refresher } = await reloadMidRefit(before, after);
    const reads = source.historyReads();
    await refresher.refresh(); // nothing due any more: both fits are kept
    expect(source.historyReads()).toBe(reads);
    expect(byName(refresher.snapshots, 'b')!.plan.projections).toEqual(
      byName(await plansOf(after), 'b')!.plan.projections
    );
  });
});

describe('a reload while a refit of many services is in flight', () => {
  it('stops the refit of the replaced policy at its next slice: the reload does not wait for the rest of it', async () => {
    const many = Array.from({ length: 12 }, (_, i) => named(`svc-${i}`));
    const source = refitSource();
    const refresher = new Refresher({
      policy: policyOf(many),
      source,
      metrics: new HeadroomMetrics('test'),
      logger: captureLogger().logger,
      clock: () => NOW,
    });
    let inFlight = true;
    let turns = 0;
    const tick = () => {
      if (!inFlight) return;
      turns++;
      setImmediate(tick);
    };
    source.during(() => {
      refresher.setPolicy(policyOf(many.slice(1)), source);
      setImmediate(tick);
    });
    await refresher.refresh();
    inFlight = false;
    // Each fit is a slice here: refitting the 11 services left would take 11 more turns of the event loop.
    expect(turns).toBeLessThanOrEqual(1);
    await refresher.refresh();
    expect(refresher.snapshots.map((s) => [s.plan.service, historyOk(s)])).toEqual(
      many.slice(1).map((s) => [s.name, true])
    );
  });
});

describe("a reload during the fleets' discovery", () => {
  it('that renames a fleet leaves no catalog of the old name to claim its services: the renamed fleet has them all', async () => {
    const doc = yaml.load(readFileSync(FLEET_POLICY, 'utf8')) as any;
    const renamed = parsePolicy(yaml.dump({ ...doc, fleets: [{ ...doc.fleets[0], name: 'store' }] }), 'fleet.yml');
    const demo = new DemoSource();
    let during: (() => void) | null = null;
    const source = Object.assign(Object.create(demo) as Source, {
      async discover(...args: Parameters<Source['discover']>) {
        const found = await demo.discover(args[0]);
        const fn = during;
        during = null;
        fn?.();
        return found;
      },
    });
    const refresher = new Refresher({
      policy: parsePolicy(readFileSync(FLEET_POLICY, 'utf8'), 'fleet.yml'),
      source,
      metrics: new HeadroomMetrics('test'),
      logger: captureLogger().logger,
      clock: () => NOW,
    });
    during = () => refresher.setPolicy(renamed, source);
    await refresher.refresh();
    await refresher.refresh();
    expect(refresher.snapshots.map((s) => [s.plan.service, s.fleet?.name ?? null])).toEqual([
      ['billing', null],
      ['checkout', 'store'],
      ['cart', 'store'],
      ['search', 'store'],
    ]);
    expect(refresher.lookup('cart').kind).toBe('service');
  });
});

describe('a reload that removes a service', () => {
  it('forgets its inputs, fitted or not: added back later with its inputs missing, it has no last success from before', async () => {
    // "b" has no history to fit: nothing of it was in the refit's batch.
    const b = { ...named('b'), growth: { ...named('b').growth, history_query: undefined } };
    const demo = new DemoSource();
    let down = false;
    const source = Object.assign(Object.create(demo) as Source, {
      async readInputsMany(services: Service[], now: number) {
        const read = await demo.readInputsMany(services, now);
        if (down && read.has('b')) read.set('b', missingInputs(b, 'the query failed', now));
        return read;
      },
    });
    let now = NOW;
    const refresher = new Refresher({
      policy: policyOf([named('a'), b]),
      source,
      metrics: new HeadroomMetrics('test'),
      logger: captureLogger().logger,
      clock: () => now,
    });
    await refresher.refresh();
    expect(byName(refresher.snapshots, 'b')!.inputs.every((i) => i.lastSuccess === NOW)).toBe(true);
    refresher.setPolicy(policyOf([named('a')]), source);
    await refresher.refresh();
    now += 3600;
    down = true;
    refresher.setPolicy(policyOf([named('a'), b]), source);
    await refresher.refresh();
    expect(byName(refresher.snapshots, 'b')!.inputs.map((i) => [i.signal, i.ok, i.lastSuccess])).toEqual(
      byName(refresher.snapshots, 'b')!.inputs.map((i) => [i.signal, false, null])
    );
  });
});

describe('a reload that fails validation while a refit is in flight', () => {
  it('keeps the old policy and the fits made under it: the next refresh refits nothing', async () => {
    const dir = tempDir('reload-guard');
    const file = path.join(dir, 'headroom.yml');
    const doc = yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as any;
    writeFileSync(file, yaml.dump(doc));
    const source = refitSource();
    const log = captureLogger();
    let rejected: Promise<unknown> | null = null;
    const late: { serve?: ServeHandle } = {};
    source.during(() => {
      writeFileSync(file, yaml.dump({ ...doc, refresh: { ...doc.refresh, interval: 'often' } }));
      rejected = late.serve!.reload();
    });
    const serve = (late.serve = await startServe({
      configFile: file,
      listen: '127.0.0.1:0',
      logger: log.logger,
      version: 'test',
      clock: () => NOW,
      scalerFactory: null,
      source,
    }));
    try {
      const { refresher } = serve;
      await waitFor('the first refresh', async () => refresher.stats !== null);
      expect(await rejected).toEqual({ ok: false, error: expect.stringContaining('refresh.interval') });
      expect(serve.policy().refresh.interval).toBe(parsePolicy(yaml.dump(doc), file).refresh.interval);
      const names = serve.policy().services.map((s) => s.name);
      expect(refresher.snapshots.map((s) => [s.plan.service, historyOk(s)])).toEqual(names.map((n) => [n, true]));
      const reads = source.historyReads();
      await refresher.refresh();
      expect(source.historyReads()).toBe(reads);
    } finally {
      await serve.close();
    }
  });
});
