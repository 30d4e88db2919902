/**
 * The scaler as it runs in production: `headroom serve` (startServe) with the policy written to a
 * file, the production app and router, one /api/v1/decisions. Tests inject the clock, the source,
 * the token environment and, per service, an actuator.
 */
import yaml from 'js-yaml';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Policy } from '../../src/config/schema.js';
import type { Actuator } from '../../src/scaler/actuators.js';
import { createScaler, type Scaler } from '../../src/scaler/index.js';
import { startServe, type ServeHandle } from '../../src/server/index.js';
import type { Source } from '../../src/sources/source.js';
import { tempDir } from '../support/processes.js';
import { fixtureClock } from './support.js';

export interface ScalerServerOptions {
  policy: Policy;
  /** host:port; 127.0.0.1:0 by default. */
  listen?: string;
  logger?: Logger;
  /** Unix seconds; by default fixtureClock() (the fixtures' alerts are of 2026-11-27). */
  clock?: () => number;
  source?: Source;
  env?: NodeJS.ProcessEnv;
  actuators?: Record<string, Actuator>;
  allowInsecure?: boolean;
  enableLifecycle?: boolean;
}

export interface ScalerServer {
  url: string;
  port: number;
  scaler: Scaler;
  registry: Registry;
  serve: ServeHandle;
  /** The policy file (rewrite it and call serve.reload()). */
  configFile: string;
  close(): Promise<void>;
}

/** Writes a validated policy back as YAML (durations are seconds, which the schema accepts). */
export function writePolicyFile(dir: string, policy: Policy, name = 'headroom.yml'): string {
  const file = path.join(dir, name);
  writeFileSync(file, yaml.dump(JSON.parse(JSON.stringify(policy))));
  return file;
}

export async function startScalerServer(o: ScalerServerOptions): Promise<ScalerServer> {
  const dir = tempDir('scaler-app');
  const configFile = writePolicyFile(dir, o.policy);
  let scaler: Scaler | undefined;
  const serve = await startServe({
    configFile,
    listen: o.listen ?? '127.0.0.1:0',
    logger: o.logger ?? pino({ level: 'silent' }),
    version: 'test',
    clock: o.clock ?? fixtureClock(),
    env: o.env,
    source: o.source,
    allowInsecureWebhook: o.allowInsecure,
    enableLifecycle: o.enableLifecycle,
    scalerFactory: async (opts) => (scaler = await createScaler({ ...opts, actuators: o.actuators })),
  }).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  return {
    url: serve.url,
    port: serve.port,
    scaler: scaler!,
    registry: serve.metrics.registry,
    serve,
    configFile,
    async close() {
      await serve.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
