/**
 * Property test of the intent engine (no HTTP): random interleavings of firing scale-outs,
 * scale-ins, repeated notifications and resolves, with random actuator latencies and failures,
 * on a real (in-memory) SQLite store. The actuator is a model orchestrator that counts what is in
 * flight; the engine under test is the production one.
 */
import fc from 'fast-check';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Actuator, ActuationContext, SetResult } from '../src/scaler/actuators.js';
import { IntentEngine } from '../src/scaler/engine.js';
import { createObserver } from '../src/scaler/observer.js';
import { parsePayload } from '../src/scaler/payload.js';
import { SqliteStore } from '../src/scaler/store-sqlite.js';
import type { RecordedDecision, ScalerState } from '../src/scaler/types.js';
import { amPayload, FIXTURE_EPOCH, SCALING_LABELS, scalerPolicy } from './scaler-fixtures/support.js';

const INITIAL = 4;

/** Applies a target after `latencyMs` unless told to fail; refuses a call older than one it applied. */
class ModelOrchestrator implements Actuator {
  readonly type = 'http' as const;
  readonly timeoutSeconds = 5;
  count = INITIAL;
  inFlight = 0;
  maxInFlight = 0;
  lastSequence = 0;
  sequences: number[] = [];
  next: { latencyMs: number; fail: boolean }[] = [];
  /** Calls in flight at each count read (a decision reads the count first). */
  readsDuringCalls: number[] = [];
  applied: { sequence: number; target: number }[] = [];
  /** Every call with the count the orchestrator had when it arrived. */
  calls: { sequence: number; target: number; countBefore: number }[] = [];
  async readCount(): Promise<number> {
    this.readsDuringCalls.push(this.inFlight);
    return this.count;
  }
  async setTarget(ctx: ActuationContext): Promise<SetResult> {
    const how = this.next.shift() ?? { latencyMs: 0, fail: false };
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.sequences.push(ctx.sequence);
    this.calls.push({ sequence: ctx.sequence, target: ctx.target, countBefore: this.count });
    await new Promise((r) => setTimeout(r, how.latencyMs));
    this.inFlight--;
    if (how.fail) return { ok: false, code: 500, message: 'orchestrator exploded' };
    if (ctx.sequence < this.lastSequence) return { ok: false, code: 409, message: 'older than an applied sequence' };
    this.lastSequence = ctx.sequence;
    this.count = ctx.target;
    this.applied.push({ sequence: ctx.sequence, target: ctx.target });
    return { ok: true, code: 200, message: 'ok' };
  }
}

type Command =
  | { kind: 'out'; trigger: 'cpu_high' | 'memory_high'; value: number }
  | { kind: 'in' }
  | { kind: 'repeat'; of: number }
  | { kind: 'resolve'; of: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('out' as const),
    trigger: fc.constantFrom('cpu_high' as const, 'memory_high' as const),
    value: fc.integer({ min: 80, max: 140 }),
  }),
  fc.constant({ kind: 'in' as const }),
  fc.record({ kind: fc.constant('repeat' as const), of: fc.nat(20) }),
  fc.record({ kind: fc.constant('resolve' as const), of: fc.nat(20) })
);
const step = fc.record({
  command,
  /** Seconds of virtual time before this step (cooldowns 10 min, scale-in 30 min, warm-up 5 min). */
  gap: fc.constantFrom(0, 0, 30, 400, 700, 2000),
  /** Milliseconds after the previous step that this one starts: 0–2 overlap with a call in flight. */
  startMs: fc.integer({ min: 0, max: 8 }),
  actuator: fc.record({ latencyMs: fc.integer({ min: 0, max: 12 }), fail: fc.boolean() }),
});

const policy = scalerPolicy(
  { store: { type: 'sqlite', path: ':memory:' } },
  (d) => (d.services[0].scaling.schedules = [])
);

function notification(
  c: Command,
  i: number,
  sent: { labels: Record<string, string>; value: string; startsAt: string; fingerprint: string }[],
  now: number
) {
  if (c.kind === 'repeat' || c.kind === 'resolve') {
    const prev = sent[c.of % Math.max(1, sent.length)];
    if (!prev) return null;
    return amPayload({
      status: c.kind === 'resolve' ? 'resolved' : 'firing',
      labels: prev.labels,
      annotations: { value: prev.value },
      startsAt: prev.startsAt,
      fingerprint: prev.fingerprint,
    });
  }
  const labels =
    c.kind === 'out'
      ? { ...SCALING_LABELS, trigger: c.trigger, alertname: `HeadroomScaleOut_${c.trigger}` }
      : { ...SCALING_LABELS, alertname: 'HeadroomScaleIn', trigger: 'scale_in', action: 'scale_in' };
  const alert = {
    labels,
    value: c.kind === 'out' ? String(c.value) : '10',
    startsAt: new Date((now - 5) * 1000).toISOString(),
    fingerprint: `f${String(i).padStart(15, '0')}`,
  };
  sent.push(alert);
  return amPayload({
    labels: alert.labels,
    annotations: { value: alert.value },
    startsAt: alert.startsAt,
    fingerprint: alert.fingerprint,
  });
}

async function run(steps: (typeof step extends fc.Arbitrary<infer T> ? T : never)[]) {
  let now = FIXTURE_EPOCH;
  const orch = new ModelOrchestrator();
  const store = new SqliteStore(':memory:');
  const engine = new IntentEngine({
    policy: () => policy,
    store,
    actuatorFor: () => orch,
    clock: () => now,
    observer: createObserver(new Registry(), pino({ level: 'silent' })),
  });
  const sent: Parameters<typeof notification>[2] = [];
  const running: Promise<unknown>[] = [];
  try {
    for (const [i, s] of steps.entries()) {
      now += s.gap;
      const body = notification(s.command, i, sent, now);
      if (!body) continue;
      orch.next.push(s.actuator);
      running.push(engine.handle(parsePayload(JSON.stringify(body))).catch(() => undefined));
      await new Promise((r) => setTimeout(r, s.startMs));
    }
    await Promise.all(running);
    const records = (await store.list({ limit: 500 })).items.reverse();
    return { orch, records, state: (await store.snapshot('terminal')).state as ScalerState };
  } finally {
    await store.close();
  }
}

const acted = (r: RecordedDecision) => r.action !== 'none' && r.target !== null;

describe('the intent engine under random interleavings', () => {
  it('keeps one intent in flight per service, decides from the confirmed count, and ends at the newest applied decision', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 18 }), async (steps) => {
        const { orch, records, state } = await run(steps);
        // Never two intents in flight for one service.
        expect(orch.maxInFlight).toBeLessThanOrEqual(1);
        // No decision is computed from a count read while an intent was in flight (it would be older than that intent's target).
        expect(orch.readsDuringCalls.every((n) => n === 0)).toBe(true);
        // Sequence numbers only grow, so no older decision can overwrite a newer one.
        expect(orch.sequences).toEqual([...orch.sequences].sort((a, b) => a - b));
        // Every decision was computed from the count the orchestrator had when its intent was sent:
        // never from a count older than the intent before it.
        for (const r of records.filter(acted)) {
          const call = orch.calls.find((c) => c.sequence === r.sequence);
          expect(call).toBeDefined();
          expect(r.current).toBe(call!.countBefore);
          expect(r.target).toBe(call!.target);
        }
        // The actuator's final count is the newest applied decision, and the engine knows it.
        expect(orch.count).toBe(orch.applied.at(-1)?.target ?? INITIAL);
        expect(state.confirmed?.count ?? INITIAL).toBe(orch.count);
        expect(state.intent ?? null).toBeNull();
      }),
      { numRuns: 60 }
    );
  }, 60_000);
});
