import { ConfigError, loadPolicy } from '../config/load.js';
import type { Policy } from '../config/schema.js';
import type { StaleFile } from '../generated.js';

/** Bad command-line input: printed without a stack, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export const DEFAULT_CONFIG = 'headroom.yml';

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
  if (e instanceof ConfigError) {
    stderr(`headroom: invalid policy ${e.file}:\n${e.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 2;
  }
  if (e instanceof UsageError) {
    stderr(`headroom: ${e.message}\n`);
    return 2;
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
  io.stderr(`headroom: ${stale.length} generated file${stale.length === 1 ? '' : 's'} out of date; run \`${regenerate}\`\n`);
  process.exitCode = 1;
  return true;
}
