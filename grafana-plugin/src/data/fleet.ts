/**
 * The fleet view's model: one row per service with its tightest headroom, the time until its
 * instances need more than limits.max or its cost passes the budget (planning scenario), and its
 * spend against its budget; the fleet's totals; the ranking. Pure functions of the series, so the
 * jest tests and the browser test check the same code the panel runs.
 */
import { METRICS, MetricName } from '../queries';
import type { FleetSort } from '../types';
import { lastValue, Series } from './frames';

export type { FleetSort };

export interface FleetRow {
  service: string;
  /** Missing: an input of the service is missing, or a series the row needs is absent. Never ranked as healthy. */
  missing: boolean;
  /** Why it is missing: the inputs the exporter could not read (headroom_input_up == 0) or the absent series. */
  missingReasons: string[];
  /** Smallest headroom_resource_headroom_ratio of the service and its resource. */
  headroom?: number;
  resource?: string;
  /** Seconds until instances needed > limits.max (planning scenario); Infinity = not within 10 years; undefined = unknown. */
  capacitySeconds?: number;
  /** Seconds until the monthly cost passes the budget (planning scenario); as capacitySeconds. */
  budgetSeconds?: number;
  instances?: number;
  maxInstances?: number;
  spend?: number;
  budget?: number;
}

export interface FleetTotals {
  services: number;
  missing: number;
  /** Sum of the forecast month-end spend of the services that publish one. */
  spend: number;
  /** Services without a forecast spend: the sum leaves them out (never counted as 0). */
  spendUnknown: number;
  budget: number;
}

export interface FleetModel {
  rows: FleetRow[];
  totals: FleetTotals;
}

const finite = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : undefined);

/** The first time either runs out: what "time until capacity or budget runs out" ranks by. */
export function exhaustionSeconds(row: FleetRow): number | undefined {
  const known = [row.capacitySeconds, row.budgetSeconds].filter((s): s is number => s !== undefined);
  return known.length === 0 ? undefined : Math.min(...known);
}

interface Acc {
  row: FleetRow;
  /** Inputs reported missing (a set: the same series may come back from two queries). */
  down: Set<string>;
}

function rowsBySeries(series: Series[], wanted: string[]): Map<string, Acc> {
  const rows = new Map<string, Acc>();
  const acc = (service: string) => {
    let a = rows.get(service);
    if (!a) {
      a = { row: { service, missing: false, missingReasons: [] }, down: new Set() };
      rows.set(service, a);
    }
    return a;
  };
  for (const name of wanted) {
    acc(name);
  }
  const setters: Partial<Record<MetricName, (a: Acc, v: number | undefined, s: Series) => void>> = {
    [METRICS.instances]: (a, v) => (a.row.instances = finite(v)),
    [METRICS.limitInstances]: (a, v, s) => {
      if (s.labels.limit === 'max') {
        a.row.maxInstances = finite(v);
      }
    },
    [METRICS.headroom]: (a, v, s) => {
      const value = finite(v);
      if (value !== undefined && (a.row.headroom === undefined || value < a.row.headroom)) {
        a.row.headroom = value;
        a.row.resource = s.labels.resource;
      }
    },
    [METRICS.capacityExhaustion]: (a, v) => (a.row.capacitySeconds = v !== undefined && v >= 0 ? v : undefined),
    [METRICS.budgetExhaustion]: (a, v) => (a.row.budgetSeconds = v !== undefined && v >= 0 ? v : undefined),
    [METRICS.budgetMonthly]: (a, v) => (a.row.budget = finite(v)),
    [METRICS.budgetForecast]: (a, v) => (a.row.spend = finite(v)),
    [METRICS.inputUp]: (a, v, s) => {
      if (v === 0) {
        a.down.add(s.labels.signal ?? 'input');
      }
    },
  };
  const only = new Set(wanted);
  for (const s of series) {
    const set = setters[s.metric as MetricName];
    const service = s.labels.service;
    if (set && service && (only.size === 0 || only.has(service))) {
      set(acc(service), lastValue(s), s);
    }
  }
  return rows;
}

/**
 * The exporter leaves an exhaustion series out when the limit or budget is not reached within 10
 * years: absent means "never" for a service whose inputs are all there, as long as the query
 * returned the family at all (otherwise the query failed and the time is unknown).
 */
function settle({ row, down }: Acc, families: Set<string>): FleetRow {
  const absent: string[] = [];
  if (row.instances === undefined) {
    absent.push('instances');
  }
  if (row.headroom === undefined) {
    absent.push('headroom');
  }
  row.missingReasons = [...[...down].sort(), ...absent.filter((name) => !down.has(name))];
  row.missing = row.missingReasons.length > 0;
  if (row.missing) {
    row.capacitySeconds = undefined;
    row.budgetSeconds = undefined;
    return row;
  }
  if (families.has(METRICS.capacityExhaustion)) {
    row.capacitySeconds ??= Infinity;
  }
  if (families.has(METRICS.budgetExhaustion)) {
    row.budgetSeconds ??= Infinity;
  }
  return row;
}

/**
 * Rows of the services in the data (and of every service the selection names, so a named service
 * with no series at all shows as missing); `wanted` empty = every service found.
 */
export function buildFleet(series: Series[], wanted: string[]): FleetModel {
  const families = new Set(series.map((s) => s.metric));
  const rows = [...rowsBySeries(series, wanted).values()].map((a) => settle(a, families));
  const withSpend = rows.filter((r) => r.spend !== undefined);
  return {
    rows,
    totals: {
      services: rows.length,
      missing: rows.filter((r) => r.missing).length,
      spend: withSpend.reduce((sum, r) => sum + r.spend!, 0),
      spendUnknown: rows.length - withSpend.length,
      budget: rows.reduce((sum, r) => sum + (r.budget ?? 0), 0),
    },
  };
}

/** Ascending, unknown last. */
const ascending = (a: number | undefined, b: number | undefined) =>
  a === b ? 0 : a === undefined ? 1 : b === undefined ? -1 : a - b;

const byName = (a: FleetRow, b: FleetRow) => a.service.localeCompare(b.service);

const COMPARE: Record<FleetSort, (a: FleetRow, b: FleetRow) => number> = {
  headroom: (a, b) =>
    ascending(a.headroom, b.headroom) || ascending(exhaustionSeconds(a), exhaustionSeconds(b)) || byName(a, b),
  exhaustion: (a, b) =>
    ascending(exhaustionSeconds(a), exhaustionSeconds(b)) || ascending(a.headroom, b.headroom) || byName(a, b),
  name: byName,
};

/**
 * Most urgent first: missing services lead whatever the order (nothing is known about them, so
 * they cannot be shown as fine), then the least headroom or the soonest exhaustion. Infinity
 * ("never") sorts after every finite time.
 */
export function rankFleet(rows: FleetRow[], sort: FleetSort): FleetRow[] {
  const compare = COMPARE[sort];
  return [...rows].sort((a, b) => (sort !== 'name' && a.missing !== b.missing ? (a.missing ? -1 : 1) : compare(a, b)));
}

/** The first `topN` rows and how many are left out ("and K more"). */
export function topOf(rows: FleetRow[], topN: number): { shown: FleetRow[]; more: number } {
  const n = Math.max(1, Math.floor(topN));
  return { shown: rows.slice(0, n), more: Math.max(0, rows.length - n) };
}

/** The service's own view: the link template with `{service}` replaced by the (URL-encoded) name. */
export function serviceLink(template: string, service: string): string {
  return template.split('{service}').join(encodeURIComponent(service));
}
