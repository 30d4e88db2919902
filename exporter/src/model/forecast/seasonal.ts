/**
 * Seasonal adjustment as the M3/M4 competitions' benchmarks do it: a season is used only when the
 * autocorrelation at its lag is significant (90 %, Bartlett's bound); then classical decomposition
 * (multiplicative when every value is positive, else additive) removes it, a non-seasonal model
 * forecasts the adjusted series, and the seasonal indices are put back.
 */
import type { Fitter } from './types.js';

function acf(y: number[], maxLag: number): number[] {
  const n = y.length;
  const mu = y.reduce((a, v) => a + v, 0) / n;
  const d = y.map((v) => v - mu);
  const c0 = d.reduce((a, v) => a + v * v, 0);
  return Array.from({ length: maxLag + 1 }, (_, k) => {
    let s = 0;
    for (let i = k; i < n; i++) s += d[i] * d[i - k];
    return c0 > 0 ? s / c0 : 0;
  });
}

/** True when lag m's autocorrelation passes 1.645·sqrt((1 + 2·Σ_{k<m} r_k²) / n) and the history has three seasons. */
export function isSeasonal(y: number[], m: number): boolean {
  if (m < 2 || y.length < 3 * m) return false;
  const r = acf(y, m);
  let s = 0;
  for (let k = 1; k < m; k++) s += r[k] * r[k];
  return Math.abs(r[m]) > 1.645 * Math.sqrt((1 + 2 * s) / y.length);
}

/** Seasonal indices (position i % m) from a centred moving average: ratios or differences, normalised. */
export function seasonalIndices(y: number[], m: number, multiplicative: boolean): number[] {
  const n = y.length;
  const half = Math.floor(m / 2);
  const sums = new Array<number>(m).fill(0);
  const counts = new Array<number>(m).fill(0);
  for (let i = half; i < n - half; i++) {
    let s = 0;
    // 2×m moving average for even m, m for odd.
    if (m % 2 === 0) {
      for (let j = i - half; j <= i + half; j++) s += j === i - half || j === i + half ? y[j] / 2 : y[j];
    } else for (let j = i - half; j <= i + half; j++) s += y[j];
    const ma = s / m;
    sums[i % m] += multiplicative ? y[i] / ma : y[i] - ma;
    counts[i % m]++;
  }
  const raw = sums.map((s, i) => (counts[i] ? s / counts[i] : multiplicative ? 1 : 0));
  const mean = raw.reduce((a, v) => a + v, 0) / m;
  return raw.map((v) => (multiplicative ? v / mean : v - mean));
}

/** The fitter on the seasonally adjusted series (the shortest significant season), the season put back. */
export function seasonallyAdjusted(inner: Fitter): Fitter {
  return (y, ctx) => {
    const m = ctx.seasons.find((s) => isSeasonal(y, s));
    if (m === undefined) return inner(y, { ...ctx, seasons: [] });
    const mult = y.every((v) => v > 0);
    const idx = seasonalIndices(y, m, mult);
    const adj = y.map((v, i) => (mult ? v / idx[i % m] : v - idx[i % m]));
    const f = inner(adj, { ...ctx, seasons: [] });
    if (typeof f === 'string') return f;
    const n = y.length;
    return (h) => f(h).map((v, k) => (mult ? v * idx[(n + k) % m] : v + idx[(n + k) % m]));
  };
}
