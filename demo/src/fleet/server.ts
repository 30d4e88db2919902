/**
 * The demo fleet: a stand-in for the service Headroom scales. It publishes per-instance signals on
 * /metrics, reports its size on GET /instances, accepts the orchestrator contract on POST /scale (what
 * Headroom's http actuator sends) and lets tests and demos set the demand on POST /demand. POST /inbox
 * keeps Alertmanager notifications for people (the demo's stand-in for email or a pager), GET /inbox
 * lists them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FLEET_DEFAULTS, fleetSignals, parseScaleRequest, type FleetParams, type ScaleRequest } from './model.js';
import { TrafficMeter } from './traffic.js';

export interface FleetOptions {
  instances: number;
  /** Concurrent users of the whole fleet. */
  users: number;
  /** Largest instance count /scale accepts. */
  maxInstances: number;
  /** Spend before this process started (month to date), added to the accrued instance-hours. */
  spendOffset: number;
  /** When set, POST /scale and POST /demand need `Authorization: Bearer <token>`. */
  token?: string;
  params: FleetParams;
  /** Unix seconds; injectable for tests. */
  clock: () => number;
}

export const FLEET_OPTION_DEFAULTS: FleetOptions = {
  instances: 2,
  users: 100,
  maxInstances: 50,
  spendOffset: 0,
  params: FLEET_DEFAULTS,
  clock: () => Date.now() / 1000,
};

export interface ReceivedScale extends ScaleRequest {
  received_at: number;
  previous: number;
}

export interface Fleet {
  server: Server;
  url: string;
  state(): { instances: number; users: number; spend: number };
  requests(): ReceivedScale[];
  /** Notifications received on POST /inbox (Alertmanager webhook payloads), oldest first. */
  inbox(): unknown[];
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`body larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
      } catch {
        reject(new Error('body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

function gauge(name: string, help: string, samples: [Record<string, string>, number][]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`];
  for (const [labels, v] of samples) {
    const l = Object.entries(labels)
      .map(([k, x]) => `${k}="${x}"`)
      .join(',');
    lines.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(v) ? v : 'NaN'}`);
  }
  return lines.join('\n');
}

const INBOX_KEEP = 200;

/** The fleet's state (size, demand, spend, what it was asked) and what each request does to it. */
class FleetState {
  instances: number;
  users: number;
  private spendOffset: number;
  // Spend accrues with instance-seconds; it is settled whenever the instance count changes.
  private accrued = 0;
  private since: number;
  readonly received: ReceivedScale[] = [];
  readonly inbox: unknown[] = [];
  private readonly scaleCounts = new Map<string, number>();
  // GET /work?user=ID: users of a real load generator add to the demand set by POST /demand.
  readonly traffic = new TrafficMeter();

  constructor(private readonly o: FleetOptions) {
    this.instances = o.instances;
    this.users = o.users;
    this.spendOffset = o.spendOffset;
    this.since = o.clock();
  }

  demand(): number {
    return this.users + this.traffic.active(this.o.clock());
  }

  signals() {
    return fleetSignals(this.o.params, this.demand(), this.instances);
  }

  private settle(): void {
    const now = this.o.clock();
    this.accrued += (this.instances * (now - this.since) * this.o.params.instanceHourPrice) / 3600;
    this.since = now;
  }

  spend(): number {
    this.settle();
    return this.spendOffset + this.accrued;
  }

  summary() {
    return { instances: this.instances, users: this.users, spend: this.spend() };
  }

  scale(request: ScaleRequest): { previous: number; count: number } {
    this.settle();
    const previous = this.instances;
    this.instances = request.target_instances;
    this.received.push({ ...request, previous, received_at: this.o.clock() });
    this.scaleCounts.set(request.action, (this.scaleCounts.get(request.action) ?? 0) + 1);
    return { previous, count: this.instances };
  }

  /** POST /demand: new users and spend offset, or the error naming the bad field. */
  setDemand(b: Record<string, unknown>): string | null {
    for (const key of ['users', 'spend_offset'] as const) {
      if (b[key] !== undefined && (typeof b[key] !== 'number' || (b[key] as number) < 0))
        return `${key}: expected a non-negative number, got ${JSON.stringify(b[key])}`;
    }
    if (typeof b.users === 'number') this.users = b.users;
    if (typeof b.spend_offset === 'number') this.spendOffset = b.spend_offset;
    return null;
  }

  receive(notification: unknown): void {
    this.inbox.push(notification);
    if (this.inbox.length > INBOX_KEEP) this.inbox.shift();
  }

  metrics(): string {
    const s = this.signals();
    const replicas = Array.from({ length: this.instances }, (_, i) => ({ replica: String(i) }));
    const per = (v: number | undefined): [Record<string, string>, number][] =>
      v === undefined ? [] : replicas.map((r) => [r, v]);
    return (
      [
        gauge('demo_fleet_instances', 'Running instances of the demo fleet.', [[{}, this.instances]]),
        gauge('demo_fleet_cpu_percent', 'CPU utilization of each instance, percent.', per(s?.cpuPercent)),
        gauge('demo_fleet_memory_percent', 'Memory utilization of each instance, percent.', per(s?.memoryPercent)),
        gauge('demo_fleet_active_sessions', 'Active terminal sessions on each instance.', per(s?.sessionsPerInstance)),
        gauge('demo_fleet_latency_p95_seconds', 'p95 response time of each instance.', per(s?.latencyP95Seconds)),
        gauge('demo_fleet_error_ratio', 'Share of requests that fail (5xx), per instance.', per(s?.errorRatio)),
        gauge('demo_fleet_connected_users', 'Concurrent users of the whole fleet (the demand).', [[{}, this.demand()]]),
        gauge(
          'demo_fleet_daily_active_users',
          'Daily active users implied by the demand.',
          s ? [[{}, s.dailyActiveUsers]] : []
        ),
        gauge('demo_fleet_month_to_date_spend', 'Spend of the fleet this month, in the policy currency.', [
          [{}, this.spend()],
        ]),
        [
          '# HELP demo_fleet_scale_requests_total POST /scale requests accepted, by action.',
          '# TYPE demo_fleet_scale_requests_total counter',
          ...[...this.scaleCounts].map(([a, n]) => `demo_fleet_scale_requests_total{action="${a}"} ${n}`),
        ].join('\n'),
      ].join('\n') + '\n'
    );
  }
}

/** GET /work: one request of a load generator, served at the curve's response time and error rate. */
async function work(
  fleet: FleetState,
  o: FleetOptions,
  req: IncomingMessage,
  user: string | null,
  res: ServerResponse
) {
  fleet.traffic.seen(user ?? req.socket.remoteAddress ?? '', o.clock());
  const w = fleet.signals();
  if (!w) return send(res, 503, { error: 'no instance running' });
  await new Promise((r) => setTimeout(r, w.latencyP95Seconds * 1000));
  return fleet.traffic.fails(w.errorRatio * 100)
    ? send(res, 503, { error: 'overloaded' })
    : send(res, 200, { ok: true });
}

async function route(fleet: FleetState, o: FleetOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fleet');
  const authorized = !o.token || req.headers.authorization === `Bearer ${o.token}`;
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /metrics':
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(fleet.metrics());
      return;
    case 'GET /work':
      return work(fleet, o, req, url.searchParams.get('user'), res);
    case 'GET /instances':
      return send(res, 200, { count: fleet.instances });
    case 'GET /':
    case 'GET /demand':
      return send(res, 200, { ...fleet.summary(), signals: fleet.signals() });
    case 'GET /scale/requests':
      return send(res, 200, { items: fleet.received });
    case 'POST /scale': {
      if (!authorized) return send(res, 401, { error: 'missing or wrong bearer token' });
      const parsed = parseScaleRequest(await readJson(req), o.maxInstances);
      return parsed.ok ? send(res, 200, fleet.scale(parsed.value)) : send(res, 400, { error: parsed.error });
    }
    case 'GET /inbox':
      return send(res, 200, { items: fleet.inbox });
    case 'POST /inbox':
      fleet.receive(await readJson(req));
      return send(res, 200, { ok: true });
    case 'POST /demand': {
      if (!authorized) return send(res, 401, { error: 'missing or wrong bearer token' });
      const error = fleet.setDemand((await readJson(req)) as Record<string, unknown>);
      return error ? send(res, 400, { error }) : send(res, 200, fleet.summary());
    }
    default:
      return send(res, 404, {
        error: `no route ${route}; see GET /metrics, GET /work, GET /instances, POST /scale, POST /demand, POST /inbox`,
      });
  }
}

export async function startFleet(
  listen: { host: string; port: number },
  options: Partial<FleetOptions> = {}
): Promise<Fleet> {
  const o: FleetOptions = { ...FLEET_OPTION_DEFAULTS, ...options };
  const fleet = new FleetState(o);
  const server = createServer((req, res) => {
    route(fleet, o, req, res).catch((e: Error) => send(res, 400, { error: e.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    server,
    url: `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`,
    state: () => fleet.summary(),
    requests: () => [...fleet.received],
    inbox: () => [...fleet.inbox],
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
