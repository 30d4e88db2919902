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

export async function startFleet(
  listen: { host: string; port: number },
  options: Partial<FleetOptions> = {}
): Promise<Fleet> {
  const o: FleetOptions = { ...FLEET_OPTION_DEFAULTS, ...options };
  let instances = o.instances;
  let users = o.users;
  let spendOffset = o.spendOffset;
  // Spend accrues with instance-seconds; it is settled whenever the instance count changes.
  let accrued = 0;
  let since = o.clock();
  const received: ReceivedScale[] = [];
  const inbox: unknown[] = [];
  const INBOX_KEEP = 200;
  const scaleCounts = new Map<string, number>();
  // GET /work?user=ID: users of a real load generator add to the demand set by POST /demand.
  const traffic = new TrafficMeter();
  const demand = () => users + traffic.active(o.clock());

  const settle = () => {
    const now = o.clock();
    accrued += (instances * (now - since) * o.params.instanceHourPrice) / 3600;
    since = now;
  };
  const spend = () => {
    settle();
    return spendOffset + accrued;
  };

  const authorized = (req: IncomingMessage) => !o.token || req.headers.authorization === `Bearer ${o.token}`;

  const metrics = (): string => {
    const s = fleetSignals(o.params, demand(), instances);
    const replicas = Array.from({ length: instances }, (_, i) => ({ replica: String(i) }));
    const per = (v: number | undefined): [Record<string, string>, number][] =>
      v === undefined ? [] : replicas.map((r) => [r, v]);
    return (
      [
        gauge('demo_fleet_instances', 'Running instances of the demo fleet.', [[{}, instances]]),
        gauge('demo_fleet_cpu_percent', 'CPU utilization of each instance, percent.', per(s?.cpuPercent)),
        gauge('demo_fleet_memory_percent', 'Memory utilization of each instance, percent.', per(s?.memoryPercent)),
        gauge('demo_fleet_active_sessions', 'Active terminal sessions on each instance.', per(s?.sessionsPerInstance)),
        gauge('demo_fleet_latency_p95_seconds', 'p95 response time of each instance.', per(s?.latencyP95Seconds)),
        gauge('demo_fleet_error_ratio', 'Share of requests that fail (5xx), per instance.', per(s?.errorRatio)),
        gauge('demo_fleet_connected_users', 'Concurrent users of the whole fleet (the demand).', [[{}, demand()]]),
        gauge(
          'demo_fleet_daily_active_users',
          'Daily active users implied by the demand.',
          s ? [[{}, s.dailyActiveUsers]] : []
        ),
        gauge('demo_fleet_month_to_date_spend', 'Spend of the fleet this month, in the policy currency.', [
          [{}, spend()],
        ]),
        [
          '# HELP demo_fleet_scale_requests_total POST /scale requests accepted, by action.',
          '# TYPE demo_fleet_scale_requests_total counter',
          ...[...scaleCounts].map(([a, n]) => `demo_fleet_scale_requests_total{action="${a}"} ${n}`),
        ].join('\n'),
      ].join('\n') + '\n'
    );
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fleet');
    const route = `${req.method} ${url.pathname}`;
    void (async () => {
      switch (route) {
        case 'GET /metrics':
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(metrics());
          return;
        case 'GET /work': {
          traffic.seen(url.searchParams.get('user') ?? req.socket.remoteAddress ?? '', o.clock());
          const w = fleetSignals(o.params, demand(), instances);
          if (!w) return send(res, 503, { error: 'no instance running' });
          await new Promise((r) => setTimeout(r, w.latencyP95Seconds * 1000));
          return traffic.fails(w.errorRatio * 100)
            ? send(res, 503, { error: 'overloaded' })
            : send(res, 200, { ok: true });
        }
        case 'GET /instances':
          return send(res, 200, { count: instances });
        case 'GET /':
        case 'GET /demand':
          return send(res, 200, {
            instances,
            users,
            spend: spend(),
            signals: fleetSignals(o.params, demand(), instances),
          });
        case 'GET /scale/requests':
          return send(res, 200, { items: received });
        case 'POST /scale': {
          if (!authorized(req)) return send(res, 401, { error: 'missing or wrong bearer token' });
          const parsed = parseScaleRequest(await readJson(req), o.maxInstances);
          if (!parsed.ok) return send(res, 400, { error: parsed.error });
          settle();
          const previous = instances;
          instances = parsed.value.target_instances;
          received.push({ ...parsed.value, previous, received_at: o.clock() });
          scaleCounts.set(parsed.value.action, (scaleCounts.get(parsed.value.action) ?? 0) + 1);
          return send(res, 200, { previous, count: instances });
        }
        case 'GET /inbox':
          return send(res, 200, { items: inbox });
        case 'POST /inbox': {
          inbox.push(await readJson(req));
          if (inbox.length > INBOX_KEEP) inbox.shift();
          return send(res, 200, { ok: true });
        }
        case 'POST /demand': {
          if (!authorized(req)) return send(res, 401, { error: 'missing or wrong bearer token' });
          const b = (await readJson(req)) as Record<string, unknown>;
          for (const key of ['users', 'spend_offset'] as const) {
            if (b[key] !== undefined && (typeof b[key] !== 'number' || (b[key] as number) < 0)) {
              return send(res, 400, { error: `${key}: expected a non-negative number, got ${JSON.stringify(b[key])}` });
            }
          }
          if (typeof b.users === 'number') users = b.users;
          if (typeof b.spend_offset === 'number') spendOffset = b.spend_offset;
          return send(res, 200, { instances, users, spend: spend() });
        }
        default:
          return send(res, 404, {
            error: `no route ${route}; see GET /metrics, GET /work, GET /instances, POST /scale, POST /demand, POST /inbox`,
          });
      }
    })().catch((e: Error) => send(res, 400, { error: e.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    server,
    url: `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`,
    state: () => ({ instances, users, spend: spend() }),
    requests: () => [...received],
    inbox: () => [...inbox],
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
