/**
 * Exponential smoothing state-space models with additive errors (Hyndman et al. 2008): level, an
 * optional additive or damped trend, an optional additive season. Parameters are fitted by
 * Nelder-Mead on the one-step squared error (the Gaussian likelihood), and the form is chosen by
 * AICc, as statsforecast's and forecast's AutoETS do. augurs' AutoETS has no seasonal form in
 * JavaScript, hence this one. Deterministic: fixed start, fixed budget.
 */
import { nelderMead } from './smoothing.js';
import type { Fitter } from './types.js';

export type Trend = 'N' | 'A' | 'Ad';

export interface Form {
  trend: Trend;
  /** Season length in steps; 0 for none. */
  m: number;
}

interface Params {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  /** Shifts of the initial level and trend from their heuristic values, in units of the naive step. */
  dl: number;
  db: number;
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const within = (lo: number, hi: number, x: number) => lo + (hi - lo) * logistic(x);

/**
 * Unconstrained values to the usual admissible region (beta < alpha, gamma < 1 - alpha, phi in
 * [0.8, 0.98]), then the shifts of the initial level and trend.
 */
function params(x: number[], f: Form): Params {
  const alpha = within(0.0001, 0.9999, x[0]);
  let i = 1;
  const beta = f.trend === 'N' ? 0 : alpha * within(0.0001, 0.9999, x[i++]);
  const phi = f.trend === 'Ad' ? within(0.8, 0.98, x[i++]) : 1;
  const gamma = f.m > 0 ? (1 - alpha) * within(0.0001, 0.9999, x[i++]) : 0;
  const dl = x[i++];
  const db = f.trend === 'N' ? 0 : x[i] / 4;
  return { alpha, beta, gamma, phi, dl, db };
}

const start = (f: Form) => [
  -1,
  ...(f.trend === 'N' ? [] : [-2]),
  ...(f.trend === 'Ad' ? [1] : []),
  ...(f.m ? [-2] : []),
  0,
  ...(f.trend === 'N' ? [] : [0]),
];

interface State {
  level: number;
  trend: number;
  season: number[];
  sse: number;
  /** One-step errors counted in sse. */
  count: number;
}

const mean = (y: number[], a: number, b: number) => y.slice(a, b).reduce((s, v) => s + v, 0) / (b - a);

/** Initial states from the first seasons (or points), as in Hyndman et al. 2008, section 2.6.1. */
function initial(y: number[], f: Form): { level: number; trend: number; season: number[] } {
  const { m } = f;
  if (m > 0) {
    const level = mean(y, 0, m);
    const trend = f.trend === 'N' ? 0 : (mean(y, m, 2 * m) - level) / m;
    // Seasonal indices of the first season, around its level corrected for the trend.
    const season = y.slice(0, m).map((v, i) => v - (level + (i - (m - 1) / 2) * trend));
    return { level, trend, season };
  }
  const k = Math.min(y.length - 1, 4);
  return { level: y[0], trend: f.trend === 'N' ? 0 : (y[k] - y[0]) / k, season: [] };
}

type Init = ReturnType<typeof initial>;

/** Runs the recursions from the initial states; one-step errors from the point after the first season. */
export function run(y: number[], f: Form, p: Params, unit: number, init: Init = initial(y, f)): State {
  const { m } = f;
  let level = init.level + p.dl * unit;
  let trend = init.trend + p.db * unit;
  if (m > 0) level += ((m - 1) / 2) * trend;
  const season = init.season.slice();
  const beta = f.trend === 'N' ? 0 : p.beta;
  let sse = 0;
  const from = m > 0 ? m : 1;
  // The season index wraps without a modulo (i % m is j); hot loop of every fit.
  for (let i = from, j = 0; i < y.length; i++) {
    const s = m > 0 ? season[j] : 0;
    const err = y[i] - (level + p.phi * trend + s);
    sse += err * err;
    level += p.phi * trend + p.alpha * err;
    trend = p.phi * trend + beta * err;
    if (m > 0) {
      season[j] = s + p.gamma * err;
      if (++j === m) j = 0;
    }
  }
  return { level, trend, season, sse, count: y.length - from };
}

function naiveStep(y: number[]): number {
  let s = 0;
  for (let i = 1; i < y.length; i++) s += Math.abs(y[i] - y[i - 1]);
  return s / Math.max(1, y.length - 1) || 1;
}

export interface Fit {
  form: Form;
  params: Params;
  state: State;
  aicc: number;
}

/** Fits one form (smoothing parameters, initial level and trend); AICc counts them and the initial seasons. */
export function fitForm(y: number[], f: Form): Fit {
  const unit = naiveStep(y);
  const init = initial(y, f);
  const x = nelderMead((v) => run(y, f, params(v, f), unit, init).sse, start(f), 30 * start(f).length);
  const p = params(x, f);
  const st = run(y, f, p, unit, init);
  const k = start(f).length + f.m;
  const n = st.count;
  const aicc =
    n - k - 1 > 0 ? n * Math.log(Math.max(st.sse, 1e-300) / n) + 2 * k + (2 * k * (k + 1)) / (n - k - 1) : Infinity;
  return { form: f, params: p, state: st, aicc };
}

export function pathOf(fit: Fit, n: number, h: number): number[] {
  const { state: st, params: p, form } = fit;
  const out: number[] = [];
  let damp = 0;
  for (let k = 1; k <= h; k++) {
    damp += p.phi ** k;
    out.push(st.level + damp * st.trend + (form.m > 0 ? st.season[(n + k - 1) % form.m] : 0));
  }
  return out;
}

/** Every form with these trends and the seasons the history covers twice (and none); the lowest AICc wins. */
export function autoEts(y: number[], seasons: number[], trends: readonly Trend[] = ['N', 'A', 'Ad']): Fit | string {
  const ms = [0, ...seasons.filter((s) => y.length >= 2 * s + 2).slice(0, 1)];
  let best: Fit | undefined;
  for (const m of ms)
    for (const trend of trends) {
      const fit = fitForm(y, { trend, m });
      if (Number.isFinite(fit.aicc) && (!best || fit.aicc < best.aicc)) best = fit;
    }
  return best ?? `needs more points than parameters`;
}

/** One non-seasonal form (for a seasonally adjusted series). */
export const fitEtsForm =
  (trend: Trend): Fitter =>
  (y) => {
    if (y.length < 8) return 'needs at least 8 points';
    const fit = fitForm(y, { trend, m: 0 });
    return (h) => pathOf(fit, y.length, h);
  };

const fixedForm =
  (form: Form): Fitter =>
  (y) => {
    if (y.length < 2 * form.m + 2) return `needs at least ${2 * form.m + 2} points for a season of ${form.m}`;
    const fit = fitForm(y, form);
    return (h) => pathOf(fit, y.length, h);
  };

/** The form is chosen by AICc on the whole history; the cross-validation origins refit that form only. */
export const fitAutoEts: Fitter = (y, ctx) => {
  if (y.length < 8) return 'needs at least 8 points';
  const fit = autoEts(y, ctx.seasons);
  if (typeof fit === 'string') return fit;
  return Object.assign((h: number) => pathOf(fit, y.length, h), { origins: fixedForm(fit.form) });
};
