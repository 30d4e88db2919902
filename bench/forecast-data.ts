/**
 * The public series of the forecast benchmark (issue 14), read from the `vega-datasets` npm package
 * (3.2.1) exactly as the issue lists them, and the real Prometheus baseline on their training part.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { backfill, startPrometheus, type Running } from '../exporter/test/support/processes.js';
import { median } from './common.js';

export interface Series {
  name: string;
  /** Unix seconds, ascending. */
  t: number[];
  y: number[];
  /** Points held out at the end: 12 monthly or 48 hourly. */
  holdout: number;
}

const require = createRequire(import.meta.url);
// The package exports only its JS entry (build/index.js); the data files sit in data/ beside build/.
const dataDir = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data');
const read = (f: string) => readFileSync(path.join(dataDir, f), 'utf8');
const csv = (f: string) => {
  const [head, ...rows] = read(f).trim().split(/\r?\n/);
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((c, i) => [cols[i], c])) as Record<string, string>);
};
const secs = (s: string) => Date.parse(s) / 1000;

/** Aggregates of us-employment.csv (the issue excludes them); `nonfarm_change` is nonfarm's monthly difference, an aggregate too. */
const EMPLOYMENT_AGGREGATES = new Set([
  'month',
  'nonfarm',
  'private',
  'goods_producing',
  'service_providing',
  'private_service_providing',
  'nonfarm_change',
]);

export function loadSeries(): Series[] {
  const out: Series[] = [];
  const emp = csv('us-employment.csv');
  for (const col of Object.keys(emp[0]).filter((c) => !EMPLOYMENT_AGGREGATES.has(c))) {
    out.push({
      name: `employment/${col}`,
      t: emp.map((r) => secs(`${r.month}T00:00:00Z`)),
      y: emp.map((r) => Number(r[col])),
      holdout: 12,
    });
  }
  const stocks = csv('stocks.csv');
  for (const sym of ['MSFT', 'IBM', 'AAPL', 'GOOG']) {
    const rows = stocks.filter((r) => r.symbol === sym);
    out.push({
      name: `stocks/${sym}`,
      t: rows.map((r) => secs(`${r.date} UTC`)),
      y: rows.map((r) => Number(r.price)),
      holdout: 12,
    });
  }
  const unemp = JSON.parse(read('unemployment-across-industries.json')) as {
    series: string;
    year: number;
    month: number;
    count: number;
  }[];
  for (const name of [...new Set(unemp.map((r) => r.series))]) {
    const rows = unemp.filter((r) => r.series === name).sort((a, b) => a.year - b.year || a.month - b.month);
    out.push({
      name: `unemployment/${name}`,
      t: rows.map((r) => Date.UTC(r.year, r.month - 1, 1) / 1000),
      y: rows.map((r) => r.count),
      holdout: 12,
    });
  }
  const weather = csv('seattle-weather-hourly-normals.csv');
  out.push({
    name: 'seattle/temperature (hourly)',
    t: weather.map((r) => secs(`${r.date}Z`)),
    y: weather.map((r) => Number(r.temperature)),
    holdout: 48,
  });
  for (const s of out) {
    if (s.y.some((v) => !Number.isFinite(v)) || s.t.some((v) => !Number.isFinite(v)))
      throw new Error(`${s.name}: non-finite value in the data set`);
  }
  return out;
}

/** The median spacing (seconds) of the first `n` points of a series: its sampling interval. */
export const stepOf = (s: Series, n: number) => median(s.t.slice(1, n).map((t, i) => t - s.t[i]));

const label = (i: number) => `s${i}`;

/**
 * Backfills every series' training part into one real Prometheus (promtool
 * create-blocks-from openmetrics) and returns a function that asks it for a PromQL forecast.
 */
export async function startBaseline(
  series: Series[]
): Promise<{ prom: Running; query: (expr: string, at: number) => Promise<number> }> {
  const lines = ['# TYPE bench_series gauge'];
  series.forEach((s, i) => {
    const n = s.y.length - s.holdout;
    for (let k = 0; k < n; k++) lines.push(`bench_series{series="${label(i)}"} ${s.y[k]} ${s.t[k]}`);
  });
  lines.push('# EOF');
  const storage = await backfill(lines.join('\n') + '\n');
  // The data spans 2000–2015: keep every block (retention counts back from the newest block).
  const prom = await startPrometheus({
    config: 'global: {}\n',
    storage,
    extraArgs: ['--storage.tsdb.retention.time=100y'],
  });
  const query = async (expr: string, at: number): Promise<number> => {
    const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}&time=${at}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { result: { value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`Prometheus: ${expr}: ${body.error}`);
    const v = body.data!.result[0]?.value[1];
    if (v === undefined) throw new Error(`Prometheus: ${expr} at ${at}: empty result`);
    return Number(v);
  };
  return { prom, query };
}

/** Prometheus's own forecasts of series i over its held-out times, evaluated at its last training sample. */
export async function builtinPaths(
  query: (expr: string, at: number) => Promise<number>,
  s: Series,
  i: number
): Promise<Record<string, number[]>> {
  const n = s.y.length - s.holdout;
  const at = s.t[n - 1];
  const span = at - s.t[0];
  const sel = (w: number) => `bench_series{series="${label(i)}"}[${Math.ceil(w) + 1}s]`;
  const ahead = s.t.slice(n).map((t) => t - at);
  const out: Record<string, number[]> = { predict_linear: [], 'predict_linear (last quarter)': [], holt_winters: [] };
  for (const d of ahead) {
    out.predict_linear.push(await query(`predict_linear(${sel(span)}, ${d})`, at));
    out['predict_linear (last quarter)'].push(await query(`predict_linear(${sel(span / 4)}, ${d})`, at));
  }
  // holt_winters returns the smoothed value at the evaluation time; as a forecast it stays flat.
  const hw = await query(`holt_winters(${sel(span)}, 0.5, 0.5)`, at);
  out.holt_winters = ahead.map(() => hw);
  return out;
}
