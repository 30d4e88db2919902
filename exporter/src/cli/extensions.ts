import type { Command } from 'commander';
import type { Io } from './common.js';

/**
 * Commands that live in their own modules: serve, rules, backtest. Each module exports
 * `register(program, io, clock)`; add one line here per command.
 */
export async function registerExtensions(_program: Command, _io: Io, _clock: () => number): Promise<void> {}
