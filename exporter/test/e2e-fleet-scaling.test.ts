/**
 * One service of a three-service fleet scales through real Prometheus and Alertmanager while the
 * other two stay untouched. A stand-in workload serves per-service metrics (`shop_cpu_percent`,
 * `shop_instances` by `service`) and the orchestrator API of the http actuator; a real Prometheus
 * scrapes it and the exporter and evaluates the fleet rules `headroom rules` generates; a real
 * Alertmanager routes the scaling alerts to `headroom serve`'s webhook (bearer token).
 *
 * checkout's override raises its threshold to 80 %, so at 75 % it stays quiet while cart, at 90 %,
 * scales; search idles at 30 %. Intervals are 1 s (refresh, scrape, evaluation: the fleet group's
 * interval follows the refresh interval), the trigger's `for` 2 s, Alertmanager's timings shortened.
 */
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateAlerts } from '../src/alerts/index.js';
import { validatePolicy } from '../src/config/load.js';
import { startServe, type ServeHandle } from '../src/server/index.js';
import {
  exec,
  freePort,
  startAlertmanager,
  startPrometheus,
  tempDir,
  waitFor,
  type Running,
} from './support/processes.js';
import { captureLogger, type CapturedLogger } from './support/serve.js';

const SERVICES = ['cart', 'checkout', 'search'] as const;
type Name = (typeof SERVICES)[number];
const START = 2;
const token = 'e2e-fleet-token-0123456789abcdef';

interface ScaleRequest {
  service: string;
  action: string;
  target_instances: number;
  trigger: string;
}

/** The three services' metrics and the orchestrator's scale and count endpoints. */
class Workload {
  readonly cpu: Record<Name, number> = { cart: 30, checkout: 30, search: 30 };
  readonly instances: Record<Name, number> = { cart: START, checkout: START, search: START };
  readonly requests: ScaleRequest[] = [];
  server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const [, what, name] = (req.url ?? '').split('/') as [string, string, Name];
      if (what === 'metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(this.metrics());
      } else if (what === 'count' && name in this.instances) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ count: this.instances[name] }));
      } else if (what === 'scale' && req.method === 'POST' && name in this.instances) {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          const r = JSON.parse(body) as ScaleRequest;
          this.requests.push(r);
          this.instances[name] = r.target_instances;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ instances: r.target_instances }));
        });
      } else {
        res.writeHead(404).end();
      }
    });
    const port = await freePort();
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${port}`;
  }

  metrics(): string {
    const lines = ['# TYPE shop_cpu_percent gauge', '# TYPE shop_instances gauge'];
    for (const s of SERVICES) {
      lines.push(
        `shop_cpu_percent{service="${s}"} ${this.cpu[s]}`,
        `shop_instances{service="${s}"} ${this.instances[s]}`
      );
    }
    return `${lines.join('\n')}\n`;
  }
}

function fleetPolicy(urls: { prometheus: string; workload: string; webhook: string; dir: string }) {
  const tokenFile = path.join(urls.dir, 'webhook-token');
  writeFileSync(tokenFile, token);
  return {
    prometheus: { url: urls.prometheus, timeout: '2s' },
    refresh: { interval: '1s', history_interval: '1h', stale_after: '30s' },
    scaler: {
      store: { type: 'sqlite', path: path.join(urls.dir, 'state.db') },
      actuator: {
        type: 'http',
        url: `${urls.workload}/scale/{service}`,
        count_url: `${urls.workload}/count/{service}`,
      },
      token_env: 'HEADROOM_WEBHOOK_TOKEN',
      budget_guard: 'off',
    },
    alerts: {
      webhook_url: urls.webhook,
      webhook_credentials_file: tokenFile,
      people_webhook_url: `${urls.workload}/inbox`,
    },
    fleets: [
      {
        name: 'shop',
        label: 'service',
        template: {
          instances: { query: 'max by (service) (shop_instances)' },
          signals: [{ name: 'cpu', unit: 'percent', query: 'max by (service) (shop_cpu_percent)' }],
          capacity: {
            kind: 'utilization',
            instance: { cpu_cores: 2, memory_gb: 4 },
            resources: [{ name: 'cpu', signal: 'cpu', limit: 100, warning: 70, critical: 85 }],
          },
          scaling: {
            scale_out: [{ name: 'cpu_high', signal: 'cpu', above: 70, for: '2s', cooldown: '1m', step: 1 }],
            limits: { min: 1, max: 6, max_scale_out_per_hour: 10, max_scale_in_per_hour: 10 },
            warmup: '1s',
          },
          growth: { scenarios: [{ name: 'moderate', monthly_rate: 0.25 }] },
          cost: { instance_hour: { on_demand: 0.1 }, budget: { monthly: 100_000 } },
        },
        overrides: [{ match: 'checkout', scaling: { scale_out: [{ name: 'cpu_high', above: 80 }] } }],
      },
    ],
  };
}

/** Every timing of Alertmanager's routing tree at test speed. */
function fastRoutes(route: Record<string, unknown>): void {
  for (const key of ['group_wait', 'group_interval', 'repeat_interval'] as const)
    if (key in route || route.receiver)
      route[key] = { group_wait: '0s', group_interval: '1s', repeat_interval: '2s' }[key];
  for (const r of (route.routes as Record<string, unknown>[] | undefined) ?? []) fastRoutes(r);
}

const workload = new Workload();
let prom: Running;
let am: Running;
let serve: ServeHandle;
let log: CapturedLogger;
const dir = tempDir('e2e-fleet');

async function promQuery(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const body = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result;
}

beforeAll(async () => {
  await workload.start();
  const [promPort, amPort, exporterPort] = [await freePort(), await freePort(), await freePort()];
  const doc = fleetPolicy({
    prometheus: `http://127.0.0.1:${promPort}`,
    workload: workload.url,
    webhook: `http://127.0.0.1:${exporterPort}/webhook`,
    dir,
  });
  const policyFile = path.join(dir, 'headroom.fleet.yml');
  writeFileSync(policyFile, yaml.dump(doc));
  const policy = validatePolicy(doc, policyFile);
  const files = generateAlerts(policy, { configName: 'headroom.fleet.yml', format: 'prometheus' });
  const ruleFiles = Object.fromEntries([...files].filter(([n]) => n.endsWith('.rules.yml')));
  const amConfig = yaml.load(files.get('alertmanager.yml')!) as { route: Record<string, unknown> };
  fastRoutes(amConfig.route);
  const promConfig = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: Object.keys(ruleFiles).map((f) => `{{DIR}}/${f}`),
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
    scrape_configs: [
      { job_name: policy.alerts.exporter_job, static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] },
      { job_name: 'shop', static_configs: [{ targets: [new URL(workload.url).host] }] },
    ],
  };
  [prom, am] = await Promise.all([
    startPrometheus({ config: yaml.dump(promConfig), files: ruleFiles, port: promPort }),
    startAlertmanager(yaml.dump(amConfig), amPort),
  ]);
  log = captureLogger('info');
  serve = await startServe({
    configFile: policyFile,
    listen: `127.0.0.1:${exporterPort}`,
    logger: log.logger,
    version: 'test',
    env: { HEADROOM_WEBHOOK_TOKEN: token },
  });
  await waitFor(
    'the three services of fleet shop in Prometheus',
    async () => (await promQuery('headroom_instances{fleet="shop"}')).length === 3,
    40_000,
    250
  );
}, 90_000);

afterAll(async () => {
  await serve?.close();
  await Promise.all([prom?.stop(), am?.stop()]);
  await new Promise((r) => workload.server?.close(r));
  await exec('rm', ['-rf', dir]);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    console.log(`exporter log (tail):\n${log.text().slice(-6000)}`);
    console.log(`scale requests: ${JSON.stringify(workload.requests)}`);
  });
});

describe('a three-service fleet through real Prometheus and Alertmanager', () => {
  it('records the signal once for the fleet: one series per service, with service and fleet', async () => {
    await waitFor('the recorded cpu of the three services', async () => {
      const r = await promQuery('service:headroom_signal_cpu:percent');
      return r.length === 3 && r;
    });
    const r = await promQuery('service:headroom_signal_cpu:percent');
    expect(r.map((s) => [s.metric.service, s.metric.fleet]).sort()).toEqual([
      ['cart', 'shop'],
      ['checkout', 'shop'],
      ['search', 'shop'],
    ]);
  });

  it('scales out cart, whose cpu stays above 70 %, and leaves checkout (75 %, its threshold 80 %) and search untouched', async () => {
    workload.cpu.cart = 90;
    workload.cpu.checkout = 75;
    const [req] = await waitFor(
      'a scale request at the orchestrator',
      async () => workload.requests.length > 0 && workload.requests,
      40_000,
      100
    );
    expect(req).toMatchObject({
      service: 'cart',
      action: 'scale_out',
      target_instances: START + 1,
      trigger: 'cpu_high',
    });
    // Several evaluations and Alertmanager repeats later: still one request, only for cart.
    await new Promise((r) => setTimeout(r, 6000));
    expect(workload.requests.map((r) => r.service)).toEqual(['cart']);
    expect(workload.instances).toEqual({ cart: START + 1, checkout: START, search: START });

    const firing = await promQuery('ALERTS{alertname="HeadroomScaleOut",alertstate="firing"}');
    expect(firing.map((a) => a.metric.service)).toEqual(['cart']);
    expect(firing[0].metric).toMatchObject({ fleet: 'shop', trigger: 'cpu_high', action: 'scale_out' });
  }, 60_000);

  it('records a decision for cart only: no decision and no action for checkout and search', async () => {
    const body = (await (await fetch(`${serve.url}/api/v1/decisions?limit=100`)).json()) as {
      recorded: { items: { service: string; action: string }[] };
    };
    const decided = [...new Set(body.recorded.items.map((d) => d.service))];
    expect(decided).toEqual(['cart']);
    const actions = await promQuery('headroom_scaler_actions_total');
    expect([...new Set(actions.map((a) => a.metric.service))]).toEqual(['cart']);
  });
});
