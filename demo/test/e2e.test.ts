/**
 * The whole loop with real components: the demo fleet (load = demand / instances) is scraped by a real
 * Prometheus evaluating the rules `headroom rules` generates from a short-interval test policy; a real
 * Alertmanager routes the scaling alerts to `headroom serve`'s webhook (a child process, bearer token),
 * whose http actuator scales the fleet, and the budget alerts to people (the fleet's /inbox stands in).
 * Every decision must then be visible in /api/v1/decisions and in the headroom_* series in Prometheus.
 *
 * Short intervals: scrape and evaluation 1 s, trigger `for` 3 s, cooldowns of a few seconds, and the
 * test shortens two things the policy does not set: the `for` of the budget alerts (15 m / 1 h in
 * production) and Alertmanager's group and repeat intervals (1 m and cooldown + 1 m).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import yaml from 'js-yaml';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateAlerts } from '@headroom/exporter/alerts';
import { validatePolicy } from '@headroom/exporter/config';
import type { Policy } from '@headroom/exporter/config/schema';
import { proportionalTarget } from '@headroom/exporter/model/capacity';
import { fleetSignals, FLEET_DEFAULTS } from '../src/fleet/model.js';
import { startFleet, type Fleet } from '../src/fleet/server.js';
import { fleetPolicy, prometheusConfig } from '../src/stack/config.js';
import { serveArgs } from '../src/stack/run.js';
import {
  EXAMPLE_POLICY,
  ROOT,
  exec,
  freePort,
  startAlertmanager,
  startPrometheus,
  tempDir,
  waitFor,
  waitForTargets,
  type Running,
} from './support.js';

const SERVICE = 'terminal';
const MIN = 3;
const START_USERS = 150; // 50 users per instance: CPU 35 %, neither trigger holds
const HIGH_USERS = 600; // 200 per instance: CPU 85 % > 70 %
const LOW_USERS = 60; // 12 per instance at 5: CPU 18 %, memory 31 %, 24 sessions: every scale-in condition holds
const BUDGET = 1000;

const CPU_TRIGGER = { name: 'cpu_high', signal: 'cpu', above: 70, for: '3s', cooldown: '5s', step: 1, target: 60 };
const SCALE_IN = {
  conditions: [
    { signal: 'cpu', below: 30 },
    { signal: 'memory', below: 40 },
    { signal: 'sessions', below: 50 },
  ],
  for: '4s',
  cooldown: '3s',
  step: 1,
};

let dir: string;
let fleet: Fleet;
let prom: Running;
let am: Running;
let exporter: ChildProcess | undefined;
let exporterLog = '';
let exporterUrl: string;
let policy: Policy;
let started: number;
const token = randomBytes(16).toString('hex');

async function promQuery(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`${expr}: ${JSON.stringify(body)}`);
  return body.data.result;
}

async function setDemand(body: { users?: number; spend_offset?: number }): Promise<void> {
  const res = await fetch(`${fleet.url}/demand`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

/** Sets every timing of Alertmanager's routing tree to test speed. */
function fastRoutes(route: Record<string, unknown>): void {
  for (const key of ['group_wait', 'group_interval', 'repeat_interval'] as const)
    if (key in route || route.receiver)
      route[key] = { group_wait: '0s', group_interval: '1s', repeat_interval: '2s' }[key];
  for (const r of (route.routes as Record<string, unknown>[] | undefined) ?? []) fastRoutes(r);
}

async function stopExporter(): Promise<void> {
  const p = exporter;
  exporter = undefined;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

const HISTORY_DAYS = 60;

/**
 * 60 days of daily active users (1 % a day of growth with a weekly cycle, ending at the fleet's
 * current demand), backfilled by promtool so the exporter can fit models and project the scenarios.
 */
async function backfillHistory(): Promise<string> {
  const day = 86_400;
  const today = Math.floor(Date.now() / 1000 / day) * day;
  const now = START_USERS / FLEET_DEFAULTS.concurrencyRatio;
  const lines = ['# TYPE demo_fleet_daily_active_users gauge'];
  for (let i = HISTORY_DAYS; i >= 1; i--)
    lines.push(
      `demo_fleet_daily_active_users{job="fleet"} ${Math.round(now * 1.01 ** -i * (1 + 0.08 * Math.sin((2 * Math.PI * i) / 7)))} ${today - i * day}`
    );
  const input = path.join(dir, 'history.om');
  writeFileSync(input, `${lines.join('\n')}\n# EOF\n`);
  const storage = path.join(dir, 'tsdb');
  await exec('promtool', [
    'tsdb',
    'create-blocks-from',
    'openmetrics',
    `--max-block-duration=${(HISTORY_DAYS + 2) * 24}h`,
    input,
    storage,
  ]);
  return storage;
}

beforeAll(async () => {
  started = Date.now();
  dir = tempDir('e2e');
  fleet = await startFleet({ host: '127.0.0.1', port: 0 }, { instances: MIN, users: START_USERS, maxInstances: 10 });
  const [promPort, amPort, exporterPort] = [await freePort(), await freePort(), await freePort()];
  exporterUrl = `http://127.0.0.1:${exporterPort}`;
  const tokenFile = path.join(dir, 'webhook-token');
  writeFileSync(tokenFile, token);

  const doc = fleetPolicy(yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as Record<string, unknown>, {
    prometheusUrl: `http://127.0.0.1:${promPort}`,
    fleetUrl: fleet.url,
    webhookUrl: `${exporterUrl}/webhook`,
    webhookCredentialsFile: tokenFile,
    peopleWebhookUrl: `${fleet.url}/inbox`,
    statePath: path.join(dir, 'headroom-state.db'),
  });
  doc.refresh = { interval: '1s', history_interval: '1h', stale_after: '30s' };
  const svc = doc.services[0];
  svc.scaling = {
    scale_out: [CPU_TRIGGER],
    scale_in: SCALE_IN,
    schedules: [],
    limits: { min: MIN, max: 8, max_scale_out_per_hour: 20, max_scale_in_per_hour: 20 },
    warmup: '1s',
  };
  svc.cost.budget = { monthly: BUDGET, warning_ratio: 0.8 };
  svc.growth.history_days = HISTORY_DAYS;
  policy = validatePolicy(doc, 'headroom.e2e.yml');
  const policyFile = path.join(dir, 'headroom.e2e.yml');
  writeFileSync(policyFile, yaml.dump(doc));

  const files = generateAlerts(policy, { configName: 'headroom.e2e.yml', format: 'prometheus' });
  const ruleFiles: Record<string, string> = {};
  for (const [name, text] of files) {
    if (!name.endsWith('.rules.yml')) continue;
    const rules = yaml.load(text) as { groups: { rules: { alert?: string; for?: string }[] }[] };
    for (const g of rules.groups) for (const r of g.rules) if (r.alert?.startsWith('HeadroomBudget')) r.for = '2s';
    ruleFiles[name] = yaml.dump(rules);
  }
  const amConfig = yaml.load(files.get('alertmanager.yml')!) as { route: Record<string, unknown> };
  fastRoutes(amConfig.route);
  const storage = await backfillHistory();

  [prom, am] = await Promise.all([
    startPrometheus({
      config: yaml.dump(
        prometheusConfig({
          scrapeInterval: '1s',
          evaluationInterval: '1s',
          ruleFiles: Object.keys(ruleFiles).map((f) => `{{DIR}}/${f}`),
          alertmanagers: [`127.0.0.1:${amPort}`],
          targets: { exporter: [`127.0.0.1:${exporterPort}`], fleet: [new URL(fleet.url).host] },
        })
      ),
      files: ruleFiles,
      port: promPort,
      storage,
    }),
    startAlertmanager(yaml.dump(amConfig), amPort),
  ]);

  exporter = spawn(process.execPath, serveArgs(policyFile, `127.0.0.1:${exporterPort}`, '--log.level', 'info'), {
    env: { ...process.env, HEADROOM_WEBHOOK_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exporter.stdout!.on('data', (d) => (exporterLog += d));
  exporter.stderr!.on('data', (d) => (exporterLog += d));
  // A start-up that fails says why: its exit and its log, not only the timeout.
  await waitFor('the exporter to be ready', async () => (await fetch(`${exporterUrl}/-/ready`)).ok, 30_000, 200).catch(
    (e: Error) => {
      throw new Error(
        `${e.message}; exporter ${exporter?.exitCode == null ? 'still running' : `exited with ${exporter.exitCode}`}, log (tail):\n${exporterLog.slice(-6000)}`
      );
    }
  );
  await waitForTargets(prom, 2, 30_000);
  // The exporter has read the fleet through Prometheus.
  await waitFor(
    'headroom_instances in Prometheus',
    async () => Number((await promQuery(`headroom_instances{service="${SERVICE}"}`))[0]?.value[1]) === MIN,
    20_000,
    250
  );
}, 90_000);

afterAll(async () => {
  await stopExporter();
  await Promise.all([prom?.stop(), am?.stop(), fleet?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`e2e: the whole loop took ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    console.log(`exporter log (tail):\n${exporterLog.slice(-6000)}`);
    console.log(`scale requests: ${JSON.stringify(fleet.requests())}`);
  });
});

const scaleRequests = (action: string) => fleet.requests().filter((r) => r.action === action);

describe('the scaling loop with real Prometheus and Alertmanager', () => {
  it('scales out to the absolute target once CPU stays above the trigger for its duration', async () => {
    const crossed = Date.now() / 1000;
    await setDemand({ users: HIGH_USERS });
    const cpu = fleetSignals(FLEET_DEFAULTS, HIGH_USERS, MIN)!.cpuPercent;
    // Step +1, or the utilization-proportional target when larger (ceil(3 × 85 / 60) = 5).
    const expected = Math.max(MIN + CPU_TRIGGER.step, proportionalTarget(MIN, cpu, CPU_TRIGGER.target));
    expect(expected).toBe(5);
    const [req] = await waitFor(
      'a scale-out request at the fleet',
      async () => scaleRequests('scale_out').length > 0 && scaleRequests('scale_out'),
      30_000,
      100
    );
    expect(req).toMatchObject({ action: 'scale_out', target_instances: expected, previous: MIN });
    expect(req.received_at - crossed).toBeGreaterThanOrEqual(3);
    // At 5 instances CPU is 69 %: the alert resolves; Alertmanager's repeats never scale twice.
    await new Promise((r) => setTimeout(r, 6000));
    expect(scaleRequests('scale_out')).toHaveLength(1);
    expect(fleet.state().instances).toBe(expected);
  }, 60_000);

  it('scales in by its step after the scale-in window, and never below the minimum', async () => {
    const quiet = Date.now() / 1000;
    await setDemand({ users: LOW_USERS });
    const [first] = await waitFor(
      'a scale-in request at the fleet',
      async () => scaleRequests('scale_in').length > 0 && scaleRequests('scale_in'),
      30_000,
      100
    );
    expect(first).toMatchObject({ action: 'scale_in', previous: 5, target_instances: 5 - SCALE_IN.step });
    expect(first.received_at - quiet).toBeGreaterThanOrEqual(4);
    await waitFor(`the fleet at the minimum of ${MIN}`, async () => fleet.state().instances === MIN, 40_000, 200);
    // Load stays low and the scale-in alert keeps firing: still never below the minimum.
    await new Promise((r) => setTimeout(r, 6000));
    const ins = scaleRequests('scale_in');
    for (const r of ins) {
      expect(r.target_instances).toBe(r.previous - SCALE_IN.step);
      expect(r.target_instances).toBeGreaterThanOrEqual(MIN);
    }
    expect(fleet.state().instances).toBe(MIN);
  }, 90_000);

  it('fires the budget alert when the forecast spend passes the budget and routes it to people, not the scaler', async () => {
    const before = fleet.requests().length;
    await setDemand({ spend_offset: BUDGET * 1.2 });
    const note = await waitFor(
      'HeadroomBudgetForecastOverrun at the people receiver',
      async () =>
        (fleet.inbox() as { status: string; receiver: string; alerts: { labels: Record<string, string> }[] }[]).find(
          (n) => n.status === 'firing' && n.alerts.some((a) => a.labels.alertname === 'HeadroomBudgetForecastOverrun')
        ),
      30_000,
      200
    );
    expect(note.receiver).toBe('headroom-people');
    expect(note.alerts.find((a) => a.labels.alertname === 'HeadroomBudgetForecastOverrun')!.labels).toMatchObject({
      headroom: 'budget',
      service: SERVICE,
    });
    const res = await fetch(
      `${am.url}/api/v2/alerts?filter=${encodeURIComponent('alertname="HeadroomBudgetForecastOverrun"')}`
    );
    const alerts = (await res.json()) as { receivers: { name: string }[]; status: { state: string } }[];
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts[0].receivers.map((r) => r.name)).toEqual(['headroom-people']);
    const forecast = await promQuery(`headroom_budget_forecast_ratio{service="${SERVICE}"}`);
    expect(Number(forecast[0].value[1])).toBeGreaterThan(1);
    expect(fleet.requests().length).toBe(before);
  }, 60_000);

  it('shows every decision in /api/v1/decisions and in the headroom_* series in Prometheus', async () => {
    const api = (await (await fetch(`${exporterUrl}/api/v1/decisions?service=${SERVICE}&limit=100`)).json()) as {
      recorded: {
        items: {
          action: string;
          intended: string;
          current: number;
          target: number;
          trigger: string;
          status: string;
          blockedBy: string[];
        }[];
      };
    };
    const taken = api.recorded.items.filter((d) => d.action !== 'none');
    const sent = fleet.requests();
    // Every request the fleet received is a recorded decision with the same current → target.
    for (const r of sent) {
      expect(
        taken.some((d) => d.action === r.action && d.current === r.previous && d.target === r.target_instances),
        `${r.action} ${r.previous} → ${r.target_instances}`
      ).toBe(true);
    }
    expect(taken.filter((d) => d.action === 'scale_out').map((d) => d.trigger)).toEqual(['cpu_high']);
    // Quiet at the floor: once the fleet is at the minimum, the scale-in alert stops (it used to fire, and call the scaler, forever).
    await waitFor(
      'HeadroomScaleIn to stop at the minimum',
      async () => (await promQuery(`ALERTS{alertname="HeadroomScaleIn",service="${SERVICE}"}`)).length === 0,
      20_000,
      200
    );
    expect((await promQuery(`headroom_instances{service="${SERVICE}"}`))[0].value[1]).toBe(String(MIN));

    await waitFor(
      'the scaler metrics in Prometheus',
      async () => {
        const outs = await promQuery(
          `headroom_scaler_actions_total{service="${SERVICE}",action="scale_out",result="success"}`
        );
        const ins = await promQuery(
          `sum(headroom_scaler_actions_total{service="${SERVICE}",action="scale_in",result="success"})`
        );
        return (
          Number(outs[0]?.value[1]) === 1 &&
          Number(ins[0]?.value[1]) === sent.filter((r) => r.action === 'scale_in').length
        );
      },
      15_000,
      250
    );
    const lastOut = await promQuery(
      `headroom_scaler_last_decision_target_instances{service="${SERVICE}",action="scale_out",trigger="cpu_high"}`
    );
    expect(lastOut.map((s) => Number(s.value[1]))).toContain(5);
    const lastIn = await promQuery(
      `headroom_scaler_last_decision_target_instances{service="${SERVICE}",action="scale_in",blocked_by="none"}`
    );
    expect(Number(lastIn[0].value[1])).toBe(MIN);
    const instances = await promQuery(`headroom_instances{service="${SERVICE}"}`);
    expect(Number(instances[0].value[1])).toBe(MIN);
    // The dashboard's "Scaling actions" annotation places the scale-out at the time it was decided (ms).
    const board = JSON.parse(
      readFileSync(path.join(ROOT, 'provisioning/dashboards/headroom-overview.json'), 'utf8')
    ) as { annotations: { list: { name: string; expr?: string }[] } };
    const annotation = board.annotations.list.find((a) => a.name === 'Scaling actions')!;
    const marks = await promQuery(annotation.expr!.replace('$service', SERVICE));
    const scaleOut = marks.find((m) => m.metric.action === 'scale_out' && m.metric.trigger === 'cpu_high');
    expect(Number(scaleOut?.value[1])).toBeGreaterThanOrEqual(started - 1000);
    expect(Number(scaleOut?.value[1])).toBeLessThanOrEqual(Date.now());
    expect((Date.now() - started) / 1000).toBeLessThan(180);
  }, 30_000);
});

/**
 * The browser half: the provisioned dashboard's Headroom panels, their queries run against this real
 * Prometheus (query_range for range targets, query for instant ones, as Grafana's data source does),
 * rendered by the built plugin (grafana-plugin/dist/module.js) in the plugin's own host page
 * (grafana-plugin/tests/host). The host reads a recorded scrape at a fixed time; here esbuild swaps
 * its two test-data modules for ones that take these query results and the test's time range.
 */
const PLUGIN = path.join(ROOT, 'grafana-plugin');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const DOCS_IMG = path.join(ROOT, 'docs/img');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface RangeSample {
  metric: string;
  labels: Record<string, string>;
  times: number[];
  values: number[];
}

/** Runs the dashboard's target the way Grafana's Prometheus data source does, over [from, to] (ms). */
async function runTarget(
  t: { expr: string; instant: boolean; range: boolean },
  service: string,
  from: number,
  to: number
): Promise<RangeSample[]> {
  const expr = t.expr.replaceAll('$service', service);
  const url = t.range
    ? `${prom.url}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${from / 1000}&end=${to / 1000}&step=1`
    : `${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}&time=${to / 1000}`;
  const body = (await (await fetch(url)).json()) as {
    data: { result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
  };
  return body.data.result.map((r) => {
    const points = r.values ?? [r.value!];
    const { __name__: metric, ...labels } = r.metric;
    return { metric, labels, times: points.map((p) => p[0] * 1000), values: points.map((p) => Number(p[1])) };
  });
}

/**
 * esbuild plugin: wraps the host's two test-data modules. Everything they export is kept; only the
 * functions that read the recorded scrape and its time window are overridden, to take the live query
 * results and the test's time range from window.headroomE2E.
 */
const liveData: Plugin = {
  name: 'headroom-e2e-live-data',
  setup(b) {
    const real = (name: string) => JSON.stringify(path.join(PLUGIN, 'src/testing', `${name}.ts`));
    b.onResolve({ filter: /testing\/(times|promText)$/ }, (a) => ({
      path: a.path.endsWith('times') ? 'times' : 'promText',
      namespace: 'e2e',
    }));
    b.onLoad({ filter: /.*/, namespace: 'e2e' }, (a) =>
      a.path === 'times'
        ? {
            contents: `
              export * from ${real('times')};
              const live = () => window.headroomE2E.range;
              export const fixtureWindow = () => ({ scrapeTime: live().to, range: live(), decisionTimes: [] });
              export const SCRAPE_TIME = live().to;
              export const RANGE = live();`,
            loader: 'js',
            resolveDir: path.join(PLUGIN, 'src/testing'),
          }
        : {
            contents: `
              import { FieldType, toDataFrame } from '@grafana/data';
              export * from ${real('promText')};
              export const parsePromText = (text) => JSON.parse(text);
              // One frame per series, as the Prometheus data source returns them; each keeps its own samples.
              export const toPrometheusFrames = (samples, _times, refId = 'A') => samples.map((s) =>
                toDataFrame({ refId, meta: { type: 'timeseries-multi', typeVersion: [0, 1] }, fields: [
                  { name: 'Time', type: FieldType.time, config: {}, values: s.times },
                  { name: s.metric, type: FieldType.number, config: {}, labels: { __name__: s.metric, ...s.labels }, values: s.values },
                ] }));`,
            loader: 'js',
            resolveDir: path.join(PLUGIN, 'src/testing'),
          }
    );
  },
};

async function renderDashboardPanels(range: {
  from: number;
  to: number;
}): Promise<Record<string, { text: string; markers: number; file: string }>> {
  if (!existsSync(path.join(PLUGIN, 'dist/module.js')))
    await exec('npm', ['run', 'build', '-w', 'grafana-plugin'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const work = mkdtempSync(path.join(tmpdir(), 'headroom-e2e-browser-'));
  const bundle = path.join(work, 'host.bundle.js');
  await build({
    entryPoints: [path.join(PLUGIN, 'tests/host/host.tsx')],
    outfile: bundle,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: {
      '.ttf': 'dataurl',
      '.woff': 'dataurl',
      '.woff2': 'dataurl',
      '.svg': 'dataurl',
      '.png': 'dataurl',
      '.gif': 'dataurl',
    },
    plugins: [liveData],
  });
  const dashboard = JSON.parse(
    readFileSync(path.join(ROOT, 'provisioning/dashboards/headroom-overview.json'), 'utf8')
  ) as {
    panels: {
      type: string;
      title: string;
      options: Record<string, unknown>;
      targets: { expr: string; instant: boolean; range: boolean }[];
    }[];
  };
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server: Server = createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://host').pathname;
    const file = p.startsWith('/tests/host/host.bundle.')
      ? path.join(work, path.basename(p))
      : path.join(PLUGIN, path.normalize(decodeURIComponent(p)));
    if (
      (!file.startsWith(PLUGIN + path.sep) && !file.startsWith(work)) ||
      !existsSync(file) ||
      !statSync(file).isFile()
    )
      return void res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' })
      .end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const profile = path.join(work, 'profile');
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
  const out: Record<string, { text: string; markers: number; file: string }> = {};
  try {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const panel of dashboard.panels.filter((p) => p.type === 'headroom-capacity-panel')) {
      const view = panel.options.view as string;
      const samples = (await Promise.all(panel.targets.map((t) => runTarget(t, SERVICE, range.from, range.to)))).flat();
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.addInitScript((r) => Object.assign(window, { headroomE2E: { range: r } }), range);
      await page.route('**/tests/fixtures/exporter-scrape.prom', (route) =>
        route.fulfill({ contentType: 'application/json', body: JSON.stringify(samples) })
      );
      const [width, height] = [760, 420];
      await page.setViewportSize({ width: width + 40, height: height + 40 });
      const q = new URLSearchParams({
        theme: 'dark',
        width: String(width),
        height: String(height),
        options: JSON.stringify(panel.options),
        variables: JSON.stringify({ service: SERVICE }),
      });
      await page.goto(`${base}/tests/host/index.html?${q}`);
      await page.waitForFunction(() => (window as any).headroomReady || (window as any).headroomError, null, {
        timeout: 20_000,
      });
      expect(await page.evaluate(() => (window as any).headroomError)).toBeUndefined();
      const file = path.join(ARTIFACTS, `e2e-${view}.png`);
      await page.locator('#panel').screenshot({ path: file });
      out[view] = {
        text: await page.locator('[data-testid="headroom-panel"]').innerText(),
        markers: await page.locator('[data-testid^="decision-marker-"]').count(),
        file,
      };
      expect(errors).toEqual([]);
      await page.close();
    }
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

describe('the provisioned dashboard against that Prometheus, in Chromium', () => {
  it('shows the decisions the loop just made in the built panel (screenshot in test-artifacts/)', async () => {
    const rendered = await renderDashboardPanels({ from: started - 5000, to: Date.now() + 2000 });
    const decisions = rendered.decisions.text;
    const outs = fleet.requests().filter((r) => r.action === 'scale_out');
    const ins = fleet.requests().filter((r) => r.action === 'scale_in');
    for (const r of [...outs, ...ins]) expect(decisions).toContain(`${r.previous} → ${r.target_instances}`);
    expect(decisions).toContain('cpu_high');
    expect(rendered.decisions.markers).toBeGreaterThanOrEqual(outs.length + ins.length);
    // The other two views draw from the same live data.
    expect(rendered.plan.text).toContain('moderate');
    expect(rendered.headroom.text).toContain('cpu');
    if (process.env.UPDATE_DOCS_SCREENSHOTS) {
      mkdirSync(DOCS_IMG, { recursive: true });
      for (const v of Object.values(rendered)) copyFileSync(v.file, path.join(DOCS_IMG, path.basename(v.file)));
    }
  }, 90_000);
});

// If the test runner itself is torn down, the exporter child must not outlive it.
process.on('exit', () => {
  if (exporter && exporter.exitCode === null) exporter.kill('SIGKILL');
});
