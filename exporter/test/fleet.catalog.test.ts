import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../src/config/load.js';
import { missingInputs } from '../src/engine.js';
import { emptyCatalog, observe, RETIRED_MEMORY_SECONDS, type FleetCatalog } from '../src/fleet/catalog.js';
import { fleetService } from '../src/fleet/expand.js';
import { planService } from '../src/model/plan.js';
import type { Discovery } from '../src/sources/source.js';
import { FLEET_POLICY } from './helpers.js';

const T0 = Date.UTC(2026, 11, 1) / 1000;
const RETIRE = 600;
const POOL = ['a', 'b', 'c', 'd', 'bad name'];
const check = (n: string) => (n.includes(' ') ? { ok: false as const, reason: 'not a name' } : { ok: true as const });

/** A run of discoveries: each after `dt` seconds, either a subset of the pool or a failure. */
const runArb = fc.array(
  fc.record({
    dt: fc.integer({ min: 1, max: 400 }),
    discovery: fc.oneof(
      { weight: 4, arbitrary: fc.subarray(POOL).map((names): Discovery => ({ ok: true, names })) },
      { weight: 1, arbitrary: fc.constant<Discovery>({ ok: false, reason: 'HTTP 503' }) }
    ),
  }),
  { maxLength: 40 }
);

function replay(run: { dt: number; discovery: Discovery }[]) {
  let cat: FleetCatalog = emptyCatalog;
  let now = T0;
  const steps: {
    now: number;
    discovery: Discovery;
    before: FleetCatalog;
    after: FleetCatalog;
    events: ReturnType<typeof observe>['events'];
  }[] = [];
  for (const r of run) {
    now += r.dt;
    const { next, events } = observe(cat, { discovery: r.discovery, now, retireAfter: RETIRE, check });
    steps.push({ now, discovery: r.discovery, before: cat, after: next, events });
    cat = next;
  }
  return steps;
}

const seen = (d: Discovery, name: string) => d.ok && d.names.includes(name);

describe('the fleet catalog', () => {
  it('never retires a service before retire_after of continuous absence', () => {
    fc.assert(
      fc.property(runArb, (run) => {
        const steps = replay(run);
        steps.forEach((s, i) => {
          for (const e of s.events.filter((x) => x.kind === 'retired')) {
            let lastSeen = i - 1;
            while (lastSeen >= 0 && !seen(steps[lastSeen].discovery, e.name)) lastSeen--;
            const firstMiss = steps[lastSeen + 1];
            expect(s.now - firstMiss.now).toBeGreaterThanOrEqual(RETIRE);
            expect(steps.slice(lastSeen + 1, i + 1).every((p) => !seen(p.discovery, e.name))).toBe(true);
          }
        });
      })
    );
  });

  it('drops and retires nothing when the discovery fails: every service is missing', () => {
    fc.assert(
      fc.property(runArb, (run) => {
        for (const s of replay(run).filter((x) => !x.discovery.ok)) {
          expect([...s.after.entries.keys()].sort()).toEqual(
            [...s.before.entries.values()]
              .filter((e) => e.state !== 'retired' || s.now - e.retiredAt < RETIRED_MEMORY_SECONDS)
              .map((e) => e.name)
              .sort()
          );
          expect(s.events.filter((e) => e.kind === 'retired')).toEqual([]);
          for (const e of s.after.entries.values()) expect(e.state).not.toBe('present');
        }
      })
    );
  });

  it('has present exactly the accepted names of the last successful discovery', () => {
    fc.assert(
      fc.property(runArb, (run) => {
        for (const s of replay(run).filter((x) => x.discovery.ok)) {
          const present = [...s.after.entries.values()].filter((e) => e.state === 'present').map((e) => e.name);
          expect(present.sort()).toEqual((s.discovery as { names: string[] }).names.filter((n) => check(n).ok).sort());
          expect(s.after.entries.has('bad name')).toBe(false);
        }
      })
    );
  });

  it('walks one service through discovered, missing, retired and back', () => {
    const step = (c: FleetCatalog, names: string[] | null, now: number) =>
      observe(c, {
        discovery: names ? { ok: true, names } : { ok: false, reason: 'timeout after 10s' },
        now,
        retireAfter: RETIRE,
        check,
      });
    const a = step(emptyCatalog, ['a', 'bad name'], T0);
    expect(a.events).toEqual([
      { kind: 'rejected', name: 'bad name', reason: 'not a name' },
      { kind: 'discovered', name: 'a' },
    ]);
    const b = step(a.next, null, T0 + 30);
    expect(b.next.entries.get('a')).toEqual({
      name: 'a',
      state: 'missing',
      since: T0 + 30,
      reason: 'discovery failed: timeout after 10s',
      seenAt: T0,
    });
    const c = step(b.next, [], T0 + 30 + RETIRE - 1);
    expect(c.next.entries.get('a')?.state).toBe('missing');
    const d = step(c.next, [], T0 + 30 + RETIRE);
    expect(d.events).toEqual([{ kind: 'retired', name: 'a', since: T0 + 30 }]);
    const e = step(d.next, ['a'], T0 + 2 * RETIRE);
    expect(e.events).toEqual([{ kind: 'reappeared', name: 'a' }]);
    expect(e.next.entries.get('a')?.state).toBe('present');
  });

  it('drops a service at once when its name becomes invalid (an explicit service took it)', () => {
    const a = observe(emptyCatalog, { discovery: { ok: true, names: ['a'] }, now: T0, retireAfter: RETIRE, check });
    const b = observe(a.next, {
      discovery: { ok: true, names: ['a'] },
      now: T0 + 30,
      retireAfter: RETIRE,
      check: () => ({ ok: false, reason: 'explicit' }),
    });
    expect(b.next.entries.has('a')).toBe(false);
    expect(b.events).toEqual([
      { kind: 'rejected', name: 'a', reason: 'explicit' },
      { kind: 'dropped', name: 'a', reason: 'explicit' },
    ]);
  });
});

describe('a missing fleet service', () => {
  const fleet = loadPolicy(FLEET_POLICY).fleets[0];
  it('never gets a scale-in decision (nor any action that needs its data)', () => {
    const svc = fleetService(fleet, 'cart');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 86_400 * 30 }),
        fc.array(fc.record({ ago: fc.integer({ min: 0, max: 86_400 }), to: fc.integer({ min: 0, max: 40 }) }), {
          maxLength: 5,
        }),
        (dt, past) => {
          const now = T0 + dt;
          const inputs = missingInputs(svc, 'service missing: absent from the discovery result', now);
          const actions = past.map((p, i) => ({
            at: now - p.ago,
            action: (i % 2 ? 'scale_in' : 'scale_out') as 'scale_in' | 'scale_out',
            trigger: 'cpu_high',
            from: p.to + 1,
            to: p.to,
          }));
          const plan = planService(svc, inputs, null, { actions, schedulesApplied: {} });
          expect(plan.decision.action).not.toBe('scale_in');
          expect(plan.decision.blockedBy).toContain('missing_data');
        }
      )
    );
  });
});
