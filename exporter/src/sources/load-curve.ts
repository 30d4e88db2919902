/**
 * One load-test curve for everything that simulates load: the built-in demo source (sources/demo.ts)
 * reads a service's signals off its policy's curve, and the demo fleet (demo/, a stand-in service)
 * serves the same curve to Prometheus and to load generators.
 */

/** Per-instance behaviour against concurrent users per instance (seed: LoadTestAnalysis.baseline_data). */
export interface LoadCurve {
  users: readonly number[];
  cpuPercent: readonly number[];
  memoryPercent: readonly number[];
  responseTimeMs: readonly number[];
  errorPercent: readonly number[];
}

/** The seed guide's baseline load test (the example policy's `capacity.loadtest`). */
export const SEED_CURVE: LoadCurve = {
  users: [10, 25, 50, 75, 100, 150, 200, 250, 300],
  responseTimeMs: [120, 140, 180, 220, 280, 380, 520, 720, 1200],
  cpuPercent: [15, 25, 35, 50, 65, 75, 85, 95, 98],
  memoryPercent: [30, 35, 45, 55, 65, 75, 85, 92, 95],
  errorPercent: [0, 0, 0.1, 0.2, 0.5, 1.2, 3.5, 8.2, 15.8],
};

/**
 * Linear interpolation on a curve (`xs` ascending); below the first point it scales towards the
 * origin (an idle instance does no work), above the last point it stays at the last value (saturation).
 */
export function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  if (x <= xs[0]) return ys[0] * Math.max(0, x / xs[0]);
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]) return ys[i - 1] + ((ys[i] - ys[i - 1]) * (x - xs[i - 1])) / (xs[i] - xs[i - 1]);
  }
  return ys[ys.length - 1];
}
