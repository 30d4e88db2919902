/**
 * The services of one fleet over time (pure: data and a time in, the next catalog out). FLEET.md §3,
 * README "Fleets":
 * - present: its label value is in the last discovery result;
 * - missing (since, reason): absent from a discovery result, or the discovery failed (then every
 *   service of the fleet is missing and none is dropped); planned with missing inputs, so it never
 *   scales in, and the scaler refuses to act for it;
 * - retired: missing for `retire_after` (counted from the first observation that missed it, and
 *   only on a discovery that succeeded): out of the plans and /metrics, logged once; remembered a
 *   day so the scaler can say so, and present again if it comes back.
 * A label value that cannot name a service is rejected with its reason (logged once, counted), never planned.
 */
import type { NameCheck } from './expand.js';
import type { Discovery } from '../sources/source.js';

export type Entry =
  | { name: string; state: 'present'; seenAt: number }
  | { name: string; state: 'missing'; since: number; reason: string; seenAt: number | null }
  | { name: string; state: 'retired'; since: number; retiredAt: number };

export interface FleetCatalog {
  readonly entries: ReadonlyMap<string, Entry>;
  /** Label values of the last successful discovery that were rejected, with the reason. */
  readonly rejected: ReadonlyMap<string, string>;
  /** The last discovery's failure, or null when it succeeded (or none ran yet). */
  readonly failure: string | null;
}

export type CatalogEvent =
  | { kind: 'discovered' | 'reappeared'; name: string }
  | { kind: 'missing' | 'rejected' | 'dropped'; name: string; reason: string }
  | { kind: 'retired'; name: string; since: number };

export interface Observation {
  discovery: Discovery;
  /** Unix seconds. */
  now: number;
  retireAfter: number;
  /** Whether a label value may name a service of this fleet (pattern, clashes, overrides that build). */
  check: (name: string) => NameCheck;
}

export const emptyCatalog: FleetCatalog = { entries: new Map(), rejected: new Map(), failure: null };

/** How long a retired service is remembered (so the scaler answers "retired", not "unknown"). */
export const RETIRED_MEMORY_SECONDS = 86_400;

function accept(names: readonly string[], check: Observation['check']) {
  const accepted = new Set<string>();
  const rejected = new Map<string, string>();
  for (const n of names) {
    const r = check(n);
    if (r.ok) accepted.add(n);
    else rejected.set(n, r.reason);
  }
  return { accepted, rejected };
}

/** An entry that the discovery did not confirm: missing (since its first miss), or retired once missing long enough. */
function absent(e: Entry, o: Observation, reason: string, confirmed: boolean, events: CatalogEvent[]): Entry | null {
  if (e.state === 'retired') return o.now - e.retiredAt >= RETIRED_MEMORY_SECONDS ? null : e;
  if (e.state === 'present') {
    events.push({ kind: 'missing', name: e.name, reason });
    return { name: e.name, state: 'missing', since: o.now, reason, seenAt: e.seenAt };
  }
  if (confirmed && o.now - e.since >= o.retireAfter) {
    events.push({ kind: 'retired', name: e.name, since: e.since });
    return { name: e.name, state: 'retired', since: e.since, retiredAt: o.now };
  }
  return e;
}

/** The catalog after one discovery. */
export function observe(prev: FleetCatalog, o: Observation): { next: FleetCatalog; events: CatalogEvent[] } {
  const events: CatalogEvent[] = [];
  const entries = new Map<string, Entry>();
  if (!o.discovery.ok) {
    const reason = `discovery failed: ${o.discovery.reason}`;
    for (const e of prev.entries.values()) {
      const next = absent(e, o, reason, false, events);
      if (next) entries.set(e.name, next);
    }
    return { next: { entries, rejected: prev.rejected, failure: o.discovery.reason }, events };
  }
  const { accepted, rejected } = accept(o.discovery.names, o.check);
  for (const [name, reason] of rejected) {
    if (prev.rejected.get(name) !== reason) events.push({ kind: 'rejected', name, reason });
    // A name that became invalid (an explicit service took it) leaves at once: two services must not share it.
    if (prev.entries.has(name) && prev.entries.get(name)!.state !== 'retired')
      events.push({ kind: 'dropped', name, reason });
  }
  for (const e of prev.entries.values()) {
    if (accepted.has(e.name) || rejected.has(e.name)) continue;
    const next = absent(e, o, 'absent from the discovery result', true, events);
    if (next) entries.set(e.name, next);
  }
  for (const name of accepted) {
    const before = prev.entries.get(name);
    if (!before) events.push({ kind: 'discovered', name });
    else if (before.state !== 'present') events.push({ kind: 'reappeared', name });
    entries.set(name, { name, state: 'present', seenAt: o.now });
  }
  return { next: { entries, rejected, failure: null }, events };
}

/** Services by state, for the metrics (every state, zeros included). */
export function countByState(c: FleetCatalog): Record<Entry['state'], number> {
  const out = { present: 0, missing: 0, retired: 0 };
  for (const e of c.entries.values()) out[e.state]++;
  return out;
}
