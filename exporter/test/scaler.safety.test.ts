/**
 * Regression tests for the safety holes an independent harness found in the scaler (issue 12),
 * and for the scaler side of combined triggers (issue 17). Each runs the production app
 * (`headroom serve`) with a real SQLite store and a real HTTP orchestrator or command.
 */
import yaml from 'js-yaml';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/load.js';
import { startScalerServer, type ScalerServer } from './scaler-fixtures/app.js';
import {
  amPayload,
  FIXTURE_EPOCH,
  post,
  SCALING_LABELS,
  scalerPolicy,
  sqlite,
  startOrchestrator,
  TOKEN,
} from './scaler-fixtures/support.js';
import { captureLogger, parseMetrics } from './support/serve.js';
import { tempDir } from './support/processes.js';

// Also in process.env, so that a scaler reading the token from process.env sees the same token.
process.env.HEADROOM_TEST_TOKEN = TOKEN;
const env = { HEADROOM_TEST_TOKEN: TOKEN };
const HERE = path.dirname(fileURLToPath(import.meta.url));
const RECORDER = path.join(HERE, 'scaler-fixtures/record-command.mjs');

let orch: Awaited<ReturnType<typeof startOrchestrator>>;
let dir: string;
const servers: ScalerServer[] = [];
const start = async (o: Parameters<typeof startScalerServer>[0]) => {
  const s = await startScalerServer(o);
  servers.push(s);
  return s;
};

beforeAll(async () => {
  orch = await startOrchestrator();
});
afterAll(() => orch.close());
beforeEach(() => {
  dir = tempDir('scaler-safety');
  orch.calls.length = 0;
  orch.modes.length = 0;
  orch.count = 4;
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const scaleIn = (over: Record<string, string> = {}) => ({
  ...SCALING_LABELS,
  alertname: 'HeadroomScaleIn',
  trigger: 'scale_in',
  action: 'scale_in',
  ...over,
});
const reloadMetric = async (s: ScalerServer) =>
  parseMetrics(await s.registry.metrics()).get('headroom_config_last_reload_successful');

describe('authentication is a startup and reload invariant (defects 1 and 2)', () => {
  it('refuses a reload that would serve the webhook off loopback without a token, and keeps authenticating', async () => {
    const log = captureLogger();
    const srv = await start({
      policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }),
      env,
      listen: '0.0.0.0:0',
      enableLifecycle: true,
      logger: log.logger,
    });
    const doc = yaml.load(readFileSync(srv.configFile, 'utf8')) as Record<string, any>;
    delete doc.scaler.token_env;
    writeFileSync(srv.configFile, yaml.dump(doc));

    const res = await fetch(`${srv.url}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('refusing to serve the scaling webhook on 0.0.0.0:0 without a token');
    expect(await reloadMetric(srv)).toBe(0);
    expect(log.text()).toContain('configuration reload rejected, the previous policy is kept');
    const unauthenticated = await post(srv.url, amPayload(), { authorization: '' });
    expect(unauthenticated.status).toBe(401);
    expect(orch.calls).toHaveLength(0);
  });

  it('refuses to start when scaler.token_env names an unset or empty variable, on loopback too', async () => {
    for (const [name, tokenEnv] of [
      ['unset', {}],
      ['empty', { HEADROOM_TEST_TOKEN: ' ' }],
    ] as const) {
      const started = start({
        policy: scalerPolicy({ store: sqlite(dir, `${name}.db`) }),
        env: tokenEnv,
        listen: '127.0.0.1:0',
      });
      await expect(started).rejects.toThrow(ConfigError);
      await expect(started).rejects.toThrow(
        `scaler.token_env: the environment variable HEADROOM_TEST_TOKEN is ${name} (expected the webhook's bearer token)`
      );
    }
  });

  it('refuses a reload to a token_env that is unset, keeping the previous token', async () => {
    const srv = await start({
      policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }),
      env,
      enableLifecycle: true,
    });
    const doc = yaml.load(readFileSync(srv.configFile, 'utf8')) as Record<string, any>;
    doc.scaler.token_env = 'HEADROOM_TEST_TOKEN_NOT_SET';
    writeFileSync(srv.configFile, yaml.dump(doc));
    const r = await srv.serve.reload();
    expect(r).toEqual({
      ok: false,
      error: `${srv.configFile}: scaler.token_env: the environment variable HEADROOM_TEST_TOKEN_NOT_SET is unset (expected the webhook's bearer token)`,
    });
    expect(await reloadMetric(srv)).toBe(0);
    expect((await post(srv.url, amPayload(), { authorization: '' })).status).toBe(401);
    expect((await post(srv.url, amPayload())).status).toBe(200);
  });
});

describe('one intent per service (defect 3)', () => {
  it('computes a scale-out that arrives during a slow scale-in from the scale-in target, and the newer action is the last applied', async () => {
    orch.count = 6;
    const noSchedules = (d: Record<string, any>) => (d.services[0].scaling.schedules = []);
    const srv = await start({
      policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }, noSchedules),
      env,
    });
    orch.modes.push({ delayMs: 600 });
    const slowIn = post(
      srv.url,
      amPayload({ labels: scaleIn(), annotations: { value: '20' }, fingerprint: '1111111111111111' })
    );
    await new Promise((r) => setTimeout(r, 150));
    const out = await post(srv.url, amPayload({ startsAt: '2026-11-27T17:55:00Z', fingerprint: '2222222222222222' }));
    expect((await slowIn).body.results).toMatchObject([{ outcome: 'acted', current: 6, target: 5 }]);
    // From 5 (the scale-in's target), cpu 91 against 60: ceil(5 * 91 / 60) = 8; from the stale 6 it would be 10.
    expect(out.body.results).toMatchObject([{ outcome: 'acted', current: 5, target: 8 }]);
    expect(orch.applied).toEqual([5, 8]);
    expect(orch.count).toBe(8);
    const [s1, s2] = orch.calls.map((c) => c.sequence!);
    expect(s2).toBeGreaterThan(s1);
  });

  it('blocks a notification while another replica has an intent in flight (blocked_by=in_flight, 503 so Alertmanager retries)', async () => {
    const store = sqlite(dir, 'shared.db');
    const a = await start({ policy: scalerPolicy({ store, actuator: orch.actuator('5s') }), env });
    const b = await start({ policy: scalerPolicy({ store, actuator: orch.actuator('5s') }), env });
    orch.modes.push({ delayMs: 3000 });
    const first = post(a.url, amPayload());
    await new Promise((r) => setTimeout(r, 200));
    const second = await post(
      b.url,
      amPayload({
        labels: { ...SCALING_LABELS, trigger: 'memory_high', alertname: 'HeadroomScaleOutMemoryHigh' },
        annotations: { value: '95' },
        fingerprint: '3333333333333333',
      })
    );
    expect(second.status).toBe(503);
    expect(second.body.results).toMatchObject([
      { outcome: 'blocked', blocked_by: ['in_flight'], current: 7, target: 7 },
    ]);
    expect((await first).body.results).toMatchObject([{ outcome: 'acted', target: 7 }]);
    const [latest] = (await b.scaler.listDecisions({ limit: 1 })).items;
    expect(latest).toMatchObject({
      action: 'none',
      intended: 'scale_out',
      blockedBy: ['in_flight'],
      status: 'recorded',
    });
    expect(await b.registry.getSingleMetricAsString('headroom_scaler_decisions_total')).toContain(
      'headroom_scaler_decisions_total{service="terminal",action="scale_out",blocked_by="in_flight"} 1'
    );
    expect(orch.calls).toHaveLength(1);
  });
});

describe('free text never reaches an actuator raw, and failed calls hold no cooldown (defect 4)', () => {
  it('passes an alert name with a NUL byte and 130 KB of text to the command actuator stripped and capped, and acts', async () => {
    const log = path.join(dir, 'calls.jsonl');
    const actuator = {
      type: 'command',
      argv: [process.execPath, RECORDER, log],
      count_argv: [process.execPath, '-e', 'process.stdout.write("4")'],
      timeout: '5s',
    };
    const srv = await start({
      policy: scalerPolicy({ store: sqlite(dir), actuator, body_limit_bytes: 512 * 1024 }),
      env,
    });
    const alertname = `evil\u0000name\u001b[31m${'x'.repeat(130 * 1024)}`;
    const res = await post(srv.url, amPayload({ labels: { ...SCALING_LABELS, alertname } }));
    expect(res.status).toBe(200);
    expect(res.body.results).toMatchObject([{ outcome: 'acted', target: 7 }]);
    const [call] = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const reason: string = call.env.HEADROOM_REASON;
    expect(reason.length).toBeLessThanOrEqual(1024);
    expect(reason).toMatch(/^Alertmanager alert evil name \[31mx+\.\.\. is firing/);
    expect([...reason].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
  });

  it('lets the next alert act after a failed actuator call, because nothing changed', async () => {
    const srv = await start({ policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }), env });
    orch.modes.push('fail');
    const failed = await post(srv.url, amPayload());
    expect(failed.status).toBe(502);
    expect((await srv.scaler.state('terminal')).actions).toEqual([]);
    const next = await post(srv.url, amPayload({ startsAt: '2026-11-27T17:55:00Z', fingerprint: 'aaaabbbbccccdddd' }));
    expect(next.body.results).toMatchObject([{ outcome: 'acted', current: 4, target: 7 }]);
    expect((await srv.scaler.state('terminal')).actions).toMatchObject([{ action: 'scale_out', from: 4, to: 7 }]);
  });
});

describe('an alert value moves the fleet only as far as it is checked (defect 6)', () => {
  it('limits one notification with value 1e308 to max_step_out (4 → 8), not limits.max (20)', async () => {
    const srv = await start({ policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }), env });
    const res = await post(srv.url, amPayload({ annotations: { value: '1e308' } }));
    expect(res.body.results).toMatchObject([{ outcome: 'acted', current: 4, target: 8 }]);
    const [rec] = (await srv.scaler.listDecisions({ limit: 1 })).items;
    expect(rec.reasons).toContain(
      'Target 20 limited to 8: one action adds at most 4 instances (scaling.limits.max_step_out).'
    );
  });

  it("accepts Go's exponent form 1e+02 as the value 100", async () => {
    const srv = await start({ policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }), env });
    const res = await post(srv.url, amPayload({ annotations: { value: '1e+02' } }));
    // ceil(4 * 100 / 60) = 7
    expect(res.body.results).toMatchObject([{ outcome: 'acted', current: 4, target: 7 }]);
    expect((await srv.scaler.listDecisions({ limit: 1 })).items[0].notification.value).toBe(100);
  });
});

describe('an alert is only ever about its own direction and trigger (issue 17)', () => {
  it('never scales out on a scale-in alert, even below a schedule minimum', async () => {
    orch.count = 1;
    const srv = await start({ policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }), env });
    const res = await post(srv.url, amPayload({ labels: scaleIn(), annotations: { value: '20' } }));
    expect(res.status).toBe(200);
    expect(res.body.results).toMatchObject([{ outcome: 'no_action', action: 'none', current: 1, target: 1 }]);
    expect(res.body.results[0].message).toBe(
      "The policy's answer now is scale out 1 → 2 (min_instances), but this alert is scale in for scale_in: an alert only ever acts in its own direction and for its own trigger, so nothing is done."
    );
    expect(orch.calls).toHaveLength(0);
  });

  it("lets a second trigger that asks for more act inside the first trigger's cooldown, once per its own cooldown", async () => {
    let now = FIXTURE_EPOCH;
    const srv = await start({
      policy: scalerPolicy({ store: sqlite(dir), actuator: orch.actuator() }),
      env,
      clock: () => now,
    });
    const memory = (startsAt: string, fingerprint: string) =>
      amPayload({
        labels: { ...SCALING_LABELS, trigger: 'memory_high', alertname: 'HeadroomScaleOutMemoryHigh' },
        annotations: { value: '95' },
        startsAt,
        fingerprint,
      });
    expect((await post(srv.url, amPayload())).body.results).toMatchObject([
      { outcome: 'acted', current: 4, target: 7 },
    ]);
    now += 60;
    // ceil(7 * 95 / 65) = 11: larger than the 7 cpu_high set a minute ago; HPA's largest recommendation wins.
    const larger = await post(srv.url, memory('2026-11-27T17:58:00Z', '4444444444444444'));
    expect(larger.body.results).toMatchObject([{ outcome: 'acted', current: 7, target: 11 }]);
    now += 60;
    // Neither trigger can leapfrog again inside its own cooldown.
    expect(
      (await post(srv.url, amPayload({ startsAt: '2026-11-27T17:59:00Z', fingerprint: '5555555555555555' }))).body
        .results
    ).toMatchObject([{ outcome: 'blocked', blocked_by: ['cooldown'] }]);
    expect((await post(srv.url, memory('2026-11-27T17:59:30Z', '6666666666666666'))).body.results).toMatchObject([
      { outcome: 'blocked', blocked_by: ['cooldown'] },
    ]);
    expect(orch.applied).toEqual([7, 11]);
  });
});
