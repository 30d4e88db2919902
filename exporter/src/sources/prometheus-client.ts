import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import type { AuthConfig, PrometheusConfig } from '../config/schema.js';
import type { Point } from '../model/forecast.js';

/** A scalar from an instant query, or why there is none. Never a substituted default. */
export type ScalarResult = { ok: true; value: number; labels: Record<string, string> } | { ok: false; reason: string };
/** One series of an instant result: its labels and the sample's value as Prometheus wrote it ("NaN", "+Inf"…). */
export interface InstantSample {
  labels: Record<string, string>;
  value: string;
}
export type InstantResult = { ok: true; scalar: boolean; series: InstantSample[] } | { ok: false; reason: string };
/** A loaded recording rule: the series it records, its labels, and how often its group evaluates (seconds). */
export interface LoadedRule {
  name: string;
  labels: Record<string, string>;
  intervalSeconds: number;
}
export type RangeResult =
  { ok: true; series: { labels: Record<string, string>; points: Point[] }[] } | { ok: false; reason: string };

export interface PrometheusClientOptions {
  url: string;
  timeoutSeconds: number;
  concurrency: number;
  auth?: AuthConfig;
  /** Extra request headers (Mimir/Cortex `X-Scope-OrgID`, a proxy's key). */
  headers?: Record<string, string>;
  tls?: TlsConfig;
  /** Injected for tests; defaults to global fetch (or undici's with the TLS settings). */
  fetchImpl?: typeof fetch;
}

export type TlsConfig = NonNullable<PrometheusConfig['tls_config']>;

function readTlsFile(field: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(
      `tls_config.${field}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`
    );
  }
}

/** fetch through a connection pool with the CA bundle, client certificate and server name of `tls`. */
export function tlsFetch(tls: TlsConfig): typeof fetch {
  const dispatcher = new Agent({
    connect: {
      ca: readTlsFile('ca_file', tls.ca_file),
      cert: readTlsFile('cert_file', tls.cert_file),
      key: readTlsFile('key_file', tls.key_file),
      servername: tls.server_name,
      rejectUnauthorized: !tls.insecure_skip_verify,
    },
  });
  return ((url: string, init?: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

/** Client options of a `prometheus` (or `history_source`) block of the policy. */
export function clientOptions(config: PrometheusConfig, fetchImpl?: typeof fetch): PrometheusClientOptions {
  return {
    url: config.url,
    timeoutSeconds: config.timeout,
    concurrency: config.concurrency,
    auth: config.auth,
    headers: config.headers,
    tls: config.tls_config,
    fetchImpl,
  };
}

/** A small semaphore: at most `n` queries in flight against Prometheus. */
class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly n: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export function authHeader(auth: AuthConfig | undefined): string | undefined {
  if (!auth) return undefined;
  if (auth.type === 'bearer') {
    const token = auth.credentials ?? (auth.credentials_file ? readFileSync(auth.credentials_file, 'utf8').trim() : '');
    return `Bearer ${token}`;
  }
  const password = auth.password ?? (auth.password_file ? readFileSync(auth.password_file, 'utf8').trim() : '');
  return `Basic ${Buffer.from(`${auth.username}:${password}`).toString('base64')}`;
}

/**
 * Exactly one finite sample of an instant result, or why not (no series, several, NaN or Inf): the
 * one reading of "a value" that a single query and a member of a batch share.
 */
export function toScalar(r: InstantResult, several = 'aggregate the query, e.g. with sum or avg'): ScalarResult {
  if (!r.ok) return r;
  if (r.series.length === 0) return { ok: false, reason: 'no series (empty result)' };
  if (r.series.length > 1) return { ok: false, reason: `${r.series.length} series, expected exactly one (${several})` };
  const { value: raw, labels } = r.series[0];
  const value = Number(raw);
  if (!Number.isFinite(value)) return { ok: false, reason: `value is ${raw}` };
  return { ok: true, value, labels };
}

/** HTTP requests this process sent to Prometheus-compatible APIs, by endpoint (headroom_prometheus_queries_total). */
export const QUERIES_SENT = new Map<string, number>();

interface ApiResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

/** Prometheus HTTP API client (https://prometheus.io/docs/prometheus/latest/querying/api/). */
export class PrometheusClient {
  private readonly limiter: Limiter;
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;
  private readonly authorization: string | undefined;

  constructor(private readonly opts: PrometheusClientOptions) {
    this.limiter = new Limiter(opts.concurrency);
    this.fetchImpl = opts.fetchImpl ?? (opts.tls ? tlsFetch(opts.tls) : fetch);
    this.base = opts.url.replace(/\/+$/, '');
    this.authorization = authHeader(opts.auth);
  }

  /** When this Prometheus started (GET /api/v1/status/runtimeinfo, unix seconds); null when it cannot say (VictoriaMetrics has no such endpoint). */
  async startTime(): Promise<number | null> {
    const r = await this.call('/api/v1/status/runtimeinfo', {}, 'GET');
    const t = r.ok ? Date.parse(String((r.data as unknown as { startTime?: string }).startTime)) : NaN;
    return Number.isFinite(t) ? t / 1000 : null;
  }

  /** The recording rules loaded now (GET /api/v1/rules?type=record): name, labels and its group's evaluation interval. */
  async recordingRules(): Promise<{ ok: true; rules: LoadedRule[] } | { ok: false; reason: string }> {
    const r = await this.call('/api/v1/rules', { type: 'record' }, 'GET');
    if (!r.ok) return r;
    type Group = { interval?: unknown; rules?: { name?: unknown; labels?: unknown }[] };
    const groups = (r.data as unknown as { groups?: Group[] }).groups;
    if (!Array.isArray(groups)) return { ok: false, reason: 'rules response without groups' };
    const rules = groups.flatMap((g) =>
      (Array.isArray(g.rules) ? g.rules : []).flatMap((x) =>
        typeof x.name === 'string' && typeof g.interval === 'number' && g.interval > 0
          ? [{ name: x.name, labels: (x.labels ?? {}) as Record<string, string>, intervalSeconds: g.interval }]
          : []
      )
    );
    return { ok: true, rules };
  }

  private async call(
    path: string,
    params: Record<string, string>,
    method: 'GET' | 'POST' = 'POST'
  ): Promise<{ ok: true; data: NonNullable<ApiResponse['data']> } | { ok: false; reason: string }> {
    return this.limiter.run(async () => {
      const endpoint = path.slice(path.lastIndexOf('/') + 1);
      QUERIES_SENT.set(endpoint, (QUERIES_SENT.get(endpoint) ?? 0) + 1);
      const headers: Record<string, string> = {
        ...this.opts.headers,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      };
      if (this.authorization) headers.authorization = this.authorization;
      let res: Response;
      try {
        const query = method === 'GET' && Object.keys(params).length ? `?${new URLSearchParams(params)}` : '';
        res = await this.fetchImpl(`${this.base}${path}${query}`, {
          method,
          headers,
          body: method === 'POST' ? new URLSearchParams(params).toString() : undefined,
          signal: AbortSignal.timeout(this.opts.timeoutSeconds * 1000),
        });
      } catch (e) {
        const err = e as Error;
        if (err.name === 'TimeoutError' || err.name === 'AbortError')
          return { ok: false, reason: `timeout after ${this.opts.timeoutSeconds}s` };
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        return { ok: false, reason: `request failed: ${cause?.code ?? cause?.message ?? err.message}` };
      }
      let body: ApiResponse;
      try {
        body = (await res.json()) as ApiResponse;
      } catch {
        return { ok: false, reason: `HTTP ${res.status}: response is not JSON` };
      }
      if (body.status !== 'success' || !body.data)
        return {
          ok: false,
          reason: `HTTP ${res.status}: ${body.errorType ?? 'error'}: ${body.error ?? 'unknown error'}`,
        };
      return { ok: true, data: body.data };
    });
  }

  /** An instant query that must yield exactly one finite sample. */
  async scalar(query: string, time?: number): Promise<ScalarResult> {
    return toScalar(await this.instant(query, time));
  }

  /** An instant query's result as returned: a vector's series, or a scalar (as one series without labels). */
  async instant(query: string, time?: number): Promise<InstantResult> {
    const params: Record<string, string> = { query };
    if (time !== undefined) params.time = String(time);
    const r = await this.call('/api/v1/query', params);
    if (!r.ok) return r;
    const { resultType, result } = r.data;
    if (resultType === 'scalar')
      return { ok: true, scalar: true, series: [{ labels: {}, value: (result as [number, string])[1] }] };
    if (resultType !== 'vector') return { ok: false, reason: `result type ${resultType}, expected a vector or scalar` };
    const v = result as { metric: Record<string, string>; value: [number, string] }[];
    return { ok: true, scalar: false, series: v.map((x) => ({ labels: x.metric, value: x.value[1] })) };
  }

  /** A range query; series and points as returned (NaN and Inf samples dropped). */
  async range(query: string, start: number, end: number, step: number): Promise<RangeResult> {
    const r = await this.call('/api/v1/query_range', {
      query,
      start: String(start),
      end: String(end),
      step: String(step),
    });
    return r.ok ? matrixOf(r.data) : r;
  }

  /** An instant query whose result is a range vector (a subquery, `(expr)[900s:60s]`): each series' points, as range(). */
  async matrix(query: string, time: number): Promise<RangeResult> {
    const r = await this.call('/api/v1/query', { query, time: String(time) });
    return r.ok ? matrixOf(r.data) : r;
  }
}

/** The series of a matrix answer with their points (NaN and Inf samples dropped). */
function matrixOf(data: NonNullable<ApiResponse['data']>): RangeResult {
  if (data.resultType !== 'matrix') return { ok: false, reason: `result type ${data.resultType}, expected a matrix` };
  const m = data.result as { metric: Record<string, string>; values: [number, string][] }[];
  return {
    ok: true,
    series: m.map((s) => ({
      labels: s.metric,
      points: s.values.map(([t, v]) => ({ t, v: Number(v) })).filter((p) => Number.isFinite(p.v)),
    })),
  };
}
