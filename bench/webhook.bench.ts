/**
 * Webhook benchmark: notifications per second and p50/p99 latency through the scaler of a real
 * `headroom serve` (SQLite store, then Redis store), driven by autocannon on loopback for a bounded
 * time, against the floor of a bare express handler that parses the same JSON. The payload is one
 * firing Alertmanager v4 notification repeated, as Alertmanager's retries and HA duplicates are:
 * the first one acts (dry-run), the rest are recognised as duplicates.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';
import { median, type Figure } from './common.js';
import { startServeChild } from './serve-child.js';

const DURATION_S = 5;
const CONNECTIONS = 10;

/** A real, recent startsAt (the scaler rejects firing alerts from the future or older than 30 days),
 * fixed for the whole run: every request is the same notification, so all but the first are duplicates. */
const STARTS_AT = new Date(Math.floor(Date.now() / 1000 - 60) * 1000).toISOString();

function payload(): string {
  const labels = {
    alertname: 'HeadroomScaleOut',
    headroom: 'scaling',
    service: 'svc_0',
    trigger: 'cpu_high',
    action: 'scale_out',
    step: '1',
    severity: 'warning',
  };
  return JSON.stringify({
    receiver: 'headroom-scaler',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: 'cpu 82 > 70', value: '82' },
        startsAt: STARTS_AT,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://127.0.0.1:9090/graph',
        fingerprint: 'bench0000000001',
      },
    ],
    groupLabels: { service: 'svc_0', trigger: 'cpu_high' },
    commonLabels: labels,
    commonAnnotations: { summary: 'cpu 82 > 70' },
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: '{}:{service="svc_0", trigger="cpu_high"}',
    truncatedAlerts: 0,
  });
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(url: string): Promise<Load> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' },
    body: payload(),
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

async function floor(): Promise<Load> {
  const app = express();
  app.post('/webhook', express.json({ limit: '256kb' }), (req, res) => {
    res.json({ status: 'ok', alerts: (req.body as { alerts: unknown[] }).alerts.length });
  });
  const srv = app.listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  try {
    return await load(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/webhook`);
  } finally {
    srv.close();
  }
}

async function redis(): Promise<{ url: string; stop: () => void }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 400));
  return { url: `redis://127.0.0.1:${port}`, stop: () => p.kill('SIGTERM') };
}

async function startScaler(store: 'sqlite' | 'redis') {
  const r = store === 'redis' ? await redis() : null;
  const serve = await startServeChild(1, {
    extra: r
      ? {
          scaler: {
            store: { type: 'redis', url: r.url },
            actuator: { type: 'dry-run' },
            token_env: 'HEADROOM_WEBHOOK_TOKEN',
          },
        }
      : {},
    logLevel: 'info',
    nodeArgs: process.env.HEADROOM_BENCH_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HEADROOM_BENCH_PROF}`]
      : [],
  });
  return {
    url: `${serve.url}/webhook`,
    stop: async () => {
      await serve.stop();
      r?.stop();
    },
  };
}

const ROUNDS = 3;

export async function run(): Promise<Figure[]> {
  const targets = { sqlite: await startScaler('sqlite'), redis: await startScaler('redis') };
  const runs: Record<'floor' | 'sqlite' | 'redis', Load[]> = { floor: [], sqlite: [], redis: [] };
  try {
    // Interleaved rounds, so the load of a shared machine hits floor and scaler alike; medians reported.
    for (let i = 0; i < ROUNDS; i++) {
      runs.floor.push(await floor());
      runs.sqlite.push(await load(targets.sqlite.url));
      runs.redis.push(await load(targets.redis.url));
    }
  } finally {
    await targets.sqlite.stop();
    await targets.redis.stop();
  }
  const med = (k: keyof typeof runs, f: keyof Load) => median(runs[k].map((l) => l[f]));
  const f = med('floor', 'rps');
  const figures: Figure[] = [
    {
      name: `webhook: floor, bare express JSON handler (median of ${ROUNDS} × ${DURATION_S} s)`,
      value: f,
      unit: 'req/s',
    },
    { name: 'webhook: floor p99', value: med('floor', 'p99'), unit: 'ms' },
  ];
  for (const store of ['sqlite', 'redis'] as const) {
    const rps = med(store, 'rps');
    const p99 = med(store, 'p99');
    const non2xx = Math.max(...runs[store].map((l) => l.non2xx));
    figures.push(
      {
        name: `webhook: scaler with ${store} store`,
        value: rps,
        unit: 'req/s',
        floor: f,
        ratio: rps / f,
        ...(store === 'sqlite' ? { goal: '≥ 0.5×', met: rps / f >= 0.5 } : {}),
      },
      { name: `webhook: scaler with ${store} store, p50`, value: med(store, 'p50'), unit: 'ms' },
      { name: `webhook: scaler with ${store} store, p99`, value: p99, unit: 'ms', goal: '< 20 ms', met: p99 < 20 },
      {
        name: `webhook: scaler with ${store} store, non-2xx answers`,
        value: non2xx,
        unit: 'responses',
        goal: '0',
        met: non2xx === 0,
      }
    );
  }
  return figures;
}
