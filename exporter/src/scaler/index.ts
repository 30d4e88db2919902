/**
 * The webhook scaler: Alertmanager (or Grafana-managed alerting) notifications in, absolute
 * instance targets out, every decision durable. Three parts, each testable on its own:
 * - router.ts: authentication, content type, body limit, parsing, errors → status;
 * - engine.ts: the intent engine (one intent per service; handle, duplicate, resolved, actuate, reconcile);
 * - observer.ts: metrics and logs.
 * Safety properties: README "Scaler safety".
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Policy } from '../config/schema.js';
import type { DecisionState } from '../model/decision.js';
import type { Source } from '../sources/source.js';
import { createActuator, type Actuator } from './actuators.js';
import { resolveWebhookToken } from './auth.js';
import { IntentEngine } from './engine.js';
import { createObserver } from './observer.js';
import { webhookRouter } from './router.js';
import type { ServiceLookup } from './route.js';
import { fleetActuator } from '../fleet/expand.js';
import type { ListPage, ListQuery, StateStore } from './store.js';
import type { SpendStore } from '../sources/spend.js';

export { assertSafeListen, resolveWebhookToken, InsecureListenError, TokenSourceError } from './auth.js';
export type { AlertOutcome, RecordedDecision } from './types.js';

export interface ScalerOptions {
  policy: Policy;
  logger: Logger;
  registry: Registry;
  /** Unix seconds; defaults to the system clock. */
  clock?: () => number;
  /** Where the current count is read when the actuator cannot tell, the trigger re-read (Prometheus) and the month-to-date spend. */
  source?: Source;
  /** Environment for the token (scaler.token_env) and the test hooks; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Per service name, replaces the configured actuator (tests). */
  actuators?: Record<string, Actuator>;
  /** Resolves a webhook's service through the fleets' catalogs (`headroom serve`); explicit services only without it. */
  lookup?: ServiceLookup;
}

export interface Scaler {
  router: Router;
  state(service: string): Promise<DecisionState>;
  listDecisions(q?: ListQuery): Promise<ListPage>;
  /** Applies a new policy; throws (and keeps the old one) when its token source yields no token. */
  updatePolicy(policy: Policy): void;
  close(): Promise<void>;
  /** True when requests must carry the bearer token (for assertSafeListen). */
  readonly authEnabled: boolean;
  /** Reconciles interrupted intents now; returns how many were settled. */
  reconcile(): Promise<number>;
  /** Replaces the source (a reload that changed `prometheus`). */
  setSource(source: Source | undefined): void;
  /** The state store, where the exporter also keeps its month-to-date spend integrals (sources/spend.ts). */
  readonly spendStore: SpendStore;
}

/** Test-only hook: `crash` kills the process with SIGKILL right after the intent is committed. */
export const TEST_HOOK_ENV = 'HEADROOM_SCALER_TEST_AFTER_INTENT';

async function openStore(policy: Policy): Promise<StateStore> {
  const s = policy.scaler.store;
  if (s.type === 'redis') {
    const { RedisStore } = await import('./store-redis.js');
    return new RedisStore(s.url, s.key_prefix);
  }
  const { SqliteStore } = await import('./store-sqlite.js');
  return new SqliteStore(s.path);
}

/**
 * The actuator of each service: a test's override, else scaler.actuators[name], else (a fleet
 * service) the last of its overrides that names one, else the shared scaler.actuator. Fleet
 * services' actuators are made when first asked for, once per policy.
 */
function actuatorsOf(
  policy: Policy,
  overrides: Record<string, Actuator> | undefined,
  lookup: ServiceLookup | undefined
): (service: string) => Actuator {
  const m = new Map<string, Actuator>();
  const shared = createActuator(policy.scaler.actuator);
  for (const svc of policy.services) {
    const cfg = policy.scaler.actuators[svc.name];
    m.set(svc.name, overrides?.[svc.name] ?? (cfg ? createActuator(cfg) : shared));
  }
  return (service) => {
    let a = m.get(service);
    if (a) return a;
    const found = lookup?.(service);
    const ref = found?.kind === 'service' || found?.kind === 'missing' ? found.service.fleet : undefined;
    const fleet = ref && policy.fleets.find((f) => f.name === ref.name);
    if (!fleet) return overrides?.[service] ?? shared;
    const cfg = fleetActuator(fleet, service);
    a = overrides?.[service] ?? (cfg ? createActuator(cfg) : shared);
    m.set(service, a);
    return a;
  };
}

export async function createScaler(opts: ScalerOptions): Promise<Scaler> {
  const env = opts.env ?? process.env;
  let policy = opts.policy;
  // Before anything is opened: a named token source without a token is a configuration error.
  let token = resolveWebhookToken(policy.scaler, env);
  const store = await openStore(policy);
  const observer = createObserver(opts.registry, opts.logger);
  let actuators = actuatorsOf(policy, opts.actuators, opts.lookup);
  let source = opts.source;
  const engine = new IntentEngine({
    policy: () => policy,
    store,
    actuatorFor: (service) => actuators(service),
    lookup: opts.lookup,
    clock: opts.clock ?? (() => Date.now() / 1000),
    get source() {
      return source;
    },
    observer,
    testHook: env[TEST_HOOK_ENV],
  });
  const router = webhookRouter({
    token: () => token,
    bodyLimit: () => policy.scaler.body_limit_bytes,
    handle: (n) => engine.handle(n),
    observer,
  });

  const reconcile = () =>
    engine
      .reconcile()
      .catch((e) => (opts.logger.error({ err: e }, 'scaler: reconciling interrupted decisions failed'), 0));
  await reconcile();
  const timer = setInterval(() => void reconcile(), policy.scaler.reconcile_interval * 1000);
  timer.unref();

  return {
    router,
    get authEnabled() {
      return token !== null;
    },
    state: async (service) => (await store.snapshot(service)).state,
    listDecisions: (q = {}) => store.list(q),
    updatePolicy(next) {
      const nextToken = resolveWebhookToken(next.scaler, env);
      const prevStore = JSON.stringify(policy.scaler.store);
      policy = next;
      token = nextToken;
      actuators = actuatorsOf(policy, opts.actuators, opts.lookup);
      if (JSON.stringify(next.scaler.store) !== prevStore)
        opts.logger.warn('scaler: scaler.store changed; the new store is used after a restart');
    },
    setSource(next) {
      source = next;
    },
    reconcile,
    spendStore: store,
    async close() {
      clearInterval(timer);
      await store.close();
    },
  };
}
