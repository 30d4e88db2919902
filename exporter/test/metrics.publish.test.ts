/**
 * Publishing per-service series fast (the fleet refresh at 1,000 services) without changing a byte
 * of /metrics: HeadroomMetrics.publish counts each service's series, trims, and keeps a series'
 * entry and formatted line from one refresh to the next (metrics/service-gauge.ts). Checked against
 * plain prom-client gauges reset and set with every series of the same snapshots, trimmed the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gauge, Registry } from 'prom-client';
import { CATALOGUE, FLEET_LABEL, METRIC } from '@headroom/contract';
import { EXAMPLE_POLICY, FLEET_POLICY } from './helpers.js';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { HeadroomMetrics, type ServiceFailure } from '../src/metrics/registry.js';
import {
  emitInputs,
  emitService,
  present,
  serviceLabels,
  type Add,
  type Series,
  type ServiceSnapshot,
} from '../src/metrics/series.js';
import { countSeries, PROCESS_SERIES, seriesDetail, trimFor } from '../src/metrics/budget.js';
import { ServiceGauge } from '../src/metrics/service-gauge.js';
import { captureLogger } from './support/serve.js';
import { waitFor } from './support/processes.js';

let serves: ServeHandle[] = [];
let snapshots: ServiceSnapshot[] = [];

beforeAll(async () => {
  serves = await Promise.all(
    [EXAMPLE_POLICY, FLEET_POLICY].map((configFile) =>
      startServe({
        configFile,
        listen: '127.0.0.1:0',
        logger: captureLogger().logger,
        version: 'test',
        scalerFactory: null,
      })
    )
  );
  for (const s of serves) await waitFor('the first refresh', async () => s.refresher.stats !== null);
  snapshots = serves.flatMap((s) => s.refresher.snapshots);
  expect(snapshots.length).toBeGreaterThan(3);
}, 60_000);

afterAll(async () => {
  await Promise.all(serves.map((s) => s.close()));
});

const PER_SERVICE = CATALOGUE.filter((s) => s.type === 'gauge' && s.labels.includes('service'));

/** Every series of the snapshots and failures, trimmed as the policy would, set on plain prom-client gauges. */
async function reference(
  services: readonly ServiceSnapshot[],
  failures: readonly ServiceFailure[],
  seriesBudget?: number
): Promise<Map<string, string>> {
  const all = [
    ...services.map((s) => collect(serviceLabels(s.plan.service, s.fleet?.name), (add) => emitService(add, s))),
    ...failures.map((f) => collect(serviceLabels(f.service, f.fleet), (add) => emitInputs(add, f.inputs))),
  ];
  const trim = trimFor(
    seriesBudget,
    all.map((s) => countSeries(s)),
    PROCESS_SERIES
  );
  const dropped = new Set<string>(trim.dropped.map((d) => d.detail));
  const registry = new Registry();
  const gauges = new Map<string, Gauge<string>>(
    PER_SERVICE.map((spec) => [
      spec.name,
      new Gauge({ name: spec.name, help: spec.help, labelNames: [...spec.labels, FLEET_LABEL], registers: [registry] }),
    ])
  );
  for (const series of all) {
    const kept = series.filter((s) => !dropped.has(seriesDetail(s.name, s.labels) ?? ''));
    for (const s of kept) gauges.get(s.name)!.set(s.labels, s.value);
    if (series.length > 0) gauges.get(METRIC.series)!.set(serviceOf(series[0].labels), kept.length + 1);
  }
  return blocks(await registry.metrics());
}

type Labels = Record<string, string | number>;
const serviceOf = (l: Labels): Labels =>
  FLEET_LABEL in l ? { service: l.service, [FLEET_LABEL]: l[FLEET_LABEL] } : { service: l.service };

function collect(base: Labels, emit: (add: Add) => void) {
  const out: Series[] = [];
  emit((name, labels, v) => {
    if (present(v)) out.push({ name, labels: { ...base, ...labels }, value: v });
  });
  return out;
}

/** A /metrics text's blocks by metric name. */
const blocks = (text: string) =>
  new Map(
    text
      .trimEnd()
      .split('\n\n')
      .map((b) => [b.split('\n')[0].split(' ')[2], b] as const)
  );

/** The per-service blocks HeadroomMetrics serves (its exposition) and prom-client writes from its gauges (registry.metrics()). */
async function published(m: HeadroomMetrics): Promise<{ served: Map<string, string>; client: Map<string, string> }> {
  const pick = (b: Map<string, string>) => new Map(PER_SERVICE.map((s) => [s.name, b.get(s.name)!]));
  return {
    served: pick(blocks((await m.exposition(false)).text)),
    client: pick(blocks(await m.registry.metrics())),
  };
}

/** A snapshot of another service (a fleet's), its values shifted, a resource name that needs escaping. */
function variant(s: ServiceSnapshot, name: string, shift: number): ServiceSnapshot {
  return {
    ...s,
    plan: { ...s.plan, service: name, current: (s.plan.current ?? 0) + shift },
    inputs: s.inputs.map((i) => ({ ...i, value: i.value === null ? null : i.value + shift })),
    resources: [...(s.resources ?? []), { name: 'odd "name" \\ with\nnewline', limit: 1 + shift, unit: 'percent' }],
    fleet: { name: 'shop', label: 'service', state: 'present' },
  };
}

describe('publishing per-service series', () => {
  it('serves byte for byte what prom-client writes for the same series, refresh after refresh, as series come, change and go', async () => {
    const base = snapshots;
    const failure: ServiceFailure = {
      service: 'broken',
      at: 1,
      error: 'planning failed: boom',
      inputs: base[0].inputs.map((i) => ({ ...i, ok: false, value: null, reason: 'boom' })),
    };
    const refreshes: { services: ServiceSnapshot[]; failures: ServiceFailure[]; budget?: number }[] = [
      { services: [...base, variant(base[0], 'a', 1), variant(base[0], 'b', 2)], failures: [] },
      { services: [variant(base[0], 'b', 3), ...base.slice(1)], failures: [failure] },
      { services: [...base, variant(base[0], 'a', 1)], failures: [failure], budget: 1e9 },
      { services: [variant(base[0], 'a', 4), ...base], failures: [], budget: 400 },
      { services: [], failures: [] },
      { services: base, failures: [] },
    ];
    const m = new HeadroomMetrics('test');
    for (const r of refreshes) {
      m.publish(r.services, r.failures, { seriesBudget: r.budget });
      const want = await reference(r.services, r.failures, r.budget);
      const { served, client } = await published(m);
      for (const spec of PER_SERVICE) {
        expect(served.get(spec.name), spec.name).toBe(want.get(spec.name));
        expect(client.get(spec.name), spec.name).toBe(want.get(spec.name));
      }
    }
  });

  it('skips the candidate models only when the budget drops every one of their series', async () => {
    const m = new HeadroomMetrics('test');
    const services = [...snapshots, variant(snapshots[0], 'a', 1)];
    for (const seriesBudget of [undefined, 1e9]) {
      m.publish(services, [], { seriesBudget });
      const served = (await published(m)).served.get(METRIC.modelProjectedUsers)!;
      const want = (await reference(services, [], seriesBudget)).get(METRIC.modelProjectedUsers)!;
      expect(served).toBe(want);
      expect(served.split('\n').length > 2).toBe(seriesBudget !== undefined);
    }
  });

  it('refuses a per-service series set outside publish, and a label the metric does not declare', () => {
    const registry = new Registry();
    const g = new ServiceGauge({ name: 'headroom_x', help: 'x', labelNames: ['service'], registers: [registry] });
    expect(() => g.set({ service: 'a' }, 1)).toThrow(/published with put\(\)/);
    expect(() => g.put('a', { service: 'a' }, { other: 'b' }, 1)).toThrow(
      /label "other" is not one of its labels \(service\)/
    );
  });
});
