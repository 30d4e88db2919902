/**
 * The webhook router: authentication, content type, body limit, parsing, and errors → status.
 * It decides nothing; `handle` (the intent engine) gets a parsed notification.
 */
import express, { type Request, type Response, type Router } from 'express';
import { bearerToken, tokenMatches } from './auth.js';
import type { Observer } from './observer.js';
import { PayloadError, parsePayload, type ParsedNotification } from './payload.js';
import type { AlertOutcome } from './types.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

export interface RouterDeps {
  /** The bearer token requests must carry (null: no token, allowed only on loopback by assertSafeListen). */
  token: () => string | null;
  bodyLimit: () => number;
  handle: (n: ParsedNotification) => Promise<AlertOutcome[]>;
  observer: Observer;
}

/** Reads the body within the limit: 413 past it, without buffering more than the limit. */
function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = () => new HttpError(413, `body: larger than the limit of ${limit} bytes (scaler.body_limit_bytes)`);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => reject(new HttpError(400, `body: ${e.message}`)));
  });
}

function authenticate(req: Request, token: string | null): void {
  if (token === null) return;
  const presented = bearerToken(req.headers.authorization);
  if (presented === null) {
    throw new HttpError(
      401,
      req.headers.authorization
        ? 'authorization: expected "Bearer <token>"'
        : 'authorization: missing (expected "Authorization: Bearer <token>")'
    );
  }
  if (!tokenMatches(presented, token)) throw new HttpError(401, 'authorization: invalid bearer token');
}

function checkContentType(ct: string | undefined): void {
  if (!ct) throw new HttpError(415, 'content-type: missing (expected application/json)');
  if (!/^application\/json\s*(;.*)?$/i.test(ct))
    throw new HttpError(415, `content-type: expected application/json, got "${ct}"`);
}

/**
 * 200 when every alert was handled; 503 (with Retry-After) when an alert waits for another intent
 * of its service; 502 when an actuator failed. Alertmanager retries both 5xx, never a 4xx.
 */
function answer(res: Response, n: ParsedNotification, results: AlertOutcome[]): void {
  const failed = results.filter((r) => r.retry);
  const body = { status: failed.length ? 'error' : 'ok', kind: n.kind, truncatedAlerts: n.truncatedAlerts, results };
  if (!failed.length) {
    res.status(200).json(body);
    return;
  }
  const error = failed.map((f) => `${f.service}: ${f.message}`).join('; ');
  if (failed.every((f) => f.blocked_by?.includes('in_flight')))
    res
      .setHeader('Retry-After', '1')
      .status(503)
      .json({ ...body, error });
  else res.status(502).json({ ...body, error });
}

export function webhookRouter(d: RouterDeps): Router {
  async function webhook(req: Request, res: Response): Promise<void> {
    res.on('finish', () => d.observer.answered(res.statusCode));
    try {
      authenticate(req, d.token());
      checkContentType(req.headers['content-type']);
      // Another body parser mounted before the router may have consumed the stream already.
      const raw = req.readableEnded && req.body !== undefined ? req.body : await readBody(req, d.bodyLimit());
      const notification = parsePayload(raw);
      answer(res, notification, await d.handle(notification));
    } catch (e) {
      const status = e instanceof HttpError || e instanceof PayloadError ? e.status : 500;
      const message = status === 500 ? `internal error: ${(e as Error).message}` : (e as Error).message;
      if (status === 500) d.observer.logger.error({ err: e }, 'scaler: webhook failed');
      if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="headroom"');
      if (status === 413) res.setHeader('Connection', 'close');
      d.observer.rejected(status, message, req.socket.remoteAddress);
      res.status(status).json({ status: 'error', error: message });
    }
  }
  const router = express.Router();
  router.post('/webhook', (req, res) => void webhook(req, res));
  router.all('/webhook', (_req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).json({ status: 'error', error: 'method: expected POST' });
  });
  return router;
}
