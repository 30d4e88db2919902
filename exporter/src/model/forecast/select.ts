/**
 * Rolling-origin cross-validation: refit every candidate at several origins over the recent part of
 * the history, forecast the planning horizon from each, score by MASE (scale-free, defined for
 * zeros), and turn the held-out errors into bands: their spread per horizon step, smoothed as
 * s·k^p, times pooled quantiles of the scaled errors at split-conformal levels, so the bands are
 * calibrated on forecast errors.
 */
import type { FitContext, Fitter, PathPoint } from './types.js';

export interface Plan {
  /** Training lengths of the origins, latest first. */
  origins: number[];
  /** Steps scored at each origin. */
  horizon: number;
}

/**
 * Up to `count` origins a sixth of the scored horizon apart (the latest ends where the history
 * ends), each keeping at least a third of the history: the recent part, at several phases.
 */
export function crossValidationPlan(n: number, horizon: number, count: number): Plan {
  const h = Math.min(horizon, Math.max(1, Math.floor(n / 4)));
  const minTrain = Math.max(8, Math.floor(n / 3));
  const room = n - h - minTrain;
  if (room < 0) return { origins: [], horizon: h };
  const k = Math.min(count, room + 1);
  const spacing = k <= 1 ? 1 : Math.min(Math.max(1, Math.round(h / 6)), Math.floor(room / (k - 1)));
  return { origins: Array.from({ length: k }, (_, j) => n - h - j * spacing), horizon: h };
}

/** In-sample MAE of the one-step naive forecast: the MASE denominator. */
export function naiveScale(y: number[], end = y.length): number {
  let s = 0;
  for (let i = 1; i < end; i++) s += Math.abs(y[i] - y[i - 1]);
  const scale = s / Math.max(1, end - 1);
  return scale > 0 ? scale : 1;
}

export interface Errors {
  /** errors[j][k]: actual − forecast at origin j, step k+1. */
  errors: number[][];
  /** Naive scale of each origin's training part. */
  scales: number[];
}

/** Held-out errors of one fitter at every origin; a string if it fails at any origin. */
export function crossValidate(fitter: Fitter, y: number[], plan: Plan, ctx: FitContext): Errors | string {
  const errors: number[][] = [];
  const scales: number[] = [];
  for (const o of plan.origins) {
    const f = fitter(y.slice(0, o), { ...ctx, horizon: plan.horizon });
    if (typeof f === 'string') return f;
    const p = f(plan.horizon);
    const e = p.map((v, k) => y[o + k] - v);
    if (e.some((v) => !Number.isFinite(v))) return 'non-finite forecast';
    errors.push(e);
    scales.push(naiveScale(y, o));
  }
  return { errors, scales };
}

/** Mean absolute scaled error per horizon step over the origins. */
export function maseByStep(cv: Errors): number[] {
  const h = cv.errors[0]?.length ?? 0;
  const out = new Array<number>(h).fill(0);
  cv.errors.forEach((e, j) => {
    for (let k = 0; k < h; k++) out[k] += Math.abs(e[k]) / cv.scales[j];
  });
  return out.map((v) => v / cv.errors.length);
}

const quantile = (sorted: ArrayLike<number>, q: number) =>
  sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))];

/**
 * The split-conformal level for a coverage q with J calibration units: ⌈(J + 1)·q⌉ / J. The units are
 * the origins (the steps of one origin's path are not independent): with 10 origins the 80 % band
 * takes the 90 % quantile of the scaled errors and the 95 % band their largest.
 */
export const conformalLevel = (q: number, units: number) => Math.min(1, Math.ceil((units + 1) * q) / units);

/** Half-widths of the 80 % and 95 % bands for steps 1..h, from the held-out errors. */
export function bandWidths(cv: Errors, h: number): { w80: number[]; w95: number[] } {
  const steps = cv.errors[0].length;
  const J = cv.errors.length;
  // Plain loops: Array.from and flatMap are slow in V8, and this runs for every candidate.
  const rms = new Array<number>(steps).fill(0);
  for (const e of cv.errors) for (let k = 0; k < steps; k++) rms[k] += e[k] * e[k];
  // Spread grows as s·k^p (log-log least squares), p within [0, 1.5]; one step alone gives p = 0.5 (a random walk).
  const pts = rms.map((r, k) => [Math.log(k + 1), Math.log(Math.max(Math.sqrt(r / J), 1e-12))]);
  const p = steps >= 3 ? Math.min(1.5, Math.max(0, slope(pts))) : 0.5;
  const s = Math.exp(pts.reduce((a, q) => a + q[1] - p * q[0], 0) / steps);
  const sigma = (k: number) => s * k ** p;
  const scaled = new Float64Array(J * steps);
  for (let j = 0; j < J; j++)
    for (let k = 0; k < steps; k++) scaled[j * steps + k] = Math.abs(cv.errors[j][k]) / sigma(k + 1);
  scaled.sort();
  const q80 = quantile(scaled, conformalLevel(0.8, J));
  const q95 = quantile(scaled, conformalLevel(0.95, J));
  const w80 = new Array<number>(h);
  const w95 = new Array<number>(h);
  for (let k = 0; k < h; k++) {
    w80[k] = q80 * sigma(k + 1);
    w95[k] = q95 * sigma(k + 1);
  }
  return { w80, w95 };
}

function slope(pts: number[][]): number {
  const n = pts.length;
  const mx = pts.reduce((a, q) => a + q[0], 0) / n;
  const my = pts.reduce((a, q) => a + q[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? 0.5 : sxy / sxx;
}

/** The path with its bands at `steps` (1-based; default every step). */
export function withBands(
  points: number[],
  w: { w80: number[]; w95: number[] },
  steps?: readonly number[]
): PathPoint[] {
  const at = (k: number): PathPoint => {
    const v = points[k];
    return { point: v, lower80: v - w.w80[k], upper80: v + w.w80[k], lower95: v - w.w95[k], upper95: v + w.w95[k] };
  };
  return steps ? steps.map((s) => at(s - 1)) : points.map((_, k) => at(k));
}
