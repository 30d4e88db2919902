import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScalingPolicy } from '../src/config/schema.js';
import {
  decide,
  recordAction,
  type DecisionInput,
  type DecisionState,
  type Observation,
} from '../src/model/decision.js';
import { activeSchedule } from '../src/model/schedule.js';
import { exampleService } from './helpers.js';

const base = exampleService().scaling;
const NOW = Date.UTC(2026, 10, 27, 12) / 1000;

const policyArb: fc.Arbitrary<ScalingPolicy> = fc
  .record({
    min: fc.integer({ min: 0, max: 5 }),
    span: fc.integer({ min: 0, max: 20 }),
    outPerHour: fc.integer({ min: 1, max: 10 }),
    inPerHour: fc.integer({ min: 1, max: 5 }),
    cooldowns: fc.array(fc.integer({ min: 0, max: 3600 }), {
      minLength: base.scale_out.length,
      maxLength: base.scale_out.length,
    }),
    steps: fc.array(fc.integer({ min: 1, max: 4 }), {
      minLength: base.scale_out.length,
      maxLength: base.scale_out.length,
    }),
    inCooldown: fc.integer({ min: 0, max: 3600 }),
    inStep: fc.integer({ min: 1, max: 3 }),
    warmup: fc.integer({ min: 0, max: 1800 }),
    schedules: fc.boolean(),
  })
  .map((r) => {
    const max = Math.max(1, r.min + r.span);
    return {
      ...base,
      scale_out: base.scale_out.map((t, i) => ({ ...t, cooldown: r.cooldowns[i], step: r.steps[i] })),
      scale_in: { ...base.scale_in!, cooldown: r.inCooldown, step: r.inStep },
      schedules: r.schedules
        ? base.schedules.map((s) => ({ ...s, min: Math.min(s.min, max), desired: Math.min(s.desired, max) }))
        : [],
      limits: { min: r.min, max, max_scale_out_per_hour: r.outPerHour, max_scale_in_per_hour: r.inPerHour },
      warmup: r.warmup,
    };
  });

const obsArb: fc.Arbitrary<Observation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      ok: fc.constant(true as const),
      value: fc.double({ min: 0, max: 400, noNaN: true }),
      sustained: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ ok: fc.constant(false as const), reason: fc.constant('no series') }) }
);

const stateArb = (now: number): fc.Arbitrary<DecisionState> =>
  fc.record({
    actions: fc
      .array(
        fc.record({
          at: fc.integer({ min: now - 7200, max: now }),
          action: fc.constantFrom('scale_out' as const, 'scale_in' as const),
          trigger: fc.constantFrom(...base.scale_out.map((t) => t.name), 'scale_in'),
          from: fc.integer({ min: 0, max: 30 }),
          to: fc.integer({ min: 0, max: 30 }),
        }),
        { maxLength: 12 }
      )
      .map((a) => a.sort((x, y) => x.at - y.at)),
    schedulesApplied: fc.constant({}),
  });

const inputArb = (now: number, current: fc.Arbitrary<number | null>): fc.Arbitrary<DecisionInput> =>
  fc.record({
    now: fc.constant(now),
    current,
    scaleOut: fc
      .tuple(...base.scale_out.map(() => obsArb))
      .map((obs) => Object.fromEntries(base.scale_out.map((t, i) => [t.name, obs[i]]))),
    scaleIn: fc.tuple(...base.scale_in!.conditions.map(() => obsArb)),
  });

const nowArb = fc.integer({ min: NOW, max: NOW + 7 * 86_400 });

/** A random policy, a time, a state before it, and inputs at that time. */
const caseArb = (currentInRange: boolean) =>
  fc.tuple(policyArb, nowArb).chain(([policy, now]) =>
    fc.record({
      policy: fc.constant(policy),
      state: stateArb(now),
      input: inputArb(
        now,
        currentInRange
          ? fc.integer({ min: policy.limits.min, max: policy.limits.max })
          : fc.option(fc.integer({ min: 0, max: 40 }), { nil: null })
      ),
    })
  );

const RUNS = { numRuns: 400 };

describe('decision engine properties over random policies, inputs and state', () => {
  it('keeps the target within [min, max] when the fleet starts within them', () => {
    fc.assert(
      fc.property(caseArb(true), ({ policy, state, input }) => {
        const d = decide(policy, input, state);
        expect(d.target).not.toBeNull();
        expect(d.target!).toBeGreaterThanOrEqual(policy.limits.min);
        expect(d.target!).toBeLessThanOrEqual(policy.limits.max);
      }),
      RUNS
    );
  });

  it('sets every action target within [min, max], whatever the current count', () => {
    fc.assert(
      fc.property(caseArb(false), ({ policy, state, input }) => {
        const d = decide(policy, input, state);
        if (d.action === 'none') return;
        expect(d.target!).toBeGreaterThanOrEqual(policy.limits.min);
        expect(d.target!).toBeLessThanOrEqual(policy.limits.max);
      }),
      RUNS
    );
  });

  it('never lowers the count on a scale-out, nor raises it on a scale-in', () => {
    fc.assert(
      fc.property(caseArb(false), ({ policy, state, input }) => {
        const d = decide(policy, input, state);
        if (d.action === 'scale_out') expect(d.target!).toBeGreaterThan(d.current!);
        if (d.action === 'scale_in') expect(d.target!).toBeLessThan(d.current!);
        if (d.action === 'none') expect(d.target).toBe(d.current);
      }),
      RUNS
    );
  });

  it('takes no trigger action inside its cooldown, and no scale-in inside the scale-in cooldown or warm-up', () => {
    fc.assert(
      fc.property(caseArb(false), ({ policy, state, input }) => {
        const d = decide(policy, input, state);
        const lastOut = state.actions.filter((a) => a.action === 'scale_out').at(-1);
        const lastIn = state.actions.filter((a) => a.action === 'scale_in').at(-1);
        const trig = policy.scale_out.find((t) => t.name === d.trigger);
        if (d.action === 'scale_out' && trig && lastOut)
          expect(input.now - lastOut.at).toBeGreaterThanOrEqual(trig.cooldown);
        if (d.action === 'scale_in') {
          if (lastIn) expect(input.now - lastIn.at).toBeGreaterThanOrEqual(policy.scale_in!.cooldown);
          if (lastOut) expect(input.now - lastOut.at).toBeGreaterThanOrEqual(policy.warmup);
        }
      }),
      RUNS
    );
  });

  it('never scales in when any input is missing', () => {
    fc.assert(
      fc.property(caseArb(false), ({ policy, state, input }) => {
        const d = decide(policy, input, state);
        const anyMissing =
          input.current === null ||
          Object.values(input.scaleOut).some((o) => !o!.ok) ||
          input.scaleIn!.some((o) => !o.ok);
        if (anyMissing) {
          expect(d.action).not.toBe('scale_in');
        }
        if (input.current === null) expect(d.blockedBy).toContain('missing_data');
      }),
      RUNS
    );
  });

  it("honours an active schedule's minimum: every action keeps it, and a fleet below it is raised unless a limit blocks", () => {
    fc.assert(
      fc.property(caseArb(false), ({ policy, state, input }) => {
        const d = decide(policy, input, state);
        const active = activeSchedule(policy.schedules, input.now);
        const effMin = Math.min(policy.limits.max, Math.max(policy.limits.min, active?.schedule.min ?? 0));
        if (d.action !== 'none') expect(d.target!).toBeGreaterThanOrEqual(effMin);
        if (input.current !== null && input.current < effMin) {
          if (d.action === 'none')
            expect(d.blockedBy.some((b) => b === 'rate_limit' || b === 'max_instances')).toBe(true);
          else expect(d.action).toBe('scale_out');
        }
      }),
      RUNS
    );
  });

  it('acts at most the per-hour limit in any rolling hour over a simulated day', () => {
    const stepArb = fc.record({
      dt: fc.integer({ min: 1, max: 900 }),
      scaleOut: inputArb(0, fc.constant(0)).map((i) => i.scaleOut),
      scaleIn: inputArb(0, fc.constant(0)).map((i) => i.scaleIn!),
    });
    fc.assert(
      fc.property(
        policyArb,
        fc.array(stepArb, { minLength: 20, maxLength: 200 }),
        fc.integer({ min: 0, max: 20 }),
        (policy, steps, start) => {
          let state: DecisionState = { actions: [], schedulesApplied: {} };
          let now = NOW;
          let current = Math.min(policy.limits.max, Math.max(policy.limits.min, start));
          const all: { at: number; action: string }[] = [];
          for (const s of steps) {
            now += s.dt;
            const d = decide(policy, { now, current, scaleOut: s.scaleOut, scaleIn: s.scaleIn }, state);
            state = recordAction(state, d);
            if (d.action !== 'none') {
              all.push({ at: now, action: d.action });
              current = d.target!;
            }
          }
          for (const a of all) {
            const inHour = (action: string) =>
              all.filter((b) => b.action === action && b.at > a.at - 3600 && b.at <= a.at).length;
            expect(inHour('scale_out')).toBeLessThanOrEqual(policy.limits.max_scale_out_per_hour);
            expect(inHour('scale_in')).toBeLessThanOrEqual(policy.limits.max_scale_in_per_hour);
          }
        }
      ),
      { numRuns: 150 }
    );
  });
});
