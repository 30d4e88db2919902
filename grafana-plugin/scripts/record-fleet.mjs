#!/usr/bin/env node
/**
 * Records the fleet view's data from real processes: a real Prometheus scraping two real Headroom
 * exporters, then the fleet view's own queries (@headroom/contract QUERIES.fleet, `$service` = All)
 * answered by that Prometheus, saved as JSON. The browser test turns the answers into the data
 * frames Grafana's Prometheus data source makes of them.
 *
 *   node scripts/record-fleet.mjs --services 100 [--missing 5] [--out tests/fixtures/fleet-100.json]
 *
 * - Exporter A: the example headroom.yml (built-in demo workload, no `prometheus:` section) with its
 *   service `terminal` copied to svc_0001 … svc_N, each with its own instance count, limits.max,
 *   budget and planning scenario, so headroom and time left differ from service to service.
 * - Exporter B: `--missing` of those names (spread over the list) with `prometheus:` pointing at the
 *   recording's Prometheus, which holds none of their input series (and is not up yet at B's first
 *   refresh): B reports every input missing (headroom_input_up 0, no utilization) — services that
 *   stopped reporting.
 * - Once both exporters are ready, Prometheus starts and scrapes them; when it holds every service,
 *   the queries run and the processes stop.
 *
 * The answers keep the series' labels except `job` and `instance` (the scrape's, not the panel's).
 * 1,000 services are recorded at test time (the file would be ~1 MB); 3 and 100 are committed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { QUERIES, SERVICE_MATCHER } from '@headroom/contract';

import { freePort, HEADROOM_BIN, launch, PLUGIN_ROOT, REPO, sleep, waitReady } from './processes.mjs';

/** The exporter's own YAML parser (js-yaml is a dependency of exporter/, not of the plugin). */
const yaml = createRequire(path.join(REPO, 'exporter/package.json'))('js-yaml');

const SCENARIOS = ['conservative', 'moderate', 'aggressive', 'hockey_stick'];

export const serviceName = (i) => `svc_${String(i + 1).padStart(4, '0')}`;

/** Indices of the missing services: `missing` of `services`, evenly spread, the last one included. */
export function missingIndices(services, missing) {
  if (missing <= 0) {
    return [];
  }
  const step = services / missing;
  return Array.from({ length: missing }, (_, k) => Math.round((k + 1) * step) - 1);
}

/** Service i: the example's `terminal` with its own size, limits, budget and planning scenario. */
function fleetService(terminal, i) {
  const svc = structuredClone(terminal);
  const instances = 2 + ((i * 7) % 9);
  svc.name = serviceName(i);
  svc.description = `Fleet view recording: copy ${i + 1} of terminal`;
  svc.instances = { static: instances };
  // No schedules: their desired counts would depend on the time of day of the recording.
  svc.scaling.schedules = [];
  svc.scaling.limits = { ...svc.scaling.limits, min: 1, max: instances + 1 + ((i * 5) % 12) };
  svc.growth.planning_scenario = SCENARIOS[i % SCENARIOS.length];
  // The fleet view reads the scenarios' exhaustion times, not the automatic forecast: two cheap
  // candidate models on 90 days keep the first refresh of 1,000 services within a minute here.
  svc.growth.history_days = 90;
  svc.growth.models = ['linear', 'exponential'];
  svc.cost.budget = { ...svc.cost.budget, monthly: 800 + ((i * 37) % 23) * 200 };
  return svc;
}

function policies({ services, missing, dir, prometheusUrl }) {
  const base = yaml.load(readFileSync(path.join(REPO, 'headroom.yml'), 'utf8'));
  delete base.prometheus;
  const terminal = base.services.find((service) => service.name === 'terminal');
  const all = Array.from({ length: services }, (_, i) => fleetService(terminal, i));
  const gone = new Set(missingIndices(services, missing));
  const scaler = (name) => ({
    ...base.scaler,
    store: { type: 'sqlite', path: path.join(dir, `${name}.db`) },
    actuator: { type: 'dry-run' },
    token_env: 'HEADROOM_WEBHOOK_TOKEN',
  });
  const present = { ...base, scaler: scaler('present'), services: all.filter((_, i) => !gone.has(i)) };
  const absent = {
    ...base,
    prometheus: { url: prometheusUrl, timeout: '5s', concurrency: 4 },
    scaler: scaler('missing'),
    services: all.filter((_, i) => gone.has(i)),
  };
  return { present, absent, missingNames: [...gone].map(serviceName) };
}

async function query(prometheusUrl, expr) {
  const response = await fetch(`${prometheusUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }),
    signal: AbortSignal.timeout(20000),
  });
  const body = await response.json();
  if (body.status !== 'success') {
    throw new Error(`${expr}: ${body.error ?? response.status}`);
  }
  return body.data.result;
}

async function waitForServices(prometheusUrl, count, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  let seen = 0;
  while (Date.now() < deadline) {
    const [row] = await query(prometheusUrl, 'count(count by (service) (headroom_budget_monthly))').catch(() => []);
    seen = Number(row?.value[1] ?? 0);
    if (seen >= count) {
      return;
    }
    await sleep(500);
  }
  throw new Error(`Prometheus holds ${seen} of ${count} services after ${deadlineMs / 1000} s`);
}

/** The fleet view's queries for every service ($service = All, as the dashboard's All value sends it). */
async function fleetAnswers(prometheusUrl) {
  const answers = [];
  for (const q of QUERIES.fleet) {
    const expr = q.expr.split(SERVICE_MATCHER).join('service=~".+"');
    const result = await query(prometheusUrl, expr);
    answers.push({
      refId: q.refId,
      expr: q.expr,
      series: result.map(({ metric: { job: _job, instance: _instance, ...labels }, value }) => [labels, value[1]]),
    });
  }
  return answers;
}

/** 1,000 services are ~24 MB of /metrics (2.5–4 s to render here): a scrape needs room. */
function prometheusConfig(targets) {
  return yaml.dump({
    global: { scrape_interval: '20s', scrape_timeout: '20s' },
    scrape_configs: targets.map(([job, port]) => ({
      job_name: job,
      static_configs: [{ targets: [`127.0.0.1:${port}`] }],
    })),
  });
}

async function startExporter(policy, file, port, token) {
  writeFileSync(file, yaml.dump(policy, { lineWidth: 200, noRefs: true }));
  const proc = launch(process.execPath, [HEADROOM_BIN, 'serve', '--config', file, '--listen', `127.0.0.1:${port}`], {
    env: { HEADROOM_WEBHOOK_TOKEN: token },
  });
  return proc;
}

/** Records the fleet view's answers for `services` services, `missing` of them missing; returns the fixture object. */
export async function recordFleet({ services, missing, log = () => {} }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-fleet-'));
  const procs = [];
  try {
    const [promPort, presentPort, absentPort] = [await freePort(), await freePort(), await freePort()];
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    const { present, absent, missingNames } = policies({ services, missing, dir, prometheusUrl });
    const token = randomBytes(16).toString('hex');
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      prometheusConfig([['headroom', presentPort], ...(missing > 0 ? [['headroom-missing', absentPort]] : [])])
    );
    procs.push(await startExporter(present, path.join(dir, 'present.yml'), presentPort, token));
    if (missing > 0) {
      procs.push(await startExporter(absent, path.join(dir, 'missing.yml'), absentPort, token));
    }
    log(`started ${procs.length} exporter(s) for ${services} services (${missing} missing)`);
    // Prometheus starts once the exporters are ready: a scrape of 1,000 services during their first
    // refresh would slow it down (the exporter's refresh and /metrics share one event loop).
    await waitReady(`http://127.0.0.1:${presentPort}`, procs[0], 240000);
    if (missing > 0) {
      await waitReady(`http://127.0.0.1:${absentPort}`, procs[1], 60000);
    }
    const prometheus = launch('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    procs.push(prometheus);
    await waitReady(prometheusUrl, prometheus, 30000);
    await waitForServices(prometheusUrl, services, 120000);
    const answers = await fleetAnswers(prometheusUrl);
    log(`recorded ${answers.reduce((n, a) => n + a.series.length, 0)} series`);
    return {
      recorded: new Date().toISOString(),
      by: `scripts/record-fleet.mjs --services ${services} --missing ${missing}`,
      note: 'Answers of a real Prometheus to QUERIES.fleet ($service = All), scraping a demo-workload exporter and one whose inputs are absent.',
      services,
      missing: missingNames,
      answers,
    };
  } finally {
    for (const proc of procs.reverse()) {
      await proc.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One answer a line: the 100-service file stays diffable. */
export function fixtureText(fixture) {
  const { answers, ...head } = fixture;
  const lines = answers.map(
    (a) =>
      `    {"refId":${JSON.stringify(a.refId)},"expr":${JSON.stringify(a.expr)},"series":[\n` +
      a.series.map((s) => `      ${JSON.stringify(s)}`).join(',\n') +
      '\n    ]}'
  );
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${headText},\n  "answers": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      services: { type: 'string', default: '3' },
      missing: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const services = Number(values.services);
  const missing =
    values.missing === undefined ? Math.max(1, Math.min(5, Math.round(services / 50))) : Number(values.missing);
  const out = values.out ?? path.join(PLUGIN_ROOT, `tests/fixtures/fleet-${services}.json`);
  try {
    const fixture = await recordFleet({ services, missing, log: (m) => console.log(`record-fleet: ${m}`) });
    writeFileSync(out, fixtureText(fixture));
    console.log(`record-fleet: wrote ${path.relative(process.cwd(), out)}`);
  } catch (error) {
    console.error(`record-fleet: ${error.message}`);
    process.exitCode = 1;
  }
}
