/**
 * The history refit of a fleet is tens of seconds of model work. It runs in slices (engine.ts
 * FIT_SLICE_MS) so that the event loop keeps serving scrapes, health checks and Alertmanager
 * notifications meanwhile, and it gives the same fits as fitting each service on its own.
 */
import { describe, expect, it, vi } from 'vitest';
import { refreshHistories, refreshHistory } from '../src/engine.js';
import { DemoSource } from '../src/sources/demo.js';
import type { Source } from '../src/sources/source.js';
import { HeadroomMetrics } from '../src/metrics/registry.js';
import { Refresher } from '../src/server/refresher.js';
import { examplePolicy, exampleService } from './helpers.js';
import { captureLogger } from './support/serve.js';

const NOW = Date.UTC(2026, 10, 27, 12) / 1000;
const manyServices = () => Array.from({ length: 12 }, (_, i) => ({ ...exampleService(), name: `svc-${i}` }));
const services = manyServices();

/** The demo source with its history already read, so that only the fits remain (no I/O to wait on). */
async function preread(): Promise<Source> {
  const demo = new DemoSource();
  const read = await demo.readHistoryMany(services, NOW);
  return Object.assign(Object.create(demo) as Source, { readHistoryMany: async () => read });
}

describe('the history refit of many services', () => {
  it('lets other work run on the event loop before every fit is done', async () => {
    const source = await preread();
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const fits = await refreshHistories(source, services, NOW);
    running = false;
    expect(fits.size).toBe(services.length);
    expect(turns).toBeGreaterThan(0);
  });

  it('gives byte for byte the fits of each service refitted on its own', async () => {
    const source = await preread();
    const together = await refreshHistories(source, services, NOW);
    for (const svc of services.slice(0, 3)) {
      const alone = await refreshHistory(source, svc, NOW);
      expect(JSON.stringify(together.get(svc.name))).toBe(JSON.stringify(alone));
    }
  });
});

describe('a refresh with a history refit due', () => {
  it('publishes the plans from the current inputs before the refit, then again with the fits, logging each input change once', async () => {
    const log = captureLogger();
    const policy = examplePolicy();
    policy.services = manyServices();
    const refresher = new Refresher({
      policy,
      source: new DemoSource(),
      metrics: new HeadroomMetrics('test'),
      logger: log.logger,
      clock: () => NOW,
    });
    const historyOk = () => refresher.snapshots.map((s) => s.inputs.find((i) => i.signal === 'history')?.ok ?? null);
    const seen: (boolean | null)[][] = [];
    let running = true;
    const watch = () => {
      if (refresher.snapshots.length > 0) seen.push(historyOk());
      if (running) setImmediate(watch);
    };
    setImmediate(watch);
    await refresher.refresh();
    running = false;
    // Before the refit was done: every service planned, its history not fitted yet.
    expect(seen[0]).toEqual(policy.services.map(() => false));
    expect(historyOk()).toEqual(policy.services.map(() => true));
    expect(log.lines().filter((l) => l.signal === 'history' && l.level === 40)).toEqual([]);
  });
});

describe('a refresh whose refit is of services it has fitted before', () => {
  it('publishes once, after the refit: only services seen for the first time are published before it', async () => {
    const policy = examplePolicy();
    policy.services = manyServices().slice(0, 2);
    let now = NOW;
    const metrics = new HeadroomMetrics('test');
    const publish = vi.spyOn(metrics, 'publish');
    const source = new DemoSource();
    const reads = vi.spyOn(source, 'readHistoryMany');
    const refresher = new Refresher({ policy, source, metrics, logger: captureLogger().logger, clock: () => now });
    await refresher.refresh();
    expect(publish).toHaveBeenCalledTimes(2);
    now += policy.refresh.history_interval;
    const readsBefore = reads.mock.calls.length;
    await refresher.refresh();
    expect(reads.mock.calls.length).toBeGreaterThan(readsBefore); // the histories were refitted
    expect(publish).toHaveBeenCalledTimes(3);
  });
});
