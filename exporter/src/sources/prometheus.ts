import type { Fleet, PrometheusConfig, Service } from '../config/schema.js';
import { DAY_SECONDS, DEFAULTS } from '../config/defaults.js';
import type { Observation } from '../model/decision.js';
import type { Reading, ServiceInputs } from '../model/plan.js';
import { hourlyRate, monthBounds } from '../model/cost.js';
import { clientOptions, PrometheusClient, type ScalarResult } from './prometheus-client.js';
import { vectorSelectors } from './selectors.js';
import { eachService, type Discovery, type HistoryReading, type HistoryStep, type Source } from './source.js';

/**
 * Resolution of the subqueries that check a trigger's window: about this many evaluations per
 * window, at least one second and at most the 15 s of a common scrape interval apart, so a short
 * `for` is not judged on one or two points and a long one does not cost thousands of evaluations.
 */
export const WINDOW_EVALUATIONS = 20;
const MAX_WINDOW_STEP_SECONDS = 15;
/** Step of the month-to-date instance-hours estimate (one point per 5 minutes of the month). */
export const SPEND_STEP_SECONDS = 300;

export function windowStep(windowSeconds: number): number {
  return Math.max(1, Math.min(MAX_WINDOW_STEP_SECONDS, Math.floor(windowSeconds / WINDOW_EVALUATIONS)));
}

/**
 * PromQL that is a single sample when `query` held on the whole window, judged on the subquery's
 * evaluations: `min_over_time` for "above for the whole window" (scale-out triggers),
 * `max_over_time` for "below for the whole window" (scale-in conditions). The `count_over_time`
 * beside it tells whether the window is covered: a window with gaps (a fresh Prometheus, a target
 * that was down) is not "held for the whole window".
 */
export function windowQueries(
  query: string,
  fn: 'min_over_time' | 'max_over_time',
  windowSeconds: number
): { extreme: string; count: string; expected: number } {
  const step = windowStep(windowSeconds);
  const range = `[${Math.round(windowSeconds)}s:${step}s]`;
  return {
    extreme: `${fn}((${query})${range})`,
    count: `count_over_time((${query})${range})`,
    // A subquery evaluates at multiples of `step` inside (now - window, now]: floor(window / step) of them.
    expected: Math.floor(windowSeconds / step),
  };
}

/**
 * Raw-sample coverage of a window for one selector: the window cut into buckets of `bucket`
 * seconds, the number of buckets in which some series of the selector has a raw sample. Unlike
 * the subquery's points (each of which the 5-minute lookback fills from the last sample, however
 * old, e.g. across a Prometheus restart), this sees gaps.
 */
export function rawCoverageQuery(
  selector: string,
  windowSeconds: number,
  bucketSeconds: number
): { query: string; expected: number } {
  const w = Math.max(1, Math.round(windowSeconds));
  // At least one bucket: a bucket longer than the window would leave the subquery without points.
  const bucket = Math.max(1, Math.min(w, Math.round(bucketSeconds)));
  return {
    query: `count_over_time((max(count_over_time(${selector}[${bucket}s])))[${w}s:${bucket}s])`,
    expected: Math.floor(w / bucket),
  };
}

/** How long a fetched Prometheus start time is reused (one refresh reads it once, not once per service). */
const START_TIME_TTL_SECONDS = 5;

/**
 * A fleet service's vector query narrowed to its own series: `and on(<label>)` a one-series vector
 * carrying the label value (the names are checked by fleet/expand.ts, so nothing needs escaping).
 */
export function narrowQuery(query: string, label: string, value: string): string {
  return `(${query}) and on(${label}) label_replace(vector(1), "${label}", "${value}", "", "")`;
}

const narrowed = new WeakMap<Service, Service>();

/** A fleet service with every query narrowed to its series (the same object per service); an explicit service as is. */
export function narrowService(svc: Service): Service {
  if (!svc.fleet) return svc;
  const hit = narrowed.get(svc);
  if (hit) return hit;
  const n = (q: string) => narrowQuery(q, svc.fleet!.label, svc.name);
  const out: Service = {
    ...svc,
    instances: svc.instances.query !== undefined ? { query: n(svc.instances.query) } : svc.instances,
    signals: svc.signals.map((s) => ({ ...s, query: n(s.query) })),
    growth: svc.growth.history_query ? { ...svc.growth, history_query: n(svc.growth.history_query) } : svc.growth,
    cost: svc.cost.spend_query ? { ...svc.cost, spend_query: n(svc.cost.spend_query) } : svc.cost,
  };
  narrowed.set(svc, out);
  return out;
}

const fromScalar = (r: ScalarResult): Reading =>
  r.ok ? { ok: true, value: r.value } : { ok: false, reason: r.reason };

/**
 * Reads a service's inputs from Prometheus's HTTP API. Every failure (HTTP error, timeout, no
 * series, several series, NaN or Inf) makes that one input missing with its reason; nothing is
 * ever replaced by a default. Concurrency, timeout and auth are the client's.
 */
export class PrometheusSource implements Source {
  readonly kind = 'prometheus' as const;
  readonly client: PrometheusClient;
  /** Clients of the services' growth.history_source (long-term stores), one per distinct block. */
  private readonly historyClients = new Map<string, PrometheusClient>();

  /** refresh.max_sample_age: an input whose newest raw sample is older is missing. */
  readonly maxSampleAge: number;
  private started: { fetchedAt: number; value: Promise<number | null> } | null = null;

  constructor(
    readonly config: PrometheusConfig,
    private readonly fetchImpl?: typeof fetch,
    opts: { maxSampleAge?: number } = {}
  ) {
    this.client = new PrometheusClient(clientOptions(config, fetchImpl));
    this.maxSampleAge = opts.maxSampleAge ?? DEFAULTS.refresh.maxSampleAgeSeconds;
  }

  /** The client for a service's history: its own long-term store when it names one, else the live Prometheus. */
  historyClient(svc: Service): PrometheusClient {
    const cfg = svc.growth.history_source;
    if (!cfg) return this.client;
    const key = JSON.stringify(cfg);
    let c = this.historyClients.get(key);
    if (!c) this.historyClients.set(key, (c = new PrometheusClient(clientOptions(cfg, this.fetchImpl))));
    return c;
  }

  /** Prometheus's start time, reused for a few seconds of wall time. */
  private startTime(): Promise<number | null> {
    const t = performance.now() / 1000;
    if (!this.started || t - this.started.fetchedAt > START_TIME_TTL_SECONDS)
      this.started = { fetchedAt: t, value: this.client.startTime() };
    return this.started.value;
  }

  /**
   * Whether `query` held over the whole window. Sustained needs, besides the extreme value: every
   * subquery point present (no gap in the series), and raw samples across the window: for each
   * vector selector of the query, a raw sample in every bucket of the window; for a query whose
   * selectors cannot be read, Prometheus running since before the window began (after a restart
   * the lookback repeats the last pre-restart sample into the gap). A window Prometheus has not
   * seen whole is missing (with the reason), so it never counts as held and never scales in.
   */
  private async sustained(
    query: string,
    fn: 'min_over_time' | 'max_over_time',
    window: number,
    now: number,
    held: (v: number) => boolean
  ): Promise<{ ok: true; sustained: boolean } | { ok: false; reason: string }> {
    const q = windowQueries(query, fn, window);
    const selectors = vectorSelectors(query) ?? [];
    const raw = selectors.map((sel) => rawCoverageQuery(sel, window, Math.max(windowStep(window), this.maxSampleAge)));
    const [extreme, count, started, ...covered] = await Promise.all([
      this.client.scalar(q.extreme, now),
      this.client.scalar(q.count, now),
      selectors.length ? Promise.resolve(null) : this.startTime(),
      ...raw.map((r) => this.client.scalar(r.query, now)),
    ]);
    if (!extreme.ok) return { ok: false, reason: `${window}s window (${q.extreme}): ${extreme.reason}` };
    if (!count.ok) return { ok: false, reason: `${window}s window (${q.count}): ${count.reason}` };
    if (started !== null && started > now - window) {
      return {
        ok: false,
        reason: `${window}s window: Prometheus started ${Math.round(now - started)}s ago (${new Date(started * 1000).toISOString()}), so no raw samples cover the whole window`,
      };
    }
    const gap = raw.findIndex((r, i) => !covered[i].ok || covered[i].value < r.expected);
    if (gap >= 0) {
      const c = covered[gap];
      return {
        ok: false,
        reason: `${window}s window: raw samples of ${selectors[gap]} in ${c.ok ? c.value : 0} of ${raw[gap].expected} parts of the window (${raw[gap].query})`,
      };
    }
    return { ok: true, sustained: count.value >= q.expected && held(extreme.value) };
  }

  /** The latest value of a signal; missing when the newest raw sample of one of its selectors is older than refresh.max_sample_age. */
  private async readSignal(query: string, now: number): Promise<Reading> {
    const selectors = vectorSelectors(query) ?? [];
    const [value, ...stamps] = await Promise.all([
      this.client.scalar(query, now),
      ...selectors.map((sel) => this.client.scalar(`max(timestamp(${sel}))`, now)),
    ]);
    const r = fromScalar(value);
    if (!r.ok) return r;
    // A selector without series (`x or vector(0)`) has no sample to date; the others do.
    const oldest = stamps.reduce(
      (m, st, i) => (st.ok && now - st.value > m.age ? { age: now - st.value, sel: selectors[i] } : m),
      { age: -Infinity, sel: '' }
    );
    if (oldest.age > this.maxSampleAge)
      return {
        ok: false,
        reason: `stale: the newest raw sample of ${oldest.sel} is ${Math.round(oldest.age)}s old, older than refresh.max_sample_age (${this.maxSampleAge}s)`,
      };
    return r;
  }

  private observe(
    value: Reading,
    window: { ok: true; sustained: boolean } | { ok: false; reason: string }
  ): Observation {
    if (!value.ok) return value;
    if (!window.ok) return window;
    return { ok: true, value: value.value, sustained: window.sustained };
  }

  /** One service at a time (fleet services narrowed to their series); sources/ batches this (FLEET.md §2). */
  readInputsMany(services: Service[], now: number): Promise<Map<string, ServiceInputs>> {
    return eachService(services, (s) => this.readInputs(s, now));
  }

  readHistoryMany(services: Service[], now: number, step?: HistoryStep): Promise<Map<string, HistoryReading>> {
    return eachService(services, (s) => this.readHistory(s, now, step));
  }

  /** The values of the fleet's label in its instances query's result at `now` (a one-point range query keeps every series' labels). */
  async discover(fleet: Fleet, now: number): Promise<Discovery> {
    const q = fleet.template.instances.query!;
    const r = await this.client.range(q, now, now, 1);
    if (!r.ok) return { ok: false, reason: `discovery (${q}): ${r.reason}` };
    const names = r.series.flatMap((s) => (s.labels[fleet.label] !== undefined ? [s.labels[fleet.label]] : []));
    return { ok: true, names: [...new Set(names)] };
  }

  async readInputs(service: Service, now: number): Promise<ServiceInputs> {
    const svc = narrowService(service);
    const queryOf = new Map(svc.signals.map((s) => [s.name, s.query]));
    const signalReads = Promise.all(
      svc.signals.map(async (s) => [s.name, await this.readSignal(s.query, now)] as const)
    );
    const outWindows = Promise.all(
      svc.scaling.scale_out.map((t) =>
        this.sustained(queryOf.get(t.signal)!, 'min_over_time', t.for, now, (v) => v > t.above)
      )
    );
    const scaleIn = svc.scaling.scale_in;
    const inWindows = scaleIn
      ? Promise.all(
          scaleIn.conditions.map((c) =>
            this.sustained(queryOf.get(c.signal)!, 'max_over_time', scaleIn.for, now, (v) => v < c.below)
          )
        )
      : Promise.resolve(undefined);
    const current = this.readInstances(svc, now);
    const [signalList, outs, ins, cur] = await Promise.all([signalReads, outWindows, inWindows, current]);
    const signals: Record<string, Reading> = Object.fromEntries(signalList);

    const scaleOut: Record<string, Observation> = {};
    svc.scaling.scale_out.forEach((t, i) => (scaleOut[t.name] = this.observe(signals[t.signal], outs[i])));
    return {
      now,
      current: cur,
      signals,
      scaleOut,
      scaleIn: scaleIn && ins ? scaleIn.conditions.map((c, i) => this.observe(signals[c.signal], ins[i])) : undefined,
      spendToDate: await this.readSpend(svc, now, cur),
    };
  }

  private async readInstances(svc: Service, now: number): Promise<Reading> {
    if (svc.instances.static !== undefined) return { ok: true, value: svc.instances.static };
    const r = fromScalar(await this.client.scalar(svc.instances.query!, now));
    if (r.ok && !(Number.isInteger(r.value) && r.value >= 0))
      return { ok: false, reason: `instances query returned ${r.value}, expected a whole number >= 0` };
    return r;
  }

  /**
   * Month-to-date spend: `cost.spend_query` when the policy has one. Otherwise an estimate from
   * instance-hours: the average instance count since the start of the month (UTC), sampled every
   * 5 minutes, times the hours elapsed, at the projection pricing. With a static count it is exact
   * up to the count having changed. When the count cannot be read, the spend is missing.
   */
  private async readSpend(svc: Service, now: number, current: Reading): Promise<Reading> {
    if (svc.cost.spend_query) return fromScalar(await this.client.scalar(svc.cost.spend_query, now));
    const elapsed = Math.floor(now - monthBounds(now).start);
    const hours = elapsed / 3600;
    if (svc.instances.static !== undefined)
      return { ok: true, value: hourlyRate(svc.capacity, svc.cost, svc.instances.static) * hours };
    if (elapsed < 1)
      return current.ok ? { ok: true, value: 0 } : { ok: false, reason: `no instance count (${current.reason})` };
    const step = Math.min(SPEND_STEP_SECONDS, elapsed);
    const q = `avg_over_time((${svc.instances.query})[${elapsed}s:${step}s])`;
    const avg = await this.client.scalar(q, now);
    if (!avg.ok) return { ok: false, reason: `estimate from instance-hours (${q}): ${avg.reason}` };
    return { ok: true, value: hourlyRate(svc.capacity, svc.cost, avg.value) * hours };
  }

  /**
   * Daily points of `growth.history_query` over `history_days`, evaluated at 00:00 UTC of each day
   * (the last one today's), as one series; with `step`, every step.stepSeconds instead (a young
   * history). More than one series or fewer than two points is missing.
   */
  async readHistory(service: Service, now: number, step?: HistoryStep): Promise<HistoryReading> {
    const svc = narrowService(service);
    const every = step?.stepSeconds ?? DAY_SECONDS;
    const end = Math.floor(now / every) * every;
    const start = end - (step ? step.seconds - every : (svc.growth.history_days - 1) * DAY_SECONDS);
    if (!svc.growth.history_query) return { ok: false, reason: 'no growth.history_query' };
    const r = await this.historyClient(svc).range(svc.growth.history_query, start, end, every);
    if (!r.ok)
      return svc.growth.history_source
        ? { ok: false, reason: `history_source ${svc.growth.history_source.url}: ${r.reason}` }
        : r;
    if (r.series.length === 0) return { ok: false, reason: 'no series (empty result)' };
    if (r.series.length > 1)
      return {
        ok: false,
        reason: `${r.series.length} series, expected exactly one (aggregate the query, e.g. with sum)`,
      };
    const points = r.series[0].points;
    const unit = step ? ` every ${every}s` : ' daily';
    if (points.length < 2)
      return { ok: false, reason: `${points.length}${unit} point${points.length === 1 ? '' : 's'}, need at least 2` };
    return { ok: true, points };
  }
}
