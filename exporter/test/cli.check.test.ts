/**
 * `headroom check` on the three shapes of policy: explicit services only, fleets only, both. It names
 * each fleet's label, template and overrides, and the series it will carry per service × the
 * services discovered: found without I/O for the demo source, asked of a real Prometheus only with
 * `--discover` (without it, check sends nothing: a listening socket counts the requests).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, FLEET_POLICY, runCli } from './helpers.js';
import { freePort, startPrometheus, tempDir, waitForTargets, type Running } from './support/processes.js';

const dir = tempDir('check');

/** fleet.yml changed by `mutate`, written to the temp dir. */
function fleetPolicy(name: string, mutate: (doc: any) => void): string {
  const doc = yaml.load(readFileSync(FLEET_POLICY, 'utf8')) as any;
  mutate(doc);
  const file = path.join(dir, name);
  writeFileSync(file, yaml.dump(doc));
  return file;
}
const fleetsOnly = (doc: any) => delete doc.services;

/** The per-service count check prints for fleet shop. */
const perService = (stdout: string) => Number(/fleet shop: at most (\d+) per service/.exec(stdout)?.[1]);

const SHOP_LINES = [
  'fleet shop: a service per value of label "service" (retired after 1h missing)',
  '  instances (discovery): count by (service) (up{job="shop"} == 1)',
  '  template: signals cpu, sessions, concurrent_users; scale-out cpu_high, sessions_high; scale-in on cpu, sessions; limits 2..20',
  '  overrides (in order, a later one wins): checkout (scaling.limits.max, scaling.scale_out[cpu_high].above, cost.instance_hour.on_demand, cost.budget.monthly, actuator.type, actuator.instances); cart (scaling.limits.min); search (capacity.resources[cpu].warning, capacity.resources[cpu].critical); /pay.*/ (scaling.limits.min)',
];

describe('headroom check', () => {
  it.each([
    {
      name: 'explicit services only',
      file: () => EXAMPLE_POLICY,
      headline: `${EXAMPLE_POLICY}: OK (1 service, 5 scale-out triggers, source: built-in demo)`,
      lines: ['series: at most '],
      absent: ['fleet '],
    },
    {
      name: 'fleets only',
      file: () => fleetPolicy('fleets-only.yml', fleetsOnly),
      headline: 'fleets-only.yml: OK (no explicit service, 1 fleet (shop), source: built-in demo)',
      lines: [
        ...SHOP_LINES,
        "  services: 3 discovered now (checkout, cart, search; demo source: the overrides' match names)",
        'on /metrics (no explicit service; process-wide included; the 3 services of fleet shop discovered now):',
      ],
      absent: ['0 services'],
    },
    {
      name: 'explicit services and fleets',
      file: () => FLEET_POLICY,
      headline: `${FLEET_POLICY}: OK (1 explicit service with 1 scale-out trigger, 1 fleet (shop), source: built-in demo)`,
      lines: [...SHOP_LINES, '  services: 3 discovered now (checkout, cart, search;', '(billing 46; process-wide'],
      absent: [],
    },
  ])('describes a policy of $name', async ({ file, headline, lines, absent }) => {
    const r = await runCli(['check', file()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain(headline);
    for (const line of lines) expect(r.stdout).toContain(line);
    for (const text of absent) expect(r.stdout).not.toContain(text);
    if (file() !== EXAMPLE_POLICY) {
      const each = perService(r.stdout);
      expect(each).toBeGreaterThan(0);
      const total = Number(
        /per service × services discovered = at most (\d+) for the 3 services discovered now/.exec(r.stdout)?.[1]
      );
      expect(total).toBeGreaterThan(2 * each);
      expect(total).toBeLessThanOrEqual(3 * each);
    }
  });

  describe('on a fleet of a Prometheus', () => {
    let requests = 0;
    let silent: Server;
    let silentUrl: string;
    let prom: Running;

    beforeAll(async () => {
      silent = createServer((_, res) => {
        requests++;
        res.writeHead(503).end();
      });
      const port = await freePort();
      await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
      silentUrl = `http://127.0.0.1:${port}`;
      // Three targets of job "shop" (Prometheus itself, labelled as three services): up == 1 for each.
      const targets = (service: string) => `{ targets: ['127.0.0.1:{{PORT}}'], labels: { service: ${service} } }`;
      const promPort = await freePort();
      prom = await startPrometheus({
        port: promPort,
        config: `
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: shop
    static_configs: [${['checkout', 'cart', 'payments'].map(targets).join(', ')}]
`.replaceAll('{{PORT}}', String(promPort)),
      });
      await waitForTargets(prom, 3);
    }, 40_000);
    afterAll(async () => {
      await prom?.stop();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('sends nothing without --discover, and says the services are discovered at run time', async () => {
      const file = fleetPolicy('fleets-prom.yml', (doc) => {
        fleetsOnly(doc);
        doc.prometheus = { url: silentUrl };
      });
      const r = await runCli(['check', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`fleets-prom.yml: OK (no explicit service, 1 fleet (shop), source: ${silentUrl})`);
      expect(r.stdout).toContain(
        `  services: discovered at run time (check asks no Prometheus; --discover asks ${silentUrl})`
      );
      expect(r.stdout).toMatch(
        /fleet shop: at most \d+ per service × services discovered \(services: discovered at run time\)/
      );
      expect(r.stdout).toContain('(no explicit service; process-wide included; one service of fleet shop):');
      expect(requests).toBe(0);
    });

    it('counts the services the fleet has now with --discover', async () => {
      const file = fleetPolicy('fleets-discover.yml', (doc) => {
        fleetsOnly(doc);
        doc.prometheus = { url: prom.url };
      });
      const r = await runCli(['check', file, '--discover']);
      expect(r.code, r.stderr).toBe(0);
      const services = / {2}services: 3 discovered now \((.*); asked (.*)\)/.exec(r.stdout);
      expect(services?.[1].split(', ').sort()).toEqual(['cart', 'checkout', 'payments']);
      expect(services?.[2]).toBe(prom.url);
      const each = perService(r.stdout);
      expect(r.stdout).toMatch(
        new RegExp(`at most ${each} per service × services discovered = at most \\d+ for the 3 services discovered now`)
      );
      expect(r.stdout).toContain('the 3 services of fleet shop discovered now):');
    });

    it('still passes with --discover when the Prometheus does not answer, saying why the services are unknown', async () => {
      const file = fleetPolicy('fleets-down.yml', (doc) => {
        fleetsOnly(doc);
        doc.prometheus = { url: silentUrl, timeout: '2s' };
      });
      const before = requests;
      const r = await runCli(['check', file, '--discover']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        / {2}services: discovered at run time \(discovery failed: instances query \(.*\): .*503/
      );
      expect(r.stdout).toContain('(services: discovered at run time)');
      expect(requests).toBeGreaterThan(before);
    });
  });
});
