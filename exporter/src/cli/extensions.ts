import type { Command } from 'commander';
import type { Io } from './common.js';
import { registerBacktest } from './backtest.js';

/**
 * Commands that live in their own modules: serve, rules, backtest. Each module exports
 * `register(program, io, clock)`; add one line here per command.
 */
export async function registerExtensions(program: Command, io: Io, clock: () => number): Promise<void> {
  registerBacktest(program, io, clock);
  (await import('./serve.js')).register(program, io, clock);
  (await import('./metrics-doc.js')).register(program, io);
  (await import('./rules.js')).registerRules(program, io);
  (await import('../provisioning/cli.js')).register(program, io);
  (await import('./loadtest.js')).register(program, io);
}
