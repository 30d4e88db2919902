/**
 * Text helpers for generated rules and their promtool tests. The expected annotations of a test are
 * what Prometheus' template functions render, so the functions below reproduce Go's formatting of
 * a float64 (`{{ $value }}`), `humanize`, `humanizePercentage` and `humanizeDuration`
 * (prometheus/template/template.go, v2.42).
 */
import type { Signal } from '../config/schema.js';

export { percent, plain, promDuration } from '../format.js';

type SignalUnit = Signal['unit'];

/** Go's `fmt.Sprint(float64)` (`{{ $value }}`): shortest representation, %e when the exponent is < -4 or >= 6. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expStr] = v.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}

/** Go's `%.4g`. */
export function g4(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return goFloat(v);
  const [mant, expStr] = v.toExponential(3).split('e');
  const exp = Number(expStr);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 4) return `${trim(mant)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return trim(v.toFixed(Math.max(0, 3 - exp)));
}

/** Prometheus' `humanize`: SI prefixes, 4 significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  let x = v;
  if (Math.abs(x) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(x) < 1000) break;
      prefix = p;
      x /= 1000;
    }
    return `${g4(x)}${prefix}`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return `${g4(x)}${prefix}`;
}

/** Prometheus' `humanizePercentage`. */
export function humanizePercentage(v: number): string {
  return `${g4(v * 100)}%`;
}

/** Prometheus' `humanizeDuration` (seconds). */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return '0s';
  const sign = v < 0 ? '-' : '';
  const a = Math.abs(v);
  if (a >= 1) {
    const d = Math.trunc(a);
    const s = d % 60;
    const m = Math.trunc(d / 60) % 60;
    const h = Math.trunc(d / 3600) % 24;
    const days = Math.trunc(d / 86_400);
    if (days !== 0) return `${sign}${days}d ${h}h ${m}m ${s}s`;
    if (h !== 0) return `${sign}${h}h ${m}m ${s}s`;
    if (m !== 0) return `${sign}${m}m ${s}s`;
    return `${sign}${g4(a)}s`;
  }
  return `${sign}${g4(a * 1000)}ms`;
}

/** A PromQL string literal. */
export function promString(s: string): string {
  return JSON.stringify(s);
}

/** cpu_high → CpuHigh */
export function camel(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}

/** How a value of each signal unit is written after the number: "70%", "300 ms". */
export const UNIT_SUFFIX: Record<SignalUnit, string> = {
  percent: '%',
  ratio: '',
  count: '',
  seconds: ' s',
  milliseconds: ' ms',
  users: ' users',
  sessions: ' sessions',
  bytes: ' bytes',
  requests_per_second: ' requests/s',
};
