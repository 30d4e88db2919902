/**
 * deploy/kubernetes: rendered with `kubectl kustomize` (the real kubectl), every object validated
 * against the Kubernetes and prometheus-operator schemas (kubernetes-models), RBAC that grants
 * nothing beyond get/patch on the scale subresource of the named Deployment, the PrometheusRule
 * regenerated from the base's policy and compared, and the documented KEDA ScaledObject and HPA
 * Role checked against their schemas and the policy (contract tests: no API server runs here).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { generateAlerts } from '../src/alerts/index.js';
import { parsePolicy } from '../src/config/load.js';
import type { Policy } from '../src/config/schema.js';
import { CATALOGUE } from '../src/metrics/catalogue.js';
import { ROOT, examplePolicy } from './helpers.js';
import { exec } from './support/processes.js';

const BASE = path.join(ROOT, 'deploy/kubernetes');
type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: any;
};

/** apiVersion/kind → its schema-backed model; a kind without one fails the test. */
const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

let objects: K8sObject[];
let policy: Policy;
const find = (kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

beforeAll(async () => {
  const { stdout } = await exec('kubectl', ['kustomize', BASE], { timeout: 30_000 });
  objects = yaml.loadAll(stdout) as K8sObject[];
  const cm = find('ConfigMap')[0];
  policy = parsePolicy(cm.data['headroom.yml'], 'ConfigMap headroom-policy: headroom.yml');
});

describe('kubectl kustomize deploy/kubernetes', () => {
  it('renders the Deployment, Services, ServiceMonitor, PrometheusRule, policy ConfigMap, ServiceAccount, Role and RoleBinding', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/' + find('ConfigMap')[0].metadata.name,
        'Deployment/headroom',
        'Deployment/headroom-redis',
        'PrometheusRule/headroom',
        'Role/headroom-scaler',
        'RoleBinding/headroom-scaler',
        'Service/headroom',
        'Service/headroom-redis',
        'ServiceAccount/headroom',
        'ServiceMonitor/headroom',
      ].sort()
    );
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['terminal']));
  });

  it('validates every rendered object against its Kubernetes or prometheus-operator schema', () => {
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion} ${o.kind} has a schema`).toBeDefined();
      expect(() => new Model(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
  });

  it('runs 2 replicas of the exporter on the Redis store, the policy from the ConfigMap and the token from a Secret reference', () => {
    const d = find('Deployment', 'headroom')[0];
    expect(d.spec.replicas).toBe(2);
    expect(policy.scaler.store).toMatchObject({ type: 'redis', url: 'redis://headroom-redis:6379' });
    const pod = d.spec.template.spec;
    expect(pod.serviceAccountName).toBe('headroom');
    const c = pod.containers[0];
    expect(c.env).toContainEqual({
      name: policy.scaler.token_env,
      valueFrom: { secretKeyRef: { name: 'headroom-webhook-token', key: 'token' } },
    });
    expect(pod.volumes).toContainEqual({ name: 'policy', configMap: { name: find('ConfigMap')[0].metadata.name } });
    expect(c.args).toEqual(['serve', '--config', '/etc/headroom/headroom.yml', '--listen', '0.0.0.0:9778']);
    expect(find('Secret')).toEqual([]);
  });

  it("keeps the base's policy services equal to the example policy's", () => {
    expect(policy.services).toEqual(examplePolicy().services);
  });

  it('ships the PrometheusRule that `headroom rules --format prometheus-operator` generates from that policy', () => {
    const generated = generateAlerts(policy, { format: 'prometheus-operator', configName: 'headroom.yml' }).get(
      'headroom.prometheusrule.yml'
    )!;
    expect(readFileSync(path.join(BASE, 'rules/headroom.prometheusrule.yml'), 'utf8')).toBe(generated);
    expect(find('PrometheusRule', 'headroom')[0].spec).toEqual((yaml.load(generated) as K8sObject).spec);
  });

  it('ships the Alertmanager routing generated from that policy, and amtool accepts it', async () => {
    const generated = generateAlerts(policy, { format: 'prometheus-operator', configName: 'headroom.yml' }).get(
      'alertmanager.yml'
    )!;
    const file = path.join(BASE, 'rules/alertmanager.yml');
    expect(readFileSync(file, 'utf8')).toBe(generated);
    await exec('amtool', ['check-config', file]);
  });

  it('scrapes the exporter through the ServiceMonitor on the Service port', () => {
    const sm = find('ServiceMonitor', 'headroom')[0];
    const svc = find('Service', 'headroom')[0];
    expect(sm.spec.selector.matchLabels).toEqual(svc.spec.selector);
    expect(svc.spec.ports.map((p: { name: string }) => p.name)).toContain(sm.spec.endpoints[0].port);
    expect(sm.spec.endpoints[0].path).toBe('/metrics');
  });
});

describe('RBAC of the base', () => {
  it('grants only get and patch on the scale subresource of the Deployment the policy scales, in its namespace', () => {
    expect(objects.filter((o) => /^Cluster/.test(o.kind))).toEqual([]);
    const roles = find('Role');
    expect(roles).toHaveLength(1);
    const actuator = policy.scaler.actuator;
    expect(actuator).toMatchObject({ type: 'kubernetes', kind: 'Deployment' });
    if (actuator.type !== 'kubernetes') throw new Error('unreachable');
    expect(roles[0].metadata.namespace).toBe(actuator.namespace);
    expect(roles[0].rules).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments/scale'],
        resourceNames: [actuator.name],
        verbs: ['get', 'patch'],
      },
    ]);
  });

  it('binds that Role, and nothing else, to the exporter service account', () => {
    const [rb] = find('RoleBinding');
    expect(find('RoleBinding')).toHaveLength(1);
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'headroom-scaler' });
    expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'headroom', namespace: 'terminal' }]);
  });

  it('documents the HPA actuator Role: get and patch on the one HorizontalPodAutoscaler', () => {
    const role = yaml.load(readFileSync(path.join(BASE, 'examples/rbac-hpa.yaml'), 'utf8')) as K8sObject;
    expect(() => new Role(role as any).validate()).not.toThrow();
    expect(role.rules).toEqual([
      {
        apiGroups: ['autoscaling'],
        resources: ['horizontalpodautoscalers'],
        resourceNames: ['terminal'],
        verbs: ['get', 'patch'],
      },
    ]);
  });
});

describe('the documented KEDA ScaledObject (contract test on keda.sh/v1alpha1)', () => {
  const so = () => yaml.load(readFileSync(path.join(BASE, 'examples/keda-scaledobject.yaml'), 'utf8')) as K8sObject;

  it('validates against the ScaledObject schema and targets the Deployment within the policy limits', () => {
    expect(() => new ScaledObject(so() as any).validate()).not.toThrow();
    const s = so().spec;
    const svc = policy.services[0];
    expect(s.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'terminal' });
    expect([s.minReplicaCount, s.maxReplicaCount]).toEqual([svc.scaling.limits.min, svc.scaling.limits.max]);
  });

  it("reads headroom_recommended_instances (final basis) with the prometheus trigger, so the HPA's desired replicas are the recommendation", () => {
    const [t] = so().spec.triggers;
    expect(t.type).toBe('prometheus');
    expect(t.metricType).toBe('AverageValue');
    expect(t.metadata.query).toBe('max(headroom_recommended_instances{service="terminal",basis="final"})');
    expect(CATALOGUE.map((m) => m.name as string)).toContain('headroom_recommended_instances');
    // KEDA's metadata values are strings; the HPA's AverageValue rule: desired = ceil(value / threshold).
    expect(typeof t.metadata.threshold).toBe('string');
    for (const recommended of [2, 7, 20])
      expect(Math.ceil(recommended / Number(t.metadata.threshold))).toBe(recommended);
  });
});
