import { linearRegression, mean } from 'simple-statistics';

export type ModelName = 'linear' | 'polynomial' | 'exponential' | 'holt_winters';

export interface Point {
  /** Unix seconds. */
  t: number;
  v: number;
}

export interface ForecastValue {
  point: number;
  lower: number;
  upper: number;
}

export interface ModelFit {
  model: ModelName;
  ok: true;
  /** In-sample coefficient of determination on the whole series. */
  rSquared: number;
  /** Mean absolute percentage error on the held-out tail, as a ratio (0.05 = 5 %). */
  holdoutError: number;
  /** Standard deviation of the in-sample residuals. */
  residualSd: number;
  /** Forecast `steps` sampling intervals after the last point. */
  predict(steps: number): ForecastValue;
}

export interface ModelFailure {
  model: ModelName;
  ok: false;
  reason: string;
}

export type ModelResult = ModelFit | ModelFailure;

export interface ForecastOptions {
  seasonLength: number;
  holdoutRatio: number;
  /** z for the prediction interval (1.96 = 95 %). */
  z: number;
}

interface Core {
  /** Fitted (in-sample) values for indexes 0..n-1. */
  fitted: number[];
  /** Point forecast for index n-1+steps. */
  at(steps: number): number;
  /** How the interval widens with the horizon. */
  spread(steps: number): number;
}

type Fitter = (y: number[], opts: ForecastOptions) => Core | string;

const fitLinear: Fitter = (y) => {
  const n = y.length;
  const { m, b } = linearRegression(y.map((v, i) => [i, v]));
  return { fitted: y.map((_, i) => b + m * i), at: (s) => b + m * (n - 1 + s), spread: (s) => Math.sqrt(1 + s / n) };
};

/** Least squares y = c0 + c1 x + c2 x², x centred and scaled for a well-conditioned system. */
const fitPolynomial: Fitter = (y) => {
  const n = y.length;
  if (n < 4) return 'needs at least 4 points';
  const mid = (n - 1) / 2;
  const sc = Math.max(1, mid);
  const xs = y.map((_, i) => (i - mid) / sc);
  const S = [0, 0, 0, 0, 0];
  const T = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    let p = 1;
    for (let k = 0; k < 5; k++) {
      S[k] += p;
      if (k < 3) T[k] += p * y[i];
      p *= xs[i];
    }
  }
  const c = solve3(
    [
      [S[0], S[1], S[2]],
      [S[1], S[2], S[3]],
      [S[2], S[3], S[4]],
    ],
    T,
  );
  if (!c) return 'singular system';
  const f = (i: number) => {
    const x = (i - mid) / sc;
    return c[0] + c[1] * x + c[2] * x * x;
  };
  return { fitted: y.map((_, i) => f(i)), at: (s) => f(n - 1 + s), spread: (s) => Math.sqrt(1 + s / n) };
};

/** y = exp(a + b x): a linear fit of ln y. */
const fitExponential: Fitter = (y) => {
  if (y.some((v) => !(v > 0))) return 'needs strictly positive values';
  const n = y.length;
  const { m, b } = linearRegression(y.map((v, i) => [i, Math.log(v)]));
  return { fitted: y.map((_, i) => Math.exp(b + m * i)), at: (s) => Math.exp(b + m * (n - 1 + s)), spread: (s) => Math.sqrt(1 + s / n) };
};

const ALPHAS = [0.1, 0.2, 0.4, 0.6, 0.8];
const BETAS = [0.01, 0.05, 0.1, 0.2];
const GAMMAS = [0.05, 0.1, 0.3, 0.5];

/** Additive Holt-Winters; smoothing parameters chosen by a fixed grid (deterministic) on one-step SSE. */
const fitHoltWinters: Fitter = (y, opts) => {
  const m = opts.seasonLength;
  const n = y.length;
  if (n < 2 * m + 2) return `needs at least ${2 * m + 2} points for a season of ${m}`;
  const l0 = mean(y.slice(0, m));
  const b0 = (mean(y.slice(m, 2 * m)) - l0) / m;
  const s0 = y.slice(0, m).map((v) => v - l0);
  let best: { sse: number; a: number; b: number; g: number } | undefined;
  const season = new Float64Array(m);
  for (const a of ALPHAS)
    for (const b of BETAS)
      for (const g of GAMMAS) {
        let level = l0;
        let trend = b0;
        for (let k = 0; k < m; k++) season[k] = s0[k];
        let sse = 0;
        for (let i = m; i < n; i++) {
          const k = i % m;
          const err = y[i] - (level + trend + season[k]);
          sse += err * err;
          if (best && sse >= best.sse) break;
          const prevLevel = level;
          level = a * (y[i] - season[k]) + (1 - a) * (level + trend);
          trend = b * (level - prevLevel) + (1 - b) * trend;
          season[k] = g * (y[i] - level) + (1 - g) * season[k];
        }
        if (!best || sse < best.sse) best = { sse, a, b, g };
      }
  const { a, b, g } = best!;
  let level = l0;
  let trend = b0;
  const seas = [...s0];
  const fitted = y.slice(0, m);
  for (let i = m; i < n; i++) {
    const k = i % m;
    fitted.push(level + trend + seas[k]);
    const prevLevel = level;
    level = a * (y[i] - seas[k]) + (1 - a) * (level + trend);
    trend = b * (level - prevLevel) + (1 - b) * trend;
    seas[k] = g * (y[i] - level) + (1 - g) * seas[k];
  }
  return {
    fitted,
    at: (s) => level + s * trend + seas[(n - 1 + s) % m],
    spread: (s) => Math.sqrt(1 + (s - 1) * a * a * (1 + s * b)),
  };
};

const FITTERS: Record<ModelName, Fitter> = {
  linear: fitLinear,
  polynomial: fitPolynomial,
  exponential: fitExponential,
  holt_winters: fitHoltWinters,
};

function solve3(A: number[][], bv: number[]): number[] | null {
  const M = A.map((row, i) => [...row, bv[i]]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-12) return null;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k < 4; k++) M[r][k] -= f * M[c][k];
    }
  }
  return [M[0][3] / M[0][0], M[1][3] / M[1][1], M[2][3] / M[2][2]];
}

function rSquared(y: number[], fitted: number[]): number {
  const mu = mean(y);
  let ssTot = 0;
  let ssRes = 0;
  for (let i = 0; i < y.length; i++) {
    ssTot += (y[i] - mu) ** 2;
    ssRes += (y[i] - fitted[i]) ** 2;
  }
  return ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
}

function mape(actual: number[], predicted: number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) continue;
    sum += Math.abs((actual[i] - predicted[i]) / actual[i]);
    n++;
  }
  return n === 0 ? Infinity : sum / n;
}

/** Fit one model: score it on the held-out tail, then refit on the whole series for forecasting. */
export function fitModel(model: ModelName, values: number[], opts: ForecastOptions): ModelResult {
  const fitter = FITTERS[model];
  const holdout = Math.max(1, Math.round(values.length * opts.holdoutRatio));
  const train = values.slice(0, values.length - holdout);
  const scored = fitter(train, opts);
  if (typeof scored === 'string') return { model, ok: false, reason: scored };
  const predicted = values.slice(train.length).map((_, i) => scored.at(i + 1));
  const holdoutError = mape(values.slice(train.length), predicted);
  const full = fitter(values, opts);
  if (typeof full === 'string') return { model, ok: false, reason: full };
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i] - full.fitted[i]) ** 2;
  const residualSd = Math.sqrt(ss / Math.max(1, values.length - 2));
  return {
    model,
    ok: true,
    rSquared: rSquared(values, full.fitted),
    holdoutError,
    residualSd,
    predict(steps: number): ForecastValue {
      const point = full.at(steps);
      const half = opts.z * residualSd * full.spread(steps);
      return { point, lower: point - half, upper: point + half };
    },
  };
}

export interface ForecastSet {
  fits: ModelResult[];
  /** The model with the lowest holdout error, if any could be fitted. */
  best: ModelFit | undefined;
}

export function fitAll(models: readonly ModelName[], values: number[], opts: ForecastOptions): ForecastSet {
  const fits = models.map((m) => fitModel(m, values, opts));
  let best: ModelFit | undefined;
  for (const f of fits) if (f.ok && Number.isFinite(f.holdoutError) && (!best || f.holdoutError < best.holdoutError)) best = f;
  return { fits, best };
}

/** Median spacing of a series, in seconds (its sampling interval). */
export function samplingInterval(points: Point[]): number {
  if (points.length < 2) return 0;
  const d = points.slice(1).map((p, i) => p.t - points[i].t).sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}
