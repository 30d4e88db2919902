/**
 * `headroom backtest` against a real Prometheus holding 30 days of backfilled history at 1m
 * (promtool tsdb create-blocks-from openmetrics), with known load:
 *   - cpu 35 % on 4 recorded instances, except
 *   - 2026-10-04 09:00–09:59 cpu 84 %      (spike A)
 *   - 2026-10-11 14:00–14:29 cpu 95 %      (spike B)
 *   - 2026-10-16 00:00–00:39 users 5,000   (count signal; 1,000 otherwise)
 *   - 2026-10-21 08:00–13:59 cpu alternating 80 % / 20 % every 10 minutes
 * Policy: test/fixtures/backtest/policy.yml.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillBlocks, openMetrics } from '../scripts/backtest-data.js';
import { EXAMPLE_POLICY, ROOT, runCli } from './helpers.js';
import { startPrometheus, type Running } from './support/processes.js';

const FIXTURE = path.join(ROOT, 'exporter/test/fixtures/backtest/policy.yml');
const START = Date.UTC(2026, 9, 1) / 1000;
const DAYS = 30;
const N = DAYS * 1440;
const minuteOf = (iso: string) => (Date.parse(iso) / 1000 - START) / 60;
const within = (k: number, iso: string, minutes: number) => k >= minuteOf(iso) && k < minuteOf(iso) + minutes;

function cpu(k: number): number {
  if (within(k, '2026-10-04T09:00:00Z', 60)) return 84;
  if (within(k, '2026-10-11T14:00:00Z', 30)) return 95;
  if (within(k, '2026-10-21T08:00:00Z', 360))
    return Math.floor((k - minuteOf('2026-10-21T08:00:00Z')) / 10) % 2 === 0 ? 80 : 20;
  return 35;
}
const users = (k: number) => (within(k, '2026-10-16T00:00:00Z', 40) ? 5000 : 1000);
const series = (f: (k: number) => number) => Float64Array.from({ length: N }, (_, k) => f(k));

let prom: Running;
let storage: string;
const tmp = mkdtempSync(path.join(tmpdir(), 'headroom-backtest-test-'));

type Doc = { prometheus?: { url: string }; services: { scaling: Record<string, any> }[] };
/** A copy of the fixture policy pointing at the test's Prometheus, changed by `edit`. */
function policyFile(name: string, edit: (scaling: Record<string, any>, doc: Doc) => void = () => {}): string {
  const doc = yaml.load(readFileSync(FIXTURE, 'utf8')) as Doc;
  doc.prometheus!.url = prom.url;
  edit(doc.services[0].scaling, doc);
  const file = path.join(tmp, name);
  writeFileSync(file, yaml.dump(doc));
  return file;
}

beforeAll(async () => {
  const text = openMetrics(
    [
      {
        name: 'backtest_instances',
        help: 'Recorded instances.',
        series: [{ labels: { service: 'web' }, values: new Float64Array(N).fill(4) }],
      },
      {
        name: 'backtest_cpu_percent',
        help: 'Average CPU.',
        series: [{ labels: { service: 'web' }, values: series(cpu) }],
      },
      {
        name: 'backtest_users',
        help: 'Connected users.',
        series: [{ labels: { service: 'web' }, values: series(users) }],
      },
    ],
    START,
    60
  );
  storage = await backfillBlocks(text);
  prom = await startPrometheus({ config: 'global:\n  scrape_interval: 1m\n', storage });
});

afterAll(async () => {
  await prom?.stop();
  if (storage) rmSync(path.dirname(storage), { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

const RANGE = ['--from', '2026-10-01T00:00:00Z', '--to', '2026-10-31T00:00:00Z'];

describe('headroom backtest against a real Prometheus with 30 days of history', () => {
  it('lands the decisions at the times the recorded load implies', async () => {
    const file = policyFile('policy.yml');
    const r = await runCli(['backtest', '--config', file, '--service', 'web', ...RANGE, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ version: 1, service: 'web', step: 60, flapWindow: 1800 });
    const [b] = doc.backtests;
    expect(b.steps).toBe(N);
    expect(b.coverage).toEqual({ instances: 1, signals: { cpu: 1, users: 1 } });
    expect(
      b.decisions.map(
        (d: any) => `${d.time.slice(0, 16)} ${d.action} ${d.from}->${d.to} ${d.trigger}${d.flap ? ' flap' : ''}`
      )
    ).toEqual([
      // Spike A: 6 samples above 70 (09:00–09:05); then 84 × 4/5 = 67.2 holds; back to 35 × 4/5 = 28 < 30 for 15m.
      '2026-10-04T09:05 scale_out 4->5 cpu_high',
      '2026-10-04T10:15 scale_in 5->4 scale_in',
      // Spike B: 95 × 4/5 = 76 still above 70, so a second scale-out once the 10m cooldown ends.
      '2026-10-11T14:05 scale_out 4->5 cpu_high',
      '2026-10-11T14:15 scale_out 5->6 cpu_high',
      '2026-10-11T14:45 scale_in 6->5 scale_in flap',
      '2026-10-11T15:15 scale_in 5->4 scale_in',
      // Users are a count signal: more instances do not lower it, so it fires after every cooldown.
      '2026-10-16T00:02 scale_out 4->5 users_high',
      '2026-10-16T00:12 scale_out 5->6 users_high',
      '2026-10-16T00:22 scale_out 6->7 users_high',
      '2026-10-16T00:32 scale_out 7->8 users_high',
      '2026-10-16T00:40 scale_in 8->7 scale_in flap',
      '2026-10-16T01:10 scale_in 7->6 scale_in',
      '2026-10-16T01:40 scale_in 6->5 scale_in',
      '2026-10-16T02:10 scale_in 5->4 scale_in',
      // Oscillation: on 5 instances the highs are 64 (< 70) and the lows never last 15m, until 13:50.
      '2026-10-21T08:05 scale_out 4->5 cpu_high',
      '2026-10-21T14:05 scale_in 5->4 scale_in',
    ]);
    expect(b.summary).toMatchObject({
      scaleOuts: 8,
      scaleIns: 8,
      flaps: 2,
      minutesAtMax: 0,
      instances: { start: 4, end: 4, min: 4, max: 8 },
    });
    expect(b.summary.instanceHours.recorded).toBeCloseTo(4 * 24 * DAYS, 6);
    expect(b.summary.cost.recorded).toBeCloseTo(4 * 24 * DAYS * 0.5, 6);
    expect(b.summary.blocked.cooldown).toBeGreaterThan(0);
    expect(b.days).toHaveLength(DAYS);
    expect(b.days.find((d: any) => d.date === '2026-10-16')).toMatchObject({
      scaleOuts: 4,
      scaleIns: 4,
      flaps: 1,
      minInstances: 4,
      maxInstances: 8,
    });
  });

  it('shows more flaps for a policy with short cooldowns than for one with long cooldowns (--compare)', async () => {
    const flappy = (cooldown: string) => (s: Record<string, any>) => {
      for (const t of s.scale_out) t.cooldown = cooldown;
      s.scale_in.for = '5m';
      s.scale_in.cooldown = cooldown;
      s.warmup = '0s';
    };
    const short = policyFile('short-cooldown.yml', flappy('5m'));
    const long = policyFile('long-cooldown.yml', flappy('1h'));
    const json = await runCli(['backtest', '--config', short, '--compare', long, ...RANGE, '--format', 'json']);
    expect(json.code).toBe(0);
    const [a, b] = JSON.parse(json.stdout).backtests;
    expect([a.policy, b.policy]).toEqual([short, long]);
    expect(a.summary.flaps).toBeGreaterThan(b.summary.flaps);
    expect(a.summary.flaps).toBeGreaterThanOrEqual(30); // 6 hours of 10-minute swings
    expect(b.summary.flaps).toBeLessThanOrEqual(8);

    const text = await runCli(['backtest', '--config', short, '--compare', long, ...RANGE]);
    expect(text.code).toBe(0);
    const flapsRow = text.stdout.split('\n').find((l) => l.includes('flaps (reversal within 30m)'))!;
    expect(flapsRow.trim().split(/\s+/).slice(-2).map(Number)).toEqual([a.summary.flaps, b.summary.flaps]);
    expect(text.stdout).toContain(`Decisions (${short}): ${a.decisions.length}`);
    expect(text.stdout).toContain(`Decisions (${long}): ${b.decisions.length}`);
  });

  it('prints a readable text report and a CSV of the decisions', async () => {
    const file = policyFile('policy.yml');
    const text = await runCli(['backtest', '--config', file, ...RANGE, '--step', '1m']);
    expect(text.code).toBe(0);
    const squeezed = text.stdout.replace(/ +/g, ' ');
    for (const s of [
      'Headroom backtest: web 2026-10-01T00:00:00Z → 2026-10-31T00:00:00Z (43,200 steps of 1m, flap window 30m)',
      'data coverage: instances 100.0% · cpu 100.0% · users 100.0%',
      'instance-hours simulated 2,893.4',
      'instance-hours recorded 2,880.0',
      'cost recorded (on_demand) $1,440.00',
      'flaps (reversal within 30m) 2',
      '2026-10-16 +4/−4 1 4–8 101/96 $50.27/$48.00 40m',
      '2026-10-04T09:05:00Z scale-out 4 → 5 cpu_high (recorded 4)',
      '- Trigger cpu_high: cpu 84 > 70 for 300s.',
    ]) {
      expect(squeezed).toContain(s);
    }
    const csv = await runCli(['backtest', '--config', file, ...RANGE, '--format', 'csv']);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('policy,service,time,unix,action,from,to,trigger,recorded,flap,reasons');
    expect(lines).toHaveLength(17);
    expect(lines[1]).toMatch(/^[^,]+,web,2026-10-04T09:05:00.000Z,1791104700,scale_out,4,5,cpu_high,4,false,/);
  });
});

describe('headroom backtest: bad input exits 2 with a clear message', () => {
  const noPrometheus = () => {
    const file = path.join(tmp, 'no-prometheus.yml');
    writeFileSync(file, readFileSync(EXAMPLE_POLICY, 'utf8'));
    return file;
  };
  it.each([
    {
      name: 'a range with no data',
      args: () => [
        '--config',
        policyFile('policy.yml'),
        '--from',
        '2025-01-01T00:00:00Z',
        '--to',
        '2025-01-02T00:00:00Z',
      ],
      message:
        'headroom: no data between 2025-01-01T00:00:00Z and 2025-01-02T00:00:00Z: the instance count query "backtest_instances{service=\\"web\\"}" of service web returned no samples',
    },
    {
      name: '--from after --to',
      args: () => [
        '--config',
        policyFile('policy.yml'),
        '--from',
        '2026-10-31T00:00:00Z',
        '--to',
        '2026-10-01T00:00:00Z',
      ],
      message: 'headroom: --from (2026-10-31T00:00:00Z) must be before --to (2026-10-01T00:00:00Z)',
    },
    {
      name: 'an unknown service',
      args: () => ['--config', policyFile('policy.yml'), '--service', 'nope', ...RANGE],
      message: `headroom: --service: unknown service "nope" in ${path.join(tmp, 'policy.yml')} (known: web)`,
    },
    {
      name: 'a step too small for the range',
      args: () => ['--config', policyFile('policy.yml'), ...RANGE, '--step', '5s'],
      message:
        'headroom: --step 5s is too small for 2026-10-01T00:00:00Z → 2026-10-31T00:00:00Z: 518,400 points per series, above the limit of 500,000 points per series (Prometheus serves at most 11,000 per query); use --step 6s or more, or a shorter range',
    },
    {
      name: 'a policy without prometheus:',
      args: () => ['--config', noPrometheus(), ...RANGE],
      message: `headroom: ${path.join(tmp, 'no-prometheus.yml')}: no prometheus: section; backtest replays recorded data, so the policy needs prometheus.url`,
    },
    {
      name: 'a time that is not a time',
      args: () => ['--config', policyFile('policy.yml'), '--from', 'last tuesday', '--to', 'now'],
      message: 'headroom: --from: expected an ISO 8601 time or unix seconds, got "last tuesday"',
    },
    {
      name: 'a bad relative time',
      args: () => ['--config', policyFile('policy.yml'), '--from', 'now-ages'],
      message: 'headroom: --from: expected "now-<duration>" such as now-30d, got "now-ages"',
    },
    {
      name: 'a bad step',
      args: () => ['--config', policyFile('policy.yml'), ...RANGE, '--step', 'fast'],
      message: 'headroom: --step: expected a duration such as "30s", "1m" or "1h", got "fast"',
    },
    {
      name: 'a query that returns several series',
      args: () => [
        '--config',
        policyFile('multi.yml', (_s, doc) => ((doc.services[0] as any).signals[0].query = '{__name__=~"backtest_.*"}')),
        ...RANGE,
      ],
      message: 'headroom: query "{__name__=~\\"backtest_.*\\"}" returned 3 series between 2026-10-01T00:00:00Z and',
    },
    {
      name: 'a compare policy without the service',
      args: () => [
        '--config',
        policyFile('policy.yml'),
        '--compare',
        policyFile('other.yml', (_s, doc) => ((doc.services[0] as any).name = 'api')),
        ...RANGE,
      ],
      message: `headroom: --service: unknown service "web" in ${path.join(tmp, 'other.yml')} (known: api)`,
    },
  ])('$name', async ({ args, message }) => {
    const r = await runCli(['backtest', ...args()]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
  });
});
