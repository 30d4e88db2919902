import { Redis } from 'ioredis';
import { emptyState, type DecisionState } from '../model/decision.js';
import { DEDUP_RETENTION_SECONDS, pageLimit, parseCursor } from './store.js';
import type { CompareAndSet, ListPage, ListQuery, ServiceSnapshot, StateStore } from './store.js';
import { recordBody, type NewRecord, type RecordPatch, type RecordStatus, type RecordedDecision } from './types.js';

/**
 * Compare-and-set commit, atomic because Redis runs a script without interleaving other commands:
 * two replicas that decided on the same state version cannot both insert an intent.
 * Record keys are derived inside the script, so this store needs a single Redis (not Cluster).
 */
const COMMIT = `
-- KEYS: 1 service hash, 2 seq counter, 3 all-decisions zset, 4 service zset, 5 pending set, 6 dedup key
-- ARGV: 1 expected version ('' = no check), 2 new state ('' = none), 3 body, 4 status, 5 result,
--       6 attempts, 7 lease_until, 8 updated_at, 9 record key prefix, 10 service, 11 dedup ttl
if ARGV[1] ~= '' then
  local v = redis.call('HGET', KEYS[1], 'version')
  if not v then v = '0' end
  if v ~= ARGV[1] then return 0 end
end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'state', ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', ARGV[9] .. id, 'body', ARGV[3], 'status', ARGV[4], 'result', ARGV[5], 'attempts', ARGV[6],
  'lease_until', ARGV[7], 'updated_at', ARGV[8], 'service', ARGV[10])
redis.call('ZADD', KEYS[3], id, id)
redis.call('ZADD', KEYS[4], id, id)
if ARGV[4] == 'pending' then
  redis.call('SADD', KEYS[5], id)
  redis.call('SET', KEYS[6], id, 'EX', ARGV[11])
end
return id
`;

const TRANSITION = `
-- KEYS: 1 record hash, 2 pending set; ARGV: 1 allowed statuses (comma-separated), 2 status,
--       3 result, 4 attempts, 5 lease_until, 6 updated_at, 7 id
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return 0 end
local allowed = false
for f in string.gmatch(ARGV[1], '[^,]+') do
  if f == s then allowed = true end
end
if not allowed then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'result', ARGV[3], 'attempts', ARGV[4], 'lease_until', ARGV[5], 'updated_at', ARGV[6])
if ARGV[2] == 'pending' then redis.call('SADD', KEYS[2], ARGV[7]) else redis.call('SREM', KEYS[2], ARGV[7]) end
return 1
`;

const UPDATE = `
-- KEYS: 1 service hash; ARGV: 1 expected version, 2 new state
local v = redis.call('HGET', KEYS[1], 'version')
if not v then v = '0' end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
`;

/** A month and a few days: the spend hash of an exporter that stopped writing outlives its month, then goes. */
const SPEND_RETENTION_SECONDS = 35 * 86_400;

type Scripted = Redis & {
  headroomUpdate(...args: (string | number)[]): Promise<number>;
  headroomCommit(...args: (string | number)[]): Promise<number>;
  headroomTransition(...args: (string | number)[]): Promise<number>;
};

const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));

export class RedisStore implements StateStore {
  readonly kind = 'redis' as const;
  private readonly redis: Scripted;

  constructor(
    url: string,
    private readonly prefix: string
  ) {
    const r = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    r.defineCommand('headroomCommit', { numberOfKeys: 6, lua: COMMIT });
    r.defineCommand('headroomUpdate', { numberOfKeys: 1, lua: UPDATE });
    r.defineCommand('headroomTransition', { numberOfKeys: 2, lua: TRANSITION });
    // Errors surface on the failing command; an unhandled 'error' event would crash the process.
    r.on('error', () => undefined);
    this.redis = r as Scripted;
  }

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  async snapshot(service: string): Promise<ServiceSnapshot> {
    const [version, state] = await this.redis.hmget(this.k('svc', service), 'version', 'state');
    return {
      version: version ? Number(version) : 0,
      state: state ? (JSON.parse(state) as DecisionState) : emptyState(),
    };
  }

  async commit(rec: NewRecord, cas: CompareAndSet | null): Promise<RecordedDecision | null> {
    const id = await this.redis.headroomCommit(
      this.k('svc', rec.service),
      this.k('seq'),
      this.k('decisions'),
      this.k('decisions', rec.service),
      this.k('pending'),
      this.k('key', rec.dedupKey),
      cas ? String(cas.version) : '',
      cas ? JSON.stringify(cas.state) : '',
      JSON.stringify(recordBody(rec)),
      rec.status,
      rec.result ? JSON.stringify(rec.result) : '',
      rec.attempts,
      rec.leaseUntil ?? '',
      rec.updatedAt,
      this.k('rec', ''),
      rec.service,
      DEDUP_RETENTION_SECONDS
    );
    return id === 0 ? null : this.get(String(id));
  }

  async update(service: string, cas: CompareAndSet): Promise<boolean> {
    return (
      (await this.redis.headroomUpdate(this.k('svc', service), String(cas.version), JSON.stringify(cas.state))) === 1
    );
  }

  async findByKey(key: string): Promise<RecordedDecision | null> {
    const id = await this.redis.get(this.k('key', key));
    return id ? this.get(id) : null;
  }

  async transition(id: string, from: readonly RecordStatus[], patch: RecordPatch): Promise<boolean> {
    const n = await this.redis.headroomTransition(
      this.k('rec', id),
      this.k('pending'),
      from.join(','),
      patch.status,
      patch.result ? JSON.stringify(patch.result) : '',
      patch.attempts,
      patch.leaseUntil ?? '',
      patch.updatedAt,
      id
    );
    return n === 1;
  }

  async get(id: string): Promise<RecordedDecision | null> {
    const h = await this.redis.hgetall(this.k('rec', id));
    return h.body ? this.toRecord(id, h) : null;
  }

  private toRecord(id: string, h: Record<string, string>): RecordedDecision {
    return {
      id,
      ...(JSON.parse(h.body) as Omit<
        RecordedDecision,
        'id' | 'status' | 'result' | 'attempts' | 'leaseUntil' | 'updatedAt'
      >),
      status: h.status as RecordStatus,
      result: h.result ? JSON.parse(h.result) : null,
      attempts: Number(h.attempts),
      leaseUntil: num(h.lease_until),
      updatedAt: Number(h.updated_at),
    };
  }

  async list(q: ListQuery): Promise<ListPage> {
    const limit = pageLimit(q.limit);
    const before = parseCursor(q.before);
    const zset = q.service !== undefined ? this.k('decisions', q.service) : this.k('decisions');
    const ids = await this.redis.zrevrangebyscore(
      zset,
      before === null ? '+inf' : `(${before}`,
      '-inf',
      'LIMIT',
      0,
      limit + 1
    );
    const page = ids.slice(0, limit);
    const pipe = this.redis.pipeline();
    for (const id of page) pipe.hgetall(this.k('rec', id));
    const res = (await pipe.exec()) ?? [];
    const items = page.map((id, i) => this.toRecord(id, res[i][1] as Record<string, string>));
    return { items, next: ids.length > limit ? page[page.length - 1] : null };
  }

  async pendingIds(): Promise<string[]> {
    return (await this.redis.smembers(this.k('pending'))).sort((a, b) => Number(a) - Number(b));
  }

  async loadSpend(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.k('spend'))));
  }

  /**
   * One hash for all services, one MULTI per flush. Replicas sharing the Redis overwrite each
   * other's entries (last writer wins per service): they integrate the same Prometheus series, so
   * either entry is a valid integral up to its own `until`.
   */
  async saveSpend(put: Map<string, string>, remove: string[]): Promise<void> {
    const tx = this.redis.multi();
    if (remove.length) tx.hdel(this.k('spend'), ...remove);
    if (put.size) tx.hset(this.k('spend'), put);
    tx.expire(this.k('spend'), SPEND_RETENTION_SECONDS);
    const res = (await tx.exec()) ?? [];
    const failed = res.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
