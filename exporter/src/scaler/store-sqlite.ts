import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { emptyState, type DecisionState } from '../model/decision.js';
import { DEDUP_RETENTION_SECONDS, pageLimit, parseCursor } from './store.js';
import type { CompareAndSet, ListPage, ListQuery, ServiceSnapshot, StateStore } from './store.js';
import { recordBody, type NewRecord, type RecordPatch, type RecordStatus, type RecordedDecision } from './types.js';

interface Row {
  seq: number;
  body: string;
  status: RecordStatus;
  result: string | null;
  attempts: number;
  lease_until: number | null;
  updated_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS decisions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  service TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  result TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until REAL,
  updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_service ON decisions (service, seq);
CREATE INDEX IF NOT EXISTS decisions_status ON decisions (status);
CREATE TABLE IF NOT EXISTS services (service TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dedup (key TEXT PRIMARY KEY, seq INTEGER NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS spend (service TEXT PRIMARY KEY, entry TEXT NOT NULL);
`;

function toRecord(r: Row): RecordedDecision {
  return {
    id: String(r.seq),
    ...(JSON.parse(r.body) as Omit<
      RecordedDecision,
      'id' | 'status' | 'result' | 'attempts' | 'leaseUntil' | 'updatedAt'
    >),
    status: r.status,
    result: r.result ? JSON.parse(r.result) : null,
    attempts: r.attempts,
    leaseUntil: r.lease_until,
    updatedAt: r.updated_at,
  };
}

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a committed intent
 * survives a crash or kill -9. Every check-and-set runs in an IMMEDIATE transaction, which also
 * serialises processes sharing the file.
 */
export class SqliteStore implements StateStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  /** Prepared statements by SQL: preparing on every webhook call cost ~7 % of its CPU (bench/webhook). */
  private readonly statements = new Map<string, Database.Statement>();

  private q(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  async snapshot(service: string): Promise<ServiceSnapshot> {
    const row = this.q('SELECT version, state FROM services WHERE service = ?').get(service) as
      { version: number; state: string } | undefined;
    return row
      ? { version: row.version, state: JSON.parse(row.state) as DecisionState }
      : { version: 0, state: emptyState() };
  }

  async commit(rec: NewRecord, cas: CompareAndSet | null): Promise<RecordedDecision | null> {
    const tx = this.db.transaction((): number | null => {
      if (cas) {
        const row = this.q('SELECT version FROM services WHERE service = ?').get(rec.service) as
          { version: number } | undefined;
        if ((row?.version ?? 0) !== cas.version) return null;
        this.q(
          'INSERT INTO services (service, version, state) VALUES (?, ?, ?) ON CONFLICT (service) DO UPDATE SET version = excluded.version, state = excluded.state'
        ).run(rec.service, cas.version + 1, JSON.stringify(cas.state));
      }
      const info = this.q(
        'INSERT INTO decisions (service, body, status, result, attempts, lease_until, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'
      ).run(
        rec.service,
        JSON.stringify(recordBody(rec)),
        rec.status,
        rec.result ? JSON.stringify(rec.result) : null,
        rec.attempts,
        rec.leaseUntil,
        rec.updatedAt
      );
      const seq = Number(info.lastInsertRowid);
      if (rec.status === 'pending') {
        this.q('DELETE FROM dedup WHERE expires_at < ?').run(rec.at);
        this.q('INSERT OR REPLACE INTO dedup (key, seq, expires_at) VALUES (?, ?, ?)').run(
          rec.dedupKey,
          seq,
          rec.at + DEDUP_RETENTION_SECONDS
        );
      }
      return seq;
    });
    const seq = tx.immediate();
    return seq === null ? null : this.get(String(seq));
  }

  async update(service: string, cas: CompareAndSet): Promise<boolean> {
    const tx = this.db.transaction((): boolean => {
      const row = this.q('SELECT version FROM services WHERE service = ?').get(service) as
        { version: number } | undefined;
      if ((row?.version ?? 0) !== cas.version) return false;
      this.q(
        'INSERT INTO services (service, version, state) VALUES (?, ?, ?) ON CONFLICT (service) DO UPDATE SET version = excluded.version, state = excluded.state'
      ).run(service, cas.version + 1, JSON.stringify(cas.state));
      return true;
    });
    return tx.immediate();
  }

  async findByKey(key: string): Promise<RecordedDecision | null> {
    const row = this.q('SELECT seq FROM dedup WHERE key = ?').get(key) as { seq: number } | undefined;
    return row ? this.get(String(row.seq)) : null;
  }

  async transition(id: string, from: readonly RecordStatus[], patch: RecordPatch): Promise<boolean> {
    const placeholders = from.map(() => '?').join(', ');
    const info = this.q(
      `UPDATE decisions SET status = ?, result = ?, attempts = ?, lease_until = ?, updated_at = ? WHERE seq = ? AND status IN (${placeholders})`
    ).run(
      patch.status,
      patch.result ? JSON.stringify(patch.result) : null,
      patch.attempts,
      patch.leaseUntil,
      patch.updatedAt,
      Number(id),
      ...from
    );
    return info.changes === 1;
  }

  async get(id: string): Promise<RecordedDecision | null> {
    const row = this.q('SELECT * FROM decisions WHERE seq = ?').get(Number(id)) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  async list(q: ListQuery): Promise<ListPage> {
    const limit = pageLimit(q.limit);
    const before = parseCursor(q.before) ?? Number.MAX_SAFE_INTEGER;
    const rows = (
      q.service !== undefined
        ? this.q('SELECT * FROM decisions WHERE service = ? AND seq < ? ORDER BY seq DESC LIMIT ?').all(
            q.service,
            before,
            limit + 1
          )
        : this.q('SELECT * FROM decisions WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(before, limit + 1)
    ) as Row[];
    const items = rows.slice(0, limit).map(toRecord);
    return { items, next: rows.length > limit ? items[items.length - 1].id : null };
  }

  async pendingIds(): Promise<string[]> {
    return (this.q("SELECT seq FROM decisions WHERE status = 'pending' ORDER BY seq").all() as { seq: number }[]).map(
      (r) => String(r.seq)
    );
  }

  async loadSpend(): Promise<Map<string, string>> {
    const rows = this.q('SELECT service, entry FROM spend').all() as { service: string; entry: string }[];
    return new Map(rows.map((r) => [r.service, String(r.entry)]));
  }

  async saveSpend(put: Map<string, string>, remove: string[]): Promise<void> {
    this.db
      .transaction(() => {
        for (const n of remove) this.q('DELETE FROM spend WHERE service = ?').run(n);
        for (const [n, entry] of put)
          this.q(
            'INSERT INTO spend (service, entry) VALUES (?, ?) ON CONFLICT (service) DO UPDATE SET entry = excluded.entry'
          ).run(n, entry);
      })
      .immediate();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
