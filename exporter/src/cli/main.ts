import { Command, CommanderError } from 'commander';
import { registerCheck } from './check.js';
import { registerForecast } from './forecast.js';
import { registerPlan } from './plan.js';
import { registerSchema } from './schema.js';
import { reportError, type Io } from './common.js';
import { registerExtensions } from './extensions.js';

export const VERSION = '0.1.0';

const defaultIo: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 bad input). */
export async function main(argv: string[], io: Io = defaultIo, clock: () => number = () => Date.now() / 1000): Promise<number> {
  const program = new Command('headroom')
    .description('Capacity planning and safe alert-driven scaling for Prometheus and Grafana')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerCheck(program, io);
  registerPlan(program, io, clock);
  registerForecast(program, io);
  registerSchema(program, io);
  await registerExtensions(program, io, clock);
  // Commands report a non-zero outcome through process.exitCode; read it and reset it so that
  // in-process runs (tests) do not leak one run's code into the next.
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return reportError(e, io.stderr);
  }
}
