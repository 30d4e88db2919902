/**
 * The forecast benchmark's development protocol (issue 14), as a command: every selection rule and
 * candidate set is judged on earlier cuts of the benchmark's series, never on its held-out points.
 * Each series is cut 1–4 hold-outs before the benchmark's (12, 24, 36 and 48 monthly points; 48–192
 * hourly), the points after the cut are dropped, and the last hold-out of what is left is scored
 * against the built-ins recomputed here exactly as Prometheus computes them (predict_linear over the
 * whole training window and its last quarter, holt_winters(…, 0.5, 0.5) flat).
 * `HEADROOM_CUT_MODELS=a,b,c` scores another candidate set.
 */
import { forecast, type ModelName } from '../exporter/src/model/forecast/index.js';
import type { Figure } from './common.js';
import { geomean, mase } from './forecast.bench.js';
import { loadSeries, stepOf, type Series } from './forecast-data.js';
import { REFERENCE_METHODS, referenceForecasts } from './forecast-reference.js';

/** Prometheus's predict_linear: least squares of value on (t − at) over the samples in [at − range, at], at `at + d`. */
export function predictLinear(t: number[], y: number[], at: number, range: number, ahead: number[]): number[] {
  const idx = t.map((_, i) => i).filter((i) => t[i] >= at - range && t[i] <= at);
  const xs = idx.map((i) => t[i] - at);
  const ys = idx.map((i) => y[i]);
  const n = xs.length;
  const mx = xs.reduce((a, v) => a + v, 0) / n;
  const my = ys.reduce((a, v) => a + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  return ahead.map((d) => intercept + slope * d);
}

/** Prometheus's holt_winters (double exponential smoothing): the smoothed value at the last sample. */
export function holtWinters(y: number[], sf: number, tf: number): number {
  let s0 = 0;
  let s1 = y[0];
  let b = y[1] - y[0];
  for (let i = 1; i < y.length; i++) {
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const next = sf * y[i] + (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = next;
  }
  return s1;
}

function builtins(s: Series, n: number, h: number): number[][] {
  const at = s.t[n - 1];
  const span = at - s.t[0];
  const ahead = s.t.slice(n, n + h).map((t) => t - at);
  const sel = (w: number) => Math.ceil(w) + 1;
  const hw = holtWinters(s.y.slice(0, n), 0.5, 0.5);
  return [
    predictLinear(s.t, s.y, at, sel(span), ahead),
    predictLinear(s.t, s.y, at, sel(span / 4), ahead),
    ahead.map(() => hw),
  ];
}

/** A cut is scored only where at least this many hold-outs of training remain (GOOG starts in 2004). */
const MIN_TRAIN = 3;

/** The series as they were `cut` hold-outs before the benchmark's split: the points after it dropped. */
export function cutSeries(series: Series[], cut: number): Series[] {
  return series
    .filter((s) => s.y.length - s.holdout * (cut + 1) >= MIN_TRAIN * s.holdout)
    .map((s) => {
      const end = s.y.length - s.holdout * cut;
      return { ...s, t: s.t.slice(0, end), y: s.y.slice(0, end) };
    });
}

type Predict = (s: Series, train: number[], step: number) => number[];

/** Ratio of the MASE of `predict` on each series' last hold-out to the best built-in's. */
export function ratios(series: Series[], predict: Predict): number[] {
  return series.map((s) => {
    const n = s.y.length - s.holdout;
    const train = s.y.slice(0, n);
    const actual = s.y.slice(n);
    const step = stepOf(s, n);
    const best = Math.min(...builtins(s, n, s.holdout).map((p) => mase(train, actual, p)));
    return mase(train, actual, predict(s, train, step)) / best;
  });
}

const automatic =
  (models?: readonly ModelName[]): Predict =>
  (s, train, step) =>
    forecast(train, { stepSeconds: step, horizon: s.holdout, models }).path.map((p) => p.point);

export async function run(): Promise<Figure[]> {
  const series = loadSeries();
  const models = process.env.HEADROOM_CUT_MODELS?.split(',') as ModelName[] | undefined;
  const cuts = [1, 2, 3, 4].map((cut) => cutSeries(series, cut));
  const per = cuts.map((c) => ratios(c, automatic(models)));
  per.forEach((r, i) =>
    process.stdout.write(`cut ${i + 1}: geometric mean ${geomean(r).toFixed(3)} over ${r.length} series\n`)
  );
  return [
    {
      name: `forecast cuts: geometric mean ratio to the best built-in over 4 earlier cuts (${per.flat().length} series × cuts) (${models ? models.join(',') : 'default candidates'})`,
      value: geomean(per.flat()),
      unit: '×',
    },
    ...(process.env.HEADROOM_CUT_REFERENCE ? referenceCuts(cuts) : []),
  ];
}

/** R's forecast package on the same cuts (HEADROOM_CUT_REFERENCE=1; minutes of R per cut). */
function referenceCuts(cuts: Series[][]): Figure[] {
  const refs = cuts.map((c) => referenceForecasts(c));
  if (refs.some((r) => !r)) return [];
  return REFERENCE_METHODS.map((m) => {
    const per = cuts.map((c, i) => ratios(c, (s) => refs[i]!.paths.get(s.name)![m]));
    process.stdout.write(`${m}: ${per.map((r, i) => `cut ${i + 1} ${geomean(r).toFixed(3)}`).join(', ')}\n`);
    return {
      name: `forecast cuts: reference ${m}, geometric mean over the 4 cuts`,
      value: geomean(per.flat()),
      unit: '×',
    };
  });
}
