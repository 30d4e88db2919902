/**
 * An actuator for services that already have a HorizontalPodAutoscaler. Patching the Deployment's
 * replicas fights the HPA (it resets them on its next sync); moving the HPA's floor does not:
 * Headroom's target becomes `spec.minReplicas`, and the HPA keeps scaling above it on its own
 * metrics. A scale-in lowers the floor and leaves the actual scale-in to the HPA.
 *
 * API (autoscaling/v2 HorizontalPodAutoscaler,
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/):
 *   GET   /apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/{name}
 *   PATCH the same path, Content-Type application/merge-patch+json, {"spec":{"minReplicas":n}}
 * spec.maxReplicas is required and must be >= minReplicas (the API server rejects the patch
 * otherwise); with `raise_max` a target above it raises maxReplicas too, else the call fails and
 * says so. RBAC: get and patch on horizontalpodautoscalers, resourceNames [name].
 *
 * This module imports nothing from actuators.ts (which registers it): the HTTP client and the
 * connection settings are handed in, and the API call itself is kube-call.ts's, shared by both.
 */
import { ConfiguredActuator, type ActuatorConfigOf } from './actuator-base.js';
import { kubeCall, type KubeConnection, type KubeRequestFn } from './kube-call.js';

export type HpaConfig = ActuatorConfigOf<'kubernetes-hpa'>;

export interface HpaDeps {
  connect: () => KubeConnection;
  request: KubeRequestFn;
}

interface Hpa {
  kind?: string;
  spec?: { minReplicas?: number; maxReplicas?: number };
  status?: { currentReplicas?: number; desiredReplicas?: number };
}

const ok2xx = (s: number) => s >= 200 && s < 300;
const snippet = (t: string) => (t.length > 300 ? `${t.slice(0, 300)}…` : t).replace(/\s+/g, ' ').trim();

/** The merge patch that puts the floor at `target`; an error when max would end up below it. */
export function hpaPatch(
  hpa: Hpa,
  target: number,
  raiseMax: boolean
): { ok: true; patch: { spec: { minReplicas: number; maxReplicas?: number } } } | { ok: false; error: string } {
  const max = hpa.spec?.maxReplicas;
  if (!Number.isInteger(max)) return { ok: false, error: 'expected the HPA to have an integer spec.maxReplicas' };
  if (target < 1) return { ok: false, error: `target ${target}: an HPA's minReplicas must be at least 1` };
  if (target <= max!) return { ok: true, patch: { spec: { minReplicas: target } } };
  if (!raiseMax)
    return {
      ok: false,
      error: `target ${target} is above the HPA's maxReplicas ${max}; raise it, or set raise_max: true`,
    };
  return { ok: true, patch: { spec: { minReplicas: target, maxReplicas: target } } };
}

export class HpaActuator extends ConfiguredActuator<'kubernetes-hpa'> {
  constructor(
    cfg: HpaConfig,
    private readonly deps: HpaDeps
  ) {
    super(cfg);
  }

  path(): string {
    return `/apis/autoscaling/v2/namespaces/${encodeURIComponent(this.cfg.namespace)}/horizontalpodautoscalers/${encodeURIComponent(this.cfg.name)}`;
  }

  private call(method: 'GET' | 'PATCH', body?: string): Promise<{ status: number; text: string; url: string }> {
    return kubeCall(this.deps.connect(), this.deps.request, {
      method,
      path: this.path(),
      body,
      timeoutSeconds: this.cfg.timeout,
    });
  }

  private async read(): Promise<Hpa> {
    const res = await this.call('GET');
    if (!ok2xx(res.status)) throw new Error(`GET ${res.url} answered ${res.status}: ${snippet(res.text)}`);
    let hpa: Hpa;
    try {
      hpa = JSON.parse(res.text) as Hpa;
    } catch {
      throw new Error(`GET ${res.url}: expected a HorizontalPodAutoscaler, got ${snippet(res.text)}`);
    }
    if (hpa.kind !== 'HorizontalPodAutoscaler')
      throw new Error(`GET ${res.url}: expected a HorizontalPodAutoscaler, got ${snippet(res.text)}`);
    return hpa;
  }

  /**
   * The count the HPA wants now (status.desiredReplicas), which is at least Headroom's floor. A
   * fresh HPA without status yet answers its floor (minReplicas, which the API defaults to 1).
   */
  async readCount(): Promise<number | null> {
    const hpa = await this.read();
    const desired = hpa.status?.desiredReplicas;
    const n = Number.isInteger(desired) ? desired! : (hpa.spec?.minReplicas ?? 1);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`${this.path()}: expected integer replica counts, got ${JSON.stringify(hpa.status ?? hpa.spec)}`);
    return n;
  }

  async setTarget(ctx: { target: number }): Promise<{ ok: boolean; code?: number | null; message: string }> {
    const p = hpaPatch(await this.read(), ctx.target, this.cfg.raise_max);
    if (!p.ok) return { ok: false, code: null, message: `${this.path()}: ${p.error}` };
    const res = await this.call('PATCH', JSON.stringify(p.patch));
    const what = `minReplicas ${ctx.target}${p.patch.spec.maxReplicas !== undefined ? `, maxReplicas ${p.patch.spec.maxReplicas}` : ''}`;
    return {
      ok: ok2xx(res.status),
      code: res.status,
      message: `PATCH ${res.url} (${what}) answered ${res.status}${ok2xx(res.status) ? '' : `: ${snippet(res.text)}`}`,
    };
  }
}
