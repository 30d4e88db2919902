/**
 * The series budget (pure): which detail groups to drop, least useful first, so the per-service
 * series fit. The same function decides for `headroom check` (on expected counts) and for /metrics
 * (on the series a refresh produced), so both print the same numbers for the same shape.
 */
import { DEFAULT_SERIES_PER_SERVICE, SERIES_DETAILS, type SeriesDetail, type SeriesSlice } from '@headroom/contract';
import type { Labels, Series } from './series.js';

/**
 * The exporter's process-wide series once both refresh cadences have run: build info, the config
 * reload pair, duration and last success per cadence, the budget, the histories pending and one
 * dropped count per group.
 */
export const PROCESS_SERIES = 1 + 2 + 2 * 2 + 1 + 1 + SERIES_DETAILS.length;

/** Series counts of one service: per detail group, and the rest (never dropped). */
export interface SeriesCount {
  core: number;
  details: Map<SeriesDetail, number>;
}

export interface TrimDecision {
  /** Most series (services' and process-wide ones). */
  budget: number;
  /** The detail groups dropped, in order, with the series each drops (all services). */
  dropped: { detail: SeriesDetail; series: number }[];
  /** Series published once the groups are dropped (services' and process-wide ones). */
  published: number;
  /** Series before trimming. */
  untrimmed: number;
}

const inSlice = (labels: Labels, slice: SeriesSlice): boolean => {
  if (!slice.label) return true;
  const v = String(labels[slice.label] ?? '');
  if ('only' in slice && slice.only) return slice.only.includes(v);
  if ('except' in slice && slice.except) return !slice.except.includes(v);
  return true;
};

/** The slices of each metric with their group, in the order of SERIES_DETAILS (a metric without any is never dropped). */
const SLICES = new Map<string, { detail: SeriesDetail; slice: SeriesSlice }[]>();
for (const d of SERIES_DETAILS)
  for (const slice of d.slices as readonly SeriesSlice[]) {
    const list = SLICES.get(slice.metric) ?? [];
    list.push({ detail: d.detail, slice });
    SLICES.set(slice.metric, list);
  }

/** The first detail group (the order of SERIES_DETAILS) a series of `name` with `labels` belongs to, or null: never dropped. */
export function seriesDetail(name: string, labels: Labels): SeriesDetail | null {
  for (const { detail, slice } of SLICES.get(name) ?? []) if (inSlice(labels, slice)) return detail;
  return null;
}

/**
 * Whether every series of metric `name` is in one of the `dropped` groups: each of its slices is,
 * and one of them takes every series (no label condition), so no series' first group is kept.
 */
export function droppedWhole(name: string, dropped: ReadonlySet<string>): boolean {
  const slices = SLICES.get(name) ?? [];
  return slices.some((x) => !x.slice.label) && slices.every((x) => dropped.has(x.detail));
}

/** A running count of one service's series; `extra` series (the headroom_series gauge) count as core. */
export function seriesCounter(extra = 1): { count: (name: string, labels: Labels) => void; result: SeriesCount } {
  const result: SeriesCount = { core: extra, details: new Map() };
  const count = (name: string, labels: Labels) => {
    const d = seriesDetail(name, labels);
    if (d === null) result.core++;
    else result.details.set(d, (result.details.get(d) ?? 0) + 1);
  };
  return { count, result };
}

/** Counts of one service's series; `extra` series (the headroom_series gauge) count as core. */
export function countSeries(series: readonly Series[], extra = 1): SeriesCount {
  const c = seriesCounter(extra);
  for (const s of series) c.count(s.name, s.labels);
  return c.result;
}

/** The budget of a policy: its series_budget, or DEFAULT_SERIES_PER_SERVICE per service plus the process-wide series. */
export const budgetOf = (seriesBudget: number | undefined, services: number, processSeries: number): number =>
  seriesBudget ?? services * DEFAULT_SERIES_PER_SERVICE + processSeries;

/**
 * Drops whole detail groups (for every service at once, so every service shows the same detail) in
 * the order of SERIES_DETAILS until the series fit: the total within `budget`, and with
 * `perService` (the default, when the policy sets no series_budget) every service within it too.
 * The core is never dropped: when it alone does not fit, every group is dropped and `published`
 * stays above the budget.
 */
export function decideTrim(
  counts: readonly SeriesCount[],
  processSeries: number,
  budget: number,
  perService?: number
): TrimDecision {
  const total = (d: SeriesDetail | null) =>
    counts.reduce((n, c) => n + (d === null ? c.core : (c.details.get(d) ?? 0)), 0);
  const untrimmed = processSeries + total(null) + SERIES_DETAILS.reduce((n, d) => n + total(d.detail), 0);
  const kept = new Set<SeriesDetail>(SERIES_DETAILS.map((d) => d.detail));
  const largest = () =>
    Math.max(0, ...counts.map((c) => c.core + [...kept].reduce((n, d) => n + (c.details.get(d) ?? 0), 0)));
  let published = untrimmed;
  const dropped: TrimDecision['dropped'] = [];
  for (const { detail } of SERIES_DETAILS) {
    if (published <= budget && (perService === undefined || largest() <= perService)) break;
    const series = total(detail);
    dropped.push({ detail, series });
    kept.delete(detail);
    published -= series;
  }
  return { budget, dropped, published, untrimmed };
}

/** The trimming of a policy: its series_budget over all series, or DEFAULT_SERIES_PER_SERVICE for every service. */
export function trimFor(
  seriesBudget: number | undefined,
  counts: readonly SeriesCount[],
  processSeries: number
): TrimDecision {
  const budget = budgetOf(seriesBudget, counts.length, processSeries);
  return decideTrim(counts, processSeries, budget, seriesBudget === undefined ? DEFAULT_SERIES_PER_SERVICE : undefined);
}

/** How a decision reads in a log line and in `headroom check`. */
export function describeTrim(t: TrimDecision): string {
  if (t.dropped.length === 0) return `${t.published} series, within the budget of ${t.budget}`;
  const what = t.dropped.map((d) => `${d.detail} (${d.series})`).join(', ');
  const over = t.published > t.budget ? `; still over the budget: the rest is what the panel and the alerts read` : '';
  return `${t.published} series of ${t.untrimmed} to fit the budget of ${t.budget}: dropped ${what}${over}`;
}
