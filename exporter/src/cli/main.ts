import type { Io } from './common.js';
import { commandOf, COMMANDS } from './commands.js';
import { VERSION } from './version.js';

const defaultIo: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 bad input). */
export async function main(
  argv: string[],
  io: Io = defaultIo,
  clock: () => number = () => Date.now() / 1000
): Promise<number> {
  // The one answer that needs no command: printed before commander and the commands are loaded.
  if (argv.length === 3 && ['-V', '--version'].includes(argv[2])) {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const { Command, CommanderError } = await import('commander');
  const program = new Command('headroom')
    .description('Capacity planning and safe alert-driven scaling for Prometheus and Grafana')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  // Only the named command is loaded; help, errors and a bare `headroom` need them all.
  const named = commandOf(argv);
  for (const name of named ? [named] : Object.keys(COMMANDS)) (await COMMANDS[name]())(program, io, clock);
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
    // Loaded here: it pulls in the policy loader (zod), which --version should not pay for.
    return (await import('./common.js')).reportError(e, io.stderr);
  }
}
