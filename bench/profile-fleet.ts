/**
 * `npx tsx bench/profile-fleet.ts [--storage DIR] [--steady N]` (after `npm run build -w exporter`):
 * where the exporter's own time goes in a steady fleet refresh, without the 30-minute fleet bench.
 * Backfills the fleet bench's 1,000 services (bench/fleet.bench.ts backfillFleet; printed, and
 * reusable with --storage for the half hour its raw data runs ahead of now), starts Prometheus on
 * it (no recording rules: windows take the subquery path), runs the compiled `headroom serve` on the
 * bench's `shop` fleet with `node --cpu-prof` through N steady refreshes after the first (which also
 * fits the histories), and prints per refresh its wall time (headroom_refresh_duration_seconds) and
 * the exporter's CPU seconds since the previous refresh (its process_cpu_seconds_total, one /metrics
 * scrape included), then the functions with the most self time over the steady refreshes.
 * Run it with `nice -n 10`: the machine is shared.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startPrometheus } from '../exporter/test/support/processes.js';
import { parseMetrics } from '../exporter/test/support/serve.js';
import { backfillFleet, fleetPolicy } from './fleet.bench.js';
import { median } from './common.js';
import { startServeChild } from './serve-child.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
/** Monotonic microseconds: the clock of V8's profile timestamps (CLOCK_MONOTONIC, shared by processes). */
const mono = () => Number(process.hrtime.bigint() / 1000n);

interface Step {
  at: number;
  wall: number;
  cpu: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self seconds by function (name, file, line) of the samples taken between `from` and `to`. */
function selfTime(p: CpuProfile, from: number, to: number): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i];
    if (t < from || t > to) return;
    const f = byId.get(id)!;
    const k = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(exporter\/dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + p.timeDeltas[i] / 1e6);
  });
  return [...self].sort((a, b) => b[1] - a[1]);
}

async function profile(promUrl: string, steady: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-profile-'));
  const serve = await startServeChild(0, {
    policy: fleetPolicy(promUrl, 'shop'),
    interval: '5s',
    logLevel: 'debug', // "refresh complete" is logged at debug level
    readyTimeoutMs: 600_000,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  const steps: Step[] = [];
  try {
    for (let seen = 0; steps.length <= steady;) {
      while (serve.refreshes() === seen) await new Promise((r) => setTimeout(r, 20));
      seen = serve.refreshes();
      const m = parseMetrics(await (await fetch(`${serve.url}/metrics`)).text());
      const step = {
        at: mono(),
        wall: m.get('headroom_refresh_duration_seconds{cadence="signals"}') ?? NaN,
        cpu: m.get('process_cpu_seconds_total') ?? NaN,
      };
      const prev = steps.at(-1);
      steps.push(step);
      const cpu = prev ? `, exporter CPU ${(step.cpu - prev.cpu).toFixed(2)} s` : ' (first: histories too)';
      console.log(`refresh ${steps.length - 1}: ${step.wall.toFixed(3)} s wall${cpu}`);
    }
  } finally {
    await serve.stop(); // SIGTERM: a graceful exit, which writes the profile
  }
  const rest = steps.slice(1);
  console.log(
    `steady refreshes: median ${median(rest.map((s) => s.wall)).toFixed(3)} s wall, ${median(rest.map((s, i) => s.cpu - steps[i].cpu)).toFixed(3)} s exporter CPU`
  );
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  const p = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  console.log(`\nself time over the steady refreshes (${path.join(dir, file)}):`);
  for (const [k, s] of selfTime(p, steps[0].at, steps.at(-1)!.at).slice(0, 15))
    console.log(`${s.toFixed(3).padStart(8)} s  ${k}`);
}

const STEP = 15;
let storage = arg('--storage');
if (!storage) {
  const data = await backfillFleet(Math.floor(Date.now() / 1000 / STEP) * STEP + 1800);
  storage = data.storage;
  console.log(
    `backfilled ${storage} in ${(data.genSeconds + data.promtoolSeconds).toFixed(0)} s (reuse: --storage ${storage})`
  );
}
const prom = await startPrometheus({ config: 'global: { scrape_interval: 1m }\n', storage });
try {
  await profile(prom.url, Number(arg('--steady') ?? 4));
} finally {
  await prom.stop();
}
