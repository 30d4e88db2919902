/**
 * A fleet's trigger windows on a real Prometheus that evaluates the fleet's recording rules (one
 * per signal, labels fleet="shop", every second) over a scraped target: the windows read the
 * recorded series (no subquery) and decide what the subqueries decide; a window longer than the
 * recorded history is missing, never held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet, Policy, Service } from '../src/config/schema.js';
import { PrometheusSource } from '../src/sources/prometheus.js';
import { signalRecord } from '@headroom/contract';
import { startPrometheus, startTarget, waitFor, waitForTargets, type Running } from './support/processes.js';
import { fleetService } from '../src/fleet/expand.js';
import { basePolicy, FLEET_SIGNALS, INSTANCES_METRIC, recordingFetch, shopFleet } from './support/fleet-data.js';

/** Three services of the fleet: s5 runs hot (cpu 80), s0 is quiet (memory 35). */
const KS = [0, 2, 5];
let target: Awaited<ReturnType<typeof startTarget>>;
let prom: Running;
let policy: Policy;
let fleet: Fleet;
let members: Service[];

const body = () =>
  [...FLEET_SIGNALS.map((s) => ({ metric: s.metric, value: s.value })), { metric: INSTANCES_METRIC, value: () => 2 }]
    .map((f) => `# TYPE ${f.metric} gauge\n` + KS.map((k) => `${f.metric}{service="s${k}"} ${f.value(k)}\n`).join(''))
    .join('');

beforeAll(async () => {
  target = await startTarget(body());
  ({ policy } = basePolicy('http://127.0.0.1:1', (doc) => {
    const s = doc.services[0];
    for (const t of s.scaling.scale_out) t.for = t.name === 'memory_high' ? '10m' : '4s';
    s.scaling.scale_in.for = '4s';
  }));
  fleet = shopFleet(policy.services[0]);
  members = KS.map((k) => fleetService(fleet, `s${k}`));
  const signals = fleet.template.signals;
  const rules = `groups:
  - name: headroom-fleet-shop
    interval: 1s
    rules:
${signals.map((s) => `      - record: ${signalRecord(s.name, s.unit)}\n        labels: { fleet: shop }\n        expr: '${s.query}'`).join('\n')}
`;
  prom = await startPrometheus({
    config: `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['{{DIR}}/fleet.rules.yml']
scrape_configs:
  - job_name: shop
    static_configs: [{ targets: ['127.0.0.1:${target.port}'] }]
`,
    files: { 'fleet.rules.yml': rules },
  });
  policy = { ...policy, prometheus: { ...policy.prometheus!, url: prom.url } };
  await waitForTargets(prom, 1);
  const rec = `${signalRecord('cpu', 'percent')}{fleet="shop",service="s0"}`;
  await waitFor(
    'six rule evaluations',
    async () => {
      const q = encodeURIComponent(`count_over_time(${rec}[10s]) >= 6`);
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=${q}`)).json()) as { data: { result: unknown[] } };
      return r.data.result.length > 0;
    },
    30_000,
    250
  );
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  await target?.stop();
});

function source() {
  const rec = recordingFetch();
  return { src: new PrometheusSource(policy.prometheus!, rec.fetchImpl), requests: rec.requests };
}

describe('fleet windows on recorded series', () => {
  it('read the recorded series when the rules are loaded, and decide what the subqueries decide', async () => {
    const now = Date.now() / 1000;
    const recorded = source();
    expect(await recorded.src.discover(fleet, now)).toEqual({ ok: true, names: ['s0', 's2', 's5'] });
    const withRules = await recorded.src.readInputsMany(members, now);
    // Without discovery the source does not know the template, so it cannot tell what the rules record: subqueries.
    const subqueries = await source().src.readInputsMany(members, now);
    for (const s of members) {
      const a = withRules.get(s.name)!;
      const b = subqueries.get(s.name)!;
      expect({ service: s.name, out: a.scaleOut.cpu_high, in: a.scaleIn }).toEqual({
        service: s.name,
        out: b.scaleOut.cpu_high,
        in: b.scaleIn,
      });
    }
    expect(withRules.get('s5')!.scaleOut.cpu_high).toEqual({ ok: true, value: 80, sustained: true });
    expect(withRules.get('s2')!.scaleOut.cpu_high).toEqual({ ok: true, value: 50, sustained: false });
    expect(withRules.get('s0')!.scaleIn![1]).toEqual({ ok: true, value: 35, sustained: true });
    const queries = recorded.requests.flatMap((r) => (r.query ? [r.query] : []));
    expect(queries).toContain('min_over_time(service:headroom_signal_cpu:percent{fleet="shop"}[4s])');
    expect(queries).toContain('count_over_time(service:headroom_signal_cpu:percent{fleet="shop"}[4s])');
    expect(queries.filter((q) => q.includes('[4s:'))).toEqual([]);
    expect(recorded.requests.filter((r) => r.endpoint === 'rules')).toHaveLength(1);
  });

  it('leaves a window longer than the recorded history missing, with the count it saw', async () => {
    const { src } = source();
    const now = Date.now() / 1000;
    await src.discover(fleet, now);
    const w = (await src.readInputsMany(members, now)).get('s2')!.scaleOut.memory_high;
    expect(w).toMatchObject({ ok: false });
    expect((w as { reason: string }).reason).toMatch(
      /^600s window: \d+ rule evaluations of service:headroom_signal_memory:percent\{fleet="shop"\}, expected at least 599 \(every 1s\)$/
    );
  });

  it('reads the list of rules once per refresh, for all its services and windows, so every refresh costs the same', async () => {
    const { src, requests } = source();
    const perRefresh: { rules: number; all: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const before = requests.length;
      const now = Date.now() / 1000;
      await src.discover(fleet, now);
      await src.readInputsMany(members, now);
      const sent = requests.slice(before);
      // Less the spend's catch-up over the month (sent until it has an answer: this Prometheus is seconds old).
      const spend = sent.filter((r) => r.query?.startsWith(`avg_over_time((${fleet.template.instances.query})`));
      perRefresh.push({ rules: sent.filter((r) => r.endpoint === 'rules').length, all: sent.length - spend.length });
    }
    expect(perRefresh.map((r) => r.rules)).toEqual([1, 1, 1]);
    expect(perRefresh.map((r) => r.all)).toEqual([perRefresh[0].all, perRefresh[0].all, perRefresh[0].all]);
  });
});
