/**
 * The webhook scaler: Alertmanager (or Grafana-managed alerting) notifications in, absolute
 * instance targets out, every decision durable. Safety properties (README "Scaler safety"):
 * - the whole payload is validated before anything acts; every rejection is a 4xx and acts on nothing;
 * - the intent is committed (compare-and-set on the service's state version) BEFORE the actuator
 *   is called, so two requests or two replicas never both act, and a crash leaves a record that
 *   is reconciled against the actuator, never re-sent blindly;
 * - a retried or duplicated notification (same service, trigger, fingerprint and startsAt within
 *   the trigger's cooldown) never acts twice: it is answered from its record, and only a failed
 *   attempt is re-driven, with the same absolute target;
 * - 5xx only when the actuator failed (Alertmanager retries 5xx and a retry can then help).
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DEFAULTS } from '../config/defaults.js';
import type { Policy, Service } from '../config/schema.js';
import { budgetPosition, hourlyRate } from '../model/cost.js';
import { decide, recordAction, type BudgetCheck, type Decision, type DecisionInput, type DecisionState } from '../model/decision.js';
import type { ServiceInputs } from '../model/plan.js';
import type { Source } from '../sources/source.js';
import { createActuator, DryRunActuator, withTimeout, type Actuator, type SetResult } from './actuators.js';
import { bearerToken, resolveWebhookToken, tokenMatches } from './auth.js';
import { scalerMetrics, type ScalerMetrics } from './metrics.js';
import { PayloadError, parsePayload, type ParsedNotification } from './payload.js';
import { planAlerts, type AlertPlan } from './route.js';
import type { ListPage, ListQuery, StateStore } from './store.js';
import { ACTED, type ActuatorResult, type NewRecord, type NotificationRef, type RecordedDecision } from './types.js';

export { assertSafeListen, resolveWebhookToken, InsecureListenError } from './auth.js';
export type { RecordedDecision } from './types.js';

export interface ScalerOptions {
  policy: Policy;
  logger: Logger;
  registry: Registry;
  /** Unix seconds; defaults to the system clock. */
  clock?: () => number;
  /** Where the current count is read when the actuator cannot tell (and month-to-date spend for the budget guard). */
  source?: Source;
  /** Environment for the token (scaler.token_env) and the test hooks; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Per service name, replaces the configured actuator (tests). */
  actuators?: Record<string, Actuator>;
}

export interface Scaler {
  router: Router;
  state(service: string): Promise<DecisionState>;
  listDecisions(q?: ListQuery): Promise<ListPage>;
  updatePolicy(policy: Policy): void;
  close(): Promise<void>;
  /** True when requests must carry the bearer token (for assertSafeListen). */
  readonly authEnabled: boolean;
  /** Reconciles interrupted intents now; returns how many were settled. */
  reconcile(): Promise<number>;
}

/** Test-only hook: `crash` kills the process with SIGKILL right after the intent is committed. */
export const TEST_HOOK_ENV = 'HEADROOM_SCALER_TEST_AFTER_INTENT';

export interface AlertOutcome {
  alert: number;
  service?: string;
  trigger?: string;
  outcome: 'acted' | 'failed' | 'blocked' | 'no_action' | 'duplicate' | 'in_progress' | 'resolved' | 'ignored';
  id?: string;
  action?: string;
  current?: number | null;
  target?: number | null;
  blocked_by?: string[];
  message?: string;
  /** A 5xx goes back so that Alertmanager retries. */
  retry?: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function openStore(policy: Policy): Promise<StateStore> {
  const s = policy.scaler.store;
  if (s.type === 'redis') {
    const { RedisStore } = await import('./store-redis.js');
    return new RedisStore(s.url, s.key_prefix);
  }
  const { SqliteStore } = await import('./store-sqlite.js');
  return new SqliteStore(s.path);
}

/** Reads the body within the limit: 413 past it, without buffering more than the limit. */
function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = () => new HttpError(413, `body: larger than the limit of ${limit} bytes (scaler.body_limit_bytes)`);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => reject(new HttpError(400, `body: ${e.message}`)));
  });
}

const fmtCount = (n: number | null) => (n === null ? '?' : String(n));

export async function createScaler(opts: ScalerOptions): Promise<Scaler> {
  let policy = opts.policy;
  const logger = opts.logger;
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? (() => Date.now() / 1000);
  const metrics: ScalerMetrics = scalerMetrics(opts.registry);
  const store = await openStore(policy);
  let token = resolveWebhookToken(policy.scaler, env);
  const testHook = env[TEST_HOOK_ENV];

  const actuators = new Map<string, Actuator>();
  const buildActuators = () => {
    actuators.clear();
    const shared = createActuator(policy.scaler.actuator);
    for (const svc of policy.services) {
      const cfg = policy.scaler.actuators[svc.name];
      actuators.set(svc.name, opts.actuators?.[svc.name] ?? (cfg ? createActuator(cfg) : shared));
    }
  };
  buildActuators();
  const actuatorFor = (service: string): Actuator => actuators.get(service)!;
  const leaseFor = (a: Actuator, now: number) => now + a.timeoutSeconds + DEFAULTS.scaler.leaseGraceSeconds;

  /** How long a notification counts as a duplicate of an acted one: the trigger's cooldown. */
  function windowFor(svc: Service, trigger: string): number {
    const t = svc.scaling.scale_out.find((x) => x.name === trigger);
    if (t) return t.cooldown;
    if (trigger === 'scale_in' && svc.scaling.scale_in) return svc.scaling.scale_in.cooldown;
    return Math.max(...svc.scaling.scale_out.map((x) => x.cooldown), svc.scaling.scale_in?.cooldown ?? 0);
  }

  interface Current {
    count: number | null;
    from: string;
    error?: string;
    inputs?: ServiceInputs;
  }

  async function readCurrent(svc: Service, now: number, useSource = true): Promise<Current> {
    const a = actuatorFor(svc.name);
    try {
      const n = await withTimeout(a.timeoutSeconds, `reading the count from the ${a.type} actuator`, a.readCount(svc.name));
      if (n !== null) return { count: n, from: a.type };
    } catch (e) {
      return { count: null, from: a.type, error: `reading the current count from the ${a.type} actuator failed: ${(e as Error).message}` };
    }
    if (!useSource || !opts.source) return { count: null, from: 'none' };
    try {
      const inputs = await opts.source.readInputs(svc, now);
      if (!inputs.current.ok) return { count: null, from: opts.source.kind, inputs };
      if (a instanceof DryRunActuator) a.seed(svc.name, inputs.current.value);
      return { count: inputs.current.value, from: opts.source.kind, inputs };
    } catch (e) {
      return { count: null, from: opts.source.kind, error: `reading the current count from ${opts.source.kind} failed: ${(e as Error).message}` };
    }
  }

  async function budgetFor(svc: Service, now: number, cur: Current): Promise<{ check?: BudgetCheck; warning?: string }> {
    const mode = policy.scaler.budget_guard;
    if (mode === 'off' || cur.count === null) return {};
    let inputs = cur.inputs;
    if (!inputs && opts.source) {
      try {
        inputs = await opts.source.readInputs(svc, now);
      } catch {
        inputs = undefined;
      }
    }
    const spend = inputs?.spendToDate.ok ? inputs.spendToDate.value : null;
    const pos = budgetPosition(svc.cost, now, spend, hourlyRate(svc.capacity, svc.cost, cur.count));
    if (pos.forecastMonthEnd === null) return { warning: 'Budget guard: the month-to-date spend is unknown, so the budget was not checked.' };
    return {
      check: { mode, forecastMonthEnd: pos.forecastMonthEnd, monthlyBudget: pos.monthlyBudget, instanceCostRestOfMonth: (hourlyRate(svc.capacity, svc.cost, 1) * (pos.monthEnd - now)) / 3600 },
    };
  }

  function decisionInput(plan: Extract<AlertPlan, { kind: 'scale' }>, now: number, current: number | null, budget?: BudgetCheck): DecisionInput {
    const svc = plan.service;
    const value = plan.value ?? NaN;
    const input: DecisionInput = { now, current, scaleOut: {}, budget };
    if (svc.scaling.scale_out.some((t) => t.name === plan.trigger)) input.scaleOut[plan.trigger] = { ok: true, value, sustained: true };
    else if (plan.trigger === 'scale_in' && svc.scaling.scale_in) input.scaleIn = svc.scaling.scale_in.conditions.map(() => ({ ok: true, value, sustained: true }));
    return input;
  }

  function notificationRef(n: ParsedNotification, plan: AlertPlan): NotificationRef {
    const a = plan.alert;
    return {
      kind: n.kind,
      receiver: n.receiver,
      groupKey: n.groupKey,
      fingerprint: a.fingerprint,
      startsAt: a.startsAt,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      value: plan.kind === 'ignore' ? null : plan.value,
    };
  }

  const labelAction = (d: Pick<RecordedDecision, 'action' | 'intended' | 'blockedBy'>) => (d.blockedBy.length ? d.intended : d.action);

  function observeDecision(rec: RecordedDecision): void {
    const action = labelAction(rec);
    const blocked = rec.blockedBy[0] ?? 'none';
    metrics.decisions.inc({ service: rec.service, action, blocked_by: blocked });
    const labels = { service: rec.service, trigger: rec.trigger, action, blocked_by: blocked };
    metrics.lastDecisionTimestamp.set(labels, rec.at);
    if (rec.current !== null) metrics.lastDecisionCurrent.set(labels, rec.current);
    // A blocked decision shows what it held back (current → wanted), so a dashboard reads "4 → 5 blocked by cooldown".
    const target = rec.action === 'none' && rec.wanted != null ? rec.wanted : rec.target;
    if (target !== null) metrics.lastDecisionTarget.set(labels, target);
    const what =
      rec.action !== 'none'
        ? `${rec.action.replace('_', ' ')} ${fmtCount(rec.current)} → ${fmtCount(rec.target)}`
        : rec.blockedBy.length
          ? `${rec.intended.replace('_', ' ')} blocked by ${rec.blockedBy.join(', ')} at ${fmtCount(rec.current)} instances`
          : `no action at ${fmtCount(rec.current)} instances`;
    logger.info(
      { decision: rec.id, service: rec.service, trigger: rec.trigger, action: rec.action, current: rec.current, target: rec.target, blocked_by: rec.blockedBy, confidence: rec.confidence, fingerprint: rec.notification.fingerprint },
      `scaler: ${rec.service} ${what} (trigger ${rec.trigger}): ${[...rec.reasons, ...rec.warnings].join(' ')}`,
    );
  }

  async function actuate(rec: RecordedDecision): Promise<AlertOutcome> {
    const a = actuatorFor(rec.service);
    const started = performance.now();
    let r: SetResult;
    try {
      r = await withTimeout(a.timeoutSeconds, `the ${a.type} actuator`, a.setTarget({ service: rec.service, trigger: rec.trigger, action: rec.action as 'scale_out' | 'scale_in', target: rec.target!, reason: rec.reasons.join(' '), at: rec.at }));
    } catch (e) {
      r = { ok: false, code: null, message: (e as Error).message };
    }
    const durationSeconds = (performance.now() - started) / 1000;
    metrics.actuatorDuration.observe({ actuator: a.type }, durationSeconds);
    const result: ActuatorResult = { ok: r.ok, actuator: a.type, code: r.code ?? null, message: r.message, durationSeconds };
    const status = r.ok ? (a.type === 'dry-run' ? 'dry_run' : 'done') : 'failed';
    const patch = { status, result, attempts: rec.attempts, leaseUntil: null, updatedAt: clock() } as const;
    // A slow call may have been reconciled meanwhile; the actuator's own answer is the better record.
    if (!(await store.transition(rec.id, ['pending'], patch))) await store.transition(rec.id, ['failed', 'unknown'], patch);
    metrics.actions.inc({ service: rec.service, action: rec.action, result: r.ok ? (a.type === 'dry-run' ? 'dry_run' : 'success') : 'failure' });
    if (r.ok) metrics.lastAction.set({ service: rec.service, action: rec.action }, clock());
    const msg = `scaler: ${rec.service} set to ${rec.target} instances by the ${a.type} actuator (decision ${rec.id}, attempt ${rec.attempts}): ${r.ok ? 'ok' : 'FAILED'}: ${r.message}`;
    if (r.ok) logger.info({ decision: rec.id, service: rec.service, result }, msg);
    else logger.error({ decision: rec.id, service: rec.service, result }, msg);
    return { alert: -1, service: rec.service, trigger: rec.trigger, id: rec.id, outcome: r.ok ? 'acted' : 'failed', action: rec.action, current: rec.current, target: rec.target, blocked_by: [], message: r.message, retry: !r.ok };
  }

  /** Settles an intent whose actuator call was interrupted: compares the actuator's count, never re-sends. */
  async function reconcileOne(rec: RecordedDecision, now: number): Promise<boolean> {
    if (rec.status !== 'pending' || (rec.leaseUntil ?? 0) > now) return false;
    const svc = policy.services.find((s) => s.name === rec.service);
    const cur = svc ? await readCurrent(svc, now, false) : { count: null, from: 'none', error: 'service no longer in the policy' };
    const a = actuatorFor(rec.service);
    const reached = cur.count !== null && cur.count === rec.target;
    const result: ActuatorResult = {
      ok: reached,
      actuator: a?.type ?? 'none',
      code: null,
      message: reached
        ? `reconciled after an interruption: the actuator reports the target of ${rec.target}`
        : cur.count === null
          ? `interrupted before the actuator confirmed, and the count cannot be read${cur.error ? ` (${cur.error})` : ''}`
          : `interrupted before the actuator confirmed; the actuator reports ${cur.count}, not ${rec.target}`,
      durationSeconds: 0,
    };
    const status = reached ? (a?.type === 'dry-run' ? 'dry_run' : 'done') : cur.count === null ? 'unknown' : 'failed';
    const changed = await store.transition(rec.id, ['pending'], { status, result, attempts: rec.attempts, leaseUntil: null, updatedAt: now });
    if (changed) {
      if (!reached) metrics.actions.inc({ service: rec.service, action: rec.action, result: 'failure' });
      logger.warn({ decision: rec.id, service: rec.service, status }, `scaler: ${rec.service} decision ${rec.id} reconciled as ${status}: ${result.message}`);
    }
    return changed;
  }

  async function reconcile(): Promise<number> {
    const now = clock();
    let n = 0;
    for (const id of await store.pendingIds()) {
      const rec = await store.get(id);
      if (rec && (await reconcileOne(rec, now))) n++;
    }
    return n;
  }

  async function handleDuplicate(existing: RecordedDecision, svc: Service, now: number, depth = 0): Promise<AlertOutcome> {
    const base = { alert: -1, service: existing.service, trigger: existing.trigger, id: existing.id, action: existing.action, current: existing.current, target: existing.target, blocked_by: existing.blockedBy };
    if (existing.status === 'done' || existing.status === 'dry_run') return { ...base, outcome: 'duplicate', message: `already applied by decision ${existing.id}` };
    if (existing.status === 'pending') {
      if ((existing.leaseUntil ?? 0) > now || depth > 0) return { ...base, outcome: 'in_progress', message: `decision ${existing.id} is being applied` };
      await reconcileOne(existing, now);
      const fresh = await store.get(existing.id);
      return handleDuplicate(fresh ?? existing, svc, now, depth + 1);
    }
    // failed or unknown: re-drive the same absolute target (harmless if it was in fact applied).
    const cur = await readCurrent(svc, now, false);
    if (cur.count !== null && cur.count === existing.target) {
      const result: ActuatorResult = { ok: true, actuator: actuatorFor(svc.name).type, code: null, message: `the actuator already reports the target of ${existing.target}`, durationSeconds: 0 };
      await store.transition(existing.id, ['failed', 'unknown'], { status: 'done', result, attempts: existing.attempts, leaseUntil: null, updatedAt: now });
      return { ...base, outcome: 'duplicate', message: result.message };
    }
    // Never re-send an old target past a later action, or in the opposite direction (that would undo it).
    const last = (await store.snapshot(svc.name)).state.actions.at(-1);
    const superseded = last !== undefined && (last.at > existing.at || last.to !== existing.target);
    const backwards = cur.count !== null && (existing.action === 'scale_out' ? cur.count > existing.target! : cur.count < existing.target!);
    if (superseded || backwards) {
      const why = superseded ? 'a later action superseded it' : `the actuator reports ${cur.count}, past the target of ${existing.target}`;
      return { ...base, outcome: 'duplicate', message: `decision ${existing.id} is not re-sent: ${why}` };
    }
    const claimed = await store.transition(existing.id, ['failed', 'unknown'], { status: 'pending', result: existing.result, attempts: existing.attempts + 1, leaseUntil: leaseFor(actuatorFor(svc.name), now), updatedAt: now });
    if (!claimed) return { ...base, outcome: 'in_progress', message: `decision ${existing.id} is being retried elsewhere` };
    logger.info({ decision: existing.id, service: svc.name }, `scaler: ${svc.name} retrying decision ${existing.id} (target ${existing.target}) after: ${existing.result?.message ?? 'an interruption'}`);
    return actuate({ ...existing, attempts: existing.attempts + 1, status: 'pending' });
  }

  async function handleScale(plan: Extract<AlertPlan, { kind: 'scale' }>, n: ParsedNotification, now: number): Promise<AlertOutcome> {
    const svc = plan.service;
    const key = `${svc.name}|${plan.trigger}|${plan.alert.fingerprint}|${plan.alert.startsAt}`;
    const window = windowFor(svc, plan.trigger);
    let cur: Current | undefined;
    for (let attempt = 0; attempt < 25; attempt++) {
      const existing = await store.findByKey(key);
      if (existing && ACTED.includes(existing.status) && existing.at + window > now) return handleDuplicate(existing, svc, now);
      const snap = await store.snapshot(svc.name);
      if (!cur || attempt > 0) cur = await readCurrent(svc, now);
      const budget = plan.action === 'scale_out' ? await budgetFor(svc, now, cur) : {};
      const d: Decision = decide(svc.scaling, decisionInput(plan, now, cur.count, budget.check), snap.state);
      const acts = d.action !== 'none' && d.current !== null && d.target !== null;
      const a = actuatorFor(svc.name);
      const reasons = [
        `${n.kind === 'grafana' ? 'Grafana' : 'Alertmanager'} alert ${plan.alert.labels.alertname ?? plan.trigger} is firing for trigger ${plan.trigger}${plan.value !== null ? ` (value ${plan.value})` : ''}.`,
        ...(cur.count !== null ? [`${cur.count} instances running (read from ${cur.from}).`] : []),
        ...d.reasons.map((r) => r.replaceAll(' NaN ', ' (value not in the alert) ')),
      ];
      if (cur.error) reasons.push(`${cur.error[0].toUpperCase()}${cur.error.slice(1)}.`);
      const rec: NewRecord = {
        at: now,
        service: svc.name,
        trigger: plan.trigger,
        action: d.action,
        intended: d.intended,
        current: d.current,
        target: d.target,
        wanted: d.wanted,
        blockedBy: d.blockedBy,
        confidence: d.confidence,
        reasons,
        warnings: [...d.warnings, ...plan.warnings, ...(budget.warning ? [budget.warning] : []), ...(n.truncatedAlerts ? [`The notification says ${n.truncatedAlerts} alerts were truncated by the sender.`] : [])],
        notification: notificationRef(n, plan),
        dedupKey: key,
        status: acts ? 'pending' : 'recorded',
        result: null,
        attempts: acts ? 1 : 0,
        leaseUntil: acts ? leaseFor(a, now) : null,
        updatedAt: now,
      };
      const changesState = acts || d.scheduleApplied !== undefined;
      const stored = await store.commit(rec, changesState ? { version: snap.version, state: recordAction(snap.state, d) } : null);
      if (!stored) continue; // another request or replica changed the state first: decide again
      observeDecision(stored);
      const outcome = { alert: plan.alert.index, service: svc.name, trigger: plan.trigger, id: stored.id, action: d.action, current: d.current, target: d.target, blocked_by: d.blockedBy };
      if (!acts) {
        // A count that could not be read may be readable on a retry.
        if (cur.error) return { ...outcome, outcome: 'blocked', message: cur.error, retry: true };
        return { ...outcome, outcome: d.blockedBy.length ? 'blocked' : 'no_action', message: reasons[reasons.length - 1] };
      }
      if (testHook === 'crash') process.kill(process.pid, 'SIGKILL');
      return { ...(await actuate(stored)), alert: plan.alert.index };
    }
    throw new HttpError(503, `service ${svc.name}: too many concurrent changes, try again`);
  }

  async function handleResolved(plan: Extract<AlertPlan, { kind: 'resolved' }>, n: ParsedNotification, now: number): Promise<AlertOutcome> {
    const rec: NewRecord = {
      at: now,
      service: plan.service.name,
      trigger: plan.trigger,
      action: 'none',
      intended: 'none',
      current: null,
      target: null,
      blockedBy: [],
      confidence: 1,
      reasons: [`Alert ${plan.alert.labels.alertname ?? plan.trigger} resolved for trigger ${plan.trigger}; resolved alerts never scale.`],
      warnings: [],
      notification: notificationRef(n, plan),
      dedupKey: `${plan.service.name}|${plan.trigger}|${plan.alert.fingerprint}|${plan.alert.startsAt}`,
      status: 'resolved',
      result: null,
      attempts: 0,
      leaseUntil: null,
      updatedAt: now,
    };
    const stored = (await store.commit(rec, null))!;
    logger.info({ decision: stored.id, service: rec.service, trigger: rec.trigger }, `scaler: ${rec.service} ${rec.reasons[0]}`);
    return { alert: plan.alert.index, service: rec.service, trigger: rec.trigger, id: stored.id, outcome: 'resolved' };
  }

  async function webhook(req: Request, res: Response): Promise<void> {
    res.on('finish', () => metrics.notifications.inc({ code: String(res.statusCode) }));
    const fail = (status: number, message: string) => {
      if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="headroom"');
      if (status === 413) res.setHeader('Connection', 'close');
      logger.warn({ status, remote: req.socket.remoteAddress }, `scaler: rejected webhook (${status}): ${message}`);
      res.status(status).json({ status: 'error', error: message });
    };
    try {
      if (token !== null) {
        const presented = bearerToken(req.headers.authorization);
        if (presented === null) {
          throw new HttpError(401, req.headers.authorization ? 'authorization: expected "Bearer <token>"' : 'authorization: missing (expected "Authorization: Bearer <token>")');
        }
        if (!tokenMatches(presented, token)) throw new HttpError(401, 'authorization: invalid bearer token');
      }
      const ct = req.headers['content-type'];
      if (!ct) throw new HttpError(415, 'content-type: missing (expected application/json)');
      if (!/^application\/json\s*(;.*)?$/i.test(ct)) throw new HttpError(415, `content-type: expected application/json, got "${ct}"`);
      // Another body parser mounted before the router may have consumed the stream already.
      const raw = req.readableEnded && req.body !== undefined ? req.body : await readBody(req, policy.scaler.body_limit_bytes);
      const notification = parsePayload(raw);
      const plans = planAlerts(policy, notification);
      const now = clock();
      const results: AlertOutcome[] = [];
      for (const plan of plans) {
        if (plan.kind === 'ignore') results.push({ alert: plan.alert.index, outcome: 'ignored', message: plan.reason });
        else if (plan.kind === 'resolved') results.push(await handleResolved(plan, notification, now));
        else results.push(await handleScale(plan, notification, now));
      }
      const failed = results.filter((r) => r.retry);
      const body = { status: failed.length ? 'error' : 'ok', kind: notification.kind, truncatedAlerts: notification.truncatedAlerts, results };
      if (failed.length) {
        res.status(502).json({ ...body, error: failed.map((f) => `${f.service}: ${f.message}`).join('; ') });
      } else res.status(200).json(body);
    } catch (e) {
      if (e instanceof HttpError || e instanceof PayloadError) return fail(e.status, e.message);
      logger.error({ err: e }, 'scaler: webhook failed');
      fail(500, `internal error: ${(e as Error).message}`);
    }
  }

  const router = express.Router();
  router.post('/webhook', (req, res) => void webhook(req, res));
  router.all('/webhook', (_req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).json({ status: 'error', error: 'method: expected POST' });
  });

  await reconcile().catch((e) => logger.error({ err: e }, 'scaler: reconciling interrupted decisions failed'));
  const timer = setInterval(() => {
    reconcile().catch((e) => logger.error({ err: e }, 'scaler: reconciling interrupted decisions failed'));
  }, policy.scaler.reconcile_interval * 1000);
  timer.unref();

  return {
    router,
    get authEnabled() {
      return token !== null;
    },
    state: async (service) => (await store.snapshot(service)).state,
    listDecisions: (q = {}) => store.list(q),
    updatePolicy(next) {
      const prevStore = JSON.stringify(policy.scaler.store);
      policy = next;
      buildActuators();
      try {
        token = resolveWebhookToken(next.scaler, env);
      } catch (e) {
        logger.error(`scaler: keeping the previous webhook token: ${(e as Error).message}`);
      }
      if (JSON.stringify(next.scaler.store) !== prevStore) logger.warn('scaler: scaler.store changed; the new store is used after a restart');
    },
    reconcile,
    async close() {
      clearInterval(timer);
      await store.close();
    },
  };
}
