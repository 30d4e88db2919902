import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigError, loadPolicy } from '../config/load.js';
import type { Policy } from '../config/schema.js';
import { HeadroomMetrics } from '../metrics/registry.js';
import { createSource } from '../sources/index.js';
import { createApp } from './app.js';
import { Refresher } from './refresher.js';
import { assertSafeListen, resolveWebhookToken, TokenSourceError } from '../scaler/index.js';
import type { Source } from '../sources/source.js';
import { defaultScalerFactory, type ScalerApi, type ScalerFactory } from './scaler-api.js';
import type { ServiceLookup } from '../scaler/route.js';
import { loadWebConfig } from './webconfig.js';

export interface ServeOptions {
  configFile: string;
  /** host:port, :port (all interfaces) or [v6]:port. */
  listen: string;
  webConfigFile?: string;
  enableLifecycle?: boolean;
  logger: Logger;
  version: string;
  /** Unix seconds. */
  clock?: () => number;
  /** Serve the webhook without a token on a non-loopback address (see assertSafeListen). */
  allowInsecureWebhook?: boolean;
  /** The scaler to mount: src/scaler by default, null runs without a webhook (tests). */
  scalerFactory?: ScalerFactory | null;
  /** Environment the webhook token is read from (scaler.token_env); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Replaces the source the policy names (tests, embedding); kept across reloads. */
  source?: Source;
}

export interface ServeHandle {
  url: string;
  port: number;
  refresher: Refresher;
  metrics: HeadroomMetrics;
  policy(): Policy;
  reload(): Promise<{ ok: true } | { ok: false; error: string }>;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new ConfigError('--listen', [
      `--listen: expected host:port such as 127.0.0.1:9778, :9778 or [::1]:9778, got "${listen}"`,
    ]);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** The webhook token of `policy`; a named token source without a token is a ConfigError (exit 2). */
function tokenOf(opts: ServeOptions, policy: Policy): string | null {
  try {
    return resolveWebhookToken(policy.scaler, opts.env ?? process.env);
  } catch (e) {
    if (e instanceof TokenSourceError) throw new ConfigError(opts.configFile, [`${opts.configFile}: ${e.message}`]);
    throw e;
  }
}

/**
 * The webhook's authentication is an invariant of start and of every reload: a named token source
 * must yield a token (on every address), and off loopback there must be one (unless the insecure
 * override is given). Throws: a refused reload keeps the previous policy.
 */
function webhookAuthInvariant(opts: ServeOptions, policy: Policy): void {
  const token = tokenOf(opts, policy);
  try {
    // Anyone who can reach an unauthenticated webhook can scale the fleet.
    assertSafeListen(opts.listen, token !== null, opts.allowInsecureWebhook ?? false);
  } catch (e) {
    throw new ConfigError(opts.configFile, [`${opts.configFile}: scaler: ${(e as Error).message}`]);
  }
}

async function startScaler(
  opts: ServeOptions,
  factory: ScalerFactory,
  policy: Policy,
  source: Source,
  clock: () => number,
  metrics: HeadroomMetrics,
  lookup: ServiceLookup
): Promise<ScalerApi> {
  tokenOf(opts, policy);
  const scaler = await factory({
    policy,
    logger: opts.logger.child({ component: 'scaler' }),
    registry: metrics.registry,
    clock,
    source,
    env: opts.env,
    lookup,
  });
  try {
    assertSafeListen(opts.listen, scaler.authEnabled, opts.allowInsecureWebhook ?? false);
  } catch (e) {
    await scaler.close();
    throw e;
  }
  return scaler;
}

/** The source, keeping its spend integrals in the scaler's state store when there is one (a restart then catches up only the gap). */
function keepSpend(source: Source, scaler: ScalerApi | null, logger: Logger, policy: Policy): Source {
  if (scaler?.spendStore) source.persistSpend?.(scaler.spendStore, logger.child({ component: 'spend' }), policy);
  return source;
}

type ReloadResult = { ok: true } | { ok: false; error: string };

/**
 * The reload of `headroom serve` (SIGHUP, POST /-/reload): one at a time; a policy that fails to
 * load, or would break the webhook's authentication invariant, is refused and the old one kept.
 */
function reloader(
  opts: ServeOptions,
  live: { policy: Policy; source: Source },
  d: { scaler: ScalerApi | null; refresher: Refresher; metrics: HeadroomMetrics; clock: () => number }
): () => Promise<ReloadResult> {
  const { logger } = opts;
  let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true });
  const reject = (error: string, problems: string[]) => {
    d.metrics.setReload(false, d.clock());
    logger.error(
      { file: opts.configFile, problems },
      `configuration reload rejected, the previous policy is kept: ${error}`
    );
    return { ok: false as const, error };
  };
  const once = async (): Promise<ReloadResult> => {
    let next: Policy;
    try {
      next = loadPolicy(opts.configFile);
      if (d.scaler) webhookAuthInvariant(opts, next);
      d.scaler?.updatePolicy(next);
    } catch (e) {
      const problems = e instanceof ConfigError ? e.problems : [(e as Error).message];
      return reject(problems.join('\n'), problems);
    }
    const sourceChanged =
      JSON.stringify([next.prometheus ?? null, next.refresh.max_sample_age]) !==
      JSON.stringify([live.policy.prometheus ?? null, live.policy.refresh.max_sample_age]);
    if (!opts.source && sourceChanged) live.source = keepSpend(await createSource(next), d.scaler, logger, next);
    live.policy = next;
    d.scaler?.setSource?.(live.source);
    d.refresher.setPolicy(live.policy, live.source);
    d.metrics.setReload(true, d.clock());
    logger.info(
      {
        file: opts.configFile,
        services: live.policy.services.length,
        fleets: live.policy.fleets.map((f) => f.name),
        source: live.source.kind,
      },
      'configuration reloaded'
    );
    await d.refresher.refresh();
    return { ok: true as const };
  };
  return () => (reloading = reloading.then(once));
}

/** Starts the exporter: loads the policy, mounts the scaler, serves HTTP(S) and runs the refresh loop. */
export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  const { logger } = opts;
  const clock = opts.clock ?? (() => Date.now() / 1000);
  const { host, port } = parseListen(opts.listen);
  const web = opts.webConfigFile ? loadWebConfig(opts.webConfigFile) : {};
  const policy = loadPolicy(opts.configFile);
  const metrics = new HeadroomMetrics(opts.version);
  metrics.setReload(true, clock());
  const source = opts.source ?? (await createSource(policy));

  const factory = opts.scalerFactory === undefined ? defaultScalerFactory : opts.scalerFactory;
  // The scaler resolves a webhook's service through the refresher's fleet catalogs (made below).
  const late: { refresher?: Refresher } = {};
  const lookup: ServiceLookup = (name) => late.refresher?.lookup(name) ?? { kind: 'unknown' };
  const scaler = factory ? await startScaler(opts, factory, policy, source, clock, metrics, lookup) : null;
  keepSpend(source, scaler, logger, policy);
  if (!factory) logger.warn('running without the webhook scaler; /webhook is not served');

  const refresher = new Refresher({
    policy,
    source,
    metrics,
    logger,
    clock,
    state: scaler ? (s) => scaler!.state(s) : undefined,
  });
  late.refresher = refresher;

  const live = { policy, source };
  const reload = reloader(opts, live, { scaler, refresher, metrics, clock });

  const app = createApp({
    refresher,
    metrics,
    logger,
    scaler,
    services: () => refresher.serviceNames(),
    reload,
    enableLifecycle: opts.enableLifecycle ?? false,
    users: web.users,
    clock,
  });
  const server = web.tls ? https.createServer({ cert: web.tls.cert, key: web.tls.key }, app) : http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const scheme = web.tls ? 'https' : 'http';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`;
  logger.info(
    {
      url,
      config: opts.configFile,
      source: live.source.kind,
      services: live.policy.services.length,
      fleets: live.policy.fleets.map((f) => f.name),
      tls: !!web.tls,
      basicAuth: !!web.users,
      lifecycle: !!opts.enableLifecycle,
    },
    `headroom serve listening on ${url}`
  );
  refresher.start();

  return {
    url,
    port: bound,
    refresher,
    metrics,
    policy: () => live.policy,
    reload,
    close: closer(refresher, server, scaler, logger),
  };
}

/** Stops the refresh loop, the HTTP server (in-flight requests get a few seconds) and the scaler, once. */
function closer(
  refresher: Refresher,
  server: http.Server | https.Server,
  scaler: ScalerApi | null,
  logger: Logger
): () => Promise<void> {
  let closing: Promise<void> | null = null;
  return () =>
    (closing ??= (async () => {
      await refresher.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      });
      await scaler?.close();
      logger.info('headroom serve stopped');
    })());
}
