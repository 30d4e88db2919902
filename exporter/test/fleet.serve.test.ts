/**
 * `headroom serve` with fleets on the demo source (its discovery: the overrides' exact `match`
 * names): fleet services are planned beside explicit ones, and a reload adds and removes fleets.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { METRIC } from '@headroom/contract';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { DemoSource } from '../src/sources/demo.js';
import type { Source } from '../src/sources/source.js';
import { FLEET_POLICY } from './helpers.js';
import { amPayload } from './scaler-fixtures/support.js';
import { captureLogger, getJson, scrape, seriesKey } from './support/serve.js';
import { tempDir } from './support/processes.js';

let serve: ServeHandle | undefined;
afterEach(async () => {
  await serve?.close();
  serve = undefined;
});

function writeFleetPolicy(file: string, mutate: (doc: any) => void = () => {}): void {
  const doc = yaml.load(readFileSync(FLEET_POLICY, 'utf8')) as any;
  doc.scaler = {
    store: { type: 'sqlite', path: path.join(path.dirname(file), 'state.db') },
    actuator: { type: 'dry-run' },
  };
  mutate(doc);
  writeFileSync(file, yaml.dump(doc));
}

/** Writes the fleet policy (changed by `mutate`) and starts `headroom serve` on it, one refresh done; returns the file and the server. */
async function serveFleet(
  name: string,
  mutate?: (doc: any) => void,
  log: ReturnType<typeof captureLogger> = captureLogger(),
  source?: Source
): Promise<{ file: string; srv: ServeHandle }> {
  const file = path.join(tempDir(name), 'headroom.yml');
  writeFleetPolicy(file, mutate);
  const srv = await startServe({
    configFile: file,
    listen: '127.0.0.1:0',
    logger: log.logger,
    version: 'test',
    env: {},
    source,
  });
  serve = srv;
  await srv.refresher.refresh();
  return { file, srv };
}

const names = async (url: string) =>
  ((await getJson(`${url}/api/v1/plan`)).services as any[]).map((s) => s.service).sort();

describe('headroom serve with fleets', () => {
  it('plans fleet services beside explicit ones, with their fleet and state', async () => {
    const { srv } = await serveFleet('fleet-serve');
    const plan = await getJson(`${srv.url}/api/v1/plan`);
    expect(plan.services.map((s: any) => [s.service, s.fleet?.state ?? null])).toEqual([
      ['billing', null],
      ['checkout', 'present'],
      ['cart', 'present'],
      ['search', 'present'],
    ]);
    const checkout = plan.services.find((s: any) => s.service === 'checkout');
    expect(checkout.fleet).toEqual({ name: 'shop', label: 'service', state: 'present' });
    expect((await getJson(`${srv.url}/api/v1/plan?service=cart`)).services).toHaveLength(1);
    const m = await scrape(srv.url);
    expect(m.get(seriesKey(METRIC.fleetServices, { fleet: 'shop', state: 'present' }))).toBe(3);
    expect(m.get(seriesKey(METRIC.fleetDiscoveryUp, { fleet: 'shop' }))).toBe(1);
    const checkoutCpu = [...m].filter(
      ([k]) => k.startsWith(`${METRIC.inputUp}{`) && k.includes('service="checkout"') && k.includes('signal="cpu"')
    );
    expect(checkoutCpu.map(([, v]) => v)).toEqual([1]);
  });

  it('adds a fleet on reload, and removes it and its series on the next', async () => {
    const { file, srv } = await serveFleet('fleet-reload', (d) => delete d.fleets);
    expect(await names(srv.url)).toEqual(['billing']);

    writeFleetPolicy(file);
    expect(await srv.reload()).toEqual({ ok: true });
    expect(await names(srv.url)).toEqual(['billing', 'cart', 'checkout', 'search']);

    writeFleetPolicy(file, (d) => delete d.fleets);
    expect(await srv.reload()).toEqual({ ok: true });
    expect(await names(srv.url)).toEqual(['billing']);
    const m = await scrape(srv.url);
    expect(
      [...m.keys()].filter((k) => /service="(cart|checkout|search)"/.test(k) && !k.startsWith('headroom_scaler_'))
    ).toEqual([]);
    expect([...m.keys()].filter((k) => k.startsWith(METRIC.fleetServices))).toEqual([]);
  });

  it('lets an explicit service win over a discovered name', async () => {
    const log = captureLogger();
    const { srv } = await serveFleet('fleet-clash', (d) => (d.services[0].name = 'cart'), log);
    const plan = await getJson(`${srv.url}/api/v1/plan`);
    expect(plan.services.map((s: any) => [s.service, s.fleet?.state ?? null])).toEqual([
      ['cart', null],
      ['checkout', 'present'],
      ['search', 'present'],
    ]);
    expect(log.text()).toContain(
      'fleet shop: label value rejected, not planned: "cart" is an explicit service of the policy, which wins over fleet shop'
    );
    expect((await scrape(srv.url)).get(seriesKey(METRIC.fleetRejectedLabelValues, { fleet: 'shop' }))).toBe(1);
  });

  it('acts for a fleet service through the actuator of its override, and for the others through the shared one', async () => {
    const { srv } = await serveFleet('fleet-actuator');
    const post = (service: string) =>
      fetch(`${srv.url}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          amPayload({
            labels: {
              alertname: 'HeadroomScaling',
              headroom: 'scaling',
              service,
              trigger: 'cpu_high',
              action: 'scale_out',
            },
            annotations: { value: '95' },
            startsAt: new Date(Date.now() - 5000).toISOString(),
            fingerprint: `fp-${service}`,
          })
        ),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const checkout = await post('checkout');
    const cart = await post('cart');
    expect([checkout.status, cart.status]).toEqual([200, 200]);
    // checkout's override names a dry-run actuator that starts at 6; cart's count comes from the (demo) source, 4.
    expect([checkout.body.results[0].current, cart.body.results[0].current]).toEqual([6, 4]);
    const unknown = await post('nosuch');
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toBe(
      'alerts[0].labels.service: expected a service of the policy (billing; or a discovered service of fleet shop), got "nosuch"'
    );
  });

  it('keeps every service of a fleet, missing, when its discovery fails', async () => {
    const source = new DemoSource();
    let failing = false;
    const demoDiscover = source.discover.bind(source);
    source.discover = async (fleet) => (failing ? { ok: false, reason: 'HTTP 503: unavailable' } : demoDiscover(fleet));
    const log = captureLogger();
    const { srv } = await serveFleet('fleet-discovery-down', undefined, log, source);
    failing = true;
    await srv.refresher.refresh();
    const plan = await getJson(`${srv.url}/api/v1/plan`);
    expect(plan.services.map((s: any) => [s.service, s.fleet?.state ?? null, s.fleet?.reason ?? null])).toEqual([
      ['billing', null, null],
      ['checkout', 'missing', 'discovery failed: HTTP 503: unavailable'],
      ['cart', 'missing', 'discovery failed: HTTP 503: unavailable'],
      ['search', 'missing', 'discovery failed: HTTP 503: unavailable'],
    ]);
    expect(plan.services.find((s: any) => s.service === 'cart').decision.action).toBe('none');
    const m = await scrape(srv.url);
    expect(m.get(seriesKey(METRIC.fleetDiscoveryUp, { fleet: 'shop' }))).toBe(0);
    expect(m.get(seriesKey(METRIC.fleetServices, { fleet: 'shop', state: 'missing' }))).toBe(3);
    expect(log.text()).toContain(
      'fleet shop: discovery failed (HTTP 503: unavailable); its services are missing, none is dropped'
    );
  });
});
