import type { QueryBatcher } from './batch.js';
import {
  toScalar,
  type InstantResult,
  type PrometheusClient,
  type RangeResult,
  type ScalarResult,
} from './prometheus-client.js';

/** What a query is for: queries of one role (and time) may be sent as one batch. */
export type Role = 'signal' | 'stamp' | 'extreme' | 'count' | 'coverage' | 'instances' | 'spend';

/**
 * How one service's instant queries are sent and its own answer picked out: alone (today's path),
 * batched with other explicit services' (same answer, fewer requests), or as its fleet's vector
 * split by the fleet's label.
 */
export interface Reads {
  /** Aggregation of the per-selector checks (staleness, raw coverage): `max`, or `max by (label)` for a fleet. */
  readonly agg: string;
  /** The service's value of `query`: exactly one series (for a fleet: of its label value; `by` names another label). */
  value(role: Role, query: string, by?: string): Promise<ScalarResult>;
  /** The service's value of a per-selector check: for a fleet its own series, else one without the label (shared by all). */
  check(role: Role, query: string): Promise<ScalarResult>;
  /** The times of the points of the subquery `(inner)<range>` in the service's series of it (as check picks it; none: no point). */
  points(role: Role, inner: string, range: string): Promise<Points>;
}

/** The times of a subquery's points in one series, or why they cannot be read. */
export type Points = { ok: true; times: number[] } | { ok: false; reason: string };

/** The point times of the one series of a subquery's answer (no series: no point); several are an error. */
function pointsOf(r: RangeResult, several: string): Points {
  if (!r.ok) return r;
  if (r.series.length > 1) return { ok: false, reason: `${r.series.length} series, expected at most one (${several})` };
  return { ok: true, times: r.series[0]?.points.map((p) => p.t) ?? [] };
}
const ONE = 'aggregate the selector, e.g. with max';

/** Each query sent alone, as today (one service read on its own, e.g. the scaler's re-read). */
export function directReads(client: PrometheusClient, now: number): Reads {
  const one = (_: Role, q: string) => client.scalar(q, now);
  // A selector's coverage serves all its windows: sent once per read, not once per window.
  const sent = new Map<string, Promise<Points>>();
  const points = (_: Role, inner: string, range: string) => {
    const q = `(${inner})${range}`;
    let p = sent.get(q);
    if (!p) sent.set(q, (p = client.matrix(q, now).then((r) => pointsOf(r, ONE))));
    return p;
  };
  return { agg: 'max', value: one, check: one, points };
}

/** An explicit service's queries joined to the batch of their role; its own answer is its member's. */
export function batchedReads(batcher: QueryBatcher, now: number): Reads {
  const one = async (role: Role, q: string) => toScalar(await batcher.instant(q, now, role));
  const points = async (role: Role, inner: string, range: string) =>
    pointsOf(await batcher.subquery(inner, range, now, role), ONE);
  return { agg: 'max', value: one, check: one, points };
}

/**
 * The per-selector checks a fleet sends alone, not batched by role. A fleet's check is already one
 * vector for all its services, so a batch only saves requests, and Prometheus spends about 40 % more
 * CPU on the `label_replace(…) or …` of six selectors' vectors of 1,000 series than on the six sent
 * alone (measured with bench/fleet.bench.ts's data): the staleness timestamps, one per selector of
 * the signals, go alone. The raw-sample coverage of the subquery windows (one per selector and
 * span) stays batched, which keeps a fleet's refresh well within its budget of 40 queries.
 */
const FLEET_ALONE: ReadonlySet<Role> = new Set(['stamp']);

/**
 * A fleet service: its vector queries are sent once for the fleet (the batcher keeps one request
 * per query text) and split by `label`; the coverage checks are batched by role (FLEET_ALONE).
 */
export function fleetReads(batcher: QueryBatcher, now: number, label: string, name: string): Reads {
  return {
    agg: `max by (${label})`,
    value: async (_, q, by = label) => pickSeries(await batcher.instant(q, now), by, name),
    check: async (role, q) =>
      pickSeries(await batcher.instant(q, now, FLEET_ALONE.has(role) ? null : role), label, name, true),
    points: async (role, inner, range) => {
      const r = await batcher.subquery(inner, range, now, FLEET_ALONE.has(role) ? null : role);
      if (!r.ok) return r;
      const index = indexBy(r.series, label);
      return pointsOf({ ok: true, series: index.get(name) ?? index.get(undefined) ?? [] }, `aggregate by (${label})`);
    },
  };
}

/**
 * The one series of a vector whose `label` is `name`, as a value. None, or several (the query does
 * not aggregate by the label), leave the service missing with the reason. With `shared`, a series
 * without the label stands for every service (a check on a selector whose series lack the label).
 */
export function pickSeries(r: InstantResult, label: string, name: string, shared = false): ScalarResult {
  if (!r.ok) return r;
  const index = indexBy(r.series, label);
  const own = index.get(name) ?? [];
  const without = index.get(undefined) ?? [];
  if (own.length === 0 && shared && without.length > 0) return toScalar({ ...r, series: without });
  if (own.length === 0)
    return {
      ok: false,
      reason: `no series with ${label}="${name}" (of ${r.series.length}${without.length ? `, ${without.length} without ${label}` : ''})`,
    };
  if (own.length > 1)
    return {
      ok: false,
      reason: `${own.length} series with ${label}="${name}", expected exactly one (aggregate by (${label}))`,
    };
  return toScalar({ ...r, series: own });
}

const indexes = new WeakMap<readonly unknown[], Map<string, Map<string | undefined, unknown[]>>>();

/**
 * The series of a result by their value of `label` (undefined: without it), built once per result
 * and label: a fleet's vector is shared by all its services, and each picks its own from it.
 */
export function indexBy<S extends { labels: Record<string, string> }>(
  series: readonly S[],
  label: string
): Map<string | undefined, S[]> {
  let byLabel = indexes.get(series);
  if (!byLabel) indexes.set(series, (byLabel = new Map()));
  let index = byLabel.get(label) as Map<string | undefined, S[]> | undefined;
  if (!index) {
    index = new Map();
    for (const s of series) {
      const v = s.labels[label];
      const list = index.get(v);
      if (list) list.push(s);
      else index.set(v, [s]);
    }
    byLabel.set(label, index as Map<string | undefined, unknown[]>);
  }
  return index;
}

/** The distinct values of `label` in a vector (a fleet's discovery); series without it are counted apart. */
export function labelValues(r: InstantResult & { ok: true }, label: string): { names: string[]; without: number } {
  const names = new Set<string>();
  let without = 0;
  for (const s of r.series) {
    const v = s.labels[label];
    if (v === undefined || v === '') without++;
    else names.add(v);
  }
  return { names: [...names].sort(), without };
}
