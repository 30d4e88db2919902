import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, tempDir, waitFor, type Running } from './support/processes.js';
import { startReplica, type Replica } from './scaler-fixtures/replicas.js';
import { amPayload, post, scalerPolicy, sqlite, startOrchestrator, TOKEN } from './scaler-fixtures/support.js';

const env = { HEADROOM_TEST_TOKEN: TOKEN };
let orch: Awaited<ReturnType<typeof startOrchestrator>>;
let redis: Running;
const dir = tempDir('scaler-replicas');
const started: Replica[] = [];

beforeAll(async () => {
  [orch, redis] = await Promise.all([startOrchestrator(), startRedis()]);
});
afterAll(async () => {
  await Promise.all(started.map((r) => r.stop()));
  await Promise.all([orch.close(), redis.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function replica(policy: Parameters<typeof startReplica>[0], name: string, extra: Record<string, string> = {}) {
  const r = await startReplica(policy, dir, name, { ...env, ...extra });
  started.push(r);
  return r;
}

const decisions = async (url: string) =>
  (await (await fetch(`${url}/api/v1/decisions`)).json()).recorded.items as any[];

describe('two scaler processes sharing a real Redis', () => {
  it('act exactly once on 20 identical notifications split between them', async () => {
    orch.calls.length = 0;
    orch.count = 4;
    const policy = scalerPolicy({
      store: { type: 'redis', url: redis.url, key_prefix: 'pair:' },
      actuator: orch.actuator(),
    });
    const [a, b] = await Promise.all([replica(policy, 'a'), replica(policy, 'b')]);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? a.url : b.url, amPayload())));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(orch.calls).toHaveLength(1);
    expect(orch.calls[0].target_instances).toBe(7);
    const outcomes = results.map((r) => r.body.results[0].outcome);
    expect(outcomes.filter((o: string) => o === 'acted')).toHaveLength(1);
    // Both replicas read the same durable history.
    const [fromA, fromB] = await Promise.all([decisions(a.url), decisions(b.url)]);
    expect(fromA).toEqual(fromB);
    expect(fromA.filter((d) => d.action === 'scale_out')).toMatchObject([{ status: 'done', target: 7 }]);
    // A later firing on either replica is inside the shared cooldown.
    const later = await post(a.url, amPayload({ startsAt: '2026-11-27T17:00:00Z', fingerprint: '1111111111111111' }));
    expect(later.body.results).toMatchObject([{ outcome: 'blocked', blocked_by: ['cooldown'] }]);
    expect(orch.calls).toHaveLength(1);
  });
});

describe.each([
  ['SQLite', () => sqlite(dir, 'killed.db')],
  ['Redis', () => ({ type: 'redis', url: redis.url, key_prefix: 'killed:' })],
])('kill -9 between the intent and the actuator call (%s store)', (storeName, store) => {
  it('loses no decision, never acts twice and keeps the cooldown after a restart', async () => {
    orch.calls.length = 0;
    orch.count = 4;
    const policy = scalerPolicy({ store: store(), actuator: orch.actuator('1s'), reconcile_interval: '1s' });
    const doomed = await replica(policy, `doomed-${storeName}`, { HEADROOM_SCALER_TEST_AFTER_INTENT: 'crash' });
    await expect(post(doomed.url, amPayload())).rejects.toThrow();
    expect(await doomed.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(orch.calls).toHaveLength(0);

    const restarted = await replica(policy, `restarted-${storeName}`);
    // The intent survived; once its lease (timeout 1 s + 2 s grace) has passed it is reconciled
    // against the actuator's count (still 4, not 7): failed, and not re-sent on its own.
    const [intent] = await waitFor(
      'the interrupted intent to be reconciled',
      async () => {
        const items = await decisions(restarted.url);
        return items[0]?.status === 'failed' ? items : undefined;
      },
      15_000,
      200
    );
    expect(intent).toMatchObject({ action: 'scale_out', current: 4, target: 7, attempts: 1 });
    expect(intent.result.message).toBe('interrupted before the actuator confirmed; the actuator reports 4, not 7');
    expect(orch.calls).toHaveLength(0);

    // Alertmanager retries the notification that got no answer: the same absolute target, once.
    const retry = await post(restarted.url, amPayload());
    expect(retry.status).toBe(200);
    expect(retry.body.results).toMatchObject([{ outcome: 'acted', target: 7, id: intent.id }]);
    expect(orch.calls.map((c) => c.target_instances)).toEqual([7]);
    const again = await post(restarted.url, amPayload());
    expect(again.body.results).toMatchObject([{ outcome: 'duplicate' }]);

    // A new firing is still inside the cooldown that started with the intent.
    const second = await post(
      restarted.url,
      amPayload({ startsAt: '2026-11-27T17:00:00Z', fingerprint: '2222222222222222' })
    );
    expect(second.body.results).toMatchObject([{ outcome: 'blocked', blocked_by: ['cooldown'] }]);
    expect(orch.calls).toHaveLength(1);
    const all = await decisions(restarted.url);
    expect(all.map((d) => [d.status, d.action])).toEqual([
      ['recorded', 'none'],
      ['done', 'scale_out'],
    ]);
    expect(all[1].attempts).toBe(2);
  });
});
