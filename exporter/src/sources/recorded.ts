import { signalRecord } from '@headroom/contract';
import type { LoadedRule, PrometheusClient } from './prometheus-client.js';

/** The label the fleet's recording rules carry the fleet's name in (FLEET.md §4). */
const FLEET_LABEL = 'fleet';
/** The label every recorded fleet series carries the service in, whatever the fleet's own label (FLEET.md §4). */
export const RECORDED_SERVICE_LABEL = 'service';

/** A signal's recorded series of one fleet: its selector and how often it is evaluated. */
export interface RecordedSeries {
  selector: string;
  intervalSeconds: number;
}

/**
 * Which fleet signals Prometheus records now: `/api/v1/rules?type=record` lists a rule named
 * signalRecord(signal, unit) with the label fleet=<name>. Read once per refresh (per `now`, shared
 * by every service and window of it), so every refresh sends the same queries: a read at most once a
 * minute would fall in some refreshes and not in others, and a reload that removes the rules would
 * leave the windows reading absent series for up to that minute. When the list cannot be read, no
 * signal counts as recorded (the windows fall back to subqueries).
 */
export class RecordedRules {
  private cached: { now: number; rules: Promise<LoadedRule[]> } | null = null;

  constructor(private readonly client: PrometheusClient) {}

  private rules(now: number): Promise<LoadedRule[]> {
    if (this.cached?.now !== now)
      this.cached = { now, rules: this.client.recordingRules().then((r) => (r.ok ? r.rules : [])) };
    return this.cached.rules;
  }

  async record(fleet: string, signal: string, unit: string, now: number): Promise<RecordedSeries | null> {
    const name = signalRecord(signal, unit);
    const rule = (await this.rules(now)).find((r) => r.name === name && r.labels[FLEET_LABEL] === fleet);
    return rule
      ? { selector: `${name}{${FLEET_LABEL}=${JSON.stringify(fleet)}}`, intervalSeconds: rule.intervalSeconds }
      : null;
  }
}

/**
 * A trigger's window on a recorded series: its extreme over the raw rule evaluations of the window
 * and their count. Prometheus stamps each evaluation with its scheduled time, one per interval, so
 * a whole window holds floor(window / interval) of them; one fewer is accepted because the newest
 * may still be being evaluated. A count below that is a gap (rules loaded late, a restart), and
 * the window is not held.
 */
export function recordedWindow(
  rec: RecordedSeries,
  fn: 'min_over_time' | 'max_over_time',
  windowSeconds: number
): { extreme: string; count: string; expected: number } {
  const range = `[${Math.round(windowSeconds)}s]`;
  return {
    extreme: `${fn}(${rec.selector}${range})`,
    count: `count_over_time(${rec.selector}${range})`,
    expected: Math.max(1, Math.floor(windowSeconds / rec.intervalSeconds) - 1),
  };
}
