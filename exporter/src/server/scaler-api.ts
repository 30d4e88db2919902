import type { Router } from 'express';
import type { Policy } from '../config/schema.js';
import type { DecisionState } from '../model/decision.js';
import { createScaler, type ScalerOptions } from '../scaler/index.js';
import type { SpendStore } from '../sources/spend.js';

export type { ScalerOptions };

/**
 * What the exporter uses of the webhook scaler's in-process API (docs/CONTRACTS.md, "In-process
 * API"). Recorded decisions are passed through to /api/v1/decisions as the scaler returns them.
 */
export interface ScalerApi {
  router: Router;
  state(service: string): Promise<DecisionState>;
  listDecisions(q: {
    service?: string;
    limit?: number;
    before?: string;
  }): Promise<{ items: unknown[]; next: string | null }>;
  /** Throws, keeping the previous policy, when the new one cannot be applied (its token source yields no token). */
  updatePolicy(policy: Policy): void;
  close(): Promise<void>;
  /** Whether webhook requests must carry the bearer token. */
  readonly authEnabled: boolean;
  /** Replaces the source after a reload changed it. */
  setSource?(source: ScalerOptions['source']): void;
  /** Where the source keeps its month-to-date spend integrals across restarts (the scaler's state store). */
  readonly spendStore?: SpendStore;
}

export type ScalerFactory = (opts: ScalerOptions) => Promise<ScalerApi>;

export const defaultScalerFactory: ScalerFactory = (opts) => createScaler(opts);
