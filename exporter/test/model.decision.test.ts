import { describe, expect, it } from 'vitest';
import { decide, recordAction, emptyState, type DecisionState, type Observation } from '../src/model/decision.js';
import type { ScalingPolicy } from '../src/config/schema.js';
import { exampleService } from './helpers.js';

const policy: ScalingPolicy = { ...exampleService().scaling, schedules: [] };
// 12:00 UTC on a Friday.
const NOW = Date.UTC(2026, 10, 27, 12) / 1000;

const quiet = (value = 50): Observation => ({ ok: true, value, sustained: false });
const firing = (value: number): Observation => ({ ok: true, value, sustained: true });
const held = (value = 10): Observation => ({ ok: true, value, sustained: true });
const gone: Observation = { ok: false, reason: 'no series (empty result)' };

function outs(over: Record<string, Observation> = {}): Record<string, Observation> {
  return Object.fromEntries(policy.scale_out.map((t) => [t.name, over[t.name] ?? quiet(t.above / 2)]));
}
const inQuiet = () => policy.scale_in!.conditions.map((c) => quiet(c.below + 5));
const inHeld = () => policy.scale_in!.conditions.map(() => held());
const after = (actions: DecisionState['actions']): DecisionState => ({ actions, schedulesApplied: {} });

describe('scale-out decisions', () => {
  it.each([
    {
      name: 'a sustained CPU trigger scales out by its step, or to the proportional target',
      trig: 'cpu_high',
      value: 75,
      current: 4,
      target: 5,
    },
    {
      name: 'a high CPU reading uses ceil(current × observed / target)',
      trig: 'cpu_high',
      value: 95,
      current: 4,
      target: 7,
    },
    { name: 'the error trigger uses its step of 2', trig: 'errors_high', value: 3, current: 4, target: 6 },
    { name: 'the target is capped at max', trig: 'errors_high', value: 3, current: 19, target: 20 },
  ])('$name', ({ trig, value, current, target }) => {
    const d = decide(
      policy,
      { now: NOW, current, scaleOut: outs({ [trig]: firing(value) }), scaleIn: inQuiet() },
      emptyState()
    );
    expect(d).toMatchObject({ action: 'scale_out', target, trigger: trig, blockedBy: [] });
    expect(d.firing).toEqual([trig]);
  });

  it('targets an absolute count that does not grow when the same decision is repeated', () => {
    const input = { now: NOW, current: 4, scaleOut: outs({ cpu_high: firing(75) }), scaleIn: inQuiet() };
    expect(decide(policy, input, emptyState()).target).toBe(decide(policy, input, emptyState()).target);
  });

  it('ignores a trigger that crossed its threshold for less than its duration', () => {
    const d = decide(
      policy,
      {
        now: NOW,
        current: 4,
        scaleOut: outs({ cpu_high: { ok: true, value: 90, sustained: false } }),
        scaleIn: inQuiet(),
      },
      emptyState()
    );
    expect(d.action).toBe('none');
    expect(d.firing).toEqual([]);
  });

  it.each([
    {
      name: 'CPU (10 min cooldown) is blocked 9 minutes after a scale-out',
      trig: 'cpu_high',
      value: 75,
      ago: 540,
      action: 'none',
      blocked: ['cooldown'],
    },
    {
      name: 'CPU may act 10 minutes after a scale-out',
      trig: 'cpu_high',
      value: 75,
      ago: 600,
      action: 'scale_out',
      blocked: [],
    },
    {
      name: 'errors (5 min cooldown) may act 6 minutes after a CPU scale-out',
      trig: 'errors_high',
      value: 3,
      ago: 360,
      action: 'scale_out',
      blocked: [],
    },
    {
      name: 'errors are blocked 4 minutes after a scale-out',
      trig: 'errors_high',
      value: 3,
      ago: 240,
      action: 'none',
      blocked: ['cooldown'],
    },
  ])('per-trigger cooldown: $name', ({ trig, value, ago, action, blocked }) => {
    const state = after([{ at: NOW - ago, action: 'scale_out', trigger: 'cpu_high', from: 3, to: 4 }]);
    const d = decide(
      policy,
      { now: NOW, current: 4, scaleOut: outs({ [trig]: firing(value) }), scaleIn: inQuiet() },
      state
    );
    expect(d.action).toBe(action);
    expect(d.blockedBy).toEqual(blocked);
    if (action === 'none') expect(d.intended).toBe('scale_out');
  });

  it.each([
    {
      name: 'a cooldown',
      actions: [{ at: NOW - 60, action: 'scale_out' as const, trigger: 'cpu_high', from: 3, to: 4 }],
      current: 4,
      blocked: ['cooldown'],
      wanted: 6,
    },
    { name: 'the maximum', actions: [], current: 20, blocked: ['max_instances'], wanted: 20 },
  ])('says what $name held back, and keeps the count', ({ actions, current, blocked, wanted }) => {
    const d = decide(
      policy,
      { now: NOW, current, scaleOut: outs({ cpu_high: firing(90) }), scaleIn: inQuiet() },
      after(actions)
    );
    expect(d).toMatchObject({
      action: 'none',
      intended: 'scale_out',
      target: current,
      wanted,
      trigger: 'cpu_high',
      blockedBy: blocked,
    });
  });

  it('counts actions in the rolling hour, not since the top of the clock hour', () => {
    const tight = { ...policy, limits: { ...policy.limits, max_scale_out_per_hour: 2 } };
    // 12:00 now; actions at 11:20 and 11:40 are in the last hour although they were in the previous clock hour.
    const state = after([
      { at: NOW - 2400, action: 'scale_out', trigger: 'errors_high', from: 2, to: 3 },
      { at: NOW - 1200, action: 'scale_out', trigger: 'errors_high', from: 3, to: 4 },
    ]);
    const d = decide(
      tight,
      { now: NOW, current: 4, scaleOut: outs({ errors_high: firing(3) }), scaleIn: inQuiet() },
      state
    );
    expect(d).toMatchObject({ action: 'none', intended: 'scale_out', blockedBy: ['rate_limit'] });
    const later = decide(
      tight,
      { now: NOW + 1201, current: 4, scaleOut: outs({ errors_high: firing(3) }), scaleIn: inQuiet() },
      state
    );
    expect(later.action).toBe('scale_out');
  });

  it('reports max_instances at the maximum', () => {
    const d = decide(
      policy,
      { now: NOW, current: 20, scaleOut: outs({ cpu_high: firing(90) }), scaleIn: inQuiet() },
      emptyState()
    );
    expect(d).toMatchObject({ action: 'none', intended: 'scale_out', blockedBy: ['max_instances'], target: 20 });
  });

  it('still scales out on the evidence it has when another trigger is missing', () => {
    const d = decide(
      policy,
      { now: NOW, current: 4, scaleOut: outs({ cpu_high: gone, errors_high: firing(5) }), scaleIn: inQuiet() },
      emptyState()
    );
    expect(d.action).toBe('scale_out');
    expect(d.confidence).toBeLessThan(0.7);
  });

  it.each([
    { mode: 'block' as const, action: 'none', blocked: ['budget'], warnings: 0 },
    { mode: 'warn' as const, action: 'scale_out', blocked: [], warnings: 1 },
  ])(
    'a scale-out past the forecast budget is $action with the budget guard on $mode',
    ({ mode, action, blocked, warnings }) => {
      const d = decide(
        policy,
        {
          now: NOW,
          current: 4,
          scaleOut: outs({ cpu_high: firing(75) }),
          scaleIn: inQuiet(),
          budget: { mode, forecastMonthEnd: 4900, monthlyBudget: 5000, instanceCostRestOfMonth: 150 },
        },
        emptyState()
      );
      expect(d.action).toBe(action);
      expect(d.blockedBy).toEqual(blocked);
      expect(d.warnings).toHaveLength(warnings);
    }
  );
});

describe('scale-in decisions', () => {
  it('scales in by its step when every condition held for the window', () => {
    const d = decide(policy, { now: NOW, current: 5, scaleOut: outs(), scaleIn: inHeld() }, emptyState());
    expect(d).toMatchObject({ action: 'scale_in', target: 4, trigger: 'scale_in', confidence: 0.7 });
  });

  it.each([
    {
      name: 'one condition did not hold',
      scaleIn: () => [held(), held(), quiet(80)],
      current: 5,
      blocked: [] as string[],
      intended: 'none',
    },
    {
      name: 'a condition is missing',
      scaleIn: () => [held(), gone, held()],
      current: 5,
      blocked: ['missing_data'],
      intended: 'scale_in',
    },
    { name: 'at the minimum', scaleIn: inHeld, current: 2, blocked: ['min_instances'], intended: 'scale_in' },
  ])('does not scale in when $name', ({ scaleIn, current, blocked, intended }) => {
    const d = decide(policy, { now: NOW, current, scaleOut: outs(), scaleIn: scaleIn() }, emptyState());
    expect(d.action).toBe('none');
    expect(d.blockedBy).toEqual(blocked);
    expect(d.intended).toBe(intended);
  });

  it('does not scale in when a scale-out trigger has no data', () => {
    const d = decide(
      policy,
      { now: NOW, current: 5, scaleOut: outs({ latency_high: gone }), scaleIn: inHeld() },
      emptyState()
    );
    expect(d.action).toBe('none');
    expect(d.blockedBy).toContain('missing_data');
  });

  it('does not scale in while a scale-out trigger fires, even when it is cooling down', () => {
    const state = after([{ at: NOW - 60, action: 'scale_out', trigger: 'cpu_high', from: 4, to: 5 }]);
    const d = decide(
      policy,
      { now: NOW, current: 5, scaleOut: outs({ cpu_high: firing(75) }), scaleIn: inHeld() },
      state
    );
    expect(d).toMatchObject({ action: 'none', intended: 'scale_out', blockedBy: ['cooldown'] });
  });

  it.each([
    {
      name: 'warm-up after a scale-out (5 min)',
      actions: [{ at: NOW - 200, action: 'scale_out' as const, trigger: 'cpu_high', from: 4, to: 5 }],
      blocked: ['warmup'],
    },
    {
      name: 'scale-in cooldown (30 min)',
      actions: [{ at: NOW - 1700, action: 'scale_in' as const, trigger: 'scale_in', from: 6, to: 5 }],
      blocked: ['cooldown'],
    },
  ])('waits for the $name', ({ actions, blocked }) => {
    const d = decide(policy, { now: NOW, current: 5, scaleOut: outs(), scaleIn: inHeld() }, after(actions));
    expect(d).toMatchObject({ action: 'none', intended: 'scale_in', blockedBy: blocked });
  });

  it('takes no action at all when the current count is unknown', () => {
    const d = decide(
      policy,
      { now: NOW, current: null, scaleOut: outs({ cpu_high: firing(90) }), scaleIn: inHeld() },
      emptyState()
    );
    expect(d).toMatchObject({ action: 'none', target: null, blockedBy: ['missing_data'], confidence: 0 });
  });
});

describe('schedules', () => {
  const scheduled = exampleService().scaling;
  // 06:30 UTC: business_hours (06:00, desired 4, min 2) is active.
  const morning = Date.UTC(2026, 10, 27, 6, 30) / 1000;
  // 03:00 UTC: off_peak (02:00, desired 2, min 1) is active.
  const night = Date.UTC(2026, 10, 27, 3) / 1000;

  it('moves to the desired count once when a schedule starts, then leaves it to the triggers', () => {
    const d = decide(scheduled, { now: morning, current: 2, scaleOut: outs(), scaleIn: inQuiet() }, emptyState());
    expect(d).toMatchObject({
      action: 'scale_out',
      target: 4,
      trigger: 'schedule_business_hours',
      schedule: 'business_hours',
    });
    const state = recordAction(emptyState(), d);
    const again = decide(scheduled, { now: morning + 60, current: 4, scaleOut: outs(), scaleIn: inQuiet() }, state);
    expect(again.action).toBe('none');
  });

  it('reports missing data when a schedule finds its count already running and every input is missing', () => {
    const allGone = Object.fromEntries(policy.scale_out.map((t) => [t.name, gone]));
    const d = decide(
      scheduled,
      { now: morning, current: 4, scaleOut: allGone, scaleIn: policy.scale_in!.conditions.map(() => gone) },
      emptyState()
    );
    expect(d).toMatchObject({ action: 'none', blockedBy: ['missing_data'] });
  });

  it('scales in to the off-peak count only when no input is missing', () => {
    const ok = decide(scheduled, { now: night, current: 4, scaleOut: outs(), scaleIn: inQuiet() }, emptyState());
    expect(ok).toMatchObject({ action: 'scale_in', target: 2, trigger: 'schedule_off_peak' });
    const blind = decide(
      scheduled,
      { now: night, current: 4, scaleOut: outs({ cpu_high: gone }), scaleIn: inQuiet() },
      emptyState()
    );
    expect(blind).toMatchObject({ action: 'none', blockedBy: ['missing_data'] });
  });
});

describe('combined triggers (one decision per evaluation, as HPA combines metrics)', () => {
  it('takes the larger target when two triggers fire in one evaluation, and records both', () => {
    // cpu_high at 75 % wants 4 + 1 = 5 (ceil(4 × 75 / 60) = 5); sessions_high at 390 per instance wants ceil(4 × 390 / 120) = 13.
    const d = decide(
      policy,
      {
        now: NOW,
        current: 4,
        scaleOut: outs({ cpu_high: firing(75), sessions_high: firing(390) }),
        scaleIn: inQuiet(),
      },
      emptyState()
    );
    expect(d).toMatchObject({
      action: 'scale_out',
      current: 4,
      target: 13,
      wanted: 13,
      trigger: 'sessions_high',
      triggers: ['cpu_high', 'sessions_high'],
      blockedBy: [],
    });
    expect(d.firing).toEqual(['cpu_high', 'sessions_high']);
    expect(d.reasons).toContain('Largest target of cpu_high (5), sessions_high (13): 13 (sessions_high).');
    expect(d.reasons).toContain('Scale out from 4 to 13 instances (sessions_high).');
  });

  it('applies one cooldown: after the combined action neither trigger acts again before its cooldown', () => {
    const input = {
      now: NOW,
      current: 4,
      scaleOut: outs({ cpu_high: firing(75), sessions_high: firing(390) }),
      scaleIn: inQuiet(),
    };
    const first = decide(policy, input, emptyState());
    const state = recordAction(emptyState(), first);
    expect(state.actions).toHaveLength(1);
    const again = decide(
      policy,
      { ...input, now: NOW + 1, current: 13, scaleOut: outs({ cpu_high: firing(80), sessions_high: firing(170) }) },
      state
    );
    expect(again).toMatchObject({ action: 'none', intended: 'scale_out', blockedBy: ['cooldown'] });
  });

  it('weighs only the triggers whose own cooldown has passed', () => {
    // 6 minutes after a scale-out: errors_high (5 min cooldown) may act, cpu_high (10 min) may not, however much it wants.
    const state = after([{ at: NOW - 360, action: 'scale_out', trigger: 'cpu_high', from: 3, to: 4 }]);
    const d = decide(
      policy,
      { now: NOW, current: 4, scaleOut: outs({ cpu_high: firing(99), errors_high: firing(3) }), scaleIn: inQuiet() },
      state
    );
    expect(d).toMatchObject({ action: 'scale_out', target: 6, trigger: 'errors_high', triggers: ['errors_high'] });
  });

  it.each([
    { n: 1, confidence: 0.7 },
    { n: 2, confidence: 0.91 },
    { n: 3, confidence: 0.973 },
  ])('derives confidence from agreeing evidence: $n trigger(s) give $confidence', ({ n, confidence }) => {
    const over = Object.fromEntries(
      ['cpu_high', 'memory_high', 'errors_high'].slice(0, n).map((t) => [t, firing(t === 'errors_high' ? 3 : 90)])
    );
    const d = decide(policy, { now: NOW, current: 4, scaleOut: outs(over), scaleIn: inQuiet() }, emptyState());
    expect(d.confidence).toBeCloseTo(confidence, 10);
  });
});
