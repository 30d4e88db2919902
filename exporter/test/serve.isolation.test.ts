/**
 * Isolation: a service whose planning throws (a bug, not missing data) stays visible: its error is
 * logged, counted and in /api/v1/plan, its input health stays published (so the health alerts
 * still see it), and the other services are planned as usual.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../src/config/schema.js';
import { HeadroomMetrics } from '../src/metrics/registry.js';
import { createApp } from '../src/server/app.js';
import { Refresher } from '../src/server/refresher.js';
import { DemoSource } from '../src/sources/demo.js';
import { examplePolicy } from './helpers.js';
import { captureLogger, getJson, scrape, seriesKey } from './support/serve.js';

const NOW = Date.UTC(2026, 10, 27, 12) / 1000;
const log = captureLogger();
let server: Server;
let url: string;
let refresher: Refresher;

/** Two services; the second carries a time zone the validation would reject, as a policy built in code could. */
function brokenPolicy(): Policy {
  const p = examplePolicy();
  const broken = structuredClone(p.services[0]);
  broken.name = 'checkout';
  broken.scaling.schedules[0].timezone = 'Europe/Berln';
  return { ...p, services: [p.services[0], broken] };
}

beforeAll(async () => {
  const policy = brokenPolicy();
  const metrics = new HeadroomMetrics('test');
  refresher = new Refresher({ policy, source: new DemoSource(), metrics, logger: log.logger, clock: () => NOW });
  const app = createApp({
    refresher,
    metrics,
    logger: log.logger,
    scaler: null,
    services: () => policy.services.map((s) => s.name),
    reload: async () => ({ ok: true }),
    enableLifecycle: false,
    clock: () => NOW,
  });
  await refresher.refresh();
  await refresher.refresh();
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('a service whose planning throws', () => {
  it('stays visible in /api/v1/plan with its error and input health, beside the planned service', async () => {
    const body = await getJson(`${url}/api/v1/plan`);
    expect(body.services.map((s: { service: string }) => s.service)).toEqual(['terminal']);
    expect(body.failed).toHaveLength(1);
    const failed = body.failed[0];
    expect(failed.service).toBe('checkout');
    expect(failed.error).toMatch(/^planning failed: /);
    const cpu = failed.inputHealth.find((i: { signal: string }) => i.signal === 'cpu');
    expect(cpu).toMatchObject({ signal: 'cpu', ok: true });
    expect(failed.inputHealth.map((i: { signal: string }) => i.signal)).toEqual(
      body.services[0].inputHealth.map((i: { signal: string }) => i.signal)
    );
  });

  it('is counted in headroom_plan_errors_total once per refresh, and keeps its headroom_input_up series', async () => {
    const m = await scrape(url);
    expect(m.get(seriesKey('headroom_plan_errors_total', { service: 'checkout' }))).toBe(2);
    expect(m.has(seriesKey('headroom_plan_errors_total', { service: 'terminal' }))).toBe(false);
    expect(m.get(seriesKey('headroom_input_up', { service: 'checkout', signal: 'cpu' }))).toBe(1);
    expect(m.get(seriesKey('headroom_input_up', { service: 'checkout', signal: 'instances' }))).toBe(1);
    // No plan, so no plan series: nothing made up for the failed service.
    expect(m.has(seriesKey('headroom_instances', { service: 'checkout' }))).toBe(false);
    expect(m.has(seriesKey('headroom_instances', { service: 'terminal' }))).toBe(true);
  });

  it('is logged as an error naming the service', () => {
    const errors = log.lines().filter((l) => l.level === 50);
    expect(errors.length).toBe(2);
    expect(errors[0]).toMatchObject({ service: 'checkout' });
    expect(errors[0].msg).toMatch(
      /^refresh of checkout failed \(planning failed: .+\); its plan is withdrawn until a refresh succeeds, its input health stays published$/
    );
  });

  it('leaves the other service planned', () => {
    expect(refresher.snapshots.map((s) => s.plan.service)).toEqual(['terminal']);
    expect(refresher.snapshots[0].plan.decision).toBeDefined();
  });
});
