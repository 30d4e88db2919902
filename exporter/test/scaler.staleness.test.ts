/**
 * Staleness is missing data (issue 12, defect 7): right after a real Prometheus restarts on its
 * old data, the 5-minute lookback repeats the last pre-restart sample into the gap. The inputs
 * must read as missing (newest raw sample too old, window not covered by raw samples), and no
 * scale-in may be decided on them.
 */
import yaml from 'js-yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePolicy } from '../src/config/load.js';
import type { Policy } from '../src/config/schema.js';
import { emptyState } from '../src/model/decision.js';
import { planService } from '../src/model/plan.js';
import { createSource } from '../src/sources/index.js';
import { EXAMPLE_POLICY } from './helpers.js';
import { startPrometheus, startTarget, tempDir, waitFor, waitForTargets, type Running } from './support/processes.js';

const QUIET = {
  test_cpu_percent: 20,
  test_memory_percent: 30,
  test_sessions: 20,
  test_latency_ms: 150,
  test_error_percent: 0.1,
  test_connected_users: 60,
};
const body = Object.entries(QUIET)
  .map(([n, v]) => `# TYPE ${n} gauge\n${n} ${v}\n`)
  .join('');
const promConfig = (port: number) => `
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: target
    static_configs: [{ targets: ['127.0.0.1:${port}'] }]
`;

let target: Awaited<ReturnType<typeof startTarget>>;
let prom: Running | undefined;
let policy: Policy;
const storage = path.join(tempDir('staleness'), 'data');

function stalenessPolicy(promUrl: string): Policy {
  const doc = yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as Record<string, any>;
  doc.prometheus = { url: promUrl, timeout: '2s', concurrency: 4 };
  doc.refresh = { interval: '1s', max_sample_age: '2s' };
  const s = doc.services[0];
  s.instances = { static: 4 };
  s.signals = [
    { name: 'cpu', unit: 'percent', query: 'avg(test_cpu_percent)' },
    { name: 'memory', unit: 'percent', query: 'avg(test_memory_percent)' },
    { name: 'sessions', unit: 'sessions', query: 'avg(test_sessions)' },
    { name: 'latency_p95', unit: 'milliseconds', query: 'avg(test_latency_ms)' },
    { name: 'error_rate', unit: 'percent', query: 'avg(test_error_percent)' },
    { name: 'concurrent_users', unit: 'users', kind: 'count', query: 'sum(test_connected_users)' },
  ];
  for (const t of s.scaling.scale_out) t.for = '6s';
  s.scaling.scale_in.for = '6s';
  s.scaling.schedules = [];
  return validatePolicy(doc, 'staleness policy');
}

beforeAll(async () => {
  target = await startTarget(body);
  prom = await startPrometheus({ config: promConfig(target.port), storage });
  policy = stalenessPolicy(prom.url);
  await waitForTargets(prom, 1);
}, 40_000);
afterAll(async () => {
  await prom?.stop();
  await target?.stop();
});

async function decideNow() {
  const svc = policy.services[0];
  const source = await createSource(policy);
  const now = Date.now() / 1000;
  const inputs = await source.readInputs(svc, now);
  return { inputs, decision: planService(svc, inputs, null, emptyState()).decision };
}

describe('inputs right after a Prometheus restart', () => {
  it('are missing, not sustained, and no scale-in is decided on the repeated pre-restart samples', async () => {
    // Before: the quiet load holds the scale-in window, so a scale-in is decided (the test's premise).
    await waitFor(
      'the scale-in window to hold',
      async () => (await decideNow()).decision.action === 'scale_in',
      20_000,
      250
    );

    const port = prom!.port;
    await prom!.stop();
    await new Promise((r) => setTimeout(r, 4000));
    prom = await startPrometheus({ config: promConfig(target.port), storage, port });

    const { inputs, decision } = await decideNow();
    expect(inputs.signals.cpu).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^stale: the newest raw sample of test_cpu_percent is \d+s old, older than refresh.max_sample_age \(2s\)$/
      ),
    });
    expect(inputs.scaleIn).toHaveLength(3);
    for (const o of inputs.scaleIn!) expect(o.ok).toBe(false);
    expect(decision.action).not.toBe('scale_in');
    expect(decision.blockedBy).toContain('missing_data');
  }, 60_000);
});
