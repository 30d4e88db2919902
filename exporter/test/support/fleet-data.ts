/**
 * Data and services of a fleet for the query-cost tests and the fleet benchmark: N services
 * labelled service="s<k>" (job="shop"), six gauges each (the example policy's signals) and an
 * instance count, every `step` seconds over the last `rawSeconds`, and a daily users series over
 * `historyDays`. The same services are written as explicit entries (today's shape: one query per
 * service, `{service="s<k>"}`) or as a fleet (vectors `by (service)`), so both read the same numbers.
 */
import { createWriteStream } from 'node:fs';
import yaml from 'js-yaml';
import { readFileSync } from 'node:fs';
import { validatePolicy } from '../../src/config/load.js';
import type { Fleet, Policy, Service } from '../../src/config/schema.js';
import { fleetService } from '../../src/fleet/expand.js';
import { EXAMPLE_POLICY } from '../helpers.js';

const DAY = 86_400;

/** The example's signals, as gauges of the fleet: metric, signal name, unit, kind, value of service k. */
export const FLEET_SIGNALS = [
  { metric: 'shop_cpu_percent', name: 'cpu', unit: 'percent', agg: 'avg', value: (k: number) => 30 + (k % 7) * 10 },
  {
    metric: 'shop_memory_percent',
    name: 'memory',
    unit: 'percent',
    agg: 'avg',
    value: (k: number) => 35 + (k % 5) * 9,
  },
  { metric: 'shop_sessions', name: 'sessions', unit: 'sessions', agg: 'avg', value: (k: number) => 40 + (k % 9) * 20 },
  {
    metric: 'shop_latency_ms',
    name: 'latency_p95',
    unit: 'milliseconds',
    agg: 'avg',
    value: (k: number) => 120 + (k % 4) * 70,
  },
  {
    metric: 'shop_error_percent',
    name: 'error_rate',
    unit: 'percent',
    agg: 'avg',
    value: (k: number) => 0.2 + (k % 3),
  },
  {
    metric: 'shop_connected_users',
    name: 'concurrent_users',
    unit: 'users',
    agg: 'sum',
    kind: 'count',
    value: (k: number) => 200 + (k % 10) * 40,
  },
] as const;
export const INSTANCES_METRIC = 'shop_instances';
export const HISTORY_METRIC = 'shop_daily_active_users';
export const instancesOf = (k: number) => 2 + (k % 4);

export interface FleetDataOptions {
  services: number;
  /** Unix seconds of the newest raw sample. */
  end: number;
  rawSeconds: number;
  step: number;
  historyDays: number;
}

/** Writes the fleet's samples as OpenMetrics (for promtool), family by family, each series in time order. */
export async function writeFleetOpenMetrics(file: string, o: FleetDataOptions): Promise<void> {
  const out = createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', r)));
  const families = [
    ...FLEET_SIGNALS.map((s) => ({ metric: s.metric, value: s.value })),
    { metric: INSTANCES_METRIC, value: instancesOf },
  ];
  for (const f of families) {
    await write(`# TYPE ${f.metric} gauge\n`);
    for (let k = 0; k < o.services; k++) {
      const lines: string[] = [];
      for (let t = o.end - o.rawSeconds + o.step; t <= o.end; t += o.step)
        lines.push(`${f.metric}{job="shop",service="s${k}"} ${f.value(k)} ${t}`);
      await write(`${lines.join('\n')}\n`);
    }
  }
  await write(`# TYPE ${HISTORY_METRIC} gauge\n`);
  const today = Math.floor(o.end / DAY) * DAY;
  for (let k = 0; k < o.services; k++) {
    const lines: string[] = [];
    for (let d = o.historyDays - 1; d >= 0; d--)
      lines.push(
        `${HISTORY_METRIC}{job="shop",service="s${k}"} ${Math.round((1000 + 10 * k) * 1.002 ** (o.historyDays - d))} ${today - d * DAY}`
      );
    await write(`${lines.join('\n')}\n`);
  }
  await write('# EOF\n');
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** The example policy on `promUrl` with no services (the caller adds them). */
export function basePolicy(promUrl: string, mutate: (doc: any) => void = () => {}): { doc: any; policy: Policy } {
  const doc = yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as any;
  doc.prometheus = { url: promUrl, timeout: '10s', concurrency: 4 };
  const s = doc.services[0];
  s.scaling.schedules = [];
  s.growth.history_days = 28;
  mutate(doc);
  return { doc, policy: validatePolicy(doc, 'fleet test policy') };
}

/** The queries of service k in today's shape: every selector names the service. */
export function explicitService(template: Service, k: number): Service {
  const sel = `{job="shop",service="s${k}"}`;
  return {
    ...template,
    name: `s${k}`,
    instances: { query: `sum(${INSTANCES_METRIC}${sel})` },
    signals: FLEET_SIGNALS.map((s) => ({
      ...template.signals.find((x) => x.name === s.name)!,
      query: `${s.agg}(${s.metric}${sel})`,
    })),
    growth: { ...template.growth, history_query: `sum(${HISTORY_METRIC}${sel})` },
  };
}

/** The fleet of these services: the template's queries as vectors `by (service)`. */
export function shopFleet(template: Service, name = 'shop', selector = '{job="shop"}'): Fleet {
  const { name: _, fleet: __, ...rest } = template;
  return {
    name,
    label: 'service',
    retire_after: 3600,
    overrides: [],
    template: {
      ...rest,
      instances: { query: `sum by (service) (${INSTANCES_METRIC}${selector})` },
      signals: FLEET_SIGNALS.map((s) => ({
        ...template.signals.find((x) => x.name === s.name)!,
        query: `${s.agg} by (service) (${s.metric}${selector})`,
      })),
      growth: { ...template.growth, history_query: `sum by (service) (${HISTORY_METRIC}${selector})` },
    },
  };
}

const fleets = new WeakMap<Service, Fleet>();
/** Service k as a member of the template's fleet (fleet/expand.ts fleetService). */
export function fleetMember(template: Service, k: number): Service {
  let f = fleets.get(template);
  if (!f) fleets.set(template, (f = shopFleet(template)));
  return fleetService(f, `s${k}`);
}

/** A fetch that records every request to Prometheus: its endpoint and, for queries, the PromQL. */
export function recordingFetch(): { fetchImpl: typeof fetch; requests: { endpoint: string; query?: string }[] } {
  const requests: { endpoint: string; query?: string }[] = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    const endpoint = new URL(url).pathname.split('/').pop()!;
    const body = typeof init?.body === 'string' ? new URLSearchParams(init.body) : undefined;
    requests.push({ endpoint, query: body?.get('query') ?? undefined });
    return fetch(url, init);
  }) as typeof fetch;
  return { fetchImpl, requests };
}
