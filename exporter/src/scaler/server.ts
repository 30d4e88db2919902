/**
 * A standalone HTTP server around the scaler (tests, and replicas started without the exporter).
 * `headroom serve` mounts the same router next to /metrics.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Policy } from '../config/schema.js';
import type { Source } from '../sources/source.js';
import type { Actuator } from './actuators.js';
import { assertSafeListen, createScaler, type Scaler } from './index.js';

export interface ScalerServerOptions {
  policy: Policy;
  host?: string;
  port?: number;
  logger?: Logger;
  registry?: Registry;
  clock?: () => number;
  source?: Source;
  env?: NodeJS.ProcessEnv;
  actuators?: Record<string, Actuator>;
  allowInsecure?: boolean;
}

export interface ScalerServer {
  url: string;
  port: number;
  scaler: Scaler;
  registry: Registry;
  close(): Promise<void>;
}

export async function startScalerServer(o: ScalerServerOptions): Promise<ScalerServer> {
  const host = o.host ?? '127.0.0.1';
  const registry = o.registry ?? new Registry();
  const logger = o.logger ?? pino({ level: 'silent' });
  const scaler = await createScaler({ policy: o.policy, logger, registry, clock: o.clock, source: o.source, env: o.env, actuators: o.actuators });
  try {
    assertSafeListen(`${host}:${o.port ?? 0}`, scaler.authEnabled, o.allowInsecure);
  } catch (e) {
    await scaler.close();
    throw e;
  }
  const app = express();
  app.disable('x-powered-by');
  app.use(scaler.router);
  // `headroom serve` has its own /api/v1/decisions (live and recorded); this is the recorded part.
  app.get('/api/v1/decisions', async (req, res) => {
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const limitText = str(req.query.limit);
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      res.status(400).json({ status: 'error', error: `limit: expected a positive integer, got "${limitText}"` });
      return;
    }
    try {
      res.json(await scaler.listDecisions({ service: str(req.query.service), limit, before: str(req.query.before) }));
    } catch (e) {
      res.status(e instanceof RangeError ? 400 : 500).json({ status: 'error', error: (e as Error).message });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(o.port ?? 0, host, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    scaler,
    registry,
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await scaler.close();
    },
  };
}
