import { QUERY_BATCH_LABEL } from '@headroom/contract';
import type { InstantResult, PrometheusClient, RangeResult } from './prometheus-client.js';

/** The label a batch tags each member's series with, so the one answer splits back into the members'. */
export const BATCH_LABEL = QUERY_BATCH_LABEL;
/**
 * Members per batch query at most. Prometheus evaluates one query on one goroutine, so a batch of
 * everything would serialize what the client's `concurrency` runs side by side, and one query's
 * samples count against `--query.max-samples` (50 M by default) as a whole: 100 members keep a
 * batch's cost near that of one of today's queries times 100 and still cut their number 100-fold.
 */
export const MAX_BATCH_MEMBERS = 100;

/**
 * One PromQL query for several instant queries at the same time: each member's series tagged with
 * its index (`label_replace` with an empty source and regex sets a constant label), joined by `or`
 * (the tags differ, so no member's series hides another's). Members stand on their own lines, so a
 * `# comment` in one ends there.
 */
export function batchQuery(members: readonly string[]): string {
  return members.map((q, i) => `label_replace(\n${q}\n, "${BATCH_LABEL}", "${i}", "", "")`).join('\nor\n');
}

/** A batch's series split back into its members' (an instant vector's samples, or a subquery's points), each without the tag. */
export function splitBatch<S extends { labels: Record<string, string> }>(series: readonly S[], members: number): S[][] {
  const out: S[][] = Array.from({ length: members }, () => []);
  for (const s of series) {
    const { [BATCH_LABEL]: tag, ...labels } = s.labels;
    const i = Number(tag);
    if (Number.isInteger(i) && i >= 0 && i < members) out[i].push({ ...s, labels });
  }
  return out;
}

type Answer = InstantResult | RangeResult;

interface Pending {
  /** An instant vector expression; with `range`, the inner expression of the subquery `(query)<range>`. */
  query: string;
  time: number;
  /** A subquery's range and step (`[900s:60s]`), whose points are the answer; null for an instant query. */
  range: string | null;
  role: string | null;
  resolve: (r: Answer) => void;
}

/** The PromQL text of a pending query as sent alone. */
const textOf = (p: { query: string; range: string | null }) => (p.range ? `(${p.query})${p.range}` : p.query);

/**
 * The instant queries of one refresh. The same query text at the same time is sent once, however
 * many services ask for it; queries given a role are sent with the others of that role (and time)
 * as one batch query, of at most MAX_BATCH_MEMBERS members; queries without a role are sent alone.
 * A subquery whose points are wanted (`subquery`, a range vector) batches the same way inside one
 * subquery, `(m0 or m1 …)[range:step]`, with the others of its role, time and range.
 * Callers ask in the same tick (Promise.all over the services); each tick's queries are sent
 * together on the next turn of the event loop.
 *
 * A batch Prometheus rejects or cannot answer as a whole (one member's bad PromQL, a member whose
 * result is a scalar, a timeout) is sent again member by member, so each member gets its own
 * answer or its own error; a member that failed alone, or answered a scalar, is remembered in
 * `solo` and sent alone from then on, so one bad query does not cost the whole batch twice a
 * refresh.
 */
export class QueryBatcher {
  private readonly seen = new Map<string, Promise<Answer>>();
  private pending: Pending[] = [];
  private scheduled = false;
  /** Queries sent by this batcher (HTTP requests). */
  sent = 0;

  constructor(
    private readonly client: PrometheusClient,
    private readonly solo: Set<string> = new Set(),
    private readonly maxMembers = MAX_BATCH_MEMBERS
  ) {}

  /** An answer already sent for (another caller in this refresh, e.g. discovery): not sent again. */
  seed(query: string, time: number, result: Promise<InstantResult>): void {
    this.seen.set(`${time}\0${query}`, result);
  }

  instant(query: string, time: number, role: string | null = null): Promise<InstantResult> {
    return this.ask({ query, time, range: null, role }) as Promise<InstantResult>;
  }

  /** The points of the subquery `(inner)<range>` at `time`, e.g. `[900s:60s]`: one series per series of `inner`. */
  subquery(inner: string, range: string, time: number, role: string | null = null): Promise<RangeResult> {
    return this.ask({ query: inner, time, range, role }) as Promise<RangeResult>;
  }

  private ask(q: Omit<Pending, 'resolve'>): Promise<Answer> {
    const key = `${q.time}\0${textOf(q)}`;
    let p = this.seen.get(key);
    if (!p) {
      p = new Promise<Answer>((resolve) =>
        this.pending.push({ ...q, role: this.solo.has(textOf(q)) ? null : q.role, resolve })
      );
      this.seen.set(key, p);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    }
    return p;
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    const groups = new Map<string, Pending[]>();
    const alone: Pending[] = [];
    for (const p of batch) {
      if (p.role === null) {
        alone.push(p);
        continue;
      }
      const key = `${p.role}\0${p.time}\0${p.range}`;
      const g = groups.get(key);
      if (g) g.push(p);
      else groups.set(key, [p]);
    }
    // Batches first: each is the longest query of its turn, so they should not wait behind the rest.
    const sends: Promise<unknown>[] = [];
    for (const g of groups.values())
      for (let i = 0; i < g.length; i += this.maxMembers) sends.push(this.together(g.slice(i, i + this.maxMembers)));
    for (const p of alone) sends.push(this.alone(p));
    await Promise.all(sends);
  }

  private async alone(p: Pending): Promise<Answer> {
    this.sent++;
    const r = p.range ? await this.client.matrix(textOf(p), p.time) : await this.client.instant(p.query, p.time);
    p.resolve(r);
    return r;
  }

  private async together(members: Pending[]): Promise<void> {
    if (members.length === 1) {
      await this.alone(members[0]);
      return;
    }
    this.sent++;
    const { time, range } = members[0];
    const joined = batchQuery(members.map((m) => m.query));
    const r = range ? await this.client.matrix(`(${joined})${range}`, time) : await this.client.instant(joined, time);
    if (r.ok) {
      const scalar = range ? {} : { scalar: false };
      splitBatch<(typeof r.series)[number]>(r.series, members.length).forEach((series, i) =>
        members[i].resolve({ ok: true, ...scalar, series } as Answer)
      );
      return;
    }
    await Promise.all(
      members.map(async (m) => {
        const own = await this.alone(m);
        if (!own.ok || ('scalar' in own && own.scalar)) this.solo.add(textOf(m));
      })
    );
  }
}
