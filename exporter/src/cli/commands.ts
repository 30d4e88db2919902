/**
 * The one registry of `headroom` commands: name → the module that registers it. A module is loaded
 * only when its command runs (or for `--help`), so `headroom --version` and every single command
 * start without importing the rest (express, prom-client, the model…).
 */
import type { Command } from 'commander';
import type { Io } from './common.js';

export type Register = (program: Command, io: Io, clock: () => number) => void;

export const COMMANDS: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./serve.js')).register,
  plan: async () => (await import('./plan.js')).registerPlan,
  check: async () => (await import('./check.js')).registerCheck,
  rules: async () => (await import('./rules.js')).registerRules,
  dashboards: async () => (await import('./dashboards.js')).register,
  backtest: async () => (await import('./backtest.js')).registerBacktest,
  forecast: async () => (await import('./forecast.js')).registerForecast,
  schema: async () => (await import('./schema.js')).registerSchema,
  'metrics-doc': async () => (await import('./metrics-doc.js')).register,
  loadtest: async () => (await import('./loadtest.js')).register,
};

/** The command an argument vector names (its first operand), if it is one of ours. */
export function commandOf(argv: readonly string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}
