/**
 * The dashboard time range the tests show the recorded scrape in. The fixture is a real recording, so
 * its decision timestamps are the recording's: the range is derived from them — a 5-minute window
 * ("Last 5 minutes" on the dashboard) from 2 minutes (rounded down to the minute) before the first
 * decision, which holds every decision the recording script makes (they are 20 s apart) — and the
 * scrape time is the end of that window.
 */
import { dateTime, TimeRange } from '@grafana/data';

import type { Sample } from './promText';

const MINUTE = 60_000;
export const WINDOW_MS = 5 * MINUTE;
const DECISION_TIMESTAMP = 'headroom_scaler_last_decision_timestamp_seconds';

export interface FixtureWindow {
  /** Time of the frames' single sample (ms). */
  scrapeTime: number;
  range: { from: number; to: number };
  /** Decision timestamps in the scrape (ms), oldest first. */
  decisionTimes: number[];
}

export function fixtureWindow(samples: Sample[]): FixtureWindow {
  const decisionTimes = samples
    .filter((s) => s.metric === DECISION_TIMESTAMP)
    .map((s) => s.value * 1000)
    .sort((a, b) => a - b);
  if (decisionTimes.length === 0) {
    throw new Error(`the fixture has no ${DECISION_TIMESTAMP} samples`);
  }
  const from = Math.floor((decisionTimes[0] - 2 * MINUTE) / MINUTE) * MINUTE;
  if (decisionTimes[decisionTimes.length - 1] > from + WINDOW_MS) {
    throw new Error(
      'the fixture decisions span more than the 5-minute test window; re-record with a smaller --spacing'
    );
  }
  return { scrapeTime: from + WINDOW_MS, range: { from, to: from + WINDOW_MS }, decisionTimes };
}

export function timeRangeOf(range: { from: number; to: number }): TimeRange {
  const from = dateTime(range.from);
  const to = dateTime(range.to);
  return { from, to, raw: { from, to } };
}
