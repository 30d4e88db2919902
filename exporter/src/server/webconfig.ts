import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import type { RequestHandler } from 'express';
import yaml from 'js-yaml';
import { z } from 'zod';
import { ConfigError, formatPath } from '../config/load.js';

/**
 * `--web.config.file` in the format of the Prometheus exporter-toolkit
 * (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md):
 * TLS certificate and key, and basic-auth users with bcrypt-hashed passwords. Only these keys are
 * supported; any other (client certificates, TLS versions, headers) is refused rather than ignored,
 * so a security setting is never silently dropped.
 */
const webConfigSchema = z.strictObject({
  tls_server_config: z.strictObject({ cert_file: z.string().min(1), key_file: z.string().min(1) }).optional(),
  basic_auth_users: z
    .record(
      z.string().min(1),
      z.string().regex(/^\$2[aby]\$\d\d\$/, { error: 'expected a bcrypt hash ($2a$, $2b$ or $2y$)' })
    )
    .optional(),
});

export interface WebConfig {
  tls?: { cert: Buffer; key: Buffer };
  /** user → bcrypt hash */
  users?: Record<string, string>;
}

export function loadWebConfig(file: string): WebConfig {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(file, 'utf8')) ?? {};
  } catch (e) {
    throw new ConfigError(file, [
      `${file}: cannot read the web config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    ]);
  }
  const r = webConfigSchema.safeParse(doc);
  if (!r.success)
    throw new ConfigError(
      file,
      r.error.issues.map((i) => `${file}: ${formatPath(i.path)}: ${i.message}`)
    );
  const out: WebConfig = {};
  const dir = path.dirname(file);
  if (r.data.tls_server_config) {
    // exporter-toolkit resolves relative paths against the web config file's directory.
    const read = (key: 'cert_file' | 'key_file') => {
      const p = path.resolve(dir, r.data.tls_server_config![key]);
      try {
        return readFileSync(p);
      } catch (e) {
        throw new ConfigError(file, [
          `${file}: tls_server_config.${key}: cannot read ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        ]);
      }
    };
    out.tls = { cert: read('cert_file'), key: read('key_file') };
  }
  if (r.data.basic_auth_users && Object.keys(r.data.basic_auth_users).length > 0) out.users = r.data.basic_auth_users;
  return out;
}

/**
 * Basic auth against bcrypt hashes. bcrypt is slow on purpose (~100 ms at cost 10), so verified
 * credentials are remembered by their SHA-256, as exporter-toolkit caches them; failures are not.
 * `skip` lists paths with their own authentication (the webhook's bearer token).
 */
export function basicAuth(users: Record<string, string>, skip: readonly string[] = []): RequestHandler {
  const verified = new Set<string>();
  const MAX_CACHE = 1024;
  return (req, res, next) => {
    if (skip.includes(req.path)) return next();
    const refuse = () => {
      res.set('WWW-Authenticate', 'Basic realm="headroom"').status(401).type('text/plain').send('Unauthorized\n');
    };
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    if (!m) return refuse();
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return refuse();
    const user = decoded.slice(0, colon);
    const hash = Object.hasOwn(users, user) ? users[user] : undefined;
    if (hash === undefined) return refuse();
    const key = createHash('sha256').update(`${hash}\0${decoded}`).digest('hex');
    if (verified.has(key)) return next();
    bcrypt.compare(decoded.slice(colon + 1), hash).then(
      (ok) => {
        if (!ok) return refuse();
        if (verified.size >= MAX_CACHE) verified.clear();
        verified.add(key);
        next();
      },
      (e: unknown) => next(e)
    );
  };
}
