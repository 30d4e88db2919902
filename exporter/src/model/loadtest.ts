import type { LoadTestCurve } from '../config/schema.js';

export interface LoadTestThresholds {
  /** Users at the best throughput / response-time ratio. */
  optimal: number;
  /** First users where response time or CPU passes the warning criteria. */
  warning: number;
  /** First users where the error rate or response time passes the critical criteria. */
  critical: number;
  /** First users where the error rate passes the maximum criterion (the system fails). */
  maximum: number;
  /** Derived user triggers: scale out, scale in, emergency. */
  scaleOut: number;
  scaleIn: number;
  emergency: number;
}

function firstIndex(n: number, pred: (i: number) => boolean): number {
  for (let i = 0; i < n; i++) if (pred(i)) return i;
  return n - 1;
}

/**
 * Thresholds of a load-test curve (seed: LoadTestAnalysis). Derived triggers are rounded down:
 * a lower scale-out or emergency trigger acts earlier, a lower scale-in trigger acts later, so
 * rounding never shrinks a safety margin.
 */
export function analyzeLoadTest(curve: LoadTestCurve): LoadTestThresholds {
  const { users, response_time_ms: rt, cpu_percent: cpu, error_percent: err, throughput_rps: tp, criteria: c } = curve;
  const n = users.length;
  let best = 0;
  for (let i = 1; i < n; i++) if (tp[i] / rt[i] > tp[best] / rt[best]) best = i;
  // A curve imported without CPU measurements (no Prometheus during the test) has no CPU criterion.
  const warning =
    users[firstIndex(n, (i) => rt[i] > c.warning_response_ms || (cpu !== undefined && cpu[i] > c.warning_cpu_percent))];
  const critical = users[firstIndex(n, (i) => err[i] > c.critical_error_percent || rt[i] > c.critical_response_ms)];
  const maximum = users[firstIndex(n, (i) => err[i] > c.maximum_error_percent)];
  const optimal = users[best];
  return {
    optimal,
    warning,
    critical,
    maximum,
    scaleOut: Math.floor(warning * c.scale_out_ratio),
    scaleIn: Math.floor(optimal * c.scale_in_ratio),
    emergency: Math.floor(critical * c.emergency_ratio),
  };
}
