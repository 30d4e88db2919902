/**
 * The history refit of a fleet is tens of seconds of model work. It runs in slices (engine.ts
 * FIT_SLICE_MS) so that the event loop keeps serving scrapes, health checks and Alertmanager
 * notifications meanwhile, and it gives the same fits as fitting each service on its own.
 */
import { describe, expect, it } from 'vitest';
import { refreshHistories, refreshHistory } from '../src/engine.js';
import { DemoSource } from '../src/sources/demo.js';
import type { Source } from '../src/sources/source.js';
import { exampleService } from './helpers.js';

const NOW = Date.UTC(2026, 10, 27, 12) / 1000;
const services = Array.from({ length: 12 }, (_, i) => ({ ...exampleService(), name: `svc-${i}` }));

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
