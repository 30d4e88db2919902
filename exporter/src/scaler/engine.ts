/**
 * The intent engine: validated notifications in, at most one intent per service at a time out.
 * No HTTP here; store, actuators, clock and source are injected (test/scaler.engine.*.test.ts).
 *
 * - Every decision is computed with no intent of its service in flight: requests for one service
 *   are serialised in this process, and an intent committed by another replica is waited for
 *   (bounded) and otherwise answered `blocked_by=in_flight` (503, so Alertmanager retries).
 * - The current count is the actuator's, read after the previous intent settled; when the actuator
 *   cannot tell, the count it last confirmed; only then the source.
 * - The intent carries a per-service sequence number (the state version it created) to the actuator.
 * - An action enters the state (cooldowns, rate limits) only once the actuator confirmed it; a
 *   failed or timed-out call leaves the state as it was.
 */
import { DEFAULTS } from '../config/defaults.js';
import type { Policy, Service } from '../config/schema.js';
import { budgetCheck, budgetPosition, hourlyRate } from '../model/cost.js';
import { recordAction, type BudgetCheck, type Decision, type DecisionInput } from '../model/decision.js';
import type { ServiceInputs } from '../model/plan.js';
import type { Source } from '../sources/source.js';
import { DryRunActuator, safeText, withTimeout, type Actuator, type SetResult } from './actuators.js';
import { decisionPolicy, type ScalePlan } from './decide.js';
import type { Observer } from './observer.js';
import type { ParsedNotification } from './payload.js';
import { planAlerts, type AlertPlan, type ServiceLookup } from './route.js';
import { HttpError } from './router.js';
import type { StateStore } from './store.js';
import {
  ACTED,
  type ActuatorResult,
  type AlertOutcome,
  type IntentRef,
  type NewRecord,
  type NotificationRef,
  type RecordedDecision,
  type ScalerState,
} from './types.js';

export interface EngineDeps {
  policy: () => Policy;
  store: StateStore;
  actuatorFor: (service: string) => Actuator;
  /** Unix seconds. */
  clock: () => number;
  source?: Source;
  /** Resolves service names through the fleets' catalogs (`headroom serve`); explicit services only without it. */
  lookup?: ServiceLookup;
  observer: Observer;
  /** Test-only: `crash` kills the process with SIGKILL right after an intent is committed. */
  testHook?: string;
}

interface Current {
  count: number | null;
  from: string;
  error?: string;
  inputs?: ServiceInputs;
}

const MAX_ATTEMPTS = 25;
const POLL_MS = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const dedupKey = (service: string, trigger: string, fingerprint: string, startsAt: string) =>
  `${service}|${trigger}|${fingerprint}|${startsAt}`;

/** How long a notification counts as a duplicate of an acted one: the trigger's cooldown. */
function windowFor(svc: Service, trigger: string): number {
  const t = svc.scaling.scale_out.find((x) => x.name === trigger);
  if (t) return t.cooldown;
  if (trigger === 'scale_in' && svc.scaling.scale_in) return svc.scaling.scale_in.cooldown;
  return Math.max(...svc.scaling.scale_out.map((x) => x.cooldown), svc.scaling.scale_in?.cooldown ?? 0);
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

export class IntentEngine {
  private readonly locks = new Map<string, Promise<unknown>>();
  constructor(private readonly d: EngineDeps) {}

  private get store(): StateStore {
    return this.d.store;
  }

  /** Plans every alert first (one bad alert rejects the notification), then handles them in order. */
  async handle(n: ParsedNotification): Promise<AlertOutcome[]> {
    const plans = planAlerts(this.d.policy(), n, this.d.clock(), this.d.lookup);
    const results: AlertOutcome[] = [];
    for (const plan of plans) {
      if (plan.kind === 'ignore') results.push({ alert: plan.alert.index, outcome: 'ignored', message: plan.reason });
      else if (plan.kind === 'resolved') results.push(await this.handleResolved(plan, n));
      else results.push(await this.serialized(plan.service.name, () => this.handleScale(plan, n)));
    }
    return results;
  }

  /** Runs `fn` after every earlier call for the same service in this process has finished. */
  private serialized<T>(service: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.locks.get(service) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(service, tail);
    void tail.then(() => {
      if (this.locks.get(service) === tail) this.locks.delete(service);
    });
    return run;
  }

  private async handleScale(plan: ScalePlan, n: ParsedNotification): Promise<AlertOutcome> {
    const svc = plan.service;
    const key = dedupKey(svc.name, plan.trigger, plan.alert.fingerprint, plan.alert.startsAt);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.d.clock();
      const existing = await this.store.findByKey(key);
      if (existing && ACTED.includes(existing.status) && existing.at + windowFor(svc, plan.trigger) > now)
        return this.handleDuplicate(existing, svc, now);
      const snap = await this.store.snapshot(svc.name);
      const st = snap.state as ScalerState;
      if (st.intent) {
        if (await this.awaitIntent(svc.name, st.intent)) continue;
        return this.recordInFlight(plan, n, key, st.intent, now);
      }
      const cur = await this.readCurrent(svc, plan, now, st);
      const budget = plan.action === 'scale_out' ? this.budgetFor(svc, now, cur) : {};
      const d = decisionPolicy(svc, plan, this.decisionInput(plan, now, cur, budget.check), st);
      const acts = d.action !== 'none' && d.current !== null && d.target !== null;
      const seq = snap.version + 1;
      const rec = { ...this.record(plan, n, key, now, d, cur, budget.warning), ...(acts ? { sequence: seq } : {}) };
      const state: ScalerState | null = acts
        ? {
            ...st,
            intent: {
              seq,
              key,
              action: d.action as 'scale_out' | 'scale_in',
              trigger: d.trigger ?? plan.trigger,
              from: d.current!,
              target: d.target!,
              at: now,
              leaseUntil: rec.leaseUntil!,
              schedule: d.scheduleApplied,
            },
          }
        : d.scheduleApplied
          ? recordAction(st, d)
          : null;
      const stored = await this.store.commit(rec, state ? { version: snap.version, state } : null);
      if (!stored) continue; // another request or replica changed the state first: decide again
      this.d.observer.decision(stored);
      const outcome = {
        alert: plan.alert.index,
        service: svc.name,
        trigger: plan.trigger,
        id: stored.id,
        action: d.action,
        current: d.current,
        target: d.target,
        blocked_by: d.blockedBy,
      };
      if (!acts) {
        // A count that could not be read may be readable on a retry.
        if (cur.error) return { ...outcome, outcome: 'blocked', message: cur.error, retry: true };
        return {
          ...outcome,
          outcome: d.blockedBy.length ? 'blocked' : 'no_action',
          message: rec.reasons[rec.reasons.length - 1],
        };
      }
      if (this.d.testHook === 'crash') process.kill(process.pid, 'SIGKILL');
      return { ...(await this.actuate(stored, (state as ScalerState).intent!)), alert: plan.alert.index };
    }
    throw new HttpError(503, `service ${svc.name}: too many concurrent changes, try again`);
  }

  /**
   * Waits (bounded) until the intent in flight settles; an intent whose lease ran out (its process
   * died) is reconciled. True when the service is free again.
   */
  private async awaitIntent(service: string, intent: IntentRef): Promise<boolean> {
    const deadline = performance.now() + DEFAULTS.scaler.inFlightWaitSeconds * 1000;
    for (;;) {
      const st = (await this.store.snapshot(service)).state as ScalerState;
      if (st.intent?.seq !== intent.seq) return true;
      if (intent.leaseUntil <= this.d.clock()) {
        const rec = await this.store.findByKey(intent.key);
        if (rec && rec.status === 'pending') await this.reconcileOne(rec, this.d.clock());
        else await this.settle(service, intent, false);
        return true;
      }
      if (performance.now() >= deadline) return false;
      await sleep(POLL_MS);
    }
  }

  private async recordInFlight(
    plan: ScalePlan,
    n: ParsedNotification,
    key: string,
    intent: IntentRef,
    now: number
  ): Promise<AlertOutcome> {
    const msg = `Another intent of ${plan.service.name} is in flight (${intent.action.replace('_', ' ')} ${intent.from} → ${intent.target}, sequence ${intent.seq}); this alert is decided again when it settles.`;
    const rec: NewRecord = {
      ...this.baseRecord(plan, n, key, now),
      action: 'none',
      intended: plan.action,
      current: intent.target,
      target: intent.target,
      wanted: null,
      blockedBy: ['in_flight'],
      confidence: 0,
      reasons: [this.alertSentence(plan, n), msg],
      warnings: [],
    };
    const stored = (await this.store.commit(rec, null))!;
    this.d.observer.decision(stored);
    return {
      alert: plan.alert.index,
      service: rec.service,
      trigger: rec.trigger,
      id: stored.id,
      outcome: 'blocked',
      action: 'none',
      current: intent.target,
      target: intent.target,
      blocked_by: ['in_flight'],
      message: msg,
      retry: true,
    };
  }

  /** The current count: the actuator's; else the count it last confirmed; else the source's. With a Prometheus source its inputs are re-read too. */
  private async readCurrent(svc: Service, plan: ScalePlan, now: number, st: ScalerState | null): Promise<Current> {
    const a = this.d.actuatorFor(svc.name);
    const src = this.d.source;
    let count: number | null;
    try {
      count = await withTimeout(
        a.timeoutSeconds,
        `reading the count from the ${a.type} actuator`,
        a.readCount(svc.name)
      );
    } catch (e) {
      return {
        count: null,
        from: a.type,
        error: `reading the current count from the ${a.type} actuator failed: ${(e as Error).message}`,
      };
    }
    const wantInputs =
      src &&
      st &&
      (src.kind === 'prometheus' ||
        (count === null && !st.confirmed) ||
        (plan.action === 'scale_out' && this.d.policy().scaler.budget_guard !== 'off'));
    let inputs: ServiceInputs | undefined;
    let error: string | undefined;
    if (wantInputs) {
      try {
        inputs = await src.readInputs(svc, now);
      } catch (e) {
        error = `reading the inputs from ${src.kind} failed: ${(e as Error).message}`;
      }
    }
    if (count !== null) return { count, from: a.type, inputs };
    if (st?.confirmed)
      return { count: st.confirmed.count, from: `the ${a.type} actuator's last confirmed action`, inputs };
    if (!src || !st) return { count: null, from: 'none' };
    if (!inputs?.current.ok) return { count: null, from: src.kind, inputs, error };
    if (a instanceof DryRunActuator) a.seed(svc.name, inputs.current.value);
    return { count: inputs.current.value, from: src.kind, inputs };
  }

  private budgetFor(svc: Service, now: number, cur: Current): { check?: BudgetCheck; warning?: string } {
    const mode = this.d.policy().scaler.budget_guard;
    if (mode === 'off' || cur.count === null) return {};
    const spend = cur.inputs?.spendToDate.ok ? cur.inputs.spendToDate.value : null;
    const position = budgetPosition(svc.cost, now, spend, hourlyRate(svc.capacity, svc.cost, cur.count));
    const check = budgetCheck(svc.capacity, svc.cost, mode, now, position, cur.count);
    return check
      ? { check }
      : { warning: 'Budget guard: the month-to-date spend is unknown, so the budget was not checked.' };
  }

  /** The alert's trigger as an observation: re-read from Prometheus when it is the source, else the alert's checked value. */
  private decisionInput(plan: ScalePlan, now: number, cur: Current, budget?: BudgetCheck): DecisionInput {
    const svc = plan.service;
    const input: DecisionInput = { now, current: cur.count, scaleOut: {}, budget };
    const fromPrometheus = this.d.source?.kind === 'prometheus';
    const unread = { ok: false as const, reason: cur.error ?? 'Prometheus was not re-read' };
    const alerted = { ok: true as const, value: plan.value ?? NaN, sustained: true };
    if (svc.scaling.scale_out.some((t) => t.name === plan.trigger)) {
      input.scaleOut[plan.trigger] = fromPrometheus ? (cur.inputs?.scaleOut[plan.trigger] ?? unread) : alerted;
    } else if (plan.trigger === 'scale_in' && svc.scaling.scale_in) {
      const conds = svc.scaling.scale_in.conditions;
      input.scaleIn = fromPrometheus ? (cur.inputs?.scaleIn ?? conds.map(() => unread)) : conds.map(() => alerted);
    }
    return input;
  }

  private alertSentence(plan: AlertPlan, n: ParsedNotification): string {
    const name = safeText(plan.alert.labels.alertname ?? plan.kind, 200);
    const value = plan.kind !== 'ignore' && plan.value !== null ? ` (value ${plan.value})` : '';
    return `${n.kind === 'grafana' ? 'Grafana' : 'Alertmanager'} alert ${name} is ${plan.alert.status} for trigger ${plan.alert.labels.trigger}${value}.`;
  }

  private baseRecord(plan: AlertPlan, n: ParsedNotification, key: string, now: number) {
    return {
      at: now,
      service: plan.alert.labels.service,
      trigger: plan.alert.labels.trigger,
      notification: notificationRef(n, plan),
      dedupKey: key,
      status: 'recorded' as const,
      result: null,
      attempts: 0,
      leaseUntil: null,
      updatedAt: now,
    };
  }

  private record(
    plan: ScalePlan,
    n: ParsedNotification,
    key: string,
    now: number,
    d: Decision,
    cur: Current,
    budgetWarning?: string
  ): NewRecord {
    const acts = d.action !== 'none' && d.current !== null && d.target !== null;
    const reasons = [
      this.alertSentence(plan, n),
      ...(cur.count !== null ? [`${cur.count} instances running (read from ${cur.from}).`] : []),
      ...d.reasons.map((r) => r.replaceAll(' NaN ', ' (value not in the alert) ')),
    ];
    if (cur.error) reasons.push(`${cur.error[0].toUpperCase()}${cur.error.slice(1)}.`);
    const truncated = n.truncatedAlerts
      ? [`The notification says ${n.truncatedAlerts} alerts were truncated by the sender.`]
      : [];
    return {
      ...this.baseRecord(plan, n, key, now),
      action: d.action,
      intended: d.intended,
      current: d.current,
      target: d.target,
      wanted: d.wanted,
      blockedBy: d.blockedBy,
      confidence: d.confidence,
      reasons,
      warnings: [...d.warnings, ...plan.warnings, ...(budgetWarning ? [budgetWarning] : []), ...truncated],
      status: acts ? 'pending' : 'recorded',
      attempts: acts ? 1 : 0,
      leaseUntil: acts ? this.leaseFor(this.d.actuatorFor(plan.service.name), now) : null,
    };
  }

  private leaseFor(a: Actuator, now: number): number {
    return now + a.timeoutSeconds + DEFAULTS.scaler.leaseGraceSeconds;
  }

  /** Calls the actuator for a committed intent, records its answer and settles the intent. */
  private async actuate(rec: RecordedDecision, intent: IntentRef): Promise<AlertOutcome> {
    const a = this.d.actuatorFor(rec.service);
    const started = performance.now();
    const ctx = {
      service: rec.service,
      trigger: rec.trigger,
      action: rec.action as 'scale_out' | 'scale_in',
      target: rec.target!,
      reason: safeText(rec.reasons.join(' '), DEFAULTS.scaler.actuatorTextLimit),
      at: rec.at,
      sequence: intent.seq,
    };
    let r: SetResult;
    try {
      r = await withTimeout(a.timeoutSeconds, `the ${a.type} actuator`, a.setTarget(ctx));
    } catch (e) {
      r = { ok: false, code: null, message: (e as Error).message };
    }
    const result: ActuatorResult = {
      ok: r.ok,
      actuator: a.type,
      code: r.code ?? null,
      message: r.message,
      durationSeconds: (performance.now() - started) / 1000,
    };
    const status = r.ok ? (a.type === 'dry-run' ? 'dry_run' : 'done') : 'failed';
    const patch = { status, result, attempts: rec.attempts, leaseUntil: null, updatedAt: this.d.clock() } as const;
    // A slow call may have been reconciled meanwhile; the actuator's own answer is the better record.
    if (!(await this.store.transition(rec.id, ['pending'], patch)))
      await this.store.transition(rec.id, ['failed', 'unknown'], patch);
    await this.settle(rec.service, intent, r.ok);
    this.d.observer.actuation(rec, result, this.d.clock());
    return {
      alert: -1,
      service: rec.service,
      trigger: rec.trigger,
      id: rec.id,
      outcome: r.ok ? 'acted' : 'failed',
      action: rec.action,
      current: rec.current,
      target: rec.target,
      blocked_by: [],
      message: r.message,
      retry: !r.ok,
    };
  }

  /**
   * Clears the service's intent (if it is still this one). A confirmed intent enters the state as
   * an action (cooldown, rate limit, applied schedule) and as the confirmed count; a failed one
   * changes nothing else: nothing changed at the actuator, so nothing cools down.
   */
  private async settle(service: string, intent: IntentRef, ok: boolean): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const snap = await this.store.snapshot(service);
      const st = snap.state as ScalerState;
      if (st.intent?.seq !== intent.seq) return;
      let next: ScalerState = { ...st, intent: null };
      if (ok) {
        const action = {
          at: intent.at,
          action: intent.action,
          trigger: intent.trigger,
          from: intent.from,
          to: intent.target,
        };
        next = {
          ...next,
          actions: [...st.actions.filter((x) => x.at > intent.at - 86_400), action],
          confirmed: { count: intent.target, seq: intent.seq, at: this.d.clock() },
        };
        if (intent.schedule)
          next.schedulesApplied = { ...st.schedulesApplied, [intent.schedule.name]: intent.schedule.since };
      }
      if (await this.store.update(service, { version: snap.version, state: next })) return;
    }
  }

  /** An explicit service, or a fleet service that is present or missing (reconciling only reads its count). */
  private serviceNamed(name: string): Service | undefined {
    const found = this.d.lookup?.(name);
    if (found?.kind === 'service' || found?.kind === 'missing') return found.service;
    return this.d.policy().services.find((s) => s.name === name);
  }

  /** Settles an intent whose actuator call was interrupted: compares the actuator's count, never re-sends. */
  async reconcileOne(rec: RecordedDecision, now: number): Promise<boolean> {
    if (rec.status !== 'pending' || (rec.leaseUntil ?? 0) > now) return false;
    const svc = this.serviceNamed(rec.service);
    const cur = svc
      ? await this.readCurrent(svc, { action: 'scale_in' } as ScalePlan, now, null)
      : { count: null, from: 'none', error: 'service no longer in the policy' };
    const a = this.d.actuatorFor(rec.service);
    const reached = cur.count !== null && cur.count === rec.target;
    const message = reached
      ? `reconciled after an interruption: the actuator reports the target of ${rec.target}`
      : cur.count === null
        ? `interrupted before the actuator confirmed, and the count cannot be read${cur.error ? ` (${cur.error})` : ''}`
        : `interrupted before the actuator confirmed; the actuator reports ${cur.count}, not ${rec.target}`;
    const result: ActuatorResult = {
      ok: reached,
      actuator: a?.type ?? 'none',
      code: null,
      message,
      durationSeconds: 0,
    };
    const status = reached ? (a?.type === 'dry-run' ? 'dry_run' : 'done') : cur.count === null ? 'unknown' : 'failed';
    const changed = await this.store.transition(rec.id, ['pending'], {
      status,
      result,
      attempts: rec.attempts,
      leaseUntil: null,
      updatedAt: now,
    });
    const st = (await this.store.snapshot(rec.service)).state as ScalerState;
    if (st.intent && st.intent.key === rec.dedupKey) await this.settle(rec.service, st.intent, reached);
    if (changed) this.d.observer.reconciled(rec, status, result);
    return changed;
  }

  async reconcile(): Promise<number> {
    const now = this.d.clock();
    let n = 0;
    for (const id of await this.store.pendingIds()) {
      const rec = await this.store.get(id);
      if (rec && (await this.reconcileOne(rec, now))) n++;
    }
    return n;
  }

  private async handleDuplicate(
    existing: RecordedDecision,
    svc: Service,
    now: number,
    depth = 0
  ): Promise<AlertOutcome> {
    const base = {
      alert: -1,
      service: existing.service,
      trigger: existing.trigger,
      id: existing.id,
      action: existing.action,
      current: existing.current,
      target: existing.target,
      blocked_by: existing.blockedBy,
    };
    if (existing.status === 'done' || existing.status === 'dry_run')
      return { ...base, outcome: 'duplicate', message: `already applied by decision ${existing.id}` };
    if (existing.status === 'pending') {
      if ((existing.leaseUntil ?? 0) > now || depth > 0)
        return { ...base, outcome: 'in_progress', message: `decision ${existing.id} is being applied` };
      await this.reconcileOne(existing, now);
      const fresh = await this.store.get(existing.id);
      return this.handleDuplicate(fresh ?? existing, svc, now, depth + 1);
    }
    return this.redrive(existing, svc, now, base);
  }

  /** A failed or unknown intent, notified again: re-drives the same absolute target unless something newer happened. */
  private async redrive(
    existing: RecordedDecision,
    svc: Service,
    now: number,
    base: Omit<AlertOutcome, 'outcome'>
  ): Promise<AlertOutcome> {
    const cur = await this.readCurrent(svc, { action: 'scale_in' } as ScalePlan, now, null);
    if (cur.count !== null && cur.count === existing.target) {
      const result: ActuatorResult = {
        ok: true,
        actuator: this.d.actuatorFor(svc.name).type,
        code: null,
        message: `the actuator already reports the target of ${existing.target}`,
        durationSeconds: 0,
      };
      await this.store.transition(existing.id, ['failed', 'unknown'], {
        status: 'done',
        result,
        attempts: existing.attempts,
        leaseUntil: null,
        updatedAt: now,
      });
      return { ...base, outcome: 'duplicate', message: result.message };
    }
    // Never re-send an old target past a later action, or in the opposite direction (that would undo it).
    const snap = await this.store.snapshot(svc.name);
    const st = snap.state as ScalerState;
    const last = st.actions.at(-1);
    const superseded = (last !== undefined && last.at > existing.at) || (st.confirmed?.at ?? 0) > existing.at;
    const backwards =
      cur.count !== null &&
      (existing.action === 'scale_out' ? cur.count > existing.target! : cur.count < existing.target!);
    if (superseded || backwards || st.intent) {
      const why = st.intent
        ? `intent ${st.intent.seq} of the service is in flight`
        : superseded
          ? 'a later action superseded it'
          : `the actuator reports ${cur.count}, past the target of ${existing.target}`;
      return { ...base, outcome: 'duplicate', message: `decision ${existing.id} is not re-sent: ${why}` };
    }
    const a = this.d.actuatorFor(svc.name);
    const intent: IntentRef = {
      seq: snap.version + 1,
      key: existing.dedupKey,
      action: existing.action as 'scale_out' | 'scale_in',
      trigger: existing.trigger,
      from: cur.count ?? existing.current ?? existing.target!,
      target: existing.target!,
      at: now,
      leaseUntil: this.leaseFor(a, now),
    };
    if (!(await this.store.update(svc.name, { version: snap.version, state: { ...st, intent } as ScalerState })))
      return { ...base, outcome: 'in_progress', message: `decision ${existing.id} is being retried elsewhere` };
    const claimed = await this.store.transition(existing.id, ['failed', 'unknown'], {
      status: 'pending',
      result: existing.result,
      attempts: existing.attempts + 1,
      leaseUntil: intent.leaseUntil,
      updatedAt: now,
    });
    if (!claimed) {
      await this.settle(svc.name, intent, false);
      return { ...base, outcome: 'in_progress', message: `decision ${existing.id} is being retried elsewhere` };
    }
    this.d.observer.logger.info(
      { decision: existing.id, service: svc.name },
      `scaler: ${svc.name} retrying decision ${existing.id} (target ${existing.target}) after: ${existing.result?.message ?? 'an interruption'}`
    );
    return this.actuate({ ...existing, attempts: existing.attempts + 1, status: 'pending' }, intent);
  }

  private async handleResolved(
    plan: Extract<AlertPlan, { kind: 'resolved' }>,
    n: ParsedNotification
  ): Promise<AlertOutcome> {
    const now = this.d.clock();
    const rec: NewRecord = {
      ...this.baseRecord(
        plan,
        n,
        dedupKey(plan.service.name, plan.trigger, plan.alert.fingerprint, plan.alert.startsAt),
        now
      ),
      action: 'none',
      intended: 'none',
      current: null,
      target: null,
      blockedBy: [],
      confidence: 1,
      reasons: [
        `Alert ${safeText(plan.alert.labels.alertname ?? plan.trigger, 200)} resolved for trigger ${plan.trigger}; resolved alerts never scale.`,
      ],
      warnings: [],
      status: 'resolved',
    };
    const stored = (await this.store.commit(rec, null))!;
    this.d.observer.logger.info(
      { decision: stored.id, service: rec.service, trigger: rec.trigger },
      `scaler: ${rec.service} ${rec.reasons[0]}`
    );
    return { alert: plan.alert.index, service: rec.service, trigger: rec.trigger, id: stored.id, outcome: 'resolved' };
  }
}
