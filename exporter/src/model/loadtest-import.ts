/**
 * Load-test results from the tools users run, read into load steps (pure: text in, steps out).
 *
 * - Locust `--csv PREFIX --csv-full-history` writes PREFIX_stats_history.csv: one row per second per
 *   endpoint plus an "Aggregated" row. With --csv-full-history the percentile columns cover the last
 *   10 s (locust/stats.py CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW); without it they are cumulative
 *   since the start, which cannot be split into steps, so such a file is refused.
 * - k6 `--out json=FILE`: one JSON object per line, `{"type":"Point","metric":"vus","data":{"time",
 *   "value","tags"}}` and `{"type":"Metric",…}` declarations (grafana.com/docs/k6 results-output/json).
 * - k6 `--summary-export FILE`: one aggregate per run (`metrics.http_req_duration["p(95)"]`,
 *   `metrics.http_reqs.rate`, `metrics.http_req_failed.value`, `metrics.vus.max`): one step per file,
 *   so a stepped test is one file per load level.
 *
 * A step's p95, error ratio and throughput come from the file; CPU and memory over the step's window
 * come from Prometheus (the CLI asks, this module only says which window).
 */
import type { LoadTestCurve } from '../config/schema.js';

export interface LoadStep {
  users: number;
  /** Unix seconds; undefined for a k6 summary export (it has no timestamps). */
  start?: number;
  end?: number;
  p95Ms: number;
  errorRatio: number;
  throughputRps: number;
  cpuPercent?: number;
  memoryPercent?: number;
}

export type LoadTestFormat = 'locust-stats-history' | 'k6-json' | 'k6-summary-export';

export interface ImportedRun {
  format: LoadTestFormat;
  steps: LoadStep[];
  /** Things the user should know (short steps, dropped transitions); not errors. */
  notes: string[];
}

/** A file that is not what it claims: names the file, the line and what was expected (exit 2). */
export class LoadTestFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string
  ) {
    super(`${file}:${line}: expected ${expected}`);
  }
}

/** Locust's percentile window in seconds; a step shorter than this mixes in the previous step. */
export const LOCUST_PERCENTILE_WINDOW_SECONDS = 10;

/** Splits one CSV record (RFC 4180 quoting; Locust quotes names that contain commas). */
export function splitCsvLine(line: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) return null;
  out.push(cur);
  return out;
}

const LOCUST_COLUMNS = [
  'Timestamp',
  'User Count',
  'Name',
  '95%',
  'Total Request Count',
  'Total Failure Count',
] as const;

interface LocustRow {
  line: number;
  t: number;
  users: number;
  p95?: number;
  requests: number;
  failures: number;
}

function locustNumber(file: string, line: number, column: string, raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0)
    throw new LoadTestFileError(file, line, `a non-negative number in column "${column}", got "${raw}"`);
  return v;
}

function readLocustRows(file: string, text: string): { rows: LocustRow[]; perEndpoint: boolean } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = lines.length ? splitCsvLine(lines[0].replace(/\r$/, '')) : null;
  const idx = Object.fromEntries(LOCUST_COLUMNS.map((c) => [c, header?.indexOf(c) ?? -1])) as Record<
    (typeof LOCUST_COLUMNS)[number],
    number
  >;
  const absent = LOCUST_COLUMNS.filter((c) => idx[c] < 0);
  if (!header || absent.length)
    throw new LoadTestFileError(
      file,
      1,
      `a Locust stats history header with columns ${LOCUST_COLUMNS.map((c) => `"${c}"`).join(', ')} (missing: ${absent.join(', ') || 'all'})`
    );
  const rows: LocustRow[] = [];
  let perEndpoint = false;
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const f = splitCsvLine(lines[i].replace(/\r$/, ''));
    if (!f || f.length !== header.length)
      throw new LoadTestFileError(
        file,
        n,
        `${header.length} fields like the header, got ${f ? f.length : 'an unterminated quote'} (truncated file?)`
      );
    if (f[idx.Name] !== 'Aggregated') {
      perEndpoint = true;
      continue;
    }
    const p95raw = f[idx['95%']];
    rows.push({
      line: n,
      t: locustNumber(file, n, 'Timestamp', f[idx.Timestamp]),
      users: locustNumber(file, n, 'User Count', f[idx['User Count']]),
      p95: p95raw === 'N/A' ? undefined : locustNumber(file, n, '95%', p95raw),
      requests: locustNumber(file, n, 'Total Request Count', f[idx['Total Request Count']]),
      failures: locustNumber(file, n, 'Total Failure Count', f[idx['Total Failure Count']]),
    });
  }
  if (rows.length === 0)
    throw new LoadTestFileError(file, lines.length + 1, 'rows named "Aggregated" after the header (the file has none)');
  return { rows, perEndpoint };
}

/** Consecutive runs of equal `key`, in order. */
function runs<T>(items: T[], key: (x: T) => number): T[][] {
  const out: T[][] = [];
  for (const x of items) {
    const last = out.at(-1);
    if (last && key(last[0]) === key(x)) last.push(x);
    else out.push([x]);
  }
  return out;
}

/** Keeps the longest run per user count, sorted by users (a ramp-down repeats levels). */
function longestPerUsers(steps: LoadStep[]): LoadStep[] {
  const best = new Map<number, LoadStep>();
  for (const s of steps) {
    const b = best.get(s.users);
    if (!b || (s.end ?? 0) - (s.start ?? 0) > (b.end ?? 0) - (b.start ?? 0)) best.set(s.users, s);
  }
  return [...best.values()].sort((a, b) => a.users - b.users);
}

/** Locust `*_stats_history.csv` (written with --csv-full-history) → load steps. */
export function parseLocustHistory(file: string, text: string): ImportedRun {
  const { rows, perEndpoint } = readLocustRows(file, text);
  if (!perEndpoint) {
    throw new LoadTestFileError(
      file,
      2,
      'per-endpoint rows next to "Aggregated" (run Locust with --csv-full-history: without it the percentiles are cumulative and cannot be split into steps)'
    );
  }
  const notes: string[] = [];
  const steps: LoadStep[] = [];
  for (const run of runs(rows, (r) => r.users)) {
    const first = run[0];
    const last = run[run.length - 1];
    const requests = last.requests - first.requests;
    if (first.users === 0 || run.length < 2 || requests <= 0 || last.p95 === undefined) {
      if (first.users > 0)
        notes.push(
          `lines ${first.line}-${last.line}: ${first.users} users for ${last.t - first.t} s with ${requests} requests, skipped (a transition)`
        );
      continue;
    }
    if (last.t - first.t < LOCUST_PERCENTILE_WINDOW_SECONDS) {
      notes.push(
        `${first.users} users lasted ${last.t - first.t} s, less than Locust's ${LOCUST_PERCENTILE_WINDOW_SECONDS} s percentile window: its p95 includes the step before`
      );
    }
    steps.push({
      users: first.users,
      start: first.t,
      end: last.t,
      p95Ms: last.p95,
      errorRatio: (last.failures - first.failures) / requests,
      throughputRps: requests / (last.t - first.t),
    });
  }
  return { format: 'locust-stats-history', steps: longestPerUsers(steps), notes };
}

interface K6Point {
  t: number;
  v: number;
}

function percentile(sorted: number[], q: number): number {
  // Nearest rank, as k6 and Locust report percentiles of raw samples.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function readK6Points(file: string, text: string): Map<string, K6Point[]> {
  const byMetric = new Map<string, K6Point[]>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    let o: { type?: unknown; metric?: unknown; data?: { time?: unknown; value?: unknown } };
    try {
      o = JSON.parse(raw) as typeof o;
    } catch {
      throw new LoadTestFileError(
        file,
        i + 1,
        'one JSON object per line (k6 --out json), got a line that is not JSON (truncated file?)'
      );
    }
    if (o.type === 'Metric') continue;
    const t = typeof o.data?.time === 'string' ? Date.parse(o.data.time) / 1000 : NaN;
    if (
      o.type !== 'Point' ||
      typeof o.metric !== 'string' ||
      !Number.isFinite(t) ||
      typeof o.data?.value !== 'number'
    ) {
      throw new LoadTestFileError(
        file,
        i + 1,
        '{"type":"Point","metric":NAME,"data":{"time":RFC3339,"value":NUMBER}} or {"type":"Metric",…}'
      );
    }
    const list = byMetric.get(o.metric) ?? [];
    list.push({ t, v: o.data.value });
    byMetric.set(o.metric, list);
  }
  return byMetric;
}

/** k6 `--out json=FILE` → load steps: a step is the time during which the `vus` gauge is constant. */
export function parseK6Json(file: string, text: string): ImportedRun {
  const m = readK6Points(file, text);
  const lineCount = text.split('\n').length;
  for (const need of ['vus', 'http_req_duration', 'http_reqs']) {
    if (!m.get(need)?.length)
      throw new LoadTestFileError(file, lineCount, `Point lines for the k6 metric "${need}" (none found)`);
  }
  const inside = (list: K6Point[] | undefined, a: number, b: number) => (list ?? []).filter((p) => p.t >= a && p.t < b);
  const notes: string[] = [];
  const steps: LoadStep[] = [];
  const vus = [...m.get('vus')!].sort((a, b) => a.t - b.t);
  for (const run of runs(vus, (p) => p.v)) {
    const start = run[0].t;
    const end = run[run.length - 1].t;
    const durations = inside(m.get('http_req_duration'), start, end)
      .map((p) => p.v)
      .sort((a, b) => a - b);
    if (run[0].v === 0 || run.length < 2 || durations.length === 0) {
      if (run[0].v > 0)
        notes.push(
          `${run[0].v} VUs for ${(end - start).toFixed(0)} s with ${durations.length} requests, skipped (a transition)`
        );
      continue;
    }
    const failed = inside(m.get('http_req_failed'), start, end);
    steps.push({
      users: run[0].v,
      start,
      end,
      p95Ms: percentile(durations, 0.95),
      errorRatio: failed.length ? failed.filter((p) => p.v !== 0).length / failed.length : 0,
      throughputRps: inside(m.get('http_reqs'), start, end).reduce((s, p) => s + p.v, 0) / (end - start),
    });
  }
  return { format: 'k6-json', steps: longestPerUsers(steps), notes };
}

function field(file: string, o: unknown, pathParts: string[]): number {
  let cur: unknown = o;
  for (const p of pathParts) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  if (typeof cur !== 'number' || !Number.isFinite(cur) || cur < 0) {
    const where = pathParts.map((p) => (/^[a-z_]+$/.test(p) ? `.${p}` : `["${p}"]`)).join('');
    throw new LoadTestFileError(
      file,
      1,
      `a non-negative number at ${where.slice(1)} (k6 --summary-export), got ${JSON.stringify(cur)}`
    );
  }
  return cur;
}

/** k6 `--summary-export FILE` → one step (the run's peak VUs). */
export function parseK6SummaryExport(file: string, text: string): ImportedRun {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : text.split('\n').length;
    throw new LoadTestFileError(file, line, 'a JSON document (k6 --summary-export), got invalid or truncated JSON');
  }
  const step: LoadStep = {
    users: field(file, o, ['metrics', 'vus', 'max']),
    p95Ms: field(file, o, ['metrics', 'http_req_duration', 'p(95)']),
    errorRatio: field(file, o, ['metrics', 'http_req_failed', 'value']),
    throughputRps: field(file, o, ['metrics', 'http_reqs', 'rate']),
  };
  return { format: 'k6-summary-export', steps: [step], notes: [] };
}

/** Picks the parser from the content: CSV header, NDJSON lines, or one JSON document. */
export function parseLoadTestFile(file: string, text: string): ImportedRun {
  const head = text.trimStart();
  if (head.startsWith('{"type"') || /^\{\s*"type"\s*:\s*"(Metric|Point)"/.test(head)) return parseK6Json(file, text);
  if (head.startsWith('{')) return parseK6SummaryExport(file, text);
  return parseLocustHistory(file, text);
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * The `capacity.loadtest` curve of the steps. CPU and memory appear only when every step has them:
 * an unmeasured value is left out, never filled in.
 */
export function curveOfSteps(file: string, steps: LoadStep[], criteria: LoadTestCurve['criteria']): LoadTestCurve {
  if (steps.length < 2)
    throw new LoadTestFileError(
      file,
      1,
      `at least 2 load steps (distinct user counts held for 2+ samples), found ${steps.length}`
    );
  const all = (k: 'cpuPercent' | 'memoryPercent') =>
    steps.every((s) => s[k] !== undefined) ? steps.map((s) => round(s[k]!, 1)) : undefined;
  const cpu = all('cpuPercent');
  const memory = all('memoryPercent');
  return {
    users: steps.map((s) => s.users),
    response_time_ms: steps.map((s) => round(s.p95Ms, 0)),
    ...(cpu ? { cpu_percent: cpu } : {}),
    ...(memory ? { memory_percent: memory } : {}),
    error_percent: steps.map((s) => round(s.errorRatio * 100, 2)),
    throughput_rps: steps.map((s) => round(s.throughputRps, 1)),
    criteria,
  };
}
