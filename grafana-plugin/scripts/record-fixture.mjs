#!/usr/bin/env node
/**
 * Records tests/fixtures/exporter-scrape.prom from the real Headroom exporter, keeping only the
 * headroom_* samples and their HELP/TYPE lines (process and Node metrics are not part of the panel's
 * data contract).
 *
 *   node scripts/record-fixture.mjs --start [--spacing 20] [--out tests/fixtures/exporter-scrape.prom]
 *   node scripts/record-fixture.mjs --url http://127.0.0.1:9464/metrics [--out …]
 *   node scripts/record-fixture.mjs --help
 *
 * --start (what the committed fixture is): writes a temporary policy — the repository's example
 * headroom.yml (built-in demo workload, no `prometheus:` section, `series_budget` lifted so every
 * detail group is published) with its service `terminal` plus a
 * copy named `api` with other instances, limits, budget, planning scenario and no schedules — with a temporary SQLite
 * scaler store and the dry-run actuator; starts `headroom serve` on a free loopback port; waits for
 * /-/ready; posts Alertmanager v4 notifications to POST /webhook so the scaler makes real decisions
 * (`--spacing` seconds apart, so they are distinct on a 5-minute timeline):
 *
 *   1. terminal cpu_high fires (cpu 91 %)        → scale out, acted (dry run)
 *   2. api scale_in fires (all low)              → scale in, acted (dry run)
 *   3. terminal cpu_high fires again (cpu 93 %)  → scale out blocked by cpu_high's own cooldown (of step 1)
 *   4. api errors_high fires (errors 3.5 %)      → scale out by the trigger's step, acted (dry run)
 *
 * Step 3 repeats step 1's trigger on purpose: a *different* trigger asking for a larger target inside
 * step 1's cooldown acts (the largest recommendation wins, README "Scaler safety"), so only the same
 * trigger inside its own cooldown is a cooldown block the scaler really records.
 *
 * then scrapes /metrics once and stops the exporter. The demo workload is seeded, so the plan is the
 * same on every run of the same day; utilization follows the demo's time of day, and the decision
 * timestamps are the recording's (the tests derive their time range from them).
 *
 * --url records from an exporter that is already running.
 *
 * The unit tests and the browser test read this file; after re-recording, run `npm test` and update
 * the expected numbers where the exporter's model changed them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, HEADROOM_BIN, launch, PLUGIN_ROOT as ROOT, REPO, sleep, waitReady } from './processes.mjs';

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    url: { type: 'string' },
    start: { type: 'boolean', default: false },
    policy: { type: 'string', default: path.join(REPO, 'headroom.yml') },
    spacing: { type: 'string', default: '20' },
    out: { type: 'string', default: path.join(ROOT, 'tests/fixtures/exporter-scrape.prom') },
    timeout: { type: 'string', default: '10000' },
  },
});

const USAGE = `usage: node scripts/record-fixture.mjs --start [--policy FILE] [--spacing SECONDS] [--out FILE] [--timeout MS]
       node scripts/record-fixture.mjs --url http://127.0.0.1:PORT/metrics [--out FILE] [--timeout MS]

Records the headroom_* lines of one scrape of the Headroom exporter into a fixture file.

  --start            start \`headroom serve\` on a temporary copy of the policy (services terminal and api,
                     dry-run scaler), post 4 Alertmanager notifications to its webhook, scrape, stop it
  --url URL          scrape an exporter that is already running instead
  --policy FILE      policy to copy for --start (default: the repository's headroom.yml)
  --spacing SECONDS  seconds between the webhook notifications (default: 20)
  --out FILE         where to write (default: tests/fixtures/exporter-scrape.prom)
  --timeout MS       timeout of each HTTP request (default: 10000)
  -h, --help         print this help`;

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

if (!values.url === !values.start) {
  console.error(USAGE);
  process.exit(2);
}

const log = (message) => console.log(`record-fixture: ${message}`);

function fail(message) {
  console.error(`record-fixture: ${message}`);
  process.exit(1);
}

/** Keeps headroom_* samples and the comment lines that describe them. */
function keepHeadroomLines(text) {
  return text
    .split('\n')
    .filter((line) => /^headroom_/.test(line) || /^# (HELP|TYPE) headroom_/.test(line))
    .join('\n');
}

async function scrape(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(Number(values.timeout)) }).catch((error) => {
    throw new Error(`cannot reach ${url}: ${error.message}`);
  });
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status} ${response.statusText}`);
  }
  const kept = keepHeadroomLines(await response.text());
  const samples = kept.split('\n').filter((line) => line && !line.startsWith('#')).length;
  if (samples === 0) {
    throw new Error(`no headroom_* samples at ${url}; is it the Headroom exporter?`);
  }
  return { kept, samples };
}

function write(header, kept, samples) {
  writeFileSync(values.out, header.map((line) => `# ${line}\n`).join('') + kept + '\n');
  log(`wrote ${samples} headroom_* samples to ${path.relative(process.cwd(), values.out)}`);
}

// --- --url: an exporter that is already running --------------------------------------------------

if (values.url) {
  try {
    const { kept, samples } = await scrape(values.url);
    write(
      [`Recorded ${new Date().toISOString()} from ${values.url} by scripts/record-fixture.mjs --url.`],
      kept,
      samples
    );
  } catch (error) {
    fail(error.message);
  }
  process.exit(0);
}

// --- --start: the real exporter on a temporary policy, driven through its webhook ----------------

/** The exporter's own YAML parser (js-yaml is a dependency of exporter/, not of the plugin). */
const yaml = createRequire(path.join(REPO, 'exporter/package.json'))('js-yaml');

/** The example policy with two services that differ, a temporary SQLite store and the dry-run actuator. */
function recordingPolicy(dir) {
  const doc = yaml.load(readFileSync(values.policy, 'utf8'));
  delete doc.prometheus; // the built-in demo workload
  // Every detail group: without a budget the exporter trims each service to 120 series and drops the
  // model, forecast and decision-detail families the panel and its tests read (README "series_budget").
  doc.series_budget = 1_000_000;
  doc.scaler = {
    ...doc.scaler,
    store: { type: 'sqlite', path: path.join(dir, 'state.db') },
    actuator: { type: 'dry-run' },
    token_env: 'HEADROOM_WEBHOOK_TOKEN',
  };
  const terminal = doc.services.find((service) => service.name === 'terminal');
  if (!terminal) {
    throw new Error(`${values.policy} has no service "terminal"`);
  }
  const api = JSON.parse(JSON.stringify(terminal).replaceAll('job=\\"terminal\\"', 'job=\\"api\\"'));
  api.name = 'api';
  api.description = 'Public API (copy of terminal with its own size, limits and budget, for the panel fixture)';
  api.instances = { static: 6 };
  api.scaling.limits = { ...api.scaling.limits, min: 3, max: 12 };
  // No schedules: the example's business_hours/off_peak schedules would turn the scale-in below into
  // "go to the schedule's desired count", which depends on the time of day of the recording.
  api.scaling.schedules = [];
  api.growth.planning_scenario = 'conservative';
  api.cost.budget = { ...api.cost.budget, monthly: 3000 };
  doc.services = [terminal, api];
  return doc;
}

/** An Alertmanager v4 notification with one alert, labelled the way the generated rules label it (docs/CONTRACTS.md). */
function notification({ service, trigger, action, step, value }) {
  const labels = {
    alertname: `HeadroomScaling_${service}_${trigger}`,
    headroom: 'scaling',
    service,
    trigger,
    action,
    step: String(step),
    severity: trigger === 'errors_high' ? 'critical' : 'warning',
  };
  const startsAt = new Date().toISOString();
  const alert = {
    status: 'firing',
    labels,
    annotations: { summary: `${trigger} on ${service}`, value: String(value) },
    startsAt,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://127.0.0.1:9090/graph',
    fingerprint: randomBytes(8).toString('hex'),
  };
  return {
    receiver: 'headroom-scaler',
    status: 'firing',
    alerts: [alert],
    groupLabels: { service },
    commonLabels: labels,
    commonAnnotations: alert.annotations,
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: `{}:{service="${service}"}`,
    truncatedAlerts: 0,
  };
}

const NOTIFICATIONS = [
  { service: 'terminal', trigger: 'cpu_high', action: 'scale_out', step: 1, value: 91, expect: 'acted' },
  { service: 'api', trigger: 'scale_in', action: 'scale_in', step: 1, value: 20, expect: 'acted' },
  { service: 'terminal', trigger: 'cpu_high', action: 'scale_out', step: 1, value: 93, expect: 'blocked' },
  { service: 'api', trigger: 'errors_high', action: 'scale_out', step: 2, value: 3.5, expect: 'acted' },
];

async function postWebhook(base, token, spec) {
  const response = await fetch(`${base}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(notification(spec)),
    signal: AbortSignal.timeout(Number(values.timeout)),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(
      `POST /webhook (${spec.service} ${spec.trigger}) answered ${response.status}: ${JSON.stringify(body)}`
    );
  }
  const [result] = body.results ?? [];
  const summary = `${spec.service} ${spec.trigger}: ${result?.outcome} ${result?.action ?? ''} ${result?.current ?? '?'} → ${result?.target ?? '?'}${
    result?.blocked_by?.length ? ` blocked by ${result.blocked_by.join(', ')}` : ''
  }`;
  log(summary);
  if (result?.outcome !== spec.expect) {
    throw new Error(
      `expected ${spec.expect} for ${spec.service} ${spec.trigger}, the scaler answered ${JSON.stringify(result)}`
    );
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'headroom-fixture-'));
const policyFile = path.join(dir, 'headroom.yml');
let exporter;
try {
  writeFileSync(policyFile, yaml.dump(recordingPolicy(dir), { lineWidth: 200, noRefs: true }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const token = randomBytes(16).toString('hex');
  exporter = launch(
    process.execPath,
    [HEADROOM_BIN, 'serve', '--config', policyFile, '--listen', `127.0.0.1:${port}`],
    {
      env: { HEADROOM_WEBHOOK_TOKEN: token },
    }
  );
  log(`started headroom serve (pid ${exporter.child.pid}) on ${base} with ${policyFile}`);
  await waitReady(base, exporter);
  log('ready');

  const spacingMs = Number(values.spacing) * 1000;
  for (const [i, spec] of NOTIFICATIONS.entries()) {
    if (i > 0) {
      await sleep(spacingMs);
    }
    await postWebhook(base, token, spec);
  }
  const { kept, samples } = await scrape(`${base}/metrics`);
  write(
    [
      `Recorded ${new Date().toISOString()} by scripts/record-fixture.mjs --start: headroom serve on the example`,
      `policy (services terminal and api, built-in demo workload), dry-run scaler, ${NOTIFICATIONS.length} webhook notifications:`,
      ...NOTIFICATIONS.map((n) => `  ${n.service} ${n.trigger} (value ${n.value}) → ${n.expect}`),
    ],
    kept,
    samples
  );
} catch (error) {
  console.error((exporter?.output() ?? '').split('\n').slice(-30).join('\n'));
  process.exitCode = 1;
  console.error(`record-fixture: ${error.message}`);
} finally {
  if (exporter) {
    await exporter.stop();
    log(`stopped the exporter (pid ${exporter.child.pid})`);
  }
  rmSync(dir, { recursive: true, force: true });
}
