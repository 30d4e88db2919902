/**
 * deploy/: the docker-compose stack's policy and Prometheus config, generated from headroom.yml
 * (compose service names as hosts). `tsx exporter/src/demo-fleet/deploy.ts [repo root]` writes them;
 * the alert rules and alertmanager.yml of deploy/alerts/ come from `headroom rules` on the policy.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { dumpYaml, fleetPolicy, prometheusConfig } from './stack-config.js';

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
  'Generated from headroom.yml by `npx tsx exporter/src/demo-fleet/deploy.ts`; do not edit (a test regenerates and diffs).';

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
    'deploy/headroom.compose.yml': dumpYaml(
      `Policy of the docker-compose stack: headroom.yml pointed at Prometheus and the demo fleet.\n${NOTE}`,
      policy
    ),
    'deploy/prometheus.yml': dumpYaml(
      `Prometheus of the docker-compose stack: scrapes the exporter, the demo fleet, node exporter.\n${NOTE}`,
      prom
    ),
  };
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? ROOT;
  for (const [rel, text] of Object.entries(buildDeployFiles(readFileSync(path.join(root, 'headroom.yml'), 'utf8')))) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
    process.stdout.write(`wrote ${rel}\n`);
  }
}
