/** Shared pieces of the scaler tests: policies, payloads and a recording orchestrator. */
import express from 'express';
import yaml from 'js-yaml';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { validatePolicy } from '../../src/config/load.js';
import type { Policy } from '../../src/config/schema.js';
import { EXAMPLE_POLICY } from '../helpers.js';

export const TOKEN = 's3cret-token-for-tests';

/** The example policy with its scaler section replaced (token from HEADROOM_TEST_TOKEN). */
export function scalerPolicy(scaler: Record<string, unknown>, mutate?: (doc: Record<string, any>) => void): Policy {
  const doc = yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as Record<string, any>;
  doc.scaler = { token_env: 'HEADROOM_TEST_TOKEN', ...scaler };
  mutate?.(doc);
  return validatePolicy(doc, 'test policy');
}

export const sqlite = (dir: string, name = 'state.db') => ({ type: 'sqlite', path: path.join(dir, name) });

export interface AlertSpec {
  status?: 'firing' | 'resolved';
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  fingerprint?: string;
}

export const SCALING_LABELS = {
  alertname: 'HeadroomScaleOutCpuHigh',
  headroom: 'scaling',
  service: 'terminal',
  trigger: 'cpu_high',
  action: 'scale_out',
  step: '1',
  severity: 'warning',
};

/** An Alertmanager v4 notification (the shape of ../../../../shared/fixtures/alertmanager/firing-v4.json). */
export function amPayload(...specs: AlertSpec[]): Record<string, any> {
  const alerts = (specs.length ? specs : [{}]).map((s) => ({
    status: s.status ?? 'firing',
    labels: s.labels ?? SCALING_LABELS,
    annotations: s.annotations ?? { summary: 'cpu is high', value: '91' },
    startsAt: s.startsAt ?? '2026-11-27T16:50:16.593Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://127.0.0.1:9090/graph',
    fingerprint: s.fingerprint ?? '474d28c21111dbbf',
  }));
  return {
    receiver: 'headroom-scaler',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: { service: 'terminal' },
    commonLabels: alerts[0].labels,
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: '{}:{service="terminal"}',
    truncatedAlerts: 0,
  };
}

/** A firing scale-out of `service`'s cpu_high (value 95) that started 5 s ago by the real clock. */
export const firingNow = (service: string) =>
  amPayload({
    labels: { ...SCALING_LABELS, service },
    annotations: { value: '95' },
    startsAt: new Date(Date.now() - 5000).toISOString(),
    fingerprint: `fp-${service}`,
  });

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed };
}

/** `{ delayMs }`: applies the target and answers after the delay (a slow orchestrator). */
export type Mode = 'ok' | 'fail' | 'hang' | { delayMs: number };

/**
 * A recording orchestrator for the http actuator: POST /scale (the seed contract) records the
 * call and sets the count; GET /count answers {"count": n}. `modes` is consumed one per POST.
 * A `hang` call applies the target but never answers (the worst case for idempotency). Like an
 * orchestrator that honours the call's `sequence`, it refuses (409) a call older than one it applied.
 */
export async function startOrchestrator(initial = 4) {
  const calls: {
    action: string;
    target_instances: number;
    reason: string;
    timestamp: string;
    service: string;
    sequence?: number;
  }[] = [];
  /** Targets in the order they were applied. */
  const applied: number[] = [];
  let lastSequence = 0;
  const modes: Mode[] = [];
  let count = initial;
  const hung: express.Response[] = [];
  const app = express();
  app.use(express.json());
  app.get('/count', (_req, res) => void res.json({ count }));
  app.post('/scale', (req, res) => {
    calls.push(req.body);
    const mode = modes.shift() ?? 'ok';
    if (mode === 'fail') return void res.status(500).json({ error: 'orchestrator exploded' });
    const apply = () => {
      const seq = req.body.sequence;
      if (typeof seq === 'number' && seq < lastSequence) return false;
      if (typeof seq === 'number') lastSequence = seq;
      count = req.body.target_instances;
      applied.push(count);
      return true;
    };
    if (typeof mode === 'object') {
      setTimeout(
        () => (apply() ? res.json({ ok: true }) : res.status(409).json({ error: 'a newer sequence was applied' })),
        mode.delayMs
      );
      return;
    }
    if (!apply()) return void res.status(409).json({ error: 'a newer sequence was applied' });
    if (mode === 'hang') return void hung.push(res);
    res.json({ ok: true });
  });
  const server = await new Promise<import('node:http').Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    modes,
    applied,
    get count() {
      return count;
    },
    /** Sets the count from outside (a new test, or someone else scaling): the sequence starts over. */
    set count(n: number) {
      count = n;
      lastSequence = 0;
      applied.length = 0;
    },
    actuator: (timeout = '2s') => ({ type: 'http', url: `${url}/scale`, count_url: `${url}/count`, timeout }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The fixtures' alerts start on 2026-11-27: the scaler's clock starts that evening and runs in real time (so leases still expire). */
export const FIXTURE_EPOCH = Date.UTC(2026, 10, 27, 18) / 1000;
export function fixtureClock(epoch = FIXTURE_EPOCH): () => number {
  const t0 = Date.now() / 1000;
  return () => epoch + (Date.now() / 1000 - t0);
}
