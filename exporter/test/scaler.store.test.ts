import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emptyState } from '../src/model/decision.js';
import { RedisStore } from '../src/scaler/store-redis.js';
import { SqliteStore } from '../src/scaler/store-sqlite.js';
import type { StateStore } from '../src/scaler/store.js';
import type { NewRecord } from '../src/scaler/types.js';
import { startRedis, tempDir, type Running } from './support/processes.js';

let redis: Running;
const dir = tempDir('scaler-store');
let n = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Each test gets a fresh namespace; `reopen` gives a second handle on the same data (a restart or a replica). */
const factories: [string, () => { open: () => StateStore }][] = [
  [
    'SQLite',
    () => {
      const file = path.join(dir, `s${++n}.db`);
      return { open: () => new SqliteStore(file) };
    },
  ],
  [
    'Redis',
    () => {
      const prefix = `t${++n}:`;
      return { open: () => new RedisStore(redis.url, prefix) };
    },
  ],
];

function rec(over: Partial<NewRecord> = {}): NewRecord {
  return {
    at: 1_800_000_000,
    service: 'terminal',
    trigger: 'cpu_high',
    action: 'scale_out',
    intended: 'scale_out',
    current: 4,
    target: 5,
    blockedBy: [],
    confidence: 0.7,
    reasons: ['Scale out from 4 to 5 instances (cpu_high).'],
    warnings: [],
    notification: {
      kind: 'alertmanager',
      receiver: 'r',
      groupKey: null,
      fingerprint: 'f',
      startsAt: '2026-11-27T16:50:16Z',
      status: 'firing',
      labels: { service: 'terminal' },
      annotations: {},
      value: 91,
    },
    dedupKey: 'terminal|cpu_high|f|2026-11-27T16:50:16Z',
    status: 'pending',
    result: null,
    attempts: 1,
    leaseUntil: 1_800_000_012,
    updatedAt: 1_800_000_000,
    ...over,
  };
}

const acted = (to: number) => ({
  ...emptyState(),
  actions: [{ at: 1_800_000_000, action: 'scale_out' as const, trigger: 'cpu_high', from: 4, to }],
});

describe.each(factories)('the %s state store', (_name, factory) => {
  let f: { open: () => StateStore };
  let store: StateStore;
  beforeEach(async (ctx) => {
    f = factory();
    store = f.open();
    ctx.onTestFinished(() => store.close());
  });

  it('starts a service at version 0 with an empty state', async () => {
    expect(await store.snapshot('terminal')).toEqual({ version: 0, state: emptyState() });
  });

  it('commits an intent with its state and dedup key, and refuses a stale version', async () => {
    const stored = await store.commit(rec(), { version: 0, state: acted(5) });
    expect(stored).toMatchObject({
      id: expect.any(String),
      status: 'pending',
      target: 5,
      blockedBy: [],
      reasons: rec().reasons,
      leaseUntil: 1_800_000_012,
    });
    expect(await store.snapshot('terminal')).toEqual({ version: 1, state: acted(5) });
    expect((await store.findByKey(rec().dedupKey))?.id).toBe(stored!.id);
    expect(await store.commit(rec({ target: 6 }), { version: 0, state: acted(6) })).toBeNull();
    expect(await store.snapshot('terminal')).toEqual({ version: 1, state: acted(5) });
    expect((await store.list({})).items).toHaveLength(1);
  });

  it('lets exactly one of 20 concurrent compare-and-sets win', async () => {
    const handles = [store, f.open(), f.open()];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        handles[i % 3].commit(rec({ target: 5 + i }), { version: 0, state: acted(5 + i) })
      )
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    await Promise.all(handles.slice(1).map((h) => h.close()));
    expect((await store.snapshot('terminal')).version).toBe(1);
  });

  it('records decisions that take no action without touching the state or the dedup key', async () => {
    await store.commit(rec({ status: 'recorded', action: 'none', blockedBy: ['cooldown'], dedupKey: 'k2' }), null);
    expect((await store.snapshot('terminal')).version).toBe(0);
    expect(await store.findByKey('k2')).toBeNull();
    expect((await store.list({})).items[0]).toMatchObject({ status: 'recorded', blockedBy: ['cooldown'] });
  });

  it('transitions a record only from the allowed statuses and tracks pending ones', async () => {
    const r = (await store.commit(rec(), { version: 0, state: acted(5) }))!;
    expect(await store.pendingIds()).toEqual([r.id]);
    const result = { ok: false, actuator: 'http', code: 500, message: 'boom', durationSeconds: 0.1 };
    expect(
      await store.transition(r.id, ['done'], { status: 'failed', result, attempts: 1, leaseUntil: null, updatedAt: 1 })
    ).toBe(false);
    expect(
      await store.transition(r.id, ['pending'], {
        status: 'failed',
        result,
        attempts: 1,
        leaseUntil: null,
        updatedAt: 2,
      })
    ).toBe(true);
    expect(await store.pendingIds()).toEqual([]);
    expect(await store.get(r.id)).toMatchObject({
      status: 'failed',
      result,
      leaseUntil: null,
      updatedAt: 2,
      target: 5,
    });
    expect(
      await store.transition(r.id, ['failed', 'unknown'], {
        status: 'pending',
        result,
        attempts: 2,
        leaseUntil: 9,
        updatedAt: 3,
      })
    ).toBe(true);
    expect(await store.pendingIds()).toEqual([r.id]);
    expect(await store.get('999999')).toBeNull();
  });

  it('pages newest first, filters by service and rejects a bad cursor', async () => {
    for (let i = 0; i < 5; i++)
      await store.commit(rec({ status: 'recorded', service: i % 2 ? 'api' : 'terminal', dedupKey: `k${i}` }), null);
    const p1 = await store.list({ limit: 2 });
    expect(p1.items).toHaveLength(2);
    expect(Number(p1.items[0].id)).toBeGreaterThan(Number(p1.items[1].id));
    const p2 = await store.list({ limit: 2, before: p1.next! });
    const p3 = await store.list({ limit: 2, before: p2.next! });
    expect([...p1.items, ...p2.items, ...p3.items].map((d) => d.id)).toHaveLength(5);
    expect(p3.next).toBeNull();
    expect((await store.list({ service: 'api' })).items.map((d) => d.service)).toEqual(['api', 'api']);
    await expect(store.list({ before: 'abc' })).rejects.toThrow(
      'before: expected a decision id (a positive integer), got "abc"'
    );
  });

  it('keeps everything across a reopen (a restart or another replica)', async () => {
    const r = (await store.commit(rec(), { version: 0, state: acted(5) }))!;
    await store.close();
    store = f.open();
    expect(await store.get(r.id)).toMatchObject({ status: 'pending', target: 5 });
    expect(await store.snapshot('terminal')).toEqual({ version: 1, state: acted(5) });
    expect(await store.pendingIds()).toEqual([r.id]);
  });
});
