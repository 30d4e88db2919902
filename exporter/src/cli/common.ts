import type { Command } from 'commander';
import { ConfigError, loadPolicy } from '../config/load.js';
import { parseDuration, type Policy } from '../config/schema.js';
import path from 'node:path';
import { staleGenerated, writeGenerated, type StaleFile } from '../generated.js';

/** Bad command-line input: printed without a stack, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** A failure whose message says everything (a port in use): printed without a stack, exit code 1. */
export class RunError extends Error {
  readonly exitCode = 1;
}

export const DEFAULT_CONFIG = 'headroom.yml';

/**
 * The policy file flag, in the Prometheus style: `--config.file <file>`, with the short forms `-c`
 * and `--config` kept. Read it with `policyFile(opts)`.
 */
export function addConfigOption(cmd: Command, description = 'policy file'): Command {
  return cmd
    .option('-c, --config.file <file>', description, DEFAULT_CONFIG)
    .option('--config <file>', 'same as --config.file');
}

export const policyFile = (opts: { 'config.file'?: string; config?: string }): string =>
  opts.config ?? opts['config.file'] ?? DEFAULT_CONFIG;

/** "now", "now-30d", an ISO 8601 time or unix seconds. */
export function parseRelativeTime(flag: string, v: string, clock: () => number): number {
  const rel = /^now(?:-(.+))?$/.exec(v.trim());
  if (rel) {
    const back = rel[1] === undefined ? 0 : parseDuration(rel[1]);
    if (back === undefined) throw new UsageError(`${flag}: expected "now-<duration>" such as now-30d, got "${v}"`);
    return Math.floor(clock() - back);
  }
  return parseTime(flag, v);
}

export function parseTime(flag: string, v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`${flag}: expected an ISO 8601 time or unix seconds, got "${v}"`);
  return t / 1000;
}

export function readPolicy(file: string | undefined): Policy {
  return loadPolicy(file ?? DEFAULT_CONFIG);
}

export type Format = 'text' | 'json';
export function parseFormat(v: string, allowed: readonly string[] = ['text', 'json']): string {
  if (!allowed.includes(v)) throw new UsageError(`--format: expected one of ${allowed.join(', ')}, got "${v}"`);
  return v;
}

export function parsePositiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer, got "${v}"`);
  return n;
}

/** Exit code for an error thrown by a command: 2 for bad input, 1 otherwise. */
export function reportError(e: unknown, stderr: (s: string) => void): number {
  // A ConfigError named after a flag ("--listen") is bad command-line input, not a bad policy.
  if (e instanceof ConfigError && e.file.startsWith('-')) {
    stderr(e.problems.map((p) => `headroom: ${p}\n`).join(''));
    return 2;
  }
  if (e instanceof ConfigError) {
    stderr(`headroom: invalid policy ${e.file}:\n${e.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 2;
  }
  if (e instanceof UsageError || e instanceof RunError) {
    stderr(`headroom: ${e.message}\n`);
    return e.exitCode;
  }
  stderr(`headroom: ${(e as Error).stack ?? String(e)}\n`);
  return 1;
}

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export function parseUrl(flag: string, v: string): string {
  try {
    const u = new URL(v);
    if (u.protocol === 'http:' || u.protocol === 'https:') return v;
  } catch {
    // reported below
  }
  throw new UsageError(`${flag}: expected an http(s) URL such as http://127.0.0.1:9778/webhook, got "${v}"`);
}

/**
 * `--check` of a generating command: names each stale file with its first difference and sets exit
 * code 1; returns whether anything was stale.
 */
export function reportStale(io: Io, stale: StaleFile[], command: string, regenerate: string): boolean {
  for (const s of stale) io.stderr(`${s.file}: differs from the output of \`headroom ${command}\` (${s.diff})\n`);
  if (stale.length === 0) return false;
  io.stderr(
    `headroom: ${stale.length} generated file${stale.length === 1 ? '' : 's'} out of date; run \`${regenerate}\`\n`
  );
  process.exitCode = 1;
  return true;
}

/**
 * Output of a command that generates one file (`schema`, `metrics-doc`): stdout without `--out`;
 * with `--out`, write it, or with `--check` compare it and report what is stale.
 */
export function emitGeneratedFile(
  io: Io,
  command: string,
  text: string,
  opts: { out?: string; check?: boolean }
): void {
  if (!opts.out) {
    if (opts.check) throw new UsageError('--check: needs --out <file>, the file to compare');
    io.stdout(text);
    return;
  }
  const files = { [path.basename(opts.out)]: text };
  if (!opts.check) {
    writeGenerated(path.dirname(opts.out), files);
    return;
  }
  if (
    !reportStale(
      io,
      staleGenerated(path.dirname(opts.out), files),
      command,
      `npx headroom ${command} --out ${opts.out}`
    )
  )
    io.stdout(`${opts.out}: up to date\n`);
}
