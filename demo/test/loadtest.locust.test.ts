/**
 * `headroom loadtest import` on a real Locust run: Debian's `locust` drives a stepped LoadTestShape
 * (demo/test/fixtures/stepped.py) headless against the demo fleet on loopback, a real
 * Prometheus scrapes the fleet, and the import reads Locust's CSV stats history plus CPU and memory
 * from Prometheus over each step. The fleet serves the response times and error rates of a curve it
 * was configured with, so the thresholds the import derives must be the thresholds of that curve.
 * Bounded: 4 steps of 12 s (~50 s of Locust). It measures response times, so it never runs beside the
 * e2e tests' Prometheus, Alertmanager and exporters: the demo's test files run one at a time
 * (vitest.config.ts).
 */
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '@headroom/exporter/config';
import type { LoadCurve } from '@headroom/exporter/load-curve';
import { analyzeLoadTest } from '@headroom/exporter/model/loadtest';
import { FLEET_DEFAULTS } from '../src/fleet/model.js';
import { startFleet, type Fleet } from '../src/fleet/server.js';
import {
  EXAMPLE_POLICY,
  ROOT,
  examplePolicy,
  exec,
  runCli,
  startPrometheus,
  tempDir,
  waitForTargets,
  type Running,
} from './support.js';

/** The fleet's configured capacity per instance (one instance, so per-instance users = Locust users). */
const CURVE: LoadCurve = {
  users: [5, 10, 15, 20],
  responseTimeMs: [20, 350, 600, 700],
  cpuPercent: [30, 60, 85, 95],
  memoryPercent: [40, 50, 60, 70],
  errorPercent: [0, 0.5, 2, 10],
};
const THINK_SECONDS = 0.1; // stepped.py's constant wait time
const STEP_SECONDS = 12;

let fleet: Fleet;
let prom: Running;
let dir: string;
let csv: string;
let policyFile: string;

beforeAll(async () => {
  dir = tempDir('locust');
  fleet = await startFleet(
    { host: '127.0.0.1', port: 0 },
    { instances: 1, users: 0, params: { ...FLEET_DEFAULTS, curve: CURVE } }
  );
  prom = await startPrometheus({
    config: `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: fleet\n    static_configs: [{ targets: ['${fleet.url.replace('http://', '')}'] }]\n`,
  });
  await waitForTargets(prom, 1);
  await exec(
    'locust',
    [
      '-f',
      path.join(ROOT, 'demo/test/fixtures/stepped.py'),
      '--headless',
      '--host',
      fleet.url,
      '--csv',
      path.join(dir, 'run'),
      '--csv-full-history',
      '--loglevel',
      'WARNING',
      '--only-summary',
      '--exit-code-on-error',
      '0',
    ],
    {
      env: { ...process.env, HEADROOM_STEPS: CURVE.users.join(','), HEADROOM_STEP_SECONDS: String(STEP_SECONDS) },
      timeout: 90_000,
      cwd: dir,
    }
  );
  csv = path.join(dir, 'run_stats_history.csv');
  policyFile = path.join(dir, 'headroom.yml');
  copyFileSync(EXAMPLE_POLICY, policyFile);
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  await fleet?.close();
});

const importArgs = () => [
  'loadtest',
  'import',
  csv,
  '--config',
  policyFile,
  '--prometheus',
  prom.url,
  '--cpu-query',
  'avg(demo_fleet_cpu_percent)',
  '--memory-query',
  'avg(demo_fleet_memory_percent)',
];

describe('headroom loadtest import on a real Locust run against the demo fleet', () => {
  it("derives the thresholds that the fleet's configured capacity puts them at", async () => {
    const r = await runCli([...importArgs(), '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      loadtest: {
        users: number[];
        cpu_percent: number[];
        memory_percent: number[];
        response_time_ms: number[];
        error_percent: number[];
      };
      thresholds: object;
    };
    expect(out.loadtest.users).toEqual(CURVE.users);
    // What the fleet was configured to be: its curve, with the throughput closed-loop users give.
    const configured = analyzeLoadTest({
      ...examplePolicy().services[0].capacity.loadtest!,
      users: [...CURVE.users],
      response_time_ms: [...CURVE.responseTimeMs],
      cpu_percent: [...CURVE.cpuPercent],
      memory_percent: [...CURVE.memoryPercent],
      error_percent: [...CURVE.errorPercent],
      throughput_rps: CURVE.users.map((u, i) => u / (CURVE.responseTimeMs[i] / 1000 + THINK_SECONDS)),
    });
    expect(configured).toMatchObject({ optimal: 5, warning: 10, critical: 15, maximum: 20 });
    expect(out.thresholds).toEqual(configured);
    // Measured, not copied: Locust's p95 and Prometheus' CPU/memory are near the configured curve.
    out.loadtest.response_time_ms.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(CURVE.responseTimeMs[i]));
    out.loadtest.response_time_ms.forEach((v, i) => expect(v).toBeLessThan(CURVE.responseTimeMs[i] + 60));
    out.loadtest.cpu_percent.forEach((v, i) => expect(Math.abs(v - CURVE.cpuPercent[i])).toBeLessThan(6));
    out.loadtest.memory_percent.forEach((v, i) => expect(Math.abs(v - CURVE.memoryPercent[i])).toBeLessThan(6));
    out.loadtest.error_percent.forEach((v, i) => expect(Math.abs(v - CURVE.errorPercent[i])).toBeLessThan(1.5));
  });

  it('writes the capacity.loadtest block of the policy and keeps every other line and comment', async () => {
    const before = readFileSync(policyFile, 'utf8');
    const r = await runCli([...importArgs(), '--write', policyFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Thresholds (concurrent users per instance): optimal 5 · warning 10 · critical 15 · maximum 20'
    );
    expect(r.stdout).toContain(`wrote capacity.loadtest of ${policyFile}`);
    const after = readFileSync(policyFile, 'utf8');
    const written = loadPolicy(policyFile).services[0].capacity.loadtest!;
    expect(written.users).toEqual(CURVE.users);
    expect(written.cpu_percent).toHaveLength(4);
    expect(analyzeLoadTest(written)).toMatchObject({ optimal: 5, warning: 10, critical: 15, maximum: 20 });
    // Outside the block the file is byte-identical: same text before `loadtest:` and after the block.
    const start = before.indexOf('      loadtest:');
    const oldEnd = before.indexOf('\n\n', start);
    const newEnd = after.indexOf('\n\n', start);
    expect(after.slice(0, start)).toBe(before.slice(0, start));
    expect(after.slice(newEnd)).toBe(before.slice(oldEnd));
    expect(after.slice(start, newEnd)).toContain(`# imported by \`headroom loadtest import\` from ${csv}`);
  });
});
