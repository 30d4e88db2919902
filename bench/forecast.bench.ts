/**
 * Forecast benchmark (issue 14): every candidate model and the automatic choice against what a
 * Prometheus user already has — predict_linear over the whole training window and over its last
 * quarter, and holt_winters — run by a real Prometheus on the same backfilled training data, in the
 * same run. Public series from vega-datasets; MASE (scaled by the in-sample one-step naive error) on
 * the held-out tail; lower is better.
 */
import { forecast, type ForecastResult } from '../exporter/src/model/forecast/index.js';
import { DemoSource } from '../exporter/src/sources/demo.js';
import { median, policyWithServices, type Figure } from './common.js';
import { builtinPaths, loadSeries, startBaseline, type Series } from './forecast-data.js';

/** Mean absolute scaled error: MAE on the test points over the in-sample MAE of the one-step naive forecast. */
export function mase(train: number[], actual: number[], predicted: number[]): number {
  let scale = 0;
  for (let i = 1; i < train.length; i++) scale += Math.abs(train[i] - train[i - 1]);
  scale /= train.length - 1;
  let err = 0;
  for (let i = 0; i < actual.length; i++) err += Math.abs(actual[i] - predicted[i]);
  return err / actual.length / (scale || 1);
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

interface Row {
  series: string;
  builtin: Record<string, number>;
  candidates: Record<string, number>;
  chosen: string;
  auto: number;
  ratio: number;
  covered80: number;
  covered95: number;
  points: number;
  fitMs: number;
}

function score(s: Series, builtins: Record<string, number[]>): { row: Row; result: ForecastResult } {
  const n = s.y.length - s.holdout;
  const train = s.y.slice(0, n);
  const actual = s.y.slice(n);
  const step = median(s.t.slice(1, n).map((t, i) => t - s.t[i]));
  let result!: ForecastResult;
  const fitMs = median(
    [0, 1, 2].map(() => {
      const t0 = performance.now();
      result = forecast(train, { stepSeconds: step, horizon: s.holdout });
      return performance.now() - t0;
    }),
  );
  const builtin = Object.fromEntries(Object.entries(builtins).map(([k, p]) => [k, mase(train, actual, p)]));
  const candidates = Object.fromEntries(result.candidates.filter((c) => c.ok).map((c) => [c.model, mase(train, actual, c.path.map((p) => p.point))]));
  const auto = mase(train, actual, result.path.map((p) => p.point));
  let covered80 = 0;
  let covered95 = 0;
  result.path.forEach((p, i) => {
    if (actual[i] >= p.lower80 && actual[i] <= p.upper80) covered80++;
    if (actual[i] >= p.lower95 && actual[i] <= p.upper95) covered95++;
  });
  const best = Math.min(...Object.values(builtin));
  return { row: { series: s.name, builtin, candidates, chosen: result.chosen, auto, ratio: auto / best, covered80, covered95, points: actual.length, fitMs }, result };
}

function printRows(rows: Row[]): void {
  const bNames = Object.keys(rows[0].builtin);
  const cNames = [...new Set(rows.flatMap((r) => Object.keys(r.candidates)))];
  const head = ['series', ...bNames, ...cNames, 'auto', 'chosen', 'auto/best built-in', 'in 80 %', 'fit ms'];
  const body = rows.map((r) => [
    r.series,
    ...bNames.map((b) => f3(r.builtin[b])),
    ...cNames.map((c) => f3(r.candidates[c] ?? NaN)),
    f3(r.auto),
    r.chosen,
    f3(r.ratio),
    `${r.covered80}/${r.points}`,
    r.fitMs.toFixed(1),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  process.stdout.write(`\nForecast benchmark: MASE on the held-out tail (lower is better)\n${line(head)}\n${body.map(line).join('\n')}\n`);
}

/** A year of the demo's daily users, the series the exporter fits for every service. */
async function yearOfDaily(): Promise<{ values: number[]; step: number }> {
  const policy = policyWithServices(1);
  const h = await new DemoSource().readHistory(policy.services[0], Date.UTC(2026, 10, 27, 12) / 1000);
  if (!h.ok) throw new Error(`demo history: ${h.reason}`);
  return { values: h.points.map((p) => p.v), step: 86_400 };
}

export async function run(): Promise<Figure[]> {
  const series = loadSeries();
  const { prom, query } = await startBaseline(series);
  const rows: Row[] = [];
  let deterministic = true;
  try {
    for (const [i, s] of series.entries()) {
      const builtins = await builtinPaths(query, s, i);
      const { row, result } = score(s, builtins);
      const again = forecast(s.y.slice(0, s.y.length - s.holdout), { stepSeconds: result.stepSeconds, horizon: s.holdout });
      if (JSON.stringify(again) !== JSON.stringify(result)) deterministic = false;
      rows.push(row);
    }
  } finally {
    await prom.stop();
  }
  printRows(rows);
  const ratios = rows.map((r) => r.ratio);
  const gm = geomean(ratios);
  const worst = Math.max(...ratios);
  const worstRow = rows[ratios.indexOf(worst)];
  const pts = rows.reduce((a, r) => a + r.points, 0);
  const cov80 = rows.reduce((a, r) => a + r.covered80, 0) / pts;
  const cov95 = rows.reduce((a, r) => a + r.covered95, 0) / pts;
  const wins = Object.entries(rows.reduce<Record<string, number>>((a, r) => ({ ...a, [r.chosen]: (a[r.chosen] ?? 0) + 1 }), {}));
  process.stdout.write(`chosen: ${wins.map(([k, v]) => `${k} ${v}`).join(', ')}; worst: ${worstRow.series} (${f3(worst)})\n`);
  const daily = await yearOfDaily();
  forecast(daily.values, { stepSeconds: daily.step, horizon: 365 });
  const yearMs = median([0, 1, 2, 3, 4].map(() => cpuMsSync(() => forecast(daily.values, { stepSeconds: daily.step, horizon: 365 }))));
  return [
    { name: `forecast: geometric mean MASE ratio, automatic / best built-in (${rows.length} series)`, value: gm, unit: '×', goal: '≤ 0.8', met: gm <= 0.8 },
    { name: 'forecast: worst MASE ratio, automatic / best built-in', value: worst, unit: '×', goal: '≤ 1.5', met: worst <= 1.5 },
    { name: `forecast: held-out points inside the 80 % band (${pts})`, value: cov80 * 100, unit: '%', goal: '75–90 %', met: cov80 >= 0.75 && cov80 <= 0.9 },
    { name: 'forecast: held-out points inside the 95 % band', value: cov95 * 100, unit: '%' },
    { name: 'forecast: fit of a year of daily points (365, horizon 365)', value: yearMs, unit: 'ms CPU', goal: '< 50 ms', met: yearMs < 50 },
    { name: 'forecast: same series, same forecast (byte for byte)', value: deterministic ? 1 : 0, unit: 'bool', goal: '1', met: deterministic },
  ];
}

function cpuMsSync(fn: () => unknown): number {
  const a = process.cpuUsage();
  fn();
  const d = process.cpuUsage(a);
  return (d.user + d.system) / 1000;
}


