/** Models with a closed form: naive, drift, least-squares trends (whole window and recent window). */
import type { Fitter } from './types.js';

/** Least squares y = b + m·x over x = from..from+ys.length-1. */
export function ols(ys: number[], from = 0): { m: number; b: number } {
  const n = ys.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = from + i;
    sx += x;
    sy += ys[i];
    sxx += x * x;
    sxy += x * ys[i];
  }
  const d = n * sxx - sx * sx;
  const m = d === 0 ? 0 : (n * sxy - sx * sy) / d;
  return { m, b: (sy - m * sx) / n };
}

const path = (h: number, f: (k: number) => number) => {
  const out = new Array<number>(h);
  for (let i = 0; i < h; i++) out[i] = f(i + 1);
  return out;
};

export const fitNaive: Fitter = (y) => {
  const last = y[y.length - 1];
  return (h) => path(h, () => last);
};

/** Random walk with drift: the line through the first and last points. */
export const fitDrift: Fitter = (y) => {
  const n = y.length;
  const slope = (y[n - 1] - y[0]) / (n - 1);
  return (h) => path(h, (k) => y[n - 1] + k * slope);
};

export const fitLinear: Fitter = (y) => {
  const n = y.length;
  const { m, b } = ols(y);
  return (h) => path(h, (k) => b + m * (n - 1 + k));
};

/** Least squares over the last quarter of the window (at least 4 points): what predict_linear over a short range gives. */
export const fitLinearRecent: Fitter = (y) => {
  const n = y.length;
  const w = Math.min(n, Math.max(4, Math.round(n / 4)));
  const { m, b } = ols(y.slice(n - w), n - w);
  return (h) => path(h, (k) => b + m * (n - 1 + k));
};

/** y = c0 + c1 x + c2 x², x centred and scaled for a well-conditioned system. */
export const fitPolynomial: Fitter = (y) => {
  const n = y.length;
  if (n < 4) return 'needs at least 4 points';
  const mid = (n - 1) / 2;
  const sc = Math.max(1, mid);
  const S = [0, 0, 0, 0, 0];
  const T = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const x = (i - mid) / sc;
    let p = 1;
    for (let k = 0; k < 5; k++) {
      S[k] += p;
      if (k < 3) T[k] += p * y[i];
      p *= x;
    }
  }
  const c = solve3(
    [
      [S[0], S[1], S[2]],
      [S[1], S[2], S[3]],
      [S[2], S[3], S[4]],
    ],
    T
  );
  if (!c) return 'singular system';
  return (h) =>
    path(h, (k) => {
      const x = (n - 1 + k - mid) / sc;
      return c[0] + c[1] * x + c[2] * x * x;
    });
};

/** y = exp(a + b x): a linear fit of ln y. */
export const fitExponential: Fitter = (y) => {
  if (y.some((v) => !(v > 0))) return 'needs strictly positive values';
  const n = y.length;
  const { m, b } = ols(y.map(Math.log));
  return (h) => path(h, (k) => Math.exp(b + m * (n - 1 + k)));
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
