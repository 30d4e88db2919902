/**
 * Actuators set an absolute instance count (never "+1", so repeating a call is harmless) and read
 * the current count where they can. Each call has a timeout; any 2xx (or exit code 0) is success.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import yaml from 'js-yaml';
import type { ActuatorConfig } from '../config/schema.js';
import { authHeader } from '../sources/prometheus-client.js';
import { ConfiguredActuator } from './actuator-base.js';
import { HpaActuator } from './actuator-hpa.js';
import { kubeCall, type KubeConnection } from './kube-call.js';

export interface ActuationContext {
  service: string;
  trigger: string;
  action: 'scale_out' | 'scale_in';
  target: number;
  reason: string;
  /** Unix seconds of the decision. */
  at: number;
  /** The intent's per-service sequence number: it increases with every decision, so an orchestrator
   * can refuse a call older than one it already applied (a late call never undoes a newer one). */
  sequence: number;
}

/**
 * Free text (reasons quote alert names and values) made safe for an environment variable, argv or a
 * JSON body: control characters (NUL ends a C string, execFile throws on it) become spaces, and
 * the length is capped (an env var of ~130 KB exceeds the kernel's per-string limit, E2BIG).
 */
export function safeText(text: string, limit: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return clean.length > limit ? `${clean.slice(0, limit - 3)}...` : clean;
}

export interface SetResult {
  ok: boolean;
  code?: number | null;
  message: string;
}

export interface Actuator {
  readonly type: ActuatorConfig['type'];
  readonly timeoutSeconds: number;
  /** The current (desired) instance count, or null when this actuator cannot tell. Throws on errors. */
  readCount(service: string): Promise<number | null>;
  setTarget(ctx: ActuationContext): Promise<SetResult>;
}

// ---------------------------------------------------------------------------------------------
// A small HTTP client on node:http(s): per-request CA / client certificates (Kubernetes) and a
// hard deadline covering connect, headers and body.

interface RequestOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
}

export async function request(o: RequestOptions): Promise<{ status: number; text: string }> {
  const u = new URL(o.url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    const req = mod.request(u, {
      method: o.method,
      headers,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      rejectUnauthorized: o.rejectUnauthorized ?? true,
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${o.timeoutMs / 1000}s`)), o.timeoutMs);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (text.length < 64 * 1024) text += d;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(o.body);
  });
}

const ok2xx = (s: number) => s >= 200 && s < 300;
const snippet = (t: string) => (t.length > 200 ? `${t.slice(0, 197)}...` : t).replace(/\s+/g, ' ').trim();

function countFrom(body: unknown): number | null {
  const candidates =
    typeof body === 'number'
      ? [body]
      : body && typeof body === 'object'
        ? [
            (body as Record<string, unknown>).count,
            (body as Record<string, unknown>).instances,
            (body as Record<string, unknown>).target_instances,
          ]
        : [];
  for (const c of candidates) if (typeof c === 'number' && Number.isInteger(c) && c >= 0) return c;
  return null;
}

// ---------------------------------------------------------------------------------------------

/** Records what it would do and keeps a simulated count, so repeated calls converge. */
export class DryRunActuator implements Actuator {
  readonly type = 'dry-run' as const;
  readonly timeoutSeconds = 1;
  private readonly counts = new Map<string, number>();
  constructor(private readonly initial: number | undefined) {}
  async readCount(service: string): Promise<number | null> {
    return this.counts.get(service) ?? this.initial ?? null;
  }
  /** Seeds the simulated count (from the source or the store) when it is not known yet. */
  seed(service: string, n: number): void {
    if (!this.counts.has(service)) this.counts.set(service, n);
  }
  async setTarget(ctx: ActuationContext): Promise<SetResult> {
    this.counts.set(ctx.service, ctx.target);
    return { ok: true, message: `dry run: would set ${ctx.service} to ${ctx.target} instances` };
  }
}

/** The seed's orchestrator contract: POST {action, target_instances, reason, timestamp}. */
export class HttpActuator extends ConfiguredActuator<'http'> implements Actuator {
  private headers(): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', ...this.cfg.headers };
    const a = authHeader(this.cfg.auth);
    if (a) h.authorization = a;
    return h;
  }
  async readCount(service: string): Promise<number | null> {
    if (!this.cfg.count_url) return null;
    const url = this.cfg.count_url.replaceAll('{service}', encodeURIComponent(service));
    const res = await request({ method: 'GET', url, headers: this.headers(), timeoutMs: this.cfg.timeout * 1000 });
    if (!ok2xx(res.status)) throw new Error(`GET ${url} answered ${res.status}: ${snippet(res.text)}`);
    const n = countFrom(JSON.parse(res.text));
    if (n === null)
      throw new Error(`GET ${url}: expected JSON {"count": n} or {"instances": n}, got ${snippet(res.text)}`);
    return n;
  }
  async setTarget(ctx: ActuationContext): Promise<SetResult> {
    const url = this.cfg.url.replaceAll('{service}', encodeURIComponent(ctx.service));
    const body = JSON.stringify({
      action: ctx.action,
      target_instances: ctx.target,
      reason: ctx.reason,
      timestamp: new Date(ctx.at * 1000).toISOString(),
      service: ctx.service,
      trigger: ctx.trigger,
      sequence: ctx.sequence,
    });
    const res = await request({
      method: 'POST',
      url,
      headers: { ...this.headers(), 'content-type': 'application/json' },
      body,
      timeoutMs: this.cfg.timeout * 1000,
    });
    return {
      ok: ok2xx(res.status),
      code: res.status,
      message: `POST ${url} answered ${res.status}${res.text ? `: ${snippet(res.text)}` : ''}`,
    };
  }
}

type KubeConfig = Extract<ActuatorConfig, { type: 'kubernetes' }>;

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface KubeconfigDoc {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: {
    name: string;
    cluster: {
      server: string;
      'certificate-authority'?: string;
      'certificate-authority-data'?: string;
      'insecure-skip-tls-verify'?: boolean;
    };
  }[];
  users?: {
    name: string;
    user: {
      token?: string;
      tokenFile?: string;
      'client-certificate'?: string;
      'client-certificate-data'?: string;
      'client-key'?: string;
      'client-key-data'?: string;
    };
  }[];
}

/** Connection settings: a kubeconfig (current context), else the in-cluster service account. */
export function kubeConnection(cfg: KubeConfig, env: NodeJS.ProcessEnv = process.env): KubeConnection {
  if (cfg.kubeconfig) {
    const doc = yaml.load(readFileSync(cfg.kubeconfig, 'utf8')) as KubeconfigDoc;
    const ctxName = doc['current-context'];
    const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
    if (!ctx) throw new Error(`${cfg.kubeconfig}: current-context "${ctxName}" not found`);
    const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
    const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
    if (!cluster) throw new Error(`${cfg.kubeconfig}: cluster "${ctx.cluster}" not found`);
    const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);
    const file = (s: string | undefined) => (s ? readFileSync(s) : undefined);
    const tokenFile = user.tokenFile ?? cfg.token_file;
    return {
      server: cfg.api_url ?? cluster.server,
      token: user.token ? () => user.token! : tokenFile ? () => readFileSync(tokenFile, 'utf8').trim() : undefined,
      ca: b64(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']) ?? file(cfg.ca_file),
      cert: b64(user['client-certificate-data']) ?? file(user['client-certificate']),
      key: b64(user['client-key-data']) ?? file(user['client-key']),
      insecure: cluster['insecure-skip-tls-verify'] === true,
    };
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  const server =
    cfg.api_url ??
    (host ? `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}` : undefined);
  if (!server)
    throw new Error('kubernetes actuator: not in a cluster (KUBERNETES_SERVICE_HOST unset): set api_url or kubeconfig');
  const tokenFile = cfg.token_file ?? `${SERVICE_ACCOUNT_DIR}/token`;
  const caFile =
    cfg.ca_file ?? (existsSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`) ? `${SERVICE_ACCOUNT_DIR}/ca.crt` : undefined);
  // Projected service-account tokens rotate: the file is re-read on every request.
  return { server, token: () => readFileSync(tokenFile, 'utf8').trim(), ca: caFile ? readFileSync(caFile) : undefined };
}

/**
 * The `scale` subresource of a Deployment or StatefulSet (autoscaling/v1 Scale):
 * GET  /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}/scale
 * PATCH the same path, Content-Type application/merge-patch+json, {"spec":{"replicas":n}}.
 * RBAC: get and patch on deployments/scale (or statefulsets/scale) in that namespace.
 */
export class KubernetesActuator extends ConfiguredActuator<'kubernetes'> implements Actuator {
  constructor(
    cfg: KubeConfig,
    private readonly env: NodeJS.ProcessEnv = process.env
  ) {
    super(cfg);
  }
  scalePath(): string {
    const plural = this.cfg.kind === 'StatefulSet' ? 'statefulsets' : 'deployments';
    return `/apis/apps/v1/namespaces/${encodeURIComponent(this.cfg.namespace)}/${plural}/${encodeURIComponent(this.cfg.name)}/scale`;
  }
  private call(method: 'GET' | 'PATCH', body?: string): Promise<{ status: number; text: string; url: string }> {
    return kubeCall(kubeConnection(this.cfg, this.env), request, {
      method,
      path: this.scalePath(),
      body,
      timeoutSeconds: this.cfg.timeout,
    });
  }
  async readCount(): Promise<number | null> {
    const res = await this.call('GET');
    if (!ok2xx(res.status)) throw new Error(`GET ${res.url} answered ${res.status}: ${snippet(res.text)}`);
    const scale = JSON.parse(res.text) as { kind?: string; spec?: { replicas?: number } };
    const n = scale.spec?.replicas ?? 0; // the API server omits replicas: 0 (omitempty)
    if (scale.kind !== 'Scale' || !Number.isInteger(n))
      throw new Error(`GET ${res.url}: expected a Scale object, got ${snippet(res.text)}`);
    return n;
  }
  async setTarget(ctx: ActuationContext): Promise<SetResult> {
    const res = await this.call('PATCH', JSON.stringify({ spec: { replicas: ctx.target } }));
    return {
      ok: ok2xx(res.status),
      code: res.status,
      message: `PATCH ${res.url} answered ${res.status}${ok2xx(res.status) ? '' : `: ${snippet(res.text)}`}`,
    };
  }
}

/**
 * Runs an argv array with execFile: no shell, so nothing in the context is ever interpreted. The
 * target and context are passed in HEADROOM_* environment variables; the timeout kills the process.
 */
export class CommandActuator extends ConfiguredActuator<'command'> implements Actuator {
  private run(
    argv: string[],
    env: Record<string, string>
  ): Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }> {
    return new Promise((resolve) => {
      execFile(
        argv[0],
        argv.slice(1),
        {
          env: { ...process.env, ...env },
          timeout: this.cfg.timeout * 1000,
          killSignal: 'SIGKILL',
          maxBuffer: 1024 * 1024,
          shell: false,
        },
        (error, stdout, stderr) => {
          const code = error
            ? typeof (error as NodeJS.ErrnoException).code === 'number'
              ? ((error as NodeJS.ErrnoException).code as unknown as number)
              : null
            : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr), error: error ?? undefined });
        }
      );
    });
  }
  async readCount(service: string): Promise<number | null> {
    if (!this.cfg.count_argv) return null;
    const r = await this.run(this.cfg.count_argv, { HEADROOM_SERVICE: service });
    if (r.error) throw new Error(`${this.cfg.count_argv[0]} failed: ${r.error.message}`);
    const n = Number(r.stdout.trim());
    if (!Number.isInteger(n) || n < 0)
      throw new Error(
        `${this.cfg.count_argv[0]}: expected an instance count on stdout, got ${JSON.stringify(snippet(r.stdout))}`
      );
    return n;
  }
  async setTarget(ctx: ActuationContext): Promise<SetResult> {
    const r = await this.run(this.cfg.argv, {
      HEADROOM_SERVICE: ctx.service,
      HEADROOM_TARGET_INSTANCES: String(ctx.target),
      HEADROOM_ACTION: ctx.action,
      HEADROOM_TRIGGER: ctx.trigger,
      HEADROOM_REASON: ctx.reason,
      HEADROOM_TIMESTAMP: new Date(ctx.at * 1000).toISOString(),
      HEADROOM_SEQUENCE: String(ctx.sequence),
    });
    const killed = r.error && (r.error as { killed?: boolean }).killed;
    if (killed)
      return { ok: false, code: null, message: `${this.cfg.argv[0]} killed after the ${this.cfg.timeout}s timeout` };
    if (r.error)
      return {
        ok: false,
        code: r.code,
        message: `${this.cfg.argv[0]} failed (exit ${r.code ?? 'none'}): ${snippet(r.stderr || r.error.message)}`,
      };
    return {
      ok: true,
      code: 0,
      message: `${this.cfg.argv[0]} exited 0${r.stdout.trim() ? `: ${snippet(r.stdout)}` : ''}`,
    };
  }
}

export function createActuator(cfg: ActuatorConfig): Actuator {
  switch (cfg.type) {
    case 'dry-run':
      return new DryRunActuator(cfg.instances);
    case 'http':
      return new HttpActuator(cfg);
    case 'kubernetes':
      return new KubernetesActuator(cfg);
    case 'command':
      return new CommandActuator(cfg);
    case 'kubernetes-hpa':
      return new HpaActuator(cfg, {
        connect: () => kubeConnection({ ...cfg, type: 'kubernetes', kind: 'Deployment' }),
        request,
      });
  }
}

/** Runs a call under the actuator's timeout (a backstop for the per-type timeouts above). */
export async function withTimeout<T>(seconds: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${seconds}s`)), seconds * 1000 + 250);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
