import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScalerServer, type ScalerServer } from './scaler-fixtures/app.js';
import { startAlertmanager, tempDir, waitFor, type Running } from './support/processes.js';
import { scalerPolicy, SCALING_LABELS, sqlite, startOrchestrator, TOKEN } from './scaler-fixtures/support.js';

let orch: Awaited<ReturnType<typeof startOrchestrator>>;
let srv: ScalerServer;
let am: Running;
const dir = tempDir('scaler-am');

beforeAll(async () => {
  orch = await startOrchestrator(4);
  srv = await startScalerServer({
    policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }),
    env: { HEADROOM_TEST_TOKEN: TOKEN },
    clock: () => Date.now() / 1000,
  });
  // The routing `headroom rules` generates, reduced to the scaler receiver, with test timings.
  am = await startAlertmanager(`
route:
  receiver: headroom-scaler
  group_by: [alertname, service, trigger]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: headroom-scaler
    webhook_configs:
      - url: ${srv.url}/webhook
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization: { type: Bearer, credentials: ${TOKEN} }
`);
});
afterAll(async () => {
  await am?.stop();
  await srv?.close();
  await orch?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function pushAlert(startsAt: Date, endsAt?: Date) {
  const res = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: SCALING_LABELS,
        annotations: { summary: 'cpu 91 > 70 for 5m on terminal', value: '91' },
        startsAt: startsAt.toISOString(),
        ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
        generatorURL: 'http://127.0.0.1:9090/graph',
      },
    ]),
  });
  expect(res.status).toBe(200);
}

const decisions = async () => (await srv.scaler.listDecisions({ service: 'terminal' })).items;

describe('real Alertmanager delivering to the scaler', () => {
  it('scales once on firing, never on resolved, and records a second firing in the cooldown as blocked', async () => {
    const firstStart = new Date(Date.now() - 1000);
    await pushAlert(firstStart);
    await waitFor('the actuator call', async () => orch.calls.length >= 1, 15_000);
    expect(orch.calls).toMatchObject([{ action: 'scale_out', target_instances: 7, service: 'terminal' }]);
    // The orchestrator records the call before it answers; the decision is settled right after.
    const acted = await waitFor(
      'the decision to be settled',
      async () => (await decisions()).find((d) => d.status !== 'pending'),
      5_000
    );
    expect(acted).toMatchObject({
      status: 'done',
      current: 4,
      target: 7,
      notification: { kind: 'alertmanager', receiver: 'headroom-scaler', status: 'firing', value: 91 },
    });
    expect(acted.notification.groupKey).toContain('trigger="cpu_high"');

    await pushAlert(firstStart, new Date());
    const resolved = await waitFor(
      'the resolved notification',
      async () => (await decisions()).find((d) => d.status === 'resolved'),
      15_000
    );
    expect(resolved).toMatchObject({ action: 'none', notification: { status: 'resolved' } });
    expect(orch.calls).toHaveLength(1);

    await pushAlert(new Date());
    const blocked = await waitFor(
      'the second firing',
      async () => (await decisions()).find((d) => d.status === 'recorded'),
      15_000
    );
    expect(blocked).toMatchObject({ action: 'none', intended: 'scale_out', blockedBy: ['cooldown'], current: 7 });
    expect(orch.calls).toHaveLength(1);

    const sent = await srv.registry.getSingleMetricAsString('headroom_scaler_notifications_total');
    expect(sent).toMatch(/headroom_scaler_notifications_total\{code="200"\} [3-9]/);
    expect(sent).not.toMatch(/code="40/);
  });
});
