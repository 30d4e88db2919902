import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Policy } from '../config/schema.js';

/** A token source that is named but yields no token: a configuration error, never "no authentication". */
export class TokenSourceError extends Error {}

/**
 * The webhook's bearer token: `scaler.token_file` (trimmed), else the environment variable named by
 * `scaler.token_env`. Null only when neither is configured. A named source that is unreadable,
 * unset or empty throws TokenSourceError: a configured but missing secret must never silently
 * disable authentication (README "Scaler safety").
 */
export function resolveWebhookToken(scaler: Policy['scaler'], env: NodeJS.ProcessEnv = process.env): string | null {
  if (scaler.token_file) {
    let text: string;
    try {
      text = readFileSync(scaler.token_file, 'utf8').trim();
    } catch (e) {
      throw new TokenSourceError(`scaler.token_file: cannot read ${scaler.token_file} (${(e as Error).message})`);
    }
    if (!text)
      throw new TokenSourceError(
        `scaler.token_file: ${scaler.token_file} is empty (expected the webhook's bearer token)`
      );
    return text;
  }
  if (scaler.token_env) {
    const v = env[scaler.token_env]?.trim();
    if (!v)
      throw new TokenSourceError(
        `scaler.token_env: the environment variable ${scaler.token_env} is ${env[scaler.token_env] === undefined ? 'unset' : 'empty'} (expected the webhook's bearer token)`
      );
    return v;
  }
  return null;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison: both sides are hashed to equal-length digests first. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

export class InsecureListenError extends Error {}

/**
 * Refuses to serve the webhook on a non-loopback address without a token (anyone who can reach it
 * could scale the fleet), unless explicitly allowed. `address` is "host:port", "[v6]:port", ":port"
 * or a bare host; an empty host (":9778", "0.0.0.0") means every interface.
 */
export function assertSafeListen(address: string, hasToken: boolean, allowInsecure = false): void {
  if (hasToken || allowInsecure) return;
  const m = /^(?:\[([^\]]*)\]|([^:]*))(?::\d+)?$/.exec(address.trim());
  const host = m ? (m[1] ?? m[2] ?? '') : address;
  if (host !== '' && isLoopback(host)) return;
  throw new InsecureListenError(
    `refusing to serve the scaling webhook on ${address} without a token: set scaler.token_file or scaler.token_env, listen on 127.0.0.1, or pass the explicit insecure override`
  );
}
