import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { HeadroomMetrics } from '../metrics/registry.js';
import { MAX_PAGE } from '../scaler/store.js';
import type { Refresher } from './refresher.js';
import type { ScalerApi } from './scaler-api.js';
import { basicAuth } from './webconfig.js';

export interface AppDeps {
  refresher: Refresher;
  metrics: HeadroomMetrics;
  logger: Logger;
  /** Null when the scaler is not available; /webhook is then not served. */
  scaler: ScalerApi | null;
  /** Current service names (changes on reload). */
  services: () => string[];
  reload: () => Promise<{ ok: true } | { ok: false; error: string }>;
  enableLifecycle: boolean;
  users?: Record<string, string>;
  clock: () => number;
}

const MAX_DECISIONS_LIMIT = MAX_PAGE;
const DEFAULT_DECISIONS_LIMIT = 100;

const INDEX = (services: string[]) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Headroom exporter</title></head>
<body>
<h1>Headroom exporter</h1>
<p>Capacity headroom, recommendations, projections, cost and scaling decisions for: ${services.map((s) => s.replace(/[^a-zA-Z0-9_]/g, '')).join(', ')}.</p>
<ul>
<li><a href="metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="api/v1/plan">/api/v1/plan</a>: the plan of each service, with the reasons</li>
<li><a href="api/v1/decisions">/api/v1/decisions</a>: the live decision of each service and the scaler's recorded decisions</li>
<li><a href="-/healthy">/-/healthy</a> and <a href="-/ready">/-/ready</a></li>
</ul>
</body></html>
`;

const unknownService = (res: Response, service: string) =>
  res.status(404).json({ status: 'error', error: `unknown service "${service}"` });

/** The index page, health, readiness and the lifecycle reload (Prometheus' endpoints). */
function statusRoutes(app: Express, d: AppDeps): void {
  app.get('/', (_req, res) => {
    res.type('html').send(INDEX(d.services()));
  });
  app.get('/-/healthy', (_req, res) => {
    res.type('text/plain').send('Headroom is Healthy.\n');
  });
  app.get('/-/ready', (_req, res) => {
    if (d.refresher.ready) res.type('text/plain').send('Headroom is Ready.\n');
    else
      res
        .status(503)
        .type('text/plain')
        .send('Headroom is not ready: the first refresh has not published its plans.\n');
  });
  app.post('/-/reload', async (_req, res) => {
    if (!d.enableLifecycle) {
      res.status(403).type('text/plain').send('Lifecycle API is not enabled (start with --web.enable-lifecycle).\n');
      return;
    }
    const r = await d.reload();
    if (r.ok) res.type('text/plain').send('Configuration reloaded.\n');
    else res.status(500).type('text/plain').send(`Configuration rejected, the previous policy is kept:\n${r.error}\n`);
  });
}

function metricsRoute(app: Express, d: AppDeps): void {
  app.get('/metrics', async (req, res, next) => {
    try {
      // Content negotiation as Prometheus scrapes: OpenMetrics when the Accept header prefers it.
      // Offers carry the version parameter, which the Accept header of Prometheus names.
      const open = String(
        req.accepts(['text/plain', 'application/openmetrics-text; version=1.0.0', 'application/openmetrics-text'])
      ).startsWith('application/openmetrics-text');
      const { contentType, text } = await d.metrics.exposition(open);
      res.set('Content-Type', contentType).send(text);
    } catch (e) {
      next(e);
    }
  });
}

function planRoute(app: Express, d: AppDeps): void {
  app.get('/api/v1/plan', (req, res) => {
    const service = typeof req.query.service === 'string' ? req.query.service : undefined;
    if (service !== undefined && !d.services().includes(service)) return void unknownService(res, service);
    const snaps = d.refresher.snapshots.filter((s) => service === undefined || s.plan.service === service);
    res.json({
      version: 1,
      ready: d.refresher.ready,
      source: d.refresher.sourceKind,
      refreshedAt: d.refresher.stats ? new Date(d.refresher.stats.completedAt * 1000).toISOString() : null,
      services: snaps.map((s) => ({ ...s.plan, ...(s.fleet ? { fleet: s.fleet } : {}), inputHealth: s.inputs })),
      // Services whose refresh threw: their error and input health, never silently absent.
      failed: d.refresher.failures
        .filter((f) => service === undefined || f.service === service)
        .map((f) => ({ service: f.service, at: f.at, error: f.error, inputHealth: f.inputs })),
    });
  });
}

/** The page of recorded decisions asked for, or the 400 message naming the bad parameter. */
function decisionsQuery(q: Request['query']): { limit: number; before?: string } | { error: string } {
  let limit = DEFAULT_DECISIONS_LIMIT;
  if (q.limit !== undefined) {
    limit = Number(q.limit);
    if (typeof q.limit !== 'string' || !Number.isInteger(limit) || limit < 1 || limit > MAX_DECISIONS_LIMIT)
      return {
        error: `limit: expected a whole number from 1 to ${MAX_DECISIONS_LIMIT}, got ${JSON.stringify(q.limit)}`,
      };
  }
  if (q.before !== undefined && (typeof q.before !== 'string' || q.before === ''))
    return { error: 'before: expected the "next" cursor of a previous page' };
  return { limit, before: q.before as string | undefined };
}

function decisionsRoute(app: Express, d: AppDeps): void {
  app.get('/api/v1/decisions', async (req: Request, res: Response, next: NextFunction) => {
    const service = typeof req.query.service === 'string' && req.query.service !== '' ? req.query.service : undefined;
    if (service !== undefined && !d.services().includes(service)) return void unknownService(res, service);
    const page = decisionsQuery(req.query);
    if ('error' in page) return void res.status(400).json({ status: 'error', error: page.error });
    const live = d.refresher.snapshots
      .filter((s) => service === undefined || s.plan.service === service)
      .map((s) => ({ service: s.plan.service, decision: s.plan.decision }));
    if (!d.scaler) {
      const recordedError = 'the webhook scaler is not running in this exporter';
      return void res.json({ version: 1, live, recorded: { items: [], next: null }, recordedError });
    }
    try {
      const recorded = await d.scaler.listDecisions({ service, ...page });
      res.json({ version: 1, live, recorded });
    } catch (e) {
      // The store throws RangeError on a cursor it did not issue.
      if (e instanceof RangeError) return void res.status(400).json({ status: 'error', error: e.message });
      next(e);
    }
  });
}

export function createApp(d: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // The webhook has its own bearer-token authentication: Alertmanager's http_config cannot send basic auth and a bearer token at once.
  if (d.users) app.use(basicAuth(d.users, ['/webhook']));
  statusRoutes(app, d);
  metricsRoute(app, d);
  planRoute(app, d);
  decisionsRoute(app, d);
  if (d.scaler) app.use(d.scaler.router);
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    d.logger.error({ err }, 'request failed');
    if (!res.headersSent) res.status(500).json({ status: 'error', error: err.message });
  });
  return app;
}
