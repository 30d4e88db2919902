/**
 * Exponential smoothing that augurs does not offer in JavaScript: Holt's damped trend and an
 * additive seasonal Holt-Winters with a damped trend, both with smoothing parameters fitted by
 * Nelder-Mead on the one-step squared error (deterministic: fixed start, fixed iteration budget).
 */
import { ols } from './regression.js';
import type { Fitter } from './types.js';

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const within = (lo: number, hi: number, x: number) => lo + (hi - lo) * logistic(x);

/** Nelder-Mead minimisation from x0 (initial simplex `step` along each axis) with a fixed budget of evaluations. */
export function nelderMead(f: (x: number[]) => number, x0: number[], maxEvals = 100, step = 1): number[] {
  const d = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, fx: f(x) }));
  let evals = simplex.length;
  const comb = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i] - v));
  while (evals < maxEvals) {
    simplex.sort((p, q) => p.fx - q.fx);
    const best = simplex[0];
    const worst = simplex[d];
    if (Math.abs(worst.fx - best.fx) <= 1e-10 * (Math.abs(best.fx) + 1e-12)) break;
    const centroid = x0.map((_, i) => simplex.slice(0, d).reduce((a, p) => a + p.x[i], 0) / d);
    const xr = comb(centroid, worst.x, -1);
    const fr = f(xr);
    evals++;
    if (fr < best.fx) {
      const xe = comb(centroid, worst.x, -2);
      const fe = f(xe);
      evals++;
      simplex[d] = fe < fr ? { x: xe, fx: fe } : { x: xr, fx: fr };
    } else if (fr < simplex[d - 1].fx) {
      simplex[d] = { x: xr, fx: fr };
    } else {
      const xc = comb(centroid, worst.x, 0.5);
      const fc = f(xc);
      evals++;
      if (fc < worst.fx) simplex[d] = { x: xc, fx: fc };
      else {
        simplex = simplex.map((p, i) => (i === 0 ? p : { x: comb(best.x, p.x, 0.5), fx: f(comb(best.x, p.x, 0.5)) }));
        evals += d;
      }
    }
  }
  simplex.sort((p, q) => p.fx - q.fx);
  return simplex[0].x;
}

interface Params {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/** Maps unconstrained values to the usual admissible region: beta < alpha, gamma < 1 - alpha, phi in [0.8, 0.98]. */
function params(x: number[], seasonal: boolean): Params {
  const alpha = within(0.01, 0.99, x[0]);
  return {
    alpha,
    beta: alpha * within(0.001, 0.999, x[1]),
    phi: within(0.8, 0.98, x[2]),
    gamma: seasonal ? (1 - alpha) * within(0.001, 0.999, x[3]) : 0,
  };
}

interface State {
  level: number;
  trend: number;
  season: number[];
  sse: number;
}

/** Initial level, trend and season: the first season's mean and the step to the second's (or the first points). */
function initialState(y: number[], m: number): { level: number; trend: number; season: number[] } {
  const mean = (a: number, b: number) => y.slice(a, b).reduce((s, v) => s + v, 0) / (b - a);
  const level = m > 0 ? mean(0, m) : y[0];
  const k0 = Math.min(y.length - 1, 4);
  const trend = m > 0 ? (mean(m, 2 * m) - level) / m : (y[k0] - y[0]) / k0;
  return { level, trend, season: m > 0 ? y.slice(0, m).map((v) => v - level) : [] };
}

/** Runs the recursions over y; m = 0 is the non-seasonal (damped Holt) case. */
function run(y: number[], m: number, p: Params, init = initialState(y, m)): State {
  let { level, trend } = init;
  const season = init.season.slice();
  let sse = 0;
  // i % m is j, wrapped without a modulo: the hot loop of every fit.
  for (let i = m > 0 ? m : 1, j = 0; i < y.length; i++) {
    const s = m > 0 ? season[j] : 0;
    const err = y[i] - (level + p.phi * trend + s);
    sse += err * err;
    const prev = level;
    level = p.alpha * (y[i] - s) + (1 - p.alpha) * (prev + p.phi * trend);
    trend = p.beta * (level - prev) + (1 - p.beta) * p.phi * trend;
    if (m > 0) {
      season[j] = p.gamma * (y[i] - level) + (1 - p.gamma) * s;
      if (++j === m) j = 0;
    }
  }
  return { level, trend, season, sse };
}

function smoothing(y: number[], m: number): (h: number) => number[] {
  const seasonal = m > 0;
  const init = initialState(y, m);
  const x = nelderMead((v) => run(y, m, params(v, seasonal), init).sse, seasonal ? [-1, -1.5, 1, -1.5] : [-1, -1.5, 1]);
  const p = params(x, seasonal);
  const st = run(y, m, p, init);
  const n = y.length;
  return (h) => {
    const out: number[] = [];
    let damp = 0;
    for (let k = 1; k <= h; k++) {
      damp += p.phi ** k;
      out.push(st.level + damp * st.trend + (seasonal ? st.season[(n + k - 1) % m] : 0));
    }
    return out;
  };
}

export const fitDamped: Fitter = (y) => (y.length < 6 ? 'needs at least 6 points' : smoothing(y, 0));

/** Seasonal on the shortest season that the history covers at least twice (plus two points). */
export const fitHoltWinters: Fitter = (y, ctx) => {
  const m = ctx.seasons.find((s) => y.length >= 2 * s + 2);
  if (m === undefined)
    return ctx.seasons.length
      ? `needs at least ${2 * ctx.seasons[0] + 2} points for a season of ${ctx.seasons[0]}`
      : 'no season at this spacing';
  return smoothing(y, m);
};

/** Simple exponential smoothing with alpha fitted on the one-step squared error: the level and alpha. */
function ses(y: number[]): { level: number; alpha: number } {
  const sse = (alpha: number) => {
    let level = y[0];
    let e = 0;
    for (let i = 1; i < y.length; i++) {
      e += (y[i] - level) ** 2;
      level += alpha * (y[i] - level);
    }
    return { e, level };
  };
  const alpha = within(0.01, 0.99, nelderMead((x) => sse(within(0.01, 0.99, x[0])).e, [0])[0]);
  return { level: sse(alpha).level, alpha };
}

/**
 * The Theta method (Assimakopoulos & Nikolopoulos 2000, as Hyndman & Billah 2003 show it): simple
 * exponential smoothing plus half the least-squares slope, the drift growing in from the level.
 */
export const fitTheta: Fitter = (y) => {
  const n = y.length;
  if (n < 4) return 'needs at least 4 points';
  const { level, alpha } = ses(y);
  const { m } = ols(y);
  const lead = 1 / alpha - (1 - alpha) ** n / alpha;
  return (h) => Array.from({ length: h }, (_, i) => level + (m / 2) * (i + lead));
};
