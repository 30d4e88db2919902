import { QUERY_BATCH_LABEL } from '@headroom/contract';
import type { InstantResult, InstantSample, PrometheusClient } from './prometheus-client.js';

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

/** A batch's answer split back into its members' results, each series without the tag. */
export function splitBatch(series: readonly InstantSample[], members: number): InstantResult[] {
  const out: InstantSample[][] = Array.from({ length: members }, () => []);
  for (const s of series) {
    const { [BATCH_LABEL]: tag, ...labels } = s.labels;
    const i = Number(tag);
    if (Number.isInteger(i) && i >= 0 && i < members) out[i].push({ labels, value: s.value });
  }
  return out.map((s) => ({ ok: true, scalar: false, series: s }));
}

interface Pending {
  query: string;
  time: number;
  role: string | null;
  resolve: (r: InstantResult) => void;
}

/**
 * The instant queries of one refresh. The same query text at the same time is sent once, however
 * many services ask for it; queries given a role are sent with the others of that role (and time)
 * as one batch query, of at most MAX_BATCH_MEMBERS members; queries without a role are sent alone.
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
  private readonly seen = new Map<string, Promise<InstantResult>>();
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
    const key = `${time}\0${query}`;
    let p = this.seen.get(key);
    if (!p) {
      p = new Promise<InstantResult>((resolve) =>
        this.pending.push({ query, time, role: this.solo.has(query) ? null : role, resolve })
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
      const key = `${p.role}\0${p.time}`;
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

  private async alone(p: Pending): Promise<InstantResult> {
    this.sent++;
    const r = await this.client.instant(p.query, p.time);
    p.resolve(r);
    return r;
  }

  private async together(members: Pending[]): Promise<void> {
    if (members.length === 1) {
      await this.alone(members[0]);
      return;
    }
    this.sent++;
    const r = await this.client.instant(batchQuery(members.map((m) => m.query)), members[0].time);
    if (r.ok) {
      splitBatch(r.series, members.length).forEach((res, i) => members[i].resolve(res));
      return;
    }
    await Promise.all(
      members.map(async (m) => {
        const own = await this.alone(m);
        if (!own.ok || own.scalar) this.solo.add(m.query);
      })
    );
  }
}
