/**
 * `headroom loadtest import`: k6 contract tests on the documented output shapes (k6 cannot run
 * here), and bad or truncated files of every format, which must exit 2 naming file, line and
 * expectation.
 *
 * k6 shapes: `--out json` lines are `{"type":"Metric"|"Point","metric":NAME,"data":{…}}`
 * (grafana.com/docs/k6/latest/results-output/real-time/json); `--summary-export` is the legacy
 * summary (k6 internal/js/summary-wrapper.js oldJSONSummary): `options` and `state` removed,
 * each metric's `values` flattened, a rate's `rate` renamed `value`, thresholds as name → failed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers.js';
import { tempDir } from './support/processes.js';
import { rmSync } from 'node:fs';

const dir = tempDir('loadtest-import');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOCUST = path.join(ROOT, 'exporter/test/fixtures/loadtest/locust-2-steps_stats_history.csv');

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** A k6 --summary-export document for one run at `vus` VUs. */
function summaryExport(vus: number, p95: number, failedRate: number, rps: number): string {
  const trend = (p: number) => ({
    avg: p * 0.7,
    min: p * 0.3,
    med: p * 0.65,
    max: p * 1.4,
    'p(90)': p * 0.9,
    'p(95)': p,
  });
  return JSON.stringify(
    {
      root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: {}, checks: {} },
      metrics: {
        http_req_duration: { ...trend(p95), thresholds: { 'p(95)<500': p95 >= 500 } },
        'http_req_duration{expected_response:true}': trend(p95 * 0.9),
        http_req_failed: {
          passes: Math.round(failedRate * 1000),
          fails: 1000 - Math.round(failedRate * 1000),
          value: failedRate,
        },
        http_reqs: { count: rps * 60, rate: rps },
        iterations: { count: rps * 60, rate: rps },
        vus: { value: vus, min: 1, max: vus },
        vus_max: { value: vus, min: vus, max: vus },
        checks: { passes: 10, fails: 0, value: 1 },
        data_received: { count: 1234, rate: 20.5 },
      },
    },
    null,
    4
  );
}

/** k6 --out json lines: `levels` of [vus, latency ms, failed every nth request (0: none)], 10 s each. */
function k6Json(levels: [number, number, number][]): string {
  const t0 = Date.UTC(2026, 10, 30, 12);
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const tags = {
    expected_response: 'true',
    group: '',
    method: 'GET',
    name: 'http://127.0.0.1/work',
    proto: 'HTTP/1.1',
    scenario: 'default',
    status: '200',
  };
  const lines: object[] = [
    { type: 'Metric', data: { type: 'gauge', contains: 'default', thresholds: [], submetrics: null }, metric: 'vus' },
    {
      type: 'Metric',
      data: { type: 'trend', contains: 'time', thresholds: ['p(95)<500'], submetrics: null },
      metric: 'http_req_duration',
    },
    {
      type: 'Metric',
      data: { type: 'counter', contains: 'default', thresholds: [], submetrics: null },
      metric: 'http_reqs',
    },
    {
      type: 'Metric',
      data: { type: 'rate', contains: 'default', thresholds: [], submetrics: null },
      metric: 'http_req_failed',
    },
  ];
  let n = 0;
  levels.forEach(([vus, ms, failEvery], li) => {
    for (let s = 0; s < 10; s++) {
      const sec = li * 10 + s;
      lines.push({ type: 'Point', data: { time: at(sec), value: vus, tags: null }, metric: 'vus' });
      for (let r = 0; r < vus; r++) {
        const t = at(sec + (r + 0.5) / vus);
        const failed = failEvery > 0 && ++n % failEvery === 0 ? 1 : 0;
        lines.push({ type: 'Point', data: { time: t, value: ms + (r % 5), tags }, metric: 'http_req_duration' });
        lines.push({ type: 'Point', data: { time: t, value: 1, tags }, metric: 'http_reqs' });
        lines.push({ type: 'Point', data: { time: t, value: failed, tags }, metric: 'http_req_failed' });
      }
    }
  });
  lines.push({ type: 'Point', data: { time: at(levels.length * 10), value: 0, tags: null }, metric: 'vus' });
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}

describe('k6 (contract tests on the documented output shapes)', () => {
  it('reads one --summary-export file per load level into a curve and its thresholds', async () => {
    const files = [
      file('k6-10.json', summaryExport(10, 120, 0, 80)),
      file('k6-20.json', summaryExport(20, 350, 0.004, 140)),
      file('k6-30.json', summaryExport(30, 650, 0.03, 120)),
      file('k6-40.json', summaryExport(40, 900, 0.09, 90)),
    ];
    const r = await runCli([
      'loadtest',
      'import',
      ...files,
      '--config',
      path.join(ROOT, 'headroom.yml'),
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.loadtest).toMatchObject({
      users: [10, 20, 30, 40],
      response_time_ms: [120, 350, 650, 900],
      error_percent: [0, 0.4, 3, 9],
      throughput_rps: [80, 140, 120, 90],
    });
    expect(out.loadtest.cpu_percent).toBeUndefined();
    expect(out.thresholds).toMatchObject({ optimal: 10, warning: 20, critical: 30, maximum: 40 });
  });

  it('reads --out json lines into steps where the vus gauge is constant, with p95, error ratio and throughput per step', async () => {
    const f = file(
      'k6-run.json',
      k6Json([
        [5, 40, 0],
        [10, 320, 200],
        [15, 560, 40],
        [20, 800, 10],
      ])
    );
    const r = await runCli(['loadtest', 'import', f, '--config', path.join(ROOT, 'headroom.yml'), '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.loadtest.users).toEqual([5, 10, 15, 20]);
    expect(out.loadtest.response_time_ms).toEqual([44, 324, 564, 804]);
    expect(out.thresholds).toMatchObject({ optimal: 5, warning: 10, critical: 15, maximum: 20 });
    expect(out.loadtest.throughput_rps.map((v: number) => Math.round(v))).toEqual([5, 10, 15, 20]);
    expect(out.loadtest.error_percent[3]).toBeCloseTo(10, 0);
  });

  it('refuses CPU from Prometheus for a summary export, which has no time window', async () => {
    const files = [file('k6-a.json', summaryExport(10, 120, 0, 80)), file('k6-b.json', summaryExport(20, 350, 0, 140))];
    const r = await runCli([
      'loadtest',
      'import',
      ...files,
      '--prometheus',
      'http://127.0.0.1:9',
      '--cpu-query',
      'avg(x)',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'headroom: cpu: the 10-user step has no time window (a k6 summary export); import k6 --out json output to measure cpu\n'
    );
  });
});

describe('Locust stats history', () => {
  it('groups the real file into steps and says when a step is shorter than the percentile window', async () => {
    const r = await runCli(['loadtest', 'import', LOCUST, '--config', path.join(ROOT, 'headroom.yml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(Locust stats history): 2 steps');
    expect(r.stdout).toContain(
      "note: 5 users lasted 4 s, less than Locust's 10 s percentile window: its p95 includes the step before"
    );
    expect(r.stdout).toContain('note: CPU not measured (no Prometheus): the warning threshold uses response time only');
  });
});

const locust = readFileSync(LOCUST, 'utf8');
const locustLines = locust.trimEnd().split('\n');

describe('a bad or truncated file exits 2 naming the file, the line and what was expected', () => {
  const cases: { name: string; fileName: string; text: () => string; message: (f: string) => string }[] = [
    {
      name: 'a Locust file cut in the middle of a row',
      fileName: 'cut_stats_history.csv',
      text: () => locust.slice(0, locust.length - 60),
      message: (f) => `${f}:22: expected 24 fields like the header, got 21 (truncated file?)`,
    },
    {
      name: 'a Locust stats.csv instead of the stats history',
      fileName: 'run_stats.csv',
      text: () => 'Type,Name,Request Count,Failure Count,Median Response Time\nGET,/work,31,0,360\n',
      message: (f) =>
        `${f}:1: expected a Locust stats history header with columns "Timestamp", "User Count", "Name", "95%", "Total Request Count", "Total Failure Count" (missing: Timestamp, User Count, 95%, Total Request Count, Total Failure Count)`,
    },
    {
      name: 'a Locust history written without --csv-full-history',
      fileName: 'cumulative_stats_history.csv',
      text: () => locustLines.filter((l, i) => i === 0 || l.includes(',Aggregated,')).join('\n'),
      message: (f) =>
        `${f}:2: expected per-endpoint rows next to "Aggregated" (run Locust with --csv-full-history: without it the percentiles are cumulative and cannot be split into steps)`,
    },
    {
      name: 'a Locust row with a word where a count belongs',
      fileName: 'word_stats_history.csv',
      text: () =>
        locustLines
          .map((l, i) => (i === 7 && l.includes(',Aggregated,') ? l.replace(',115,0,', ',many,0,') : l))
          .join('\n'),
      message: (f) => `${f}:8: expected a non-negative number in column "Total Request Count", got "many"`,
    },
    {
      name: 'a Locust run that never leaves one load level',
      fileName: 'flat_stats_history.csv',
      text: () => locustLines.slice(0, 12).join('\n'),
      message: (f) => `${f}:1: expected at least 2 load steps (distinct user counts held for 2+ samples), found 1`,
    },
    {
      name: 'a k6 JSON output cut in the middle of a line',
      fileName: 'cut-k6.json',
      text: () =>
        k6Json([
          [5, 40, 0],
          [10, 320, 0],
        ]).slice(0, 3000),
      message: (f) =>
        `${f}:${
          k6Json([
            [5, 40, 0],
            [10, 320, 0],
          ])
            .slice(0, 3000)
            .split('\n').length
        }: expected one JSON object per line (k6 --out json), got a line that is not JSON (truncated file?)`,
    },
    {
      name: 'a k6 JSON output line of another shape',
      fileName: 'shape-k6.json',
      text: () =>
        `{"type":"Metric","data":{},"metric":"vus"}\n{"type":"Point","metric":"vus","data":{"time":"yesterday","value":5}}\n`,
      message: (f) =>
        `${f}:2: expected {"type":"Point","metric":NAME,"data":{"time":RFC3339,"value":NUMBER}} or {"type":"Metric",…}`,
    },
    {
      name: 'a k6 summary export without the p(95) trend stat',
      fileName: 'nop95-k6.json',
      text: () => summaryExport(10, 120, 0, 80).replace('"p(95)"', '"p(99)"'),
      message: (f) =>
        `${f}:1: expected a non-negative number at metrics.http_req_duration["p(95)"] (k6 --summary-export), got undefined`,
    },
    {
      name: 'a truncated k6 summary export',
      fileName: 'cut-summary.json',
      text: () => summaryExport(10, 120, 0, 80).slice(0, 200),
      message: (f) =>
        `${f}:${summaryExport(10, 120, 0, 80).slice(0, 200).split('\n').length}: expected a JSON document (k6 --summary-export), got invalid or truncated JSON`,
    },
  ];
  it.each(cases)('$name', async ({ fileName, text, message }) => {
    const f = file(fileName, text());
    const other = fileName.endsWith('.csv') ? LOCUST : file(`ok-${fileName}`, summaryExport(50, 100, 0, 10));
    const r = await runCli([
      'loadtest',
      'import',
      ...(fileName.startsWith('flat') ? [f] : [f, other]),
      '--config',
      path.join(ROOT, 'headroom.yml'),
    ]);
    expect(r.stderr).toBe(`headroom: ${message(f)}\n`);
    expect(r.code).toBe(2);
  });

  it('names a file it cannot read', async () => {
    const r = await runCli(['loadtest', 'import', path.join(dir, 'nope.csv')]);
    expect(r).toMatchObject({ code: 2, stderr: `headroom: ${path.join(dir, 'nope.csv')}: cannot read (ENOENT)\n` });
  });
});
