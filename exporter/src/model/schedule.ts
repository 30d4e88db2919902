import { CronExpressionParser } from 'cron-parser';
import type { Schedule } from '../config/schema.js';

export interface ActiveSchedule {
  schedule: Schedule;
  /** Unix seconds of the cron fire that started this schedule's window. */
  since: number;
}

/** The last fire of a cron expression at or before `now` (unix seconds). */
export function lastFire(s: Schedule, now: number): number {
  // cron-parser's prev() is exclusive of the current instant, so look from 1 ms later.
  const it = CronExpressionParser.parse(s.cron, { currentDate: new Date(now * 1000 + 1), tz: s.timezone });
  return Math.floor(it.prev().getTime() / 1000);
}

/**
 * Schedules are step functions: each one is in force from its cron fire until another schedule
 * fires. The active one is the schedule whose last fire is the most recent.
 */
export function activeSchedule(schedules: readonly Schedule[], now: number): ActiveSchedule | null {
  let best: ActiveSchedule | null = null;
  for (const schedule of schedules) {
    const since = lastFire(schedule, now);
    if (!best || since > best.since) best = { schedule, since };
  }
  return best;
}
