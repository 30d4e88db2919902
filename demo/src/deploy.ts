/**
 * deploy/: the docker-compose stack's policy and Prometheus config, generated from headroom.yml
 * (compose service names as hosts). `npm run deploy -w @headroom/demo` (src/bin/deploy.ts) writes them;
 * the alert rules and alertmanager.yml of deploy/alerts/ come from `headroom rules` on the policy.
 */
import yaml from 'js-yaml';
import { toYaml, yamlHeader } from '@headroom/exporter/generated';
import { fleetPolicy, prometheusConfig } from './stack/config.js';

export const COMPOSE = {
  prometheusUrl: 'http://prometheus:9090',
  fleetUrl: 'http://fleet:9779',
  webhookUrl: 'http://exporter:9778/webhook',
  // On Alertmanager's data volume, where its entrypoint writes HEADROOM_WEBHOOK_TOKEN (docker-compose.yml).
  webhookCredentialsFile: '/alertmanager/headroom-webhook-token',
  peopleWebhookUrl: 'http://fleet:9779/inbox',
  statePath: '/var/lib/headroom/headroom-state.db',
} as const;

const NOTE =
  'Generated from headroom.yml by `npm run deploy -w @headroom/demo`; do not edit (a test regenerates and diffs).';

export function buildDeployFiles(exampleYaml: string): Record<string, string> {
  const policy = fleetPolicy(yaml.load(exampleYaml) as Record<string, unknown>, COMPOSE);
  const prom = prometheusConfig({
    scrapeInterval: '15s',
    evaluationInterval: '15s',
    ruleFiles: ['/etc/prometheus/alerts/*.rules.yml'],
    alertmanagers: ['alertmanager:9093'],
    targets: {
      exporter: ['exporter:9778'],
      fleet: ['fleet:9779'],
      node: ['node-exporter:9100'],
      prometheus: ['localhost:9090'],
    },
  });
  return {
    'deploy/headroom.compose.yml':
      yamlHeader('Policy of the docker-compose stack: headroom.yml pointed at Prometheus and the demo fleet.', NOTE) +
      toYaml(policy, "'"),
    'deploy/prometheus.yml':
      yamlHeader('Prometheus of the docker-compose stack: scrapes the exporter, the demo fleet, node exporter.', NOTE) +
      toYaml(prom, "'"),
  };
}
