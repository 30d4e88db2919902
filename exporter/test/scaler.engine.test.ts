/**
 * The intent engine without HTTP: the same budget check as the exporter's plan.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { emptyState } from '../src/model/decision.js';
import { planService, type ServiceInputs } from '../src/model/plan.js';
import { DryRunActuator } from '../src/scaler/actuators.js';
import { IntentEngine } from '../src/scaler/engine.js';
import { createObserver } from '../src/scaler/observer.js';
import { parsePayload } from '../src/scaler/payload.js';
import { SqliteStore } from '../src/scaler/store-sqlite.js';
import { singleServiceSource, type Source } from '../src/sources/source.js';
import { amPayload, FIXTURE_EPOCH, scalerPolicy } from './scaler-fixtures/support.js';

const NOW = FIXTURE_EPOCH;
const policy = scalerPolicy({ store: { type: 'sqlite', path: ':memory:' }, budget_guard: 'block' }, (d) => {
  d.services[0].cost.projection_pricing = 'resources';
  d.services[0].scaling.schedules = [];
});
const svc = policy.services[0];

const inputs = (spend: number): ServiceInputs => ({
  now: NOW,
  current: { ok: true, value: 4 },
  signals: {},
  scaleOut: { cpu_high: { ok: true, value: 91, sustained: true } },
  spendToDate: { ok: true, value: spend },
});

async function scalerBlocksOnBudget(spend: number): Promise<boolean> {
  const store = new SqliteStore(':memory:');
  const source: Source = singleServiceSource({
    kind: 'demo',
    readHistory: async () => ({ ok: false, reason: 'unused' }),
    readInputs: async () => inputs(spend),
  });
  const engine = new IntentEngine({
    policy: () => policy,
    store,
    actuatorFor: () => new DryRunActuator(4),
    clock: () => NOW,
    source,
    observer: createObserver(new Registry(), pino({ level: 'silent' })),
  });
  try {
    const [r] = await engine.handle(parsePayload(JSON.stringify(amPayload())));
    return r.blocked_by?.includes('budget') ?? false;
  } finally {
    await store.close();
  }
}

describe('the budget check', () => {
  it("blocks a scale-out in the scaler exactly where the exporter's plan blocks it, under resources pricing", async () => {
    const spends = Array.from({ length: 81 }, (_, i) => 3000 + i * 25);
    const plan = spends.map((s) =>
      planService(svc, inputs(s), null, emptyState(), { budgetGuard: 'block' }).decision.blockedBy.includes('budget')
    );
    const scaler = await Promise.all(spends.map(scalerBlocksOnBudget));
    expect(scaler).toEqual(plan);
    // The sweep crosses the budget: some spends pass, some are blocked.
    expect(new Set(plan)).toEqual(new Set([true, false]));
  });
});
