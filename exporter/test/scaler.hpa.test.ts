/**
 * The kubernetes-hpa actuator: a contract test against the documented autoscaling/v2
 * HorizontalPodAutoscaler API (no API server can run here). The stand-in serves GET and applies
 * JSON merge patches (RFC 7386) on the documented path, answers 422 as the API server does when
 * minReplicas would exceed maxReplicas, and validates every stored object against the
 * HorizontalPodAutoscaler schema (kubernetes-models).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parsePolicy } from '../src/config/load.js';
import { createActuator } from '../src/scaler/actuators.js';
import { EXAMPLE_POLICY } from './helpers.js';
import { freePort } from './support/processes.js';

const PATH = '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/terminal';
const TOKEN = 'sa-token';

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  authorization?: string;
  body?: unknown;
}

function hpaObject(min: number, max: number, desired?: number): Record<string, any> {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'terminal', namespace: 'shop', resourceVersion: '1' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'terminal' },
      minReplicas: min,
      maxReplicas: max,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
    },
    ...(desired === undefined ? {} : { status: { currentReplicas: desired, desiredReplicas: desired } }),
  };
}

function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

let server: Server;
let url: string;
let hpa: Record<string, any>;
let seen: Seen[];
let forbid: boolean;

beforeEach(async () => {
  seen = [];
  forbid = false;
  hpa = hpaObject(2, 10, 3);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body: body ? JSON.parse(body) : undefined,
      });
      const send = (status: number, o: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(o));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`)
        return send(401, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
      if (forbid)
        return send(403, {
          kind: 'Status',
          status: 'Failure',
          reason: 'Forbidden',
          message: 'horizontalpodautoscalers.autoscaling "terminal" is forbidden',
          code: 403,
        });
      if (req.url !== PATH) return send(404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
      if (req.method === 'GET') return send(200, hpa);
      if (req.method !== 'PATCH' || req.headers['content-type'] !== 'application/merge-patch+json')
        return send(415, { kind: 'Status', code: 415 });
      const next = mergePatch(hpa, JSON.parse(body));
      if (next.spec.minReplicas > next.spec.maxReplicas) {
        return send(422, {
          kind: 'Status',
          status: 'Failure',
          reason: 'Invalid',
          message: `HorizontalPodAutoscaler.autoscaling "terminal" is invalid: spec.maxReplicas: Invalid value: ${next.spec.maxReplicas}: must be greater than or equal to \`minReplicas\``,
          code: 422,
        });
      }
      new HorizontalPodAutoscaler(next).validate();
      hpa = next;
      return send(200, hpa);
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  url = `http://127.0.0.1:${port}`;
});

afterEach(() => new Promise<void>((r) => server.close(() => r())));

/** The actuator as a policy configures it (parsed by the real schema). */
function policyWith(actuatorConfig: Record<string, unknown>) {
  const p = yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as any;
  p.scaler.actuator = actuatorConfig;
  return parsePolicy(yaml.dump(p), 'headroom.yml');
}
function actuator(over: Record<string, unknown> = {}) {
  return createActuator(
    policyWith({
      type: 'kubernetes-hpa',
      namespace: 'shop',
      name: 'terminal',
      api_url: url,
      token_file: tokenFile,
      timeout: '2s',
      ...over,
    }).scaler.actuator
  );
}

const tokenFile = path.join(tmpdir(), `headroom-hpa-token-${process.pid}`);
writeFileSync(tokenFile, `${TOKEN}\n`);
afterAll(() => rmSync(tokenFile, { force: true }));

const ctx = (target: number) => ({
  service: 'terminal',
  trigger: 'cpu_high',
  action: 'scale_out' as const,
  target,
  reason: 'test',
  at: 1_800_000_000,
  sequence: 1,
});

describe('kubernetes-hpa actuator (contract test on autoscaling/v2 HorizontalPodAutoscaler)', () => {
  it("reads the HPA's desired replicas as the current count", async () => {
    expect(await actuator().readCount('terminal')).toBe(3);
    expect(seen).toEqual([
      { method: 'GET', url: PATH, contentType: undefined, authorization: `Bearer ${TOKEN}`, body: undefined },
    ]);
  });

  it('reads the floor of a fresh HPA that has no status yet', async () => {
    hpa = hpaObject(4, 10);
    expect(await actuator().readCount('terminal')).toBe(4);
  });

  it('moves minReplicas with a merge patch and leaves the replicas to the HPA', async () => {
    const r = await actuator().setTarget(ctx(6));
    expect(r).toMatchObject({ ok: true, code: 200 });
    expect(seen.map((s) => s.method)).toEqual(['GET', 'PATCH']);
    expect(seen[1]).toMatchObject({
      url: PATH,
      contentType: 'application/merge-patch+json',
      body: { spec: { minReplicas: 6 } },
    });
    expect(hpa.spec).toMatchObject({ minReplicas: 6, maxReplicas: 10 });
  });

  it.each([
    {
      name: 'refuses a target above maxReplicas without raise_max, sending no patch',
      over: {},
      ok: false,
      methods: ['GET'],
      spec: { minReplicas: 2, maxReplicas: 10 },
      message: `${PATH}: target 12 is above the HPA's maxReplicas 10; raise it, or set raise_max: true`,
    },
    {
      name: 'raises maxReplicas with the floor when raise_max is set',
      over: { raise_max: true },
      ok: true,
      methods: ['GET', 'PATCH'],
      spec: { minReplicas: 12, maxReplicas: 12 },
      message: undefined,
    },
  ])('$name', async ({ over, ok, methods, spec, message }) => {
    const r = await actuator(over).setTarget(ctx(12));
    expect(r.ok).toBe(ok);
    if (message) expect(r.message).toBe(message);
    expect(seen.map((s) => s.method)).toEqual(methods);
    expect(hpa.spec).toMatchObject(spec);
  });

  it('reports an RBAC refusal with its code and starts nothing', async () => {
    forbid = true;
    await expect(actuator().setTarget(ctx(6))).rejects.toThrow(`GET ${url}${PATH} answered 403`);
    expect(hpa.spec.minReplicas).toBe(2);
  });

  it('refuses an answer that is not a HorizontalPodAutoscaler', async () => {
    hpa = { kind: 'Scale', spec: { replicas: 3 } };
    await expect(actuator().readCount('terminal')).rejects.toThrow('expected a HorizontalPodAutoscaler');
  });

  it('rejects a policy with the actuator but no HPA name, naming the path', () => {
    let err: unknown;
    try {
      policyWith({ type: 'kubernetes-hpa', namespace: 'shop' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join('\n')).toContain('scaler.actuator.name');
  });
});
