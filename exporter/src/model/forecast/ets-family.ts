/**
 * The whole exponential smoothing family of R's forecast::ets and statsforecast's AutoETS (Hyndman
 * et al. 2008): additive or multiplicative error; no, additive or damped trend; no, additive or
 * multiplicative season. Smoothing parameters and the initial level and trend are fitted by maximum
 * likelihood (Nelder-Mead within the usual bounds, from the heuristic initial states of section
 * 2.6.1, the initial season from a classical decomposition of the first three seasons), and the form
 * is chosen by AICc. Deterministic: fixed start, fixed budget.
 */
import { seasonalIndices } from './seasonal.js';
import { naiveScale } from './select.js';
import { nelderMead } from './smoothing.js';
import type { Fitter } from './types.js';

export interface Form {
  error: 'A' | 'M';
  trend: 'N' | 'A' | 'Ad';
  season: 'N' | 'A' | 'M';
  /** Season length in steps (unused when season is N). */
  m: number;
}

export interface Params {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/** The level and trend before the first point and the season of each position i % m. */
export interface States {
  level: number;
  trend: number;
  season: number[];
}

const LOW = 1e-4;
const bounded = (lo: number, hi: number, x: number) => lo + (hi - lo) / (1 + Math.exp(-x));
const logit = (r: number) => Math.log(r / (1 - r));
const trended = (f: Form) => f.trend !== 'N';
const seasonal = (f: Form) => f.season !== 'N';
const label = (f: Form) => `${f.error}${f.trend}${f.season}`;

/** Free values: the smoothing parameters the form has, then the shifts of the initial level and trend. */
function dims(f: Form): { smooth: number; all: number } {
  const smooth = 1 + (trended(f) ? 1 : 0) + (f.trend === 'Ad' ? 1 : 0) + (seasonal(f) ? 1 : 0);
  return { smooth, all: smooth + 1 + (trended(f) ? 1 : 0) };
}

/** Unconstrained values to the usual region: beta ≤ alpha, gamma ≤ 1 − alpha, phi in [0.8, 0.98]. */
export function paramsOf(x: ArrayLike<number>, f: Form): Params {
  const alpha = bounded(LOW, 0.9999, x[0]);
  let i = 1;
  const beta = trended(f) ? bounded(LOW, alpha, x[i++]) : 0;
  const phi = f.trend === 'Ad' ? bounded(0.8, 0.98, x[i++]) : 1;
  const gamma = seasonal(f) ? bounded(LOW, Math.max(LOW, 1 - alpha), x[i]) : 0;
  return { alpha, beta, gamma, phi };
}

/** Heuristic initial states (Hyndman et al. 2008, 2.6.1): the first seasons' classical decomposition, then a line. */
export function initialStates(y: number[], f: Form): States {
  const m = seasonal(f) ? f.m : 0;
  const season = m > 0 ? seasonalIndices(y.slice(0, Math.min(y.length, 3 * m)), m, f.season === 'M') : [];
  const adjusted = m > 0 ? y.map((v, i) => (f.season === 'M' ? v / season[i % m] : v - season[i % m])) : y;
  const k = Math.min(Math.max(10, 2 * m), y.length);
  // Least squares over x = 1..k: the intercept is the level before the first point.
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < k; i++) {
    sx += i + 1;
    sy += adjusted[i];
    sxx += (i + 1) ** 2;
    sxy += (i + 1) * adjusted[i];
  }
  const slope = trended(f) ? (k * sxy - sx * sy) / (k * sxx - sx * sx || 1) : 0;
  return { level: (sy - slope * sx) / k, trend: slope, season };
}

export interface Run {
  /** −2 log-likelihood up to a constant: n·log Σe² (+ 2·Σ log ŷ with a multiplicative error); Infinity when inadmissible. */
  lik: number;
  level: number;
  trend: number;
  season: number[];
}

/**
 * R's etscalc recursions (the state updates are the same for both error types; the error type
 * changes the likelihood). A multiplicative error or season needs positive forecasts and seasons.
 */
export function run(y: number[], f: Form, p: Params, s0: States): Run {
  const { alpha, gamma, phi, beta } = p;
  const { m } = f;
  const season = s0.season.slice();
  const hasB = trended(f);
  const add = f.season === 'A';
  const mul = f.season === 'M';
  const relative = f.error === 'M';
  let l = s0.level;
  let b = hasB ? s0.trend : 0;
  let sse = 0;
  let logs = 0;
  // The season index wraps without a modulo (i % m is j): the hot loop of every fit.
  for (let i = 0, j = 0; i < y.length; i++) {
    const q = l + phi * b;
    const s = add || mul ? season[j] : 0;
    const yhat = mul ? q * s : q + s;
    let e = y[i] - yhat;
    if (relative || mul) {
      if (!(yhat > 1e-10) || (mul && !(s > 1e-10))) return { lik: Infinity, level: l, trend: b, season };
      if (relative) {
        e /= yhat;
        logs += Math.log(yhat);
      }
    }
    sse += e * e;
    const next = q + alpha * ((mul ? y[i] / s : y[i] - s) - q);
    if (hasB) b = phi * b + (beta / alpha) * (next - l - phi * b);
    if (add || mul) {
      season[j] = s + gamma * ((mul ? y[i] / q : y[i] - q) - s);
      if (++j === m) j = 0;
    }
    l = next;
  }
  const lik = y.length * Math.log(Math.max(sse, 1e-300)) + 2 * logs;
  return { lik: Number.isFinite(lik) ? lik : Infinity, level: l, trend: b, season };
}

export interface Fit {
  form: Form;
  /** The optimum in the unconstrained values (a warm start for the cross-validation refits). */
  x: number[];
  params: Params;
  end: Run;
  aicc: number;
}

/** Start: alpha 0.2 (less with a long season), beta a tenth of alpha, phi 0.95, gamma a twentieth of 1 − alpha. */
function start(f: Form): number[] {
  const x = [logit(seasonal(f) ? Math.max(0.02, 0.2 / Math.sqrt(f.m)) : 0.2)];
  if (trended(f)) x.push(logit(0.1));
  if (f.trend === 'Ad') x.push(logit(0.83));
  if (seasonal(f)) x.push(logit(0.05));
  return [...x, 0, ...(trended(f) ? [0] : [])];
}

/** Likelihood evaluations per free value from the fixed start, and from a warm start (a nearby optimum). */
const EVALS_PER_DIM = 60;
const WARM_EVALS_PER_DIM = 15;

/**
 * Fits one form by maximum likelihood, from the fixed start or warm from `from` (the optimum on a
 * longer history); AICc counts the smoothing parameters, the initial level and trend and the variance.
 */
export function fitForm(y: number[], f: Form, from?: number[]): Fit {
  const unit = naiveScale(y);
  const base = initialStates(y, f);
  const { smooth, all } = dims(f);
  const states = (x: number[]): States => ({
    level: base.level + x[smooth] * unit,
    trend: trended(f) ? base.trend + (x[smooth + 1] * unit) / 4 : 0,
    season: base.season,
  });
  const lik = (v: number[]) => run(y, f, paramsOf(v, f), states(v)).lik;
  const x = from
    ? nelderMead(lik, from, WARM_EVALS_PER_DIM * all + 10, 0.3)
    : nelderMead(lik, start(f), EVALS_PER_DIM * all + 50);
  const params = paramsOf(x, f);
  const end = run(y, f, params, states(x));
  // The initial season is not optimised (it is the decomposition's), so it is not counted.
  const k = all + 1;
  const n = y.length;
  const aicc = n - k - 1 > 0 && Number.isFinite(end.lik) ? end.lik + 2 * k + (2 * k * (k + 1)) / (n - k - 1) : Infinity;
  return { form: f, x, params, end, aicc };
}

/** The point forecast for steps 1..h after the n fitted points. */
export function pathOf(fit: Fit, n: number, h: number): number[] {
  const { end, params: p, form } = fit;
  const out = new Array<number>(h);
  let damp = 0;
  for (let k = 1; k <= h; k++) {
    damp += p.phi ** k;
    const q = end.level + damp * end.trend;
    const s = seasonal(form) ? end.season[(n + k - 1) % form.m] : 0;
    out[k - 1] = form.season === 'M' ? q * s : q + s;
  }
  return out;
}

/**
 * The forms AutoETS tries, restricted as statsforecast does (no additive error with a multiplicative
 * season; multiplicative forms only for positive data), seasonal on the shortest season of at most
 * 24 steps that the history covers three times.
 */
export function formsFor(y: number[], seasons: number[]): Form[] {
  const positive = y.every((v) => v > 0);
  const m = seasons.find((s) => s >= 2 && s <= 24 && y.length >= 3 * s) ?? 0;
  const out: Form[] = [];
  for (const error of positive ? (['A', 'M'] as const) : (['A'] as const))
    for (const season of ['N', 'A', 'M'] as const) {
      if ((season !== 'N' && m === 0) || (season === 'M' && error === 'A')) continue;
      for (const trend of ['N', 'A', 'Ad'] as const) out.push({ error, trend, season, m });
    }
  return out;
}

const fits = (y: number[], f: Form) => y.length > dims(f).all + (seasonal(f) ? f.m : 0) + 4;

/** Every form of formsFor that the history can fit; the lowest AICc wins. */
export function autoEtsFull(y: number[], seasons: number[]): Fit | string {
  let best: Fit | undefined;
  for (const f of formsFor(y, seasons).filter((g) => fits(y, g))) {
    const fit = fitForm(y, f);
    if (Number.isFinite(fit.aicc) && (!best || fit.aicc < best.aicc)) best = fit;
  }
  return best ?? 'needs more points than parameters';
}

/** The cross-validation origins refit the form chosen on the whole history, warm from its optimum. */
const refit =
  ({ form, x }: Fit): Fitter =>
  (y) => {
    if (!fits(y, form)) return `needs more points for the form ${label(form)}`;
    const fit = fitForm(y, form, x);
    if (!Number.isFinite(fit.aicc)) return `the form ${label(form)} does not fit`;
    return (h) => pathOf(fit, y.length, h);
  };

export const fitAutoEtsFull: Fitter = (y, ctx) => {
  if (y.length < 8) return 'needs at least 8 points';
  const fit = autoEtsFull(y, ctx.seasons);
  if (typeof fit === 'string') return fit;
  return Object.assign((h: number) => pathOf(fit, y.length, h), { origins: refit(fit) });
};
