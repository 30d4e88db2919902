import type { Logger } from 'pino';
import type { Policy, Service } from '../config/schema.js';
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
 * Where the integrals outlive the process: the scaler's state store (SQLite file or Redis), one
 * text per service. What it returns comes from outside and is checked (checkPersisted) before use.
 */
export interface SpendStore {
  /** Every persisted integral, by service name. */
  loadSpend(): Promise<Map<string, string>>;
  /** One batched write: deletes `remove`, then sets `put` (service name → text). */
  saveSpend(put: Map<string, string>, remove: string[]): Promise<void>;
}

export type SpendLog = Pick<Logger, 'info' | 'warn'>;

/**
 * Whether a persisted integral's service is in the policy: an explicit service of that name, or a
 * service of a fleet whose instances query it integrates (fleet services are discovered, not listed).
 */
export function inPolicy(policy: Policy, service: string, raw: string): boolean {
  if (policy.services.some((s) => s.name === service)) return true;
  let query: unknown;
  try {
    query = (JSON.parse(raw) as { query?: unknown } | null)?.query;
  } catch {
    return false;
  }
  return policy.fleets.some((f) => f.template.instances.query === query);
}

const iso = (t: number) => new Date(t * 1000).toISOString();
const shown = (x: unknown) => (x === undefined ? 'absent' : typeof x === 'number' ? String(x) : JSON.stringify(x));
const FIELDS = ['month', 'until', 'instanceSeconds', 'count'] as const;

/**
 * A persisted integral, usable at `now` for `query`, or why not: every number finite and >= 0,
 * the month the one of `now`, the same instances query, `until` inside the month and not after `now`.
 */
export function checkPersisted(
  raw: string,
  now: number,
  query: string
): { ok: true; integral: Integral } | { ok: false; reason: string } {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { ok: false, reason: `not JSON: ${raw.slice(0, 80)}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return {
      ok: false,
      reason: `expected an object {month, query, until, instanceSeconds, count}, got ${raw.slice(0, 80)}`,
    };
  const e = v as Record<string, unknown>;
  for (const k of FIELDS)
    if (typeof e[k] !== 'number' || !Number.isFinite(e[k]) || e[k] < 0)
      return { ok: false, reason: `${k} is ${shown(e[k])}, expected a finite number >= 0` };
  const i = e as unknown as Integral;
  const month = monthBounds(now).start;
  if (i.month !== month) return { ok: false, reason: `kept for the month from ${iso(i.month)}, not ${iso(month)}` };
  if (e.query !== query)
    return { ok: false, reason: `integrates another instances query (${JSON.stringify(e.query)}), not ${query}` };
  if (!Number.isInteger(i.until) || i.until < month || i.until > now)
    return {
      ok: false,
      reason: `until ${i.until} (${iso(i.until)}) is not a whole second between ${iso(month)} and now (${iso(now)})`,
    };
  if (!Number.isInteger(i.count)) return { ok: false, reason: `count ${i.count} is not a whole number` };
  return { ok: true, integral: { month, query, until: i.until, instanceSeconds: i.instanceSeconds, count: i.count } };
}

/** The month a persisted entry was kept for, NaN when it has none (checkPersisted says why when it is read). */
function persistedMonth(raw: string): number {
  try {
    const m = (JSON.parse(raw) as { month?: unknown } | null)?.month;
    return typeof m === 'number' ? m : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Month-to-date instance-seconds per service, integrated between refreshes, so a refresh does not
 * re-scan the month: the first read of a month (or after a gap) sends one bounded
 * `avg_over_time(instances[gap:5m])` over the gap (batched or, for a fleet, one vector for all its
 * services), every later refresh adds the last count times the seconds since. With a store
 * (persist()), the integrals are written once per refresh (flush()) and read back at start, so a
 * restart catches up only the gap since the last refresh written; without one, from the start of
 * the month.
 */
export class SpendLedger {
  private readonly integrals = new Map<string, Integral>();
  private persisted: { store: SpendStore; log: SpendLog; loaded: Promise<Map<string, string>> } | null = null;
  /** The persisted entries not yet taken by a read, once loaded (dropBefore deletes those of past months). */
  private unread: Map<string, string> | null = null;
  /** Services whose integral changed since the last flush, and persisted ones to delete. */
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();

  /**
   * Reads the integrals persisted in `store` (once; entries of services not in `policy` are
   * discarded and deleted) and writes them there from now on. A service's entry is checked when
   * the service is first read; a discarded one is logged and the month is caught up whole.
   */
  persist(store: SpendStore, log: SpendLog, policy: Policy): void {
    const loaded = store.loadSpend().then(
      (m) => {
        for (const [service, raw] of m)
          if (!inPolicy(policy, service, raw))
            this.discard(
              log,
              service,
              m,
              'not a service of the policy (removed, or its fleet has another instances query)',
              'deleted from the state store'
            );
        log.info({ services: m.size }, `spend: ${m.size} persisted month-to-date integrals read from the state store`);
        this.unread = m;
        return m;
      },
      (e: unknown) => {
        log.warn(
          { err: e },
          'spend: cannot read the persisted integrals; every service catches up from the start of the month'
        );
        return new Map<string, string>();
      }
    );
    this.persisted = { store, log, loaded };
  }

  /** Drops a persisted entry (and deletes it from the store at the next flush), saying why. */
  private discard(log: SpendLog, service: string, from: Map<string, string>, reason: string, then: string): void {
    from.delete(service);
    this.removed.add(service);
    log.warn({ service, reason }, `spend: persisted integral of ${service} discarded (${reason}); ${then}`);
  }

  /** The integral to continue: this process's, else the persisted one when it passes checkPersisted (taken once). */
  private async last(svc: Service, now: number): Promise<Integral | undefined> {
    const own = this.integrals.get(svc.name);
    if (own || !this.persisted) return own;
    const pending = await this.persisted.loaded;
    const raw = pending.get(svc.name);
    if (raw === undefined) return undefined;
    pending.delete(svc.name);
    const c = checkPersisted(raw, Math.floor(now), svc.instances.query!);
    if (c.ok) {
      this.integrals.set(svc.name, c.integral);
      return c.integral;
    }
    this.discard(this.persisted.log, svc.name, pending, c.reason, 'catching up from the start of the month');
    return undefined;
  }

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
    const found = await this.last(svc, now);
    const last = found && found.month === month && found.query === query ? found : undefined;
    // A read at or before the last one (two reads in the same second) adds nothing.
    if (last && t <= last.until) return this.value(svc, last, last.until - month);
    let instanceSeconds: number;
    if (last && t - last.until <= MAX_HOLD_SECONDS)
      instanceSeconds = last.instanceSeconds + last.count * (t - last.until);
    else {
      const from = last ? last.until : month;
      const span = t - from;
      const q = catchUpQuery(query, span);
      const avg = span > 0 ? await reads.value('spend', q) : { ok: true as const, value: 0 };
      if (!avg.ok) return { ok: false, reason: `estimate from instance-hours (${q}): ${avg.reason}` };
      instanceSeconds = (last ? last.instanceSeconds : 0) + avg.value * span;
    }
    const integral = { month, query, until: t, instanceSeconds, count: current.value };
    this.integrals.set(svc.name, integral);
    this.dirty.add(svc.name);
    return this.value(svc, integral, elapsed);
  }

  private value(svc: Service, i: Integral, elapsed: number): Reading {
    return { ok: true, value: (hourlyRate(svc.capacity, svc.cost, i.instanceSeconds / elapsed) * elapsed) / 3600 };
  }

  /**
   * Forget the integrals of past months (services no longer planned, retired ones), in memory and
   * in the store: persisted entries that no read took (a retired fleet service) are deleted once
   * their month is over, so the store holds one month of services, not every one ever seen.
   */
  dropBefore(now: number): void {
    const month = monthBounds(now).start;
    for (const [n, i] of this.integrals)
      if (i.month < month) {
        this.integrals.delete(n);
        if (this.persisted) this.removed.add(n);
      }
    if (!this.persisted || !this.unread) return;
    for (const [n, raw] of this.unread)
      if (!(persistedMonth(raw) >= month))
        this.discard(
          this.persisted.log,
          n,
          this.unread,
          'kept for a past month, or unreadable',
          'deleted from the state store'
        );
  }

  /**
   * Writes the integrals changed since the last flush in one batch (once per refresh). A failed
   * write is logged and retried with the next flush; the spend read from memory is unaffected.
   */
  async flush(): Promise<void> {
    const p = this.persisted;
    if (!p || (this.dirty.size === 0 && this.removed.size === 0)) return;
    const put = new Map<string, string>();
    for (const n of this.dirty) {
      const i = this.integrals.get(n);
      if (i) put.set(n, JSON.stringify(i));
    }
    const remove = [...this.removed];
    this.dirty.clear();
    this.removed.clear();
    try {
      await p.store.saveSpend(put, remove);
    } catch (e) {
      for (const n of put.keys()) this.dirty.add(n);
      for (const n of remove) this.removed.add(n);
      p.log.warn(
        { err: e, services: put.size },
        'spend: cannot write the month-to-date integrals to the state store; retrying at the next refresh'
      );
    }
  }
}

/** The average count over the last `span` seconds, sampled every SPEND_STEP_SECONDS (or once, for a shorter span). */
export function catchUpQuery(instancesQuery: string, span: number): string {
  return `avg_over_time((${instancesQuery})[${span}s:${Math.min(SPEND_STEP_SECONDS, span)}s])`;
}
