import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../src/config/load.js';
import type { Service } from '../src/config/schema.js';
import { replay, type ReplayInput, type ReplayResult } from '../src/model/replay.js';
import { demoWorkload } from '../scripts/backtest-data.js';
import { ROOT, exampleService } from './helpers.js';

const FIXTURE = path.join(ROOT, 'exporter/test/fixtures/backtest/policy.yml');
const T0 = Date.UTC(2026, 9, 1) / 1000;
const MIN = 60;

function fixtureService(change: (s: Service) => Service = (s) => s): Service {
  return change(parsePolicy(readFileSync(FIXTURE, 'utf8'), FIXTURE).services[0]);
}

/** Only the cpu trigger (and optionally scale-in), so rows test one thing each. */
function cpuOnly(
  s: Service,
  scaling: Partial<Service['scaling']> = {},
  kind: 'utilization' | 'count' = 'utilization'
): Service {
  return {
    ...s,
    signals: s.signals.map((sig) => (sig.name === 'cpu' ? { ...sig, kind } : sig)),
    scaling: { ...s.scaling, scale_out: [s.scaling.scale_out[0]], scale_in: undefined, ...scaling },
  };
}

/** n minutes of data: cpu from `cpu(k)`, users constant, `instances` recorded. */
function data(n: number, cpu: (k: number) => number, instances: (k: number) => number = () => 4): ReplayInput {
  return {
    start: T0,
    step: MIN,
    instances: Float64Array.from({ length: n }, (_, k) => instances(k)),
    signals: { cpu: Float64Array.from({ length: n }, (_, k) => cpu(k)), users: new Float64Array(n).fill(1000) },
  };
}

const at = (minute: number) => new Date((T0 + minute * MIN) * 1000).toISOString();
const times = (r: ReplayResult) => r.decisions.map((d) => `${d.action} ${d.from}->${d.to} ${d.time}`);

describe('replay: sustained windows', () => {
  // cpu_high: above 70 for 5m, sampled every minute: the window is the 6 samples [t - 5m, t].
  it.each([
    { name: '5 minutes above (5 samples) does not fire', high: [10, 15], expected: [] },
    { name: '6 samples above fires at the 6th', high: [10, 16], expected: [`scale_out 4->5 ${at(15)}`] },
    {
      name: 'a dip in the middle restarts the window',
      high: [10, 30],
      dip: 13,
      expected: [`scale_out 4->5 ${at(19)}`],
    },
    { name: 'a window reaching before the data never holds', high: [0, 3], expected: [] },
  ])('$name', ({ high, dip, expected }) => {
    const svc = cpuOnly(fixtureService(), {
      scale_out: [{ ...fixtureService().scaling.scale_out[0], cooldown: 3600 }],
    });
    const r = replay(
      svc,
      data(60, (k) => (k >= high[0] && k < high[1] && k !== dip ? 90 : 40)),
      { flapWindow: 1800 }
    );
    expect(times(r)).toEqual(expected);
  });

  it('scale-in needs every sample of its window below the threshold', () => {
    // scale_in: cpu below 30 for 15m (16 samples), cooldown 30m.
    const svc = fixtureService((s) => cpuOnly(s, { scale_in: s.scaling.scale_in }));
    const r = replay(
      svc,
      data(60, (k) => (k === 20 ? 35 : 20)),
      { flapWindow: 1800 }
    );
    expect(times(r)).toEqual([`scale_in 4->3 ${at(15)}`, `scale_in 3->2 ${at(45)}`]);
  });
});

describe('replay: simulation rule', () => {
  // Recorded: cpu 90 on 4 instances for an hour. cpu_high (above 70 for 5m, cooldown 10m, step 1).
  it.each([
    {
      name: 'a utilization signal falls with the simulated fleet (90 × 4/5 = 72, × 4/6 = 60)',
      kind: 'utilization' as const,
      outs: [`scale_out 4->5 ${at(5)}`, `scale_out 5->6 ${at(15)}`],
      // minutes 0–5 at 90 on 4 instances, 6–15 at 72 on 5; from 16 on, 60 on 6.
      simulatedMinutes: 16,
    },
    {
      name: 'a count signal stays as recorded, so the trigger keeps firing after each cooldown',
      kind: 'count' as const,
      outs: [5, 15, 25, 35, 45, 55].map((m, i) => `scale_out ${4 + i}->${5 + i} ${at(m)}`),
      simulatedMinutes: 60,
    },
  ])('$name', ({ kind, outs, simulatedMinutes }) => {
    const svc = cpuOnly(fixtureService(), {}, kind);
    const r = replay(
      svc,
      data(60, () => 90),
      { flapWindow: 1800 }
    );
    expect(times(r)).toEqual(outs);
    expect(r.summary.risk[0]).toMatchObject({ trigger: 'cpu_high', simulatedMinutes, recordedMinutes: 60 });
  });

  it('scales by the recorded fleet at each step, not the first one', () => {
    // Recorded fleet doubles at minute 30 while the recorded cpu halves: the load is the same.
    const svc = cpuOnly(fixtureService(), {}, 'utilization');
    const r = replay(
      svc,
      data(
        60,
        (k) => (k < 30 ? 60 : 30),
        (k) => (k < 30 ? 4 : 8)
      ),
      { flapWindow: 1800 }
    );
    expect(r.decisions).toEqual([]);
    expect(r.summary.instanceHours).toEqual({ simulated: 4, recorded: 6 });
  });
});

describe('replay: missing data never scales in', () => {
  const svc = () => fixtureService((s) => cpuOnly(s, { scale_in: s.scaling.scale_in }));
  it.each([
    { name: 'complete low data scales in', cpu: () => 20, inst: () => 4, ins: 2 },
    {
      name: 'a missing cpu sample every 10 minutes',
      cpu: (k: number) => (k % 10 === 9 ? NaN : 20),
      inst: () => 4,
      ins: 0,
    },
    {
      name: 'no recorded instance count (a utilization signal cannot be simulated)',
      cpu: () => 20,
      inst: () => NaN,
      ins: 0,
    },
    {
      name: 'recorded count missing for a while in the middle',
      cpu: () => 20,
      inst: (k: number) => (k >= 10 && k < 50 ? NaN : 4),
      ins: 0,
    },
  ])('$name', ({ cpu, inst, ins }) => {
    const r = replay(svc(), data(60, cpu, inst), { flapWindow: 1800 });
    expect(r.summary.scaleIns).toBe(ins);
    expect(r.decisions.every((d) => d.action === 'scale_in')).toBe(true);
  });

  it('counts the steps with a missing input and reports coverage', () => {
    const r = replay(
      svc(),
      data(60, (k) => (k < 15 ? NaN : 20)),
      { flapWindow: 1800 }
    );
    expect(r.summary.missingSteps).toBe(15);
    expect(r.coverage).toEqual({ instances: 1, signals: { cpu: 0.75 } });
  });
});

describe('replay: flaps', () => {
  // cpu 90 for 10 minutes, 10 for 10 minutes, over two hours; scale-in after 5m below 30; no warm-up.
  const oscillating = (k: number) => (Math.floor(k / 10) % 2 === 0 ? 90 : 10);
  const svc = (cooldown: number) =>
    fixtureService((s) =>
      cpuOnly(s, {
        scale_out: [{ ...s.scaling.scale_out[0], cooldown }],
        scale_in: { ...s.scaling.scale_in!, for: 300, cooldown },
        warmup: 0,
      })
    );
  it.each([
    { name: 'short cooldowns reverse every 10 minutes', cooldown: 300, flapWindow: 1800, actions: 12, flaps: 11 },
    { name: 'a flap window of zero counts none', cooldown: 300, flapWindow: 0, actions: 12, flaps: 0 },
    { name: 'long cooldowns act less often and flap less', cooldown: 3600, flapWindow: 1800, actions: 4, flaps: 2 },
  ])('$name', ({ cooldown, flapWindow, actions, flaps }) => {
    const r = replay(svc(cooldown), data(120, oscillating), { flapWindow });
    expect(r.decisions).toHaveLength(actions);
    expect(r.summary.flaps).toBe(flaps);
    expect(r.decisions.filter((d) => d.flap)).toHaveLength(flaps);
  });
});

describe('replay: the example policy over 30 days of the demo workload', () => {
  const svc = exampleService();
  const n = 30 * 1440;
  const recorded = demoWorkload(svc, Date.UTC(2026, 9, 28) / 1000, n, MIN);
  const input: ReplayInput = { start: Date.UTC(2026, 9, 28) / 1000, step: MIN, ...recorded };

  it('runs 43,200 steps in well under a few seconds and prices the simulated fleet', () => {
    const t0 = performance.now();
    const r = replay(svc, input, { flapWindow: 1800 });
    const ms = performance.now() - t0;
    // 0.2–0.5 s on 2 cores; the bound leaves room for a machine busy with other test processes.
    expect(ms).toBeLessThan(5000);
    expect(r.steps).toBe(43_200);
    expect(r.summary.instanceHours.recorded).toBeCloseTo(2880, 6);
    expect(r.summary.cost.recorded).toBeCloseTo(1440, 6);
    expect(r.summary.cost.simulated).toBeCloseTo(r.summary.instanceHours.simulated * 0.5, 6);
    expect(r.days).toHaveLength(30);
  });

  it('skipping quiet steps gives exactly the decisions of calling decide() at every step', () => {
    const days = 3 * 1440;
    const short: ReplayInput = {
      ...input,
      instances: recorded.instances.slice(0, days),
      signals: Object.fromEntries(Object.entries(recorded.signals).map(([k, v]) => [k, v.slice(0, days)])),
    };
    const fast = replay(svc, short, { flapWindow: 1800 });
    const exact = replay(svc, short, { flapWindow: 1800, skipQuietSteps: false });
    expect(fast.decisions.length).toBeGreaterThan(0);
    expect(fast).toEqual(exact);
  });
});
