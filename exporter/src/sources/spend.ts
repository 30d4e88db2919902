import type { Service } from '../config/schema.js';
import { hourlyRate, monthBounds } from '../model/cost.js';
import type { Reading } from '../model/plan.js';
import type { Reads } from './reads.js';

/** Step of a catch-up of the instance-hours (one point per 5 minutes of the gap). */
export const SPEND_STEP_SECONDS = 300;
/**
 * The longest time between two reads of the count that is integrated with the last count held
 * (sample and hold). A longer gap (the first refresh, a restart, a Prometheus outage, missing
 * counts) is caught up with one query over the gap at SPEND_STEP_SECONDS, so the estimate never
 * has a coarser resolution than that step.
 */
export const MAX_HOLD_SECONDS = SPEND_STEP_SECONDS;

interface Integral {
  /** Start of the month (unix seconds) and the instances query it integrates. */
  month: number;
  query: string;
  /** Whole unix seconds up to which the integral runs. */
  until: number;
  instanceSeconds: number;
  /** The count read at `until`. */
  count: number;
}

/**
 * Month-to-date instance-seconds per service, integrated between refreshes, so a refresh does not
 * re-scan the month: the first read of a month (or after a gap) sends one bounded
 * `avg_over_time(instances[gap:5m])` over the gap (batched or, for a fleet, one vector for all its
 * services), every later refresh adds the last count times the seconds since. In memory: a
 * restart catches up with one query from the start of the month.
 */
export class SpendLedger {
  private readonly integrals = new Map<string, Integral>();

  /**
   * Month-to-date spend from instance-hours at the projection pricing: the month's average count
   * times its hours so far. Missing while the count is missing (never 0), and then the gap is
   * caught up by the next read that has a count.
   */
  async spend(svc: Service, now: number, current: Reading, reads: Reads): Promise<Reading> {
    const month = monthBounds(now).start;
    const t = Math.floor(now);
    const elapsed = t - month;
    const query = svc.instances.query!;
    if (elapsed < 1)
      return current.ok ? { ok: true, value: 0 } : { ok: false, reason: `no instance count (${current.reason})` };
    if (!current.ok) return { ok: false, reason: `no instance count (${current.reason})` };
    const last = this.integrals.get(svc.name);
    // A read at or before the last one (two reads in the same second) adds nothing.
    if (last && last.month === month && last.query === query && t <= last.until)
      return this.value(svc, last, last.until - month);
    const held = last && last.month === month && last.query === query && t - last.until <= MAX_HOLD_SECONDS;
    let instanceSeconds: number;
    if (held) instanceSeconds = last.instanceSeconds + last.count * (t - last.until);
    else {
      const from = last && last.month === month && last.query === query ? last.until : month;
      const span = t - from;
      const q = catchUpQuery(query, span);
      const avg = span > 0 ? await reads.value('spend', q) : { ok: true as const, value: 0 };
      if (!avg.ok) return { ok: false, reason: `estimate from instance-hours (${q}): ${avg.reason}` };
      instanceSeconds = (from === month ? 0 : last!.instanceSeconds) + avg.value * span;
    }
    const integral = { month, query, until: t, instanceSeconds, count: current.value };
    this.integrals.set(svc.name, integral);
    return this.value(svc, integral, elapsed);
  }

  private value(svc: Service, i: Integral, elapsed: number): Reading {
    return { ok: true, value: (hourlyRate(svc.capacity, svc.cost, i.instanceSeconds / elapsed) * elapsed) / 3600 };
  }

  /** Forget the integrals of past months (services no longer planned, retired ones). */
  dropBefore(now: number): void {
    const month = monthBounds(now).start;
    for (const [n, i] of this.integrals) if (i.month < month) this.integrals.delete(n);
  }
}

/** The average count over the last `span` seconds, sampled every SPEND_STEP_SECONDS (or once, for a shorter span). */
export function catchUpQuery(instancesQuery: string, span: number): string {
  return `avg_over_time((${instancesQuery})[${span}s:${Math.min(SPEND_STEP_SECONDS, span)}s])`;
}
