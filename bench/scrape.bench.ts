/**
 * Scrape benchmark: serializing /metrics with 1,000 services, against the floor of a bare
 * prom-client registry holding the same series, serialized in the same process; plus the HTTP
 * latency of GET /metrics on a real `headroom serve` (no model work on the scrape path).
 */
import pino from 'pino';
import { HeadroomMetrics } from '../exporter/src/metrics/registry.js';
import { Refresher } from '../exporter/src/server/refresher.js';
import { DemoSource } from '../exporter/src/sources/demo.js';
import { median, policyWithServices, wallMs, type Figure } from './common.js';
import { bareRegistry, countSeries } from './floor.js';
import { startServeChild } from './serve-child.js';

export async function run(): Promise<Figure[]> {
  const policy = policyWithServices(1000);
  const metrics = new HeadroomMetrics('bench');
  const refresher = new Refresher({
    policy,
    source: new DemoSource(),
    metrics,
    logger: pino({ level: 'silent' }),
    clock: () => Date.UTC(2026, 10, 27, 12) / 1000,
  });
  await refresher.refresh();
  const text = await metrics.registry.metrics();
  const floor = bareRegistry(text);
  const ours: number[] = [];
  const bare: number[] = [];
  // Interleaved, so drift on a shared machine hits both alike.
  for (let i = 0; i < 7; i++) {
    ours.push(await wallMs(() => metrics.registry.metrics()));
    bare.push(await wallMs(() => floor.metrics()));
  }
  const o = median(ours);
  const b = median(bare);
  const figures: Figure[] = [
    { name: 'scrape: series with 1,000 services', value: countSeries(text), unit: 'series' },
    { name: 'scrape: series per service', value: (countSeries(text) - 10) / 1000, unit: 'series' },
    { name: 'scrape: body size', value: Buffer.byteLength(text) / 2 ** 20, unit: 'MiB' },
    {
      name: 'scrape: serialize 1,000 services',
      value: o,
      unit: 'ms',
      floor: b,
      ratio: o / b,
      goal: '≤ 1.25×',
      met: o / b <= 1.25,
    },
  ];

  const serve = await startServeChild(1000);
  try {
    const lat: number[] = [];
    for (let i = 0; i < 7; i++) lat.push(await wallMs(async () => (await fetch(`${serve.url}/metrics`)).text()));
    const l = median(lat);
    figures.push({
      name: 'scrape: GET /metrics on headroom serve, 1,000 services',
      value: l,
      unit: 'ms',
      floor: b,
      ratio: l / b,
      goal: '≤ 1.25× (HTTP incl.)',
      met: l / b <= 1.25,
    });
  } finally {
    await serve.stop();
  }
  return figures;
}
