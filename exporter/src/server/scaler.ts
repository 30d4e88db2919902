import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Policy } from '../config/schema.js';
import type { DecisionState } from '../model/decision.js';
import type { Source } from '../sources/source.js';

/**
 * The in-process API of the webhook scaler (docs/CONTRACTS.md, "In-process API"), as the exporter
 * uses it. Recorded decisions are passed through to /api/v1/decisions as the scaler returns them.
 */
export interface ScalerApi {
  router: Router;
  state(service: string): Promise<DecisionState>;
  listDecisions(q: { service?: string; limit?: number; before?: string }): Promise<{ items: unknown[]; next: string | null }>;
  updatePolicy(policy: Policy): void;
  close(): Promise<void>;
}

export interface ScalerOptions {
  policy: Policy;
  logger: Logger;
  registry: Registry;
  clock?: () => number;
  source?: Source;
}

export type ScalerFactory = (opts: ScalerOptions) => Promise<ScalerApi>;

/**
 * The scaler module (src/scaler/index.ts), or null while it is not part of the build. Loaded by a
 * computed specifier so the exporter compiles and runs without it.
 */
export async function loadScalerFactory(): Promise<ScalerFactory | null> {
  const specifier = ['..', 'scaler', 'index.js'].join('/');
  try {
    const mod = (await import(specifier)) as { createScaler?: ScalerFactory };
    return mod.createScaler ?? null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url/.test((e as Error).message)) return null;
    throw e;
  }
}
