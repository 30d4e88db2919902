import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScalerServer, type ScalerServer } from './scaler-fixtures/app.js';
import { tempDir } from './support/processes.js';
import { amPayload, post, SCALING_LABELS, scalerPolicy, sqlite, TOKEN } from './scaler-fixtures/support.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RECORDER = path.join(HERE, 'scaler-fixtures/record-command.mjs');
const LIMIT = 4096;

let srv: ScalerServer;
const dir = tempDir('scaler-bad');
const log = path.join(dir, 'calls.jsonl');
const calls = () =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
const marker = () => path.join(dir, 'pwned');

beforeAll(async () => {
  const policy = scalerPolicy({
    store: sqlite(dir),
    body_limit_bytes: LIMIT,
    actuator: {
      type: 'command',
      argv: [process.execPath, RECORDER, log],
      count_argv: [process.execPath, '-e', 'process.stdout.write("4")'],
      timeout: '5s',
    },
  });
  srv = await startScalerServer({ policy, env: { HEADROOM_TEST_TOKEN: TOKEN } });
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const alert = (over: Record<string, unknown>) => ({ ...amPayload().alerts[0], ...over });
const withAlert = (over: Record<string, unknown>) => ({ ...amPayload(), alerts: [alert(over)] });
const labels = (l: Record<string, string | undefined>) =>
  withAlert({
    labels: Object.fromEntries(Object.entries({ ...SCALING_LABELS, ...l }).filter(([, v]) => v !== undefined)),
  });
const without = (key: string) => Object.fromEntries(Object.entries(amPayload()).filter(([k]) => k !== key));
const DECIMAL = 'expected a plain decimal number as Prometheus writes $value (such as 91, 0.25 or 1e+06)';
const TRIGGERS =
  'cpu_high, memory_high, sessions_high, latency_high, errors_high, scale_in, min_instances, schedule_off_peak, schedule_business_hours';

interface Row {
  name: string;
  body: unknown;
  headers?: Record<string, string | undefined>;
  status: number;
  error: string | RegExp;
}

const rows: Row[] = [
  {
    name: 'no Authorization header',
    body: amPayload(),
    headers: { authorization: undefined },
    status: 401,
    error: 'authorization: missing (expected "Authorization: Bearer <token>")',
  },
  {
    name: 'a wrong token',
    body: amPayload(),
    headers: { authorization: 'Bearer not-the-token' },
    status: 401,
    error: 'authorization: invalid bearer token',
  },
  {
    name: 'the token with a suffix',
    body: amPayload(),
    headers: { authorization: `Bearer ${TOKEN}x` },
    status: 401,
    error: 'authorization: invalid bearer token',
  },
  {
    name: 'a token prefix',
    body: amPayload(),
    headers: { authorization: `Bearer ${TOKEN.slice(0, 5)}` },
    status: 401,
    error: 'authorization: invalid bearer token',
  },
  {
    name: 'Basic credentials',
    body: amPayload(),
    headers: { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` },
    status: 401,
    error: 'authorization: expected "Bearer <token>"',
  },
  {
    name: 'an empty Bearer',
    body: amPayload(),
    headers: { authorization: 'Bearer ' },
    status: 401,
    error: 'authorization: expected "Bearer <token>"',
  },
  {
    name: 'no content type',
    body: amPayload(),
    headers: { 'content-type': undefined },
    status: 415,
    error: 'content-type: missing (expected application/json)',
  },
  {
    name: 'text/plain',
    body: amPayload(),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    error: 'content-type: expected application/json, got "text/plain"',
  },
  {
    name: 'a form',
    body: 'a=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    error: 'content-type: expected application/json, got "application/x-www-form-urlencoded"',
  },
  { name: 'malformed JSON', body: '{"version": "4", "alerts": [', status: 400, error: /^body: malformed JSON \(.+\)$/ },
  { name: 'an empty body', body: '', status: 400, error: 'body: empty (expected a JSON webhook payload)' },
  { name: 'a JSON array', body: '[]', status: 400, error: 'body: expected a JSON object, got an array' },
  { name: 'a JSON string', body: '"firing"', status: 400, error: 'body: expected a JSON object, got "firing"' },
  {
    name: 'a body over the limit',
    body: withAlert({ annotations: { summary: 'x'.repeat(LIMIT) } }),
    status: 413,
    error: `body: larger than the limit of ${LIMIT} bytes (scaler.body_limit_bytes)`,
  },
  {
    name: 'no version',
    body: without('version'),
    status: 400,
    error: 'version: missing (expected "4" from Alertmanager or "1" from Grafana-managed alerting)',
  },
  {
    name: 'version "3"',
    body: { ...amPayload(), version: '3' },
    status: 400,
    error: 'version: expected "4" (Alertmanager) or "1" with orgId (Grafana-managed alerting), got "3"',
  },
  {
    name: 'version as a number',
    body: { ...amPayload(), version: 4 },
    status: 400,
    error: 'version: expected "4" (Alertmanager) or "1" with orgId (Grafana-managed alerting), got 4',
  },
  {
    name: 'Grafana version without orgId',
    body: { ...amPayload(), version: '1' },
    status: 400,
    error: 'version: expected "4" (Alertmanager) or "1" with orgId (Grafana-managed alerting), got "1"',
  },
  {
    name: 'Grafana orgId as a string',
    body: { ...amPayload(), version: '1', orgId: '1' },
    status: 400,
    error: 'orgId: expected a number, got "1"',
  },
  {
    name: 'no status',
    body: without('status'),
    status: 400,
    error: 'status: missing (expected "firing" or "resolved")',
  },
  {
    name: 'status "pending"',
    body: { ...amPayload(), status: 'pending' },
    status: 400,
    error: 'status: expected "firing" or "resolved", got "pending"',
  },
  { name: 'no alerts', body: without('alerts'), status: 400, error: 'alerts: missing (expected an array of alerts)' },
  {
    name: 'alerts as an object',
    body: { ...amPayload(), alerts: {} },
    status: 400,
    error: 'alerts: expected an array of alerts, got an object',
  },
  {
    name: 'an empty alerts array',
    body: { ...amPayload(), alerts: [] },
    status: 400,
    error: 'alerts: expected at least one alert, got an empty array',
  },
  {
    name: 'an alert that is a string',
    body: { ...amPayload(), alerts: ['cpu'] },
    status: 400,
    error: 'alerts[0]: expected an object, got "cpu"',
  },
  {
    name: 'an alert without labels',
    body: withAlert({ labels: undefined }),
    status: 400,
    error: 'alerts[0].labels: missing (expected an object of strings)',
  },
  {
    name: 'a numeric label value',
    body: withAlert({ labels: { ...SCALING_LABELS, step: 1 } }),
    status: 400,
    error: 'alerts[0].labels.step: expected a string, got 1',
  },
  {
    name: 'annotations as an array',
    body: withAlert({ annotations: ['value'] }),
    status: 400,
    error: 'alerts[0].annotations: expected an object of strings, got an array',
  },
  {
    name: 'a null annotation',
    body: withAlert({ annotations: { value: null } }),
    status: 400,
    error: 'alerts[0].annotations.value: expected a string, got null',
  },
  {
    name: 'no startsAt',
    body: withAlert({ startsAt: undefined }),
    status: 400,
    error: 'alerts[0].startsAt: missing (expected an RFC 3339 time)',
  },
  {
    name: 'a startsAt that is not a time',
    body: withAlert({ startsAt: 'yesterday' }),
    status: 400,
    error:
      'alerts[0].startsAt: expected an RFC 3339 time that exists (month 01-12, a day of that month, hh:mm:ss below 24:60:60), got "yesterday"',
  },
  // Defect 5 of issue 12: these had the RFC 3339 shape, were accepted and acted.
  {
    name: 'a startsAt in month 13, day 45, hour 99',
    body: withAlert({ startsAt: '2026-13-45T99:99:99Z' }),
    status: 400,
    error:
      'alerts[0].startsAt: expected an RFC 3339 time that exists (month 01-12, a day of that month, hh:mm:ss below 24:60:60), got "2026-13-45T99:99:99Z"',
  },
  {
    name: 'a startsAt on 30 February at 25:61:61',
    body: withAlert({ startsAt: '2026-02-30T25:61:61Z' }),
    status: 400,
    error:
      'alerts[0].startsAt: expected an RFC 3339 time that exists (month 01-12, a day of that month, hh:mm:ss below 24:60:60), got "2026-02-30T25:61:61Z"',
  },
  {
    name: 'a startsAt of year 0000, month 00, day 00',
    body: withAlert({ startsAt: '0000-00-00T00:00:00Z' }),
    status: 400,
    error:
      'alerts[0].startsAt: expected an RFC 3339 time that exists (month 01-12, a day of that month, hh:mm:ss below 24:60:60), got "0000-00-00T00:00:00Z"',
  },
  {
    name: 'a startsAt in the year 2999',
    body: withAlert({ startsAt: '2999-01-01T00:00:00Z' }),
    status: 422,
    error:
      /^alerts\[0\]\.startsAt: "2999-01-01T00:00:00Z" is in the future \(more than 300s after the scaler's clock, 2026-11-27T18:/,
  },
  {
    name: 'a startsAt in the year 0001',
    body: withAlert({ startsAt: '0001-01-01T00:00:00Z' }),
    status: 422,
    error: /^alerts\[0\]\.startsAt: "0001-01-01T00:00:00Z" is more than 30 days before the scaler's clock/,
  },
  {
    name: 'an alert status "unknown"',
    body: withAlert({ status: 'unknown' }),
    status: 400,
    error: 'alerts[0].status: expected "firing" or "resolved", got "unknown"',
  },
  {
    name: 'a numeric fingerprint',
    body: withAlert({ fingerprint: 42 }),
    status: 400,
    error: 'alerts[0].fingerprint: expected a string, got 42',
  },
  {
    name: 'negative truncatedAlerts',
    body: { ...amPayload(), truncatedAlerts: -1 },
    status: 400,
    error: 'truncatedAlerts: expected a non-negative integer, got -1',
  },
  {
    name: 'a Grafana value that is a string',
    body: { ...amPayload(), version: '1', orgId: 1, alerts: [alert({ values: { B: 'NaN' } })] },
    status: 400,
    error: 'alerts[0].values.B: expected a number, got "NaN"',
  },
  {
    name: 'no service label',
    body: labels({ service: undefined }),
    status: 422,
    error: 'alerts[0].labels.service: missing (a scaling alert carries the labels service, trigger and action)',
  },
  {
    name: 'no trigger label',
    body: labels({ trigger: undefined }),
    status: 422,
    error: 'alerts[0].labels.trigger: missing (a scaling alert carries the labels service, trigger and action)',
  },
  {
    name: 'an unknown service',
    body: labels({ service: 'billing' }),
    status: 422,
    error: 'alerts[0].labels.service: expected a service of the policy (terminal), got "billing"',
  },
  {
    name: 'an unknown trigger',
    body: labels({ trigger: 'disk_full' }),
    status: 422,
    error: `alerts[0].labels.trigger: expected a trigger of service "terminal" (${TRIGGERS}), got "disk_full"`,
  },
  {
    name: 'an unknown action',
    body: labels({ action: 'scale_up' }),
    status: 422,
    error: 'alerts[0].labels.action: expected "scale_out" or "scale_in", got "scale_up"',
  },
  {
    name: 'an action that contradicts the trigger',
    body: labels({ action: 'scale_in' }),
    status: 422,
    error: 'alerts[0].labels.action: expected "scale_out" for trigger "cpu_high", got "scale_in"',
  },
  {
    name: 'scale_in labelled scale_out',
    body: labels({ trigger: 'scale_in' }),
    status: 422,
    error: 'alerts[0].labels.action: expected "scale_in" for trigger "scale_in", got "scale_out"',
  },
  {
    name: 'a step that is a word',
    body: labels({ step: 'two' }),
    status: 422,
    error: 'alerts[0].labels.step: expected a positive integer, got "two"',
  },
  {
    name: 'a step of 0',
    body: labels({ step: '0' }),
    status: 422,
    error: 'alerts[0].labels.step: expected a positive integer, got "0"',
  },
  {
    name: 'a NaN value',
    body: withAlert({ annotations: { value: 'NaN' } }),
    status: 422,
    error: 'alerts[0].annotations.value: NaN is not a finite number, so it cannot size an action',
  },
  {
    name: 'an infinite value',
    body: withAlert({ annotations: { value: '+Inf' } }),
    status: 422,
    error: 'alerts[0].annotations.value: +Inf is not a finite number, so it cannot size an action',
  },
  {
    name: 'a value that is a word',
    body: withAlert({ annotations: { value: 'high' } }),
    status: 422,
    error: `alerts[0].annotations.value: ${DECIMAL}, got "high"`,
  },
  {
    name: 'an empty value',
    body: withAlert({ annotations: { value: '' } }),
    status: 422,
    error: `alerts[0].annotations.value: ${DECIMAL}, got ""`,
  },
  // Defect 6 of issue 12: Number() accepted these, and -5 scaled out with the reason "cpu -5 > 70".
  {
    name: 'a hexadecimal value',
    body: withAlert({ annotations: { value: '0x5A' } }),
    status: 422,
    error: `alerts[0].annotations.value: ${DECIMAL}, got "0x5A"`,
  },
  {
    name: 'a binary value',
    body: withAlert({ annotations: { value: '0b1011011' } }),
    status: 422,
    error: `alerts[0].annotations.value: ${DECIMAL}, got "0b1011011"`,
  },
  {
    name: 'a value padded with spaces',
    body: withAlert({ annotations: { value: ' 91 ' } }),
    status: 422,
    error: `alerts[0].annotations.value: ${DECIMAL}, got " 91 "`,
  },
  {
    name: 'a JavaScript Infinity',
    body: withAlert({ annotations: { value: 'Infinity' } }),
    status: 422,
    error: `alerts[0].annotations.value: ${DECIMAL}, got "Infinity"`,
  },
  {
    name: 'a firing scale-out whose value is below its threshold',
    body: withAlert({ annotations: { value: '-5' } }),
    status: 422,
    error:
      'alerts[0].annotations.value: -5 does not cross the threshold of trigger "cpu_high" (cpu above 70), so it cannot be a firing scale-out',
  },
  {
    name: 'a firing scale-out whose value equals its threshold',
    body: withAlert({ annotations: { value: '70' } }),
    status: 422,
    error:
      'alerts[0].annotations.value: 70 does not cross the threshold of trigger "cpu_high" (cpu above 70), so it cannot be a firing scale-out',
  },
  {
    name: 'a service label with shell metacharacters',
    body: labels({ service: `terminal; touch ${marker()}` }),
    status: 422,
    error:
      /^alerts\[0\]\.labels\.service: expected a service of the policy \(terminal\), got "terminal; touch .*pwned"$/,
  },
  {
    name: 'a trigger label with a command substitution',
    body: labels({ trigger: '$(touch pwned)' }),
    status: 422,
    error: `alerts[0].labels.trigger: expected a trigger of service "terminal" (${TRIGGERS}), got "$(touch pwned)"`,
  },
  {
    name: 'a step with backticks',
    body: labels({ step: '1`touch pwned`' }),
    status: 422,
    error: 'alerts[0].labels.step: expected a positive integer, got "1`touch pwned`"',
  },
  {
    name: 'a valid alert followed by an unknown service (nothing of the payload acts)',
    body: amPayload({}, { labels: { ...SCALING_LABELS, service: 'billing' }, fingerprint: '0000000000000001' }),
    status: 422,
    error: 'alerts[1].labels.service: expected a service of the policy (terminal), got "billing"',
  },
];

describe('webhook rejections (each acts on nothing)', () => {
  it.each(rows)('rejects $name with $status', async (row) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    for (const [k, v] of Object.entries(row.headers ?? {})) {
      if (v === undefined) delete headers[k];
      else headers[k] = v;
    }
    const res = await fetch(`${srv.url}/webhook`, {
      method: 'POST',
      headers,
      body: new TextEncoder().encode(typeof row.body === 'string' ? row.body : JSON.stringify(row.body)),
    });
    const body = await res.json();
    expect(res.status).toBe(row.status);
    if (typeof row.error === 'string') expect(body.error).toBe(row.error);
    else expect(body.error).toMatch(row.error);
    if (row.status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer realm="headroom"');
    expect(calls()).toHaveLength(0);
  });

  it('kept the actuator, the store and the shell untouched through all of them', async () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(calls()).toHaveLength(0);
    expect((await srv.scaler.listDecisions()).items).toHaveLength(0);
    expect(existsSync(marker())).toBe(false);
    expect(existsSync(path.join(process.cwd(), 'pwned'))).toBe(false);
    const metrics = await srv.registry.getSingleMetricAsString('headroom_scaler_notifications_total');
    expect(metrics).toContain('headroom_scaler_notifications_total{code="401"} 6');
    expect(metrics).toContain('headroom_scaler_notifications_total{code="422"}');
  });

  it('answers other methods on /webhook with 405', async () => {
    const res = await fetch(`${srv.url}/webhook`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('passes shell metacharacters of a valid alert to the command literally, never to a shell', async () => {
    const evil = `$(touch ${marker()}); \`touch ${marker()}\` | rm -rf / && echo`;
    const res = await post(
      srv.url,
      amPayload({ labels: { ...SCALING_LABELS, alertname: evil }, annotations: { summary: evil, value: '91' } })
    );
    expect(res.status).toBe(200);
    const [call] = calls();
    expect(call.argv).toEqual([log]);
    expect(call.env).toMatchObject({
      HEADROOM_SERVICE: 'terminal',
      HEADROOM_TARGET_INSTANCES: '7',
      HEADROOM_ACTION: 'scale_out',
      HEADROOM_TRIGGER: 'cpu_high',
    });
    expect(call.env.HEADROOM_REASON).toContain(evil);
    expect(existsSync(marker())).toBe(false);
  });
});
