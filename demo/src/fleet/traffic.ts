/**
 * Live traffic for the demo fleet (GET /work): the users a load generator (Locust, k6) runs are
 * counted as they arrive, so real load moves the fleet's signals the way POST /demand does. Each
 * request is served with the response time of the fleet's curve at the current load and fails at
 * the curve's error rate, so a load test measures the capacity the fleet was configured with.
 */

/** Distinct users seen within the last `windowSeconds` (a user that stops sending drops out). */
export class TrafficMeter {
  private readonly lastSeen = new Map<string, number>();
  private errorDebt = 0;

  constructor(private readonly windowSeconds = 2) {}

  seen(user: string, now: number): void {
    this.lastSeen.set(user, now);
  }

  active(now: number): number {
    for (const [u, t] of this.lastSeen) if (now - t > this.windowSeconds) this.lastSeen.delete(u);
    return this.lastSeen.size;
  }

  /**
   * Whether this request fails, for an error rate in percent: failures are spread evenly (every
   * 1/rate-th request), deterministic, so a short test sees the configured rate rather than noise.
   */
  fails(errorPercent: number): boolean {
    this.errorDebt += Math.max(0, errorPercent) / 100;
    if (this.errorDebt < 1) return false;
    this.errorDebt -= 1;
    return true;
  }
}
