import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScalerServer, type ScalerServer } from './scaler-fixtures/app.js';
import { tempDir } from './support/processes.js';
import { amPayload, post, scalerPolicy, sqlite, startOrchestrator, TOKEN } from './scaler-fixtures/support.js';

let orch: Awaited<ReturnType<typeof startOrchestrator>>;
let srv: ScalerServer;
const dir = tempDir('scaler-faults');

beforeAll(async () => {
  orch = await startOrchestrator();
  srv = await startScalerServer({
    policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator('1s') }),
    env: { HEADROOM_TEST_TOKEN: TOKEN },
  });
});
afterAll(async () => {
  await srv.close();
  await orch.close();
  rmSync(dir, { recursive: true, force: true });
});

const failures = async () => {
  const text = await srv.registry.getSingleMetricAsString('headroom_scaler_actions_total');
  return Number(/result="failure"} (\d+)/.exec(text)?.[1] ?? 0);
};

describe('an actuator that fails, then hangs', () => {
  it('answers 5xx so Alertmanager retries, counts each failure and never moves past the absolute target', async () => {
    orch.modes.push('fail', 'hang');

    const first = await post(srv.url, amPayload());
    expect(first.status).toBe(502);
    expect(first.body.error).toBe(
      'terminal: POST ' + `${orch.url}/scale answered 500: {"error":"orchestrator exploded"}`
    );
    expect(await failures()).toBe(1);
    expect((await srv.scaler.listDecisions()).items[0]).toMatchObject({
      status: 'failed',
      target: 7,
      result: { ok: false, code: 500 },
    });

    // The retry re-sends the same absolute target; the orchestrator applies it but never answers.
    const started = Date.now();
    const second = await post(srv.url, amPayload());
    expect(second.status).toBe(502);
    expect(second.body.error).toMatch(/timed out after 1s/);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await failures()).toBe(2);

    // The next retry finds the actuator already at the target: no call, recorded as done.
    const third = await post(srv.url, amPayload());
    expect(third.status).toBe(200);
    expect(third.body.results).toMatchObject([
      { outcome: 'duplicate', message: 'the actuator already reports the target of 7' },
    ]);
    expect(orch.calls.map((c) => c.target_instances)).toEqual([7, 7]);
    expect(orch.count).toBe(7);
    const [d] = (await srv.scaler.listDecisions()).items;
    expect(d).toMatchObject({ status: 'done', attempts: 2, target: 7 });
    expect((await srv.scaler.listDecisions()).items).toHaveLength(1);
    const hist = await srv.registry.getSingleMetricAsString('headroom_scaler_actuator_duration_seconds');
    expect(hist).toContain('headroom_scaler_actuator_duration_seconds_count{actuator="http"} 2');
  });

  it('never re-sends a failed target that a later count has passed (that would undo a scale-out)', async () => {
    orch.calls.length = 0;
    orch.modes.push('fail');
    const payload = amPayload({ startsAt: '2026-11-27T18:00:00Z', fingerprint: '4444444444444444' });
    await srv.close();
    srv = await startScalerServer({
      policy: scalerPolicy({ store: sqlite(dir, 'passed.db'), actuator: orch.actuator('1s') }),
      env: { HEADROOM_TEST_TOKEN: TOKEN },
    });
    orch.count = 4;
    expect((await post(srv.url, payload)).status).toBe(502);
    orch.count = 9; // someone else scaled further meanwhile
    const retry = await post(srv.url, payload);
    expect(retry.status).toBe(200);
    expect(retry.body.results).toMatchObject([
      {
        outcome: 'duplicate',
        message: expect.stringContaining('not re-sent: the actuator reports 9, past the target of 7'),
      },
    ]);
    expect(orch.calls.map((c) => c.target_instances)).toEqual([7]);
  });

  it('answers 5xx when the current count cannot be read, and records the decision as blocked', async () => {
    await srv.close();
    const broken = scalerPolicy({
      store: sqlite(dir, 'broken.db'),
      actuator: { type: 'http', url: 'http://127.0.0.1:9/scale', count_url: 'http://127.0.0.1:9/count', timeout: '1s' },
    });
    srv = await startScalerServer({ policy: broken, env: { HEADROOM_TEST_TOKEN: TOKEN } });
    const res = await post(srv.url, amPayload());
    expect(res.status).toBe(502);
    expect(res.body.error).toMatch(/^terminal: reading the current count from the http actuator failed: /);
    expect((await srv.scaler.listDecisions()).items[0]).toMatchObject({
      action: 'none',
      blockedBy: ['missing_data'],
      status: 'recorded',
    });
  });
});
