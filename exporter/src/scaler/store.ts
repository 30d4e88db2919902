import type { DecisionState } from '../model/decision.js';
import type { SpendStore } from '../sources/spend.js';
import type { NewRecord, RecordPatch, RecordStatus, RecordedDecision } from './types.js';

export interface ServiceSnapshot {
  state: DecisionState;
  /** Incremented by every commit that changes the state: the compare-and-set token. */
  version: number;
}

export interface ListQuery {
  service?: string;
  limit?: number;
  /** Cursor: only records older than this id (the `next` of a previous page). */
  before?: string;
}

export interface ListPage {
  items: RecordedDecision[];
  next: string | null;
}

/** State changes that go with a record, applied only if the service is still at `version`. */
export interface CompareAndSet {
  version: number;
  state: DecisionState;
}

/**
 * Durable decision history and per-service state. One contract, two implementations (SQLite,
 * Redis) and one test suite (test/scaler.store.test.ts). It also keeps the exporter's month-to-date
 * spend integrals (SpendStore, sources/spend.ts), so a restart does not re-scan the month.
 */
export interface StateStore extends SpendStore {
  readonly kind: 'sqlite' | 'redis';
  snapshot(service: string): Promise<ServiceSnapshot>;
  /**
   * Atomically: when `cas` is given and the service's version differs, does nothing and returns
   * null (another request or replica acted first: reload and decide again). Otherwise inserts the
   * record, applies `cas.state` (version + 1) and, for a record with status `pending`, points its
   * dedup key at it. Returns the stored record.
   */
  commit(rec: NewRecord, cas: CompareAndSet | null): Promise<RecordedDecision | null>;
  /** Atomically replaces the service's state if it is still at `cas.version` (then version + 1); false otherwise. */
  update(service: string, cas: CompareAndSet): Promise<boolean>;
  /** The latest acted record (pending, done, failed…) with this dedup key. */
  findByKey(key: string): Promise<RecordedDecision | null>;
  /** Atomically rewrites a record's mutable fields if its status is one of `from`. */
  transition(id: string, from: readonly RecordStatus[], patch: RecordPatch): Promise<boolean>;
  get(id: string): Promise<RecordedDecision | null>;
  list(q: ListQuery): Promise<ListPage>;
  /** Ids of records in status `pending`. */
  pendingIds(): Promise<string[]>;
  close(): Promise<void>;
}

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;
/** Dedup keys are kept this long past their decision (garbage collection only; windows are checked on the record). */
export const DEDUP_RETENTION_SECONDS = 2 * 86_400;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE;
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
}

export function parseCursor(before: string | undefined): number | null {
  if (before === undefined || before === '') return null;
  const n = Number(before);
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`before: expected a decision id (a positive integer), got "${before}"`);
  return n;
}
