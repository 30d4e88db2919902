import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startScalerServer, type ScalerServer } from './scaler-fixtures/app.js';
import { tempDir } from './support/processes.js';
import { amPayload, post, scalerPolicy, sqlite, startOrchestrator, TOKEN } from './scaler-fixtures/support.js';

const env = { HEADROOM_TEST_TOKEN: TOKEN };
let orch: Awaited<ReturnType<typeof startOrchestrator>>;
let srv: ScalerServer;
let dir: string;

beforeAll(async () => {
  orch = await startOrchestrator();
});
afterAll(() => orch.close());
beforeEach(async () => {
  dir = tempDir('scaler');
  orch.calls.length = 0;
  orch.modes.length = 0;
  orch.count = 4;
  srv = await startScalerServer({ policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }), env });
});
afterEach(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const metric = async (name: string) =>
  (await srv.registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#'));

describe('the webhook scaler, in process', () => {
  it('scales a firing alert once to the absolute proportional target and records why', async () => {
    const res = await post(srv.url, amPayload());
    expect(res.status).toBe(200);
    // current 4, cpu 91 against the trigger's target 60: ceil(4 * 91 / 60) = 7
    expect(orch.calls).toMatchObject([{ action: 'scale_out', target_instances: 7, service: 'terminal' }]);
    expect(res.body.results).toMatchObject([{ outcome: 'acted', current: 4, target: 7 }]);
    const { items } = await srv.scaler.listDecisions({ service: 'terminal' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      trigger: 'cpu_high',
      action: 'scale_out',
      current: 4,
      target: 7,
      status: 'done',
      blockedBy: [],
      attempts: 1,
    });
    expect(items[0].result).toMatchObject({ ok: true, actuator: 'http', code: 200 });
    expect(items[0].notification).toMatchObject({ kind: 'alertmanager', fingerprint: '474d28c21111dbbf', value: 91 });
    expect(items[0].reasons.join(' ')).toContain('Scale out from 4 to 7 instances (cpu_high).');
    expect((await srv.scaler.state('terminal')).actions).toMatchObject([
      { action: 'scale_out', trigger: 'cpu_high', from: 4, to: 7 },
    ]);
    expect(await metric('headroom_scaler_actions_total')).toContain(
      'headroom_scaler_actions_total{service="terminal",action="scale_out",result="success"} 1'
    );
    expect(await metric('headroom_scaler_last_decision_target_instances')).toContain(
      'headroom_scaler_last_decision_target_instances{service="terminal",trigger="cpu_high",action="scale_out",blocked_by="none"} 7'
    );
  });

  it('steps by the trigger step when the alert carries no value', async () => {
    await post(srv.url, amPayload({ annotations: { summary: 'no value' } }));
    expect(orch.calls.map((c) => c.target_instances)).toEqual([5]);
  });

  it('answers a retried notification from its record without a second call', async () => {
    await post(srv.url, amPayload());
    const again = await post(srv.url, amPayload());
    expect(again.status).toBe(200);
    expect(again.body.results).toMatchObject([{ outcome: 'duplicate' }]);
    expect(orch.calls).toHaveLength(1);
    expect((await srv.scaler.listDecisions()).items).toHaveLength(1);
  });

  it('records a second firing inside the cooldown as blocked_by=cooldown without a call', async () => {
    await post(srv.url, amPayload());
    const second = await post(
      srv.url,
      amPayload({ startsAt: '2026-11-27T16:55:00Z', fingerprint: 'aaaabbbbccccdddd' })
    );
    expect(second.status).toBe(200);
    expect(second.body.results).toMatchObject([{ outcome: 'blocked', blocked_by: ['cooldown'] }]);
    expect(orch.calls).toHaveLength(1);
    const [latest] = (await srv.scaler.listDecisions({ limit: 1 })).items;
    // 7 running, cpu 91 against 60: ceil(7 * 91 / 60) = 11 is what the cooldown held back.
    expect(latest).toMatchObject({
      action: 'none',
      intended: 'scale_out',
      blockedBy: ['cooldown'],
      status: 'recorded',
      current: 7,
      target: 7,
      wanted: 11,
    });
    expect(await metric('headroom_scaler_decisions_total')).toContain(
      'headroom_scaler_decisions_total{service="terminal",action="scale_out",blocked_by="cooldown"} 1'
    );
    expect(await metric('headroom_scaler_last_decision_target_instances')).toContain(
      'headroom_scaler_last_decision_target_instances{service="terminal",trigger="cpu_high",action="scale_out",blocked_by="cooldown"} 11'
    );
  });

  it('records a resolved alert and never scales on it', async () => {
    const res = await post(srv.url, amPayload({ status: 'resolved' }));
    expect(res.status).toBe(200);
    expect(res.body.results).toMatchObject([{ outcome: 'resolved' }]);
    expect(orch.calls).toHaveLength(0);
    expect((await srv.scaler.listDecisions()).items).toMatchObject([{ status: 'resolved', action: 'none' }]);
  });

  it('ignores budget and health alerts routed to it', async () => {
    const res = await post(
      srv.url,
      amPayload({ labels: { alertname: 'HeadroomBudget', headroom: 'budget', service: 'terminal' } })
    );
    expect(res.status).toBe(200);
    expect(res.body.results).toMatchObject([{ outcome: 'ignored' }]);
    expect(orch.calls).toHaveLength(0);
  });

  it('acts exactly once on 20 identical notifications sent in parallel', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => post(srv.url, amPayload())));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(orch.calls).toHaveLength(1);
    expect(results.filter((r) => r.body.results[0].outcome === 'acted')).toHaveLength(1);
    expect((await srv.scaler.listDecisions()).items.filter((d) => d.action === 'scale_out')).toHaveLength(1);
  });

  it('scales in by the scale-in step on a scale_in alert, then honours the scale-in cooldown', async () => {
    await srv.close();
    srv = await startScalerServer({
      policy: scalerPolicy(
        { store: sqlite(dir, 'in.db'), actuator: orch.actuator() },
        (d) => (d.services[0].scaling.schedules = [])
      ),
      env,
    });
    const labels = {
      alertname: 'HeadroomScaleIn',
      headroom: 'scaling',
      service: 'terminal',
      trigger: 'scale_in',
      action: 'scale_in',
      step: '1',
    };
    const first = await post(srv.url, amPayload({ labels, annotations: { value: '20' } }));
    expect(first.body.results).toMatchObject([{ outcome: 'acted', action: 'scale_in', current: 4, target: 3 }]);
    const second = await post(
      srv.url,
      amPayload({ labels, startsAt: '2026-11-27T17:30:00Z', fingerprint: '3333333333333333' })
    );
    expect(second.body.results).toMatchObject([{ outcome: 'blocked', blocked_by: ['cooldown'] }]);
    expect(orch.calls).toMatchObject([{ action: 'scale_in', target_instances: 3 }]);
  });

  it('accepts a Grafana-managed alerting webhook payload', async () => {
    const grafana = {
      receiver: 'headroom',
      status: 'firing',
      orgId: 1,
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'cpu high', service: 'terminal', trigger: 'cpu_high', action: 'scale_out' },
          annotations: { value: '75' },
          startsAt: '2026-11-27T09:51:03.157076+02:00',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'https://grafana/alerting/1/edit',
          fingerprint: 'c6eadffa33fcdf37',
          silenceURL: 'https://grafana/alerting/silence/new',
          dashboardURL: '',
          panelURL: '',
          values: { B: 75, C: 1 },
        },
      ],
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'https://grafana/',
      version: '1',
      groupKey: '{}:{}',
      truncatedAlerts: 0,
      title: '[FIRING:1] cpu high',
      state: 'alerting',
      message: '**Firing**',
    };
    const res = await post(srv.url, grafana);
    expect(res.status).toBe(200);
    // ceil(4 * 75 / 60) = 5
    expect(orch.calls.map((c) => c.target_instances)).toEqual([5]);
    expect((await srv.scaler.listDecisions()).items[0].notification.kind).toBe('grafana');
  });

  it('pages GET /api/v1/decisions newest first, filtered by service', async () => {
    for (let i = 0; i < 3; i++)
      await post(srv.url, amPayload({ status: 'resolved', startsAt: `2026-11-27T16:5${i}:00Z` }));
    const page1 = (await (await fetch(`${srv.url}/api/v1/decisions?service=terminal&limit=2`)).json()).recorded;
    expect(page1.items).toHaveLength(2);
    const page2 = (
      await (await fetch(`${srv.url}/api/v1/decisions?service=terminal&limit=2&before=${page1.next}`)).json()
    ).recorded;
    expect(page2).toMatchObject({ next: null });
    expect(page2.items).toHaveLength(1);
    expect(Number(page2.items[0].id)).toBeLessThan(Number(page1.items[1].id));
    const bad = await fetch(`${srv.url}/api/v1/decisions?limit=zero`);
    expect(bad.status).toBe(400);
    expect((await fetch(`${srv.url}/api/v1/decisions?service=other`)).status).toBe(404);
  });
});
