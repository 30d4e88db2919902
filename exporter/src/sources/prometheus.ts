import type { Fleet, Policy, PrometheusConfig, Service } from '../config/schema.js';
import { DAY_SECONDS, DEFAULTS } from '../config/defaults.js';
import type { Observation } from '../model/decision.js';
import type { Reading, ServiceInputs } from '../model/plan.js';
import { hourlyRate, monthBounds } from '../model/cost.js';
import { QueryBatcher } from './batch.js';
import { clientOptions, PrometheusClient, type RangeResult, type ScalarResult } from './prometheus-client.js';
import { batchedReads, directReads, fleetReads, indexBy, labelValues, type Reads } from './reads.js';
import { RECORDED_SERVICE_LABEL, RecordedRules, recordedWindow, type RecordedSeries } from './recorded.js';
import { vectorSelectors } from './selectors.js';

/** Selectors per query text: a fleet's services share their queries, so each is tokenized once, not once per service. */
const selectorsOf = memo((q: string) => vectorSelectors(q) ?? []);
import { SpendLedger, type SpendLog, type SpendStore } from './spend.js';
import type { Discovery, HistoryReading, HistoryStep, Source } from './source.js';

/**
 * Resolution of the subqueries that check a trigger's window: about this many evaluations per
 * window, at least one second and at most the 15 s of a common scrape interval apart, so a short
 * `for` is not judged on one or two points and a long one does not cost thousands of evaluations.
 */
export const WINDOW_EVALUATIONS = 20;
const MAX_WINDOW_STEP_SECONDS = 15;

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
 * The bucket of a window's raw-sample coverage: refresh.max_sample_age, or the window's subquery
 * step when longer, and at most the window (a longer bucket would leave the window without points).
 */
export function coverageBucket(windowSeconds: number, maxSampleAge: number): number {
  const w = Math.max(1, Math.round(windowSeconds));
  return Math.max(1, Math.min(w, Math.round(Math.max(windowStep(windowSeconds), maxSampleAge))));
}

/**
 * Raw-sample coverage of one selector over `span` seconds (the longest of its windows that share a
 * bucket): the points of the subquery `agg(count_over_time(sel[bucket]))[span:bucket]`, one for
 * each bucket in which some series of the selector has a raw sample (per value of a fleet's label
 * with `agg` = `max by (label)`). A window of w seconds is covered when the points of its last w
 * seconds number floor(w / bucket), so one query serves every window of the selector. Unlike the
 * window's own subquery points (each of which the 5-minute lookback fills from the last sample,
 * however old, e.g. across a Prometheus restart), this sees gaps.
 */
export function coverageQuery(
  selector: string,
  spanSeconds: number,
  bucket: number,
  agg = 'max'
): { inner: string; range: string } {
  return {
    inner: `${agg}(count_over_time(${selector}[${bucket}s]))`,
    range: `[${Math.max(1, Math.round(spanSeconds))}s:${bucket}s]`,
  };
}

const fromScalar = (r: ScalarResult): Reading =>
  r.ok ? { ok: true, value: r.value } : { ok: false, reason: r.reason };

type Window = { ok: true; sustained: boolean } | { ok: false; reason: string };
type Extreme = 'min_over_time' | 'max_over_time';
/** One trigger window of a service at `now`: its extreme, length, what "held" means for the extreme, and how it is read. */
interface WindowAsk {
  fn: Extreme;
  seconds: number;
  now: number;
  held: (v: number) => boolean;
  reads: Reads;
  /** The span a selector's coverage is read over at a bucket (the longest of the service's windows on it). */
  span: (selector: string, bucket: number) => number;
}

/**
 * Reads services' inputs from Prometheus's HTTP API. Every failure (HTTP error, timeout, no
 * series, several series, NaN or Inf) makes that one input missing with its reason; nothing is
 * ever replaced by a default. Concurrency, timeout and auth are the client's. Many services read
 * together share their queries (readInputsMany): the cost of a refresh grows with the signals and
 * triggers, not with the services.
 */
export class PrometheusSource implements Source {
  readonly kind = 'prometheus' as const;
  readonly client: PrometheusClient;
  /** Clients of the services' growth.history_source (long-term stores), one per distinct block. */
  private readonly historyClients = new Map<string, PrometheusClient>();

  /** refresh.max_sample_age: an input whose newest raw sample is older is missing. */
  readonly maxSampleAge: number;
  private started: { now: number; value: Promise<number | null> } | null = null;
  /** Queries that cannot join a batch (they failed alone, or answer a scalar): sent alone. */
  private readonly solo = new Set<string>();
  private readonly ledger = new SpendLedger();
  private readonly recorded: RecordedRules;
  /** The fleets discover() was asked about, by name: their templates tell which windows the rules record. */
  private readonly fleets = new Map<string, Fleet>();
  /** discover()'s answer at its time, reused by readInputsMany at the same time (the same instances query). */
  private discovered = new Map<string, ReturnType<PrometheusClient['instant']>>();

  constructor(
    readonly config: PrometheusConfig,
    private readonly fetchImpl?: typeof fetch,
    opts: { maxSampleAge?: number } = {}
  ) {
    this.client = new PrometheusClient(clientOptions(config, fetchImpl));
    this.maxSampleAge = opts.maxSampleAge ?? DEFAULTS.refresh.maxSampleAgeSeconds;
    this.recorded = new RecordedRules(this.client);
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

  /** Prometheus's start time, read once per refresh (per `now`), not once per service or window. */
  private startTime(now: number): Promise<number | null> {
    if (this.started?.now !== now) this.started = { now, value: this.client.startTime() };
    return this.started.value;
  }

  /**
   * One service on its own (the scaler's re-read of a service): an explicit service's queries sent
   * alone, a fleet service's read as its fleet's vectors split, so it reads what a refresh reads.
   */
  async readInputs(svc: Service, now: number): Promise<ServiceInputs> {
    if (svc.fleet) return (await this.readMany([svc], now)).get(svc.name)!;
    return this.inputs(svc, now, directReads(this.client, now));
  }

  /**
   * Many services in one refresh, with exactly the answers each would get alone: the same query
   * text is sent once, explicit services' queries of one role are batched (sources/batch.ts), a
   * fleet's vector queries are sent once and split by the fleet's label. The spend integrals it
   * changed are then written to the store (persistSpend), once per refresh.
   */
  async readInputsMany(services: Service[], now: number): Promise<Map<string, ServiceInputs>> {
    const out = await this.readMany(services, now);
    await this.ledger.flush();
    return out;
  }

  /**
   * Keeps the month-to-date spend integrals in `store` (the scaler's state store): read back at
   * start, so a restart catches up only the gap since the last refresh written (sources/spend.ts).
   */
  persistSpend(store: SpendStore, log: SpendLog, policy: Policy): void {
    this.ledger.persist(store, log, policy);
  }

  private async readMany(services: Service[], now: number): Promise<Map<string, ServiceInputs>> {
    const batcher = new QueryBatcher(this.client, this.solo);
    for (const [key, r] of this.discovered) {
      const [time, query] = key.split('\0', 2);
      if (Number(time) === now) batcher.seed(query, now, r);
    }
    this.discovered = new Map();
    const out = new Map<string, ServiceInputs>();
    await Promise.all(
      services.map(async (svc) => {
        const f = svc.fleet;
        const reads = f ? fleetReads(batcher, now, f.label, svc.name) : batchedReads(batcher, now);
        out.set(svc.name, await this.inputs(svc, now, reads));
      })
    );
    this.ledger.dropBefore(now);
    return out;
  }

  /** The label values the fleet's instances query returns now (its services), or why it failed. */
  async discover(fleet: Fleet, now: number): Promise<Discovery> {
    this.fleets.set(fleet.name, fleet);
    const query = fleet.template.instances.query;
    if (query === undefined) return { ok: false, reason: `fleet ${fleet.name}: the template has no instances.query` };
    const pending = this.client.instant(query, now);
    this.discovered.set(`${now}\0${query}`, pending);
    const r = await pending;
    if (!r.ok) return { ok: false, reason: `instances query (${query}): ${r.reason}` };
    return { ok: true, names: labelValues(r, fleet.label).names };
  }

  private async inputs(svc: Service, now: number, reads: Reads): Promise<ServiceInputs> {
    const signalReads = Promise.all(
      svc.signals.map(async (s) => [s.name, await this.readSignal(s.query, now, reads)] as const)
    );
    const spans = this.coverageSpans(svc);
    const span = (sel: string, bucket: number) => spans.get(`${bucket}\0${sel}`)!;
    const window = (signal: string, fn: Extreme, seconds: number, held: (v: number) => boolean) =>
      this.window(svc, signal, { fn, seconds, now, held, reads, span });
    const outWindows = Promise.all(
      svc.scaling.scale_out.map((t) => window(t.signal, 'min_over_time', t.for, (v) => v > t.above))
    );
    const scaleIn = svc.scaling.scale_in;
    const inWindows = scaleIn
      ? Promise.all(scaleIn.conditions.map((c) => window(c.signal, 'max_over_time', scaleIn.for, (v) => v < c.below)))
      : Promise.resolve(undefined);
    const current = this.readInstances(svc, reads);
    const [signalList, outs, ins, cur] = await Promise.all([signalReads, outWindows, inWindows, current]);
    const signals: Record<string, Reading> = Object.fromEntries(signalList);

    const scaleOut: Record<string, Observation> = {};
    svc.scaling.scale_out.forEach((t, i) => (scaleOut[t.name] = observe(signals[t.signal], outs[i])));
    return {
      now,
      current: cur,
      signals,
      scaleOut,
      scaleIn: scaleIn && ins ? scaleIn.conditions.map((c, i) => observe(signals[c.signal], ins[i])) : undefined,
      spendToDate: await this.readSpend(svc, now, cur, reads),
    };
  }

  /** Per bucket and selector of the service's windows (`<bucket>\0<selector>`), the longest window on it. */
  private coverageSpans(svc: Service): Map<string, number> {
    const windows = [
      ...svc.scaling.scale_out.map((t) => [t.signal, t.for] as const),
      ...(svc.scaling.scale_in?.conditions ?? []).map((c) => [c.signal, svc.scaling.scale_in!.for] as const),
    ];
    const spans = new Map<string, number>();
    for (const [signal, seconds] of windows) {
      const bucket = coverageBucket(seconds, this.maxSampleAge);
      for (const sel of selectorsOf(svc.signals.find((s) => s.name === signal)!.query)) {
        const key = `${bucket}\0${sel}`;
        spans.set(key, Math.max(spans.get(key) ?? 0, seconds));
      }
    }
    return spans;
  }

  /** A trigger's window: on the fleet's recorded series when Prometheus records it, else by subqueries. */
  private async window(svc: Service, signal: string, w: WindowAsk): Promise<Window> {
    const sig = svc.signals.find((s) => s.name === signal)!;
    const rec = await this.recordOf(svc, sig, w.now);
    return rec ? this.recordedSustained(rec, w) : this.sustained(sig.query, w);
  }

  /**
   * The recorded series of a fleet service's signal, when the fleet's rules record it and the
   * service's query is the template's (an override that replaces the query is not what the rule records).
   */
  private async recordOf(svc: Service, sig: Service['signals'][number], now: number): Promise<RecordedSeries | null> {
    const f = svc.fleet;
    const tpl = f && this.fleets.get(f.name)?.template.signals.find((s) => s.name === sig.name);
    if (!f || !tpl || tpl.query !== sig.query || tpl.unit !== sig.unit) return null;
    return this.recorded.record(f.name, sig.name, sig.unit, now);
  }

  private async recordedSustained(
    rec: RecordedSeries,
    { fn, seconds: window, held, reads }: WindowAsk
  ): Promise<Window> {
    const q = recordedWindow(rec, fn, window);
    const [extreme, count] = await Promise.all([
      reads.value('extreme', q.extreme, RECORDED_SERVICE_LABEL),
      reads.value('count', q.count, RECORDED_SERVICE_LABEL),
    ]);
    const v = windowValues(window, q, extreme, count);
    if (!v.ok) return v;
    if (v.count < q.expected)
      return {
        ok: false,
        reason: `${window}s window: ${v.count} rule evaluations of ${rec.selector}, expected at least ${q.expected} (every ${rec.intervalSeconds}s)`,
      };
    return { ok: true, sustained: held(v.extreme) };
  }

  /**
   * Whether `query` held over the whole window. Sustained needs, besides the extreme value: every
   * subquery point present (no gap in the series), and raw samples across the window: for each
   * vector selector of the query, a raw sample in every bucket of the window; for a query whose
   * selectors cannot be read, Prometheus running since before the window began (after a restart
   * the lookback repeats the last pre-restart sample into the gap). A window Prometheus has not
   * seen whole is missing (with the reason), so it never counts as held and never scales in.
   */
  private async sustained(query: string, { fn, seconds: window, now, held, reads, span }: WindowAsk): Promise<Window> {
    const q = windowQueries(query, fn, window);
    const selectors = selectorsOf(query);
    const bucket = coverageBucket(window, this.maxSampleAge);
    const raw = selectors.map((sel) => coverageQuery(sel, span(sel, bucket), bucket, reads.agg));
    const [extreme, count, started, ...covered] = await Promise.all([
      reads.value('extreme', q.extreme),
      reads.value('count', q.count),
      selectors.length ? Promise.resolve(null) : this.startTime(now),
      ...raw.map((r) => reads.points('coverage', r.inner, r.range)),
    ]);
    const v = windowValues(window, q, extreme, count);
    if (!v.ok) return v;
    if (started !== null && started > now - window) {
      return {
        ok: false,
        reason: `${window}s window: Prometheus started ${Math.round(now - started)}s ago (${new Date(started * 1000).toISOString()}), so no raw samples cover the whole window`,
      };
    }
    // The buckets that end inside the window: floor(window / bucket) of them at least.
    const expected = Math.floor(Math.max(1, Math.round(window)) / bucket);
    const inWindow = covered.map((c) => (c.ok ? c.times.filter((t) => t > now - Math.round(window)).length : 0));
    const gap = raw.findIndex((_, i) => inWindow[i] < expected);
    if (gap >= 0) {
      const c = covered[gap];
      return {
        ok: false,
        reason: `${window}s window: raw samples of ${selectors[gap]} in ${inWindow[gap]} of ${expected} parts of the window ((${raw[gap].inner})${raw[gap].range}${c.ok ? '' : `: ${c.reason}`})`,
      };
    }
    return { ok: true, sustained: v.count >= q.expected && held(v.extreme) };
  }

  /** The latest value of a signal; missing when the newest raw sample of one of its selectors is older than refresh.max_sample_age. */
  private async readSignal(query: string, now: number, reads: Reads): Promise<Reading> {
    const selectors = selectorsOf(query);
    const [value, ...stamps] = await Promise.all([
      reads.value('signal', query),
      ...selectors.map((sel) => reads.check('stamp', `${reads.agg}(timestamp(${sel}))`)),
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

  private async readInstances(svc: Service, reads: Reads): Promise<Reading> {
    if (svc.instances.static !== undefined) return { ok: true, value: svc.instances.static };
    const r = fromScalar(await reads.value('instances', svc.instances.query!));
    if (r.ok && !(Number.isInteger(r.value) && r.value >= 0))
      return { ok: false, reason: `instances query returned ${r.value}, expected a whole number >= 0` };
    return r;
  }

  /**
   * Month-to-date spend: `cost.spend_query` when the policy has one. Otherwise an estimate from
   * instance-hours integrated between refreshes (sources/spend.ts) at the projection pricing; with
   * a static count it is exact up to the count having changed. Missing while the count is missing.
   */
  private async readSpend(svc: Service, now: number, current: Reading, reads: Reads): Promise<Reading> {
    if (svc.cost.spend_query) return fromScalar(await reads.value('spend', svc.cost.spend_query));
    if (svc.instances.static !== undefined) {
      const hours = Math.floor(now - monthBounds(now).start) / 3600;
      return { ok: true, value: hourlyRate(svc.capacity, svc.cost, svc.instances.static) * hours };
    }
    return this.ledger.spend(svc, now, current, reads);
  }

  /** The span and step of a history read: daily points over history_days, or `step` while young. */
  private historyRange(svc: Service, now: number, step?: HistoryStep): { start: number; end: number; every: number } {
    const every = step?.stepSeconds ?? DAY_SECONDS;
    const end = Math.floor(now / every) * every;
    const start = end - (step ? step.seconds - every : (svc.growth.history_days - 1) * DAY_SECONDS);
    return { start, end, every };
  }

  /**
   * Daily points of `growth.history_query` over `history_days`, evaluated at 00:00 UTC of each day
   * (the last one today's), as one series; with `step`, every step.stepSeconds instead (a young
   * history). More than one series or fewer than two points is missing.
   */
  async readHistory(svc: Service, now: number, step?: HistoryStep): Promise<HistoryReading> {
    if (svc.fleet) return (await this.readHistoryMany([svc], now, step)).get(svc.name)!;
    if (!svc.growth.history_query) return { ok: false, reason: 'no growth.history_query' };
    const { start, end, every } = this.historyRange(svc, now, step);
    const r = await this.historyClient(svc).range(svc.growth.history_query, start, end, every);
    return historyOf(svc, r, step);
  }

  /**
   * Histories of many services: one range query per distinct history query, store and span (a
   * fleet's is one for all its services), each service's series picked out by the fleet's label.
   */
  async readHistoryMany(services: Service[], now: number, step?: HistoryStep): Promise<Map<string, HistoryReading>> {
    const ranges = new Map<string, Promise<RangeResult>>();
    const out = new Map<string, HistoryReading>();
    await Promise.all(
      services.map(async (svc) => {
        if (!svc.growth.history_query) return out.set(svc.name, { ok: false, reason: 'no growth.history_query' });
        const { start, end, every } = this.historyRange(svc, now, step);
        const key = JSON.stringify([svc.growth.history_source ?? null, svc.growth.history_query, start, end, every]);
        let r = ranges.get(key);
        if (!r) ranges.set(key, (r = this.historyClient(svc).range(svc.growth.history_query, start, end, every)));
        const f = svc.fleet;
        const res = await r;
        const own = f && res.ok ? { ...res, series: indexBy(res.series, f.label).get(svc.name) ?? [] } : res;
        out.set(svc.name, historyOf(svc, own, step, f?.label));
      })
    );
    return out;
  }
}

/** `f` remembered per argument (at most `max` of them: queries come from the policy, a reload starts over at worst). */
function memo<T>(f: (k: string) => T, max = 10_000): (k: string) => T {
  const seen = new Map<string, T>();
  return (k) => {
    let v = seen.get(k);
    if (v === undefined) {
      if (seen.size >= max) seen.clear();
      seen.set(k, (v = f(k)));
    }
    return v;
  };
}

/** A window's extreme and count, or why one of them has no value (with its query). */
function windowValues(
  window: number,
  q: { extreme: string; count: string },
  extreme: ScalarResult,
  count: ScalarResult
): { ok: true; extreme: number; count: number } | { ok: false; reason: string } {
  if (!extreme.ok) return { ok: false, reason: `${window}s window (${q.extreme}): ${extreme.reason}` };
  if (!count.ok) return { ok: false, reason: `${window}s window (${q.count}): ${count.reason}` };
  return { ok: true, extreme: extreme.value, count: count.value };
}

function observe(value: Reading, window: Window): Observation {
  if (!value.ok) return value;
  if (!window.ok) return window;
  return { ok: true, value: value.value, sustained: window.sustained };
}

/** One service's history from a range result: exactly one series (of its label value, for a fleet) of at least two points. */
function historyOf(svc: Service, r: RangeResult, step: HistoryStep | undefined, label?: string): HistoryReading {
  if (!r.ok)
    return svc.growth.history_source
      ? { ok: false, reason: `history_source ${svc.growth.history_source.url}: ${r.reason}` }
      : r;
  const of = label ? ` with ${label}="${svc.name}"` : '';
  if (r.series.length === 0) return { ok: false, reason: `no series${of} (empty result)` };
  if (r.series.length > 1)
    return {
      ok: false,
      reason: `${r.series.length} series${of}, expected exactly one (aggregate the query, e.g. with sum${label ? ` by (${label})` : ''})`,
    };
  const points = r.series[0].points;
  const unit = step ? ` every ${step.stepSeconds}s` : ' daily';
  if (points.length < 2)
    return { ok: false, reason: `${points.length}${unit} point${points.length === 1 ? '' : 's'}, need at least 2` };
  return { ok: true, points };
}
