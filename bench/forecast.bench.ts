/**
 * Forecast benchmark (issue 14): every candidate model and the automatic choice against what a
 * Prometheus user already has — predict_linear over the whole training window and over its last
 * quarter, and holt_winters — run by a real Prometheus on the same backfilled training data, in the
 * same run. Public series from vega-datasets; MASE (scaled by the in-sample one-step naive error) on
 * the held-out tail; lower is better.
 */
import {
  forecast,
  MODEL_NAMES,
  type ForecastOptions,
  type ForecastResult,
  type ModelName,
} from '../exporter/src/model/forecast/index.js';
import { DemoSource } from '../exporter/src/sources/demo.js';
import { median, policyWithServices, type Figure } from './common.js';
import { builtinPaths, loadSeries, startBaseline, stepOf, type Series } from './forecast-data.js';
import { REFERENCE_MAX_POINTS, REFERENCE_METHODS, referenceForecasts, type Reference } from './forecast-reference.js';

/** Mean absolute scaled error: MAE on the test points over the in-sample MAE of the one-step naive forecast. */
export function mase(train: number[], actual: number[], predicted: number[]): number {
  let scale = 0;
  for (let i = 1; i < train.length; i++) scale += Math.abs(train[i] - train[i - 1]);
  scale /= train.length - 1;
  let err = 0;
  for (let i = 0; i < actual.length; i++) err += Math.abs(actual[i] - predicted[i]);
  return err / actual.length / (scale || 1);
}

export const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

interface Scored {
  mase: number;
  ratio: number;
  chosen: string;
  covered80: number;
  covered95: number;
}

interface Row {
  series: string;
  builtin: Record<string, number>;
  candidates: Record<string, number>;
  /** MASE of the reference methods (R's forecast package), when this machine has them. */
  reference: Record<string, number>;
  /** The automatic choice among the default candidates (what the exporter and CLI do). */
  auto: Scored;
  /** The automatic choice among every candidate, augurs' ets and mstl included. */
  all: Scored;
  points: number;
  fitMs: number;
}

function scoreChoice(r: ForecastResult, train: number[], actual: number[], best: number): Scored {
  const m = mase(
    train,
    actual,
    r.path.map((p) => p.point)
  );
  let covered80 = 0;
  let covered95 = 0;
  r.path.forEach((p, i) => {
    if (actual[i] >= p.lower80 && actual[i] <= p.upper80) covered80++;
    if (actual[i] >= p.lower95 && actual[i] <= p.upper95) covered95++;
  });
  return { mase: m, ratio: m / best, chosen: r.chosen ?? 'none', covered80, covered95 };
}

function score(
  s: Series,
  builtins: Record<string, number[]>
): { row: Row; opts: ForecastOptions; result: ForecastResult } {
  const n = s.y.length - s.holdout;
  const train = s.y.slice(0, n);
  const actual = s.y.slice(n);
  const opts = { stepSeconds: stepOf(s, n), horizon: s.holdout };
  const t0 = performance.now();
  const result = forecast(train, opts);
  const fitMs = performance.now() - t0;
  const all = forecast(train, { ...opts, models: MODEL_NAMES });
  const builtin = Object.fromEntries(Object.entries(builtins).map(([k, p]) => [k, mase(train, actual, p)]));
  const candidates = Object.fromEntries(
    all.candidates
      .filter((c) => c.ok)
      .map((c) => [
        c.model,
        mase(
          train,
          actual,
          c.path.map((p) => p.point)
        ),
      ])
  );
  const best = Math.min(...Object.values(builtin));
  const row = {
    series: s.name,
    builtin,
    candidates,
    reference: {},
    auto: scoreChoice(result, train, actual, best),
    all: scoreChoice(all, train, actual, best),
    points: actual.length,
    fitMs,
  };
  return { row, opts, result };
}

function printRows(rows: Row[]): void {
  const bNames = Object.keys(rows[0].builtin);
  const cNames = [...new Set(rows.flatMap((r) => Object.keys(r.candidates)))];
  const rNames = [...new Set(rows.flatMap((r) => Object.keys(r.reference)))];
  const head = [
    'series',
    ...bNames,
    ...cNames,
    ...rNames,
    'auto',
    'chosen',
    'auto/best built-in',
    'in 80 %',
    'auto (all)',
    'chosen (all)',
    'fit ms',
  ];
  const body = rows.map((r) => [
    r.series,
    ...bNames.map((b) => f3(r.builtin[b])),
    ...cNames.map((c) => f3(r.candidates[c] ?? NaN)),
    ...rNames.map((c) => f3(r.reference[c] ?? NaN)),
    f3(r.auto.mase),
    r.auto.chosen,
    f3(r.auto.ratio),
    `${r.auto.covered80}/${r.points}`,
    f3(r.all.mase),
    r.all.chosen,
    r.fitMs.toFixed(1),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  process.stdout.write(
    `\nForecast benchmark: MASE on the held-out tail (lower is better)\n${line(head)}\n${body.map(line).join('\n')}\n`
  );
}

/** A year of the demo's daily users, the series the exporter fits for every service. */
async function yearOfDaily(): Promise<{ values: number[]; step: number }> {
  const policy = policyWithServices(1);
  const h = await new DemoSource().readHistory(policy.services[0], Date.UTC(2026, 10, 27, 12) / 1000);
  if (!h.ok) throw new Error(`demo history: ${h.reason}`);
  return { values: h.points.map((p) => p.v), step: 86_400 };
}

function summary(rows: Row[], pick: (r: Row) => Scored, what: string): Figure[] {
  const ratios = rows.map((r) => pick(r).ratio);
  const gm = geomean(ratios);
  const worst = Math.max(...ratios);
  const pts = rows.reduce((a, r) => a + r.points, 0);
  const cov80 = rows.reduce((a, r) => a + pick(r).covered80, 0) / pts;
  const cov95 = rows.reduce((a, r) => a + pick(r).covered95, 0) / pts;
  const chosen = Object.entries(
    rows.reduce<Record<string, number>>((a, r) => ({ ...a, [pick(r).chosen]: (a[pick(r).chosen] ?? 0) + 1 }), {})
  );
  process.stdout.write(
    `${what}: chosen ${chosen.map(([k, v]) => `${k} ${v}`).join(', ')}; worst ${rows[ratios.indexOf(worst)].series} (${f3(worst)})\n`
  );
  return [
    {
      name: `forecast (${what}): geometric mean MASE ratio to the best built-in (${rows.length} series)`,
      value: gm,
      unit: '×',
      goal: '≤ 0.8',
      met: gm <= 0.8,
    },
    {
      name: `forecast (${what}): worst MASE ratio to the best built-in`,
      value: worst,
      unit: '×',
      goal: '≤ 1.5',
      met: worst <= 1.5,
    },
    {
      name: `forecast (${what}): held-out points inside the 80 % band (${pts})`,
      value: cov80 * 100,
      unit: '%',
      goal: '75–90 %',
      met: cov80 >= 0.75 && cov80 <= 0.9,
    },
    { name: `forecast (${what}): held-out points inside the 95 % band`, value: cov95 * 100, unit: '%' },
  ];
}

export async function run(): Promise<Figure[]> {
  const series = loadSeries();
  const { prom, query } = await startBaseline(series);
  const rows: Row[] = [];
  let deterministic = true;
  try {
    for (const [i, s] of series.entries()) {
      const { row, opts, result } = score(s, await builtinPaths(query, s, i));
      if (JSON.stringify(forecast(s.y.slice(0, s.y.length - s.holdout), opts)) !== JSON.stringify(result))
        deterministic = false;
      rows.push(row);
    }
  } finally {
    await prom.stop();
  }
  const reference = referenceForecasts(series);
  if (reference) scoreReference(rows, series, reference);
  printRows(rows);
  const figures = [
    ...summary(rows, (r) => r.auto, 'automatic, default candidates'),
    ...summary(rows, (r) => r.all, 'automatic, every candidate'),
    ...(reference ? referenceFigures(rows, reference) : []),
  ];
  const daily = await yearOfDaily();
  const year = (models?: readonly ModelName[]) =>
    median(
      [0, 1, 2, 3, 4].map(() =>
        cpuMsSync(() => forecast(daily.values, { stepSeconds: daily.step, horizon: 365, models }))
      )
    );
  const yearMs = year();
  const yearAllMs = year(MODEL_NAMES);
  return [
    ...figures,
    {
      name: 'forecast: fit of a year of daily points (365, horizon 365), default candidates',
      value: yearMs,
      unit: 'ms CPU',
      goal: '< 50 ms',
      met: yearMs < 50,
    },
    {
      name: 'forecast: fit of a year of daily points, every candidate (augurs ets and mstl too)',
      value: yearAllMs,
      unit: 'ms CPU',
    },
    {
      name: 'forecast: same series, same forecast (byte for byte)',
      value: deterministic ? 1 : 0,
      unit: 'bool',
      goal: '1',
      met: deterministic,
    },
  ];
}
/** The reference methods' MASE on each series, scored like every candidate (the scale is the whole training part's). */
function scoreReference(rows: Row[], series: Series[], reference: Reference): void {
  rows.forEach((row, i) => {
    const s = series[i];
    const n = s.y.length - s.holdout;
    const ref = reference.paths.get(s.name);
    if (!ref) throw new Error(`R reference: no forecast for ${s.name}`);
    for (const m of REFERENCE_METHODS) row.reference[m] = mase(s.y.slice(0, n), s.y.slice(n), ref[m]);
  });
}

/** The anchors measured in the same run: no goal, they say what established methods reach on this bench. */
function referenceFigures(rows: Row[], reference: Reference): Figure[] {
  process.stdout.write(
    `R reference: series longer than ${REFERENCE_MAX_POINTS} points (the hourly one) are fitted on their last ${REFERENCE_MAX_POINTS}; every MASE is scaled by the whole training part\n`
  );
  return REFERENCE_METHODS.flatMap((m) => {
    const ratios = rows.map((r) => r.reference[m] / Math.min(...Object.values(r.builtin)));
    const worst = Math.max(...ratios);
    const what = `reference: ${m}, forecast ${reference.version}`;
    process.stdout.write(`${what}: worst ${rows[ratios.indexOf(worst)].series} (${f3(worst)})\n`);
    return [
      { name: `forecast (${what}): geometric mean MASE ratio to the best built-in`, value: geomean(ratios), unit: '×' },
      { name: `forecast (${what}): worst MASE ratio to the best built-in`, value: worst, unit: '×' },
    ];
  });
}

function cpuMsSync(fn: () => unknown): number {
  const a = process.cpuUsage();
  fn();
  const d = process.cpuUsage(a);
  return (d.user + d.system) / 1000;
}
