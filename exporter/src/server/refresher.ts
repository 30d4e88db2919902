import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Policy, Service } from '../config/schema.js';
import type { Counter } from 'prom-client';
import { METRIC } from '@headroom/contract';
import { missingInputs, refreshHistories, type HistoryEntry } from '../engine.js';
import { FleetDirectory, fleetStatus, type FleetMember, type Lookup } from '../fleet/directory.js';
import { emptyState, type DecisionState } from '../model/decision.js';
import { planService, type Reading, type ServiceInputs } from '../model/plan.js';
import type { HeadroomMetrics, InputHealth, ServiceFailure, ServiceSnapshot } from '../metrics/registry.js';
import type { Source } from '../sources/source.js';

export interface RefresherOptions {
  policy: Policy;
  source: Source;
  metrics: HeadroomMetrics;
  logger: Logger;
  /** Unix seconds. */
  clock: () => number;
  /** The scaler's recorded actions and applied schedules per service (emptyState without a scaler). */
  state?: (service: string) => Promise<DecisionState>;
}

export interface RefreshStats {
  /** Seconds until the last refresh first published its plans (discovery, inputs, model, publishing): before the refit of services seen for the first time, after any other due refit. */
  signalsSeconds: number;
  /** Seconds the history part of the last refresh that read history took. */
  historySeconds: number | null;
  completedAt: number;
}

/**
 * The refresh loop: every `refresh.interval` it reads every service's inputs, refits history when
 * `refresh.history_interval` has passed (or the last read failed), runs the model and publishes the
 * result. Services seen for the first time are published before their refit and again after it, so
 * the current headroom never waits for a fleet's cold refit. Scrapes and API calls only read
 * `snapshots`; the model never runs on a request.
 */
export class Refresher {
  private policy: Policy;
  private source: Source;
  private readonly history = new Map<string, HistoryEntry>();
  /** `${service}\0${signal}` → unix seconds of the last successful read. */
  private readonly lastSuccess = new Map<string, number>();
  /** `${service}\0${signal}` → reason it was missing at the last refresh, to log changes once. */
  private readonly lastReason = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private generation = 0;
  /** Whether a refresh has published plans (its first publication may precede its history refit). */
  private published = false;
  snapshots: ServiceSnapshot[] = [];
  /** Services whose last refresh threw, with the error and their input health. */
  failures: ServiceFailure[] = [];
  stats: RefreshStats | null = null;
  /** The fleets' discovered services (catalogs), updated once per refresh. */
  readonly fleets: FleetDirectory;

  constructor(private readonly opts: RefresherOptions) {
    this.policy = opts.policy;
    this.source = opts.source;
    this.fleets = new FleetDirectory(opts.policy, opts.logger);
  }

  /** What a service name is now (the scaler resolves webhooks through this). */
  lookup(name: string): Lookup {
    return this.fleets.lookup(name);
  }

  /** Explicit services and the fleets' present and missing ones. */
  serviceNames(): string[] {
    return [...this.policy.services.map((s) => s.name), ...this.fleets.members().map((m) => m.service.name)];
  }

  /**
   * Ready (/-/ready) once the first plans are published: the fleets are discovered (the scaler
   * resolves webhooks through them) and every signal is read. The history refit may still run then:
   * no decision depends on a fit (planService, the scaler's IntentEngine), and the services awaiting
   * theirs are counted in headroom_history_pending_services. `stats` is set once a whole refresh is done.
   */
  get ready(): boolean {
    return this.published;
  }

  get sourceKind(): Source['kind'] {
    return this.source.kind;
  }

  /** Swap the policy (and source); history whose inputs changed is refetched at the next refresh. */
  setPolicy(policy: Policy, source: Source): void {
    const key = (p: Policy, s: Service) =>
      JSON.stringify([p.prometheus ?? null, s.growth, s.capacity, s.scaling.limits, s.cost]);
    const before = [...this.policy.services, ...this.fleets.members().map((m) => m.service)];
    const old = new Map(before.map((s) => [s.name, key(this.policy, s)]));
    this.fleets.setPolicy(policy);
    const after = [...policy.services, ...this.fleets.members().map((m) => m.service)];
    for (const s of after) if (old.get(s.name) !== key(policy, s)) this.history.delete(s.name);
    const names = new Set(after.map((s) => s.name));
    // Every service that left, fitted or not: a name that comes back later starts with no input's last success.
    for (const name of new Set([...old.keys(), ...this.history.keys()])) if (!names.has(name)) this.forget(name);
    this.policy = policy;
    this.source = source;
  }

  /** Drops what is remembered of a service that left (retired, or its fleet removed). */
  private forget(name: string): void {
    this.history.delete(name);
    for (const m of [this.lastSuccess, this.lastReason])
      for (const k of [...m.keys()]) if (k.startsWith(`${name}\0`)) m.delete(k);
  }

  start(): void {
    this.stopped = false;
    // A loop started before the last stop() must not reschedule itself alongside this one.
    const generation = ++this.generation;
    const loop = async () => {
      await this.refresh();
      if (!this.stopped && generation === this.generation)
        this.timer = setTimeout(loop, this.policy.refresh.interval * 1000);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One refresh; concurrent callers share a running one and then run again, so a reload is always seen. */
  async refresh(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.cycle().finally(() => (this.running = null));
    return this.running;
  }

  private async cycle(): Promise<void> {
    const { logger, metrics, clock } = this.opts;
    const policy = this.policy;
    const source = this.source;
    const t0 = performance.now();
    const now = clock();

    const retirements = metrics.registry.getSingleMetric(METRIC.fleetRetirementsTotal) as Counter<string> | undefined;
    for (const name of await this.fleets.discover(source, now, retirements)) this.forget(name);
    const members = this.fleets.members();
    const missing = new Map(
      members.flatMap((m) => (m.entry.state === 'missing' ? [[m.service.name, m.entry.reason] as const] : []))
    );
    const planned = [...policy.services, ...members.map((m) => m.service)];
    const read = await this.readServices(source, planned, missing, now);
    if (this.policy !== policy) return; // a reload meanwhile: its own refresh follows, under the new policy
    const due = this.historyDue(
      policy,
      planned.filter((s) => !missing.has(s.name)),
      now
    );
    // Services seen for the first time (a start, a new fleet member, a reload that changed them) have
    // no fit yet, and a fleet's cold refit is tens of seconds of model work: publish the plans with
    // the fits there are first, so the current headroom and decisions do not wait for it. That
    // publication is provisional (no input-change logs, no plan-error counts: the final one has them).
    // Other due refits (a failed or short history retried, the daily points) keep one publication.
    let signalsSeconds: number | null = null;
    if (due.some((s) => !this.history.has(s.name))) {
      if (!(await this.plan(policy, planned, read, missing, now, { provisional: true }))) return;
      signalsSeconds = (performance.now() - t0) / 1000;
    }
    const historySeconds = await this.refreshHistory(policy, source, due, now);
    if (!(await this.plan(policy, planned, read, missing, now, { provisional: false }))) return;
    signalsSeconds ??= (performance.now() - t0) / 1000;
    const completedAt = clock();
    metrics.setRefresh('signals', signalsSeconds, completedAt);
    if (historySeconds !== null) metrics.setRefresh('history', historySeconds, completedAt);
    this.stats = { signalsSeconds, historySeconds: historySeconds ?? this.stats?.historySeconds ?? null, completedAt };
    logger.debug({ services: this.snapshots.length, seconds: signalsSeconds, historySeconds }, 'refresh complete');
  }

  /** The services whose history is due: none yet, failed, or older than refresh.history_interval. */
  private historyDue(policy: Policy, services: Service[], now: number): Service[] {
    return services.filter((s) => {
      if (s.growth.history_query === undefined) return false;
      const h = this.history.get(s.name);
      return !h || h.fit === null || now - h.fetchedAt >= policy.refresh.history_interval;
    });
  }

  /** Refits the histories that are due, all in one batch; seconds taken, or null when none was due. */
  private async refreshHistory(policy: Policy, source: Source, due: Service[], now: number): Promise<number | null> {
    if (due.length === 0) return null;
    const h0 = performance.now();
    // The fits yield to the event loop: a reload meanwhile already dropped what it changed, and its
    // next refresh refits those services under the new policy; fits made under the old one are not
    // kept, and they stop at the next slice (a fleet's refit is tens of seconds the reload would wait).
    const superseded = () => this.policy !== policy;
    const fitted = await refreshHistories(source, due, now, superseded);
    if (!superseded()) for (const [name, entry] of fitted) this.history.set(name, entry);
    return (performance.now() - h0) / 1000;
  }

  /**
   * Every service's inputs in one readInputsMany (missing fleet services are not read: their
   * inputs are missing with the reason); a failed read is that error for every service read.
   */
  private async readServices(
    source: Source,
    services: Service[],
    /** Missing fleet services → why. */
    missing: ReadonlyMap<string, string>,
    now: number
  ): Promise<Map<string, ServiceInputs> | Error> {
    try {
      return await source.readInputsMany(
        services.filter((s) => !missing.has(s.name)),
        now
      );
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  /**
   * Each service's plan from the inputs read and the fits there are now, published; false (nothing
   * published) when a reload replaced `policy` meanwhile: the plans of a replaced policy (its removed
   * services, old limits and scaling rules) are never published after the reload, whose own refresh
   * publishes the new policy's.
   */
  private async plan(
    policy: Policy,
    services: Service[],
    read: Map<string, ServiceInputs> | Error,
    missing: ReadonlyMap<string, string>,
    now: number,
    /** Published again after a history refit in this refresh: log and count nothing yet. */
    { provisional }: { provisional: boolean }
  ): Promise<boolean> {
    if (this.policy !== policy) return false;
    const results = await Promise.all(
      services.map((s) => {
        const why = missing.get(s.name);
        const inputs = why
          ? missingInputs(s, `service missing from fleet ${s.fleet!.name}: ${why}`, now)
          : read instanceof Error
            ? read
            : (read.get(s.name) ?? new Error(`the source returned no inputs for ${s.name}`));
        return this.refreshService(policy, s, inputs, now, provisional);
      })
    );
    const { logger, metrics } = this.opts;
    if (this.policy !== policy) {
      logger.debug('refresh superseded by a reload: its plans are not published, the reload refreshes again');
      return false;
    }
    const fleetOf = new Map(this.fleets.members().map((m) => [m.service.name, m]));
    this.snapshots = results.flatMap((r) => ('plan' in r ? [withFleet(r, fleetOf.get(r.plan.service))] : []));
    this.failures = results.flatMap((r) => ('error' in r ? [r] : []));
    metrics.publish(this.snapshots, this.failures, {
      seriesBudget: policy.series_budget,
      onTrim: (message, trim) =>
        logger.info({ dropped: trim.dropped, budget: trim.budget }, `series budget: ${message}`),
    });
    metrics.setHistoryPending(
      services.filter((s) => s.growth.history_query !== undefined && !missing.has(s.name) && !this.history.has(s.name))
        .length
    );
    this.fleets.publish(metrics.registry);
    this.published = true;
    return true;
  }

  /**
   * One service's refresh. An error here is a bug, not missing data (sources report missing inputs
   * as values): it is logged, counted and returned as a failure that keeps the input health (every
   * input missing, with the error, when the inputs could not be read), so the service never
   * disappears silently and the other services are unaffected.
   */
  private async refreshService(
    policy: Policy,
    svc: Service,
    inputs: ServiceInputs | Error,
    now: number,
    provisional = false
  ): Promise<ServiceSnapshot | ServiceFailure> {
    const hist = this.history.get(svc.name);
    let health: InputHealth[] | null = null;
    try {
      if (inputs instanceof Error) throw inputs;
      const read = inputs;
      const state = await this.readState(svc.name);
      health = this.health(svc, read, hist, now, provisional);
      const plan = planService(svc, read, hist?.fit ?? null, state, {
        budgetGuard: policy.scaler.budget_guard,
        historyReason: hist?.reason,
      });
      return {
        plan,
        inputs: health,
        limits: { min: svc.scaling.limits.min, max: svc.scaling.limits.max },
        triggers: svc.scaling.scale_out.map((t) => ({ name: t.name, ok: read.scaleOut[t.name]?.ok === true })),
        resources: svc.capacity.resources.flatMap((r) => {
          const unit = svc.signals.find((s) => s.name === r.signal)?.unit;
          return unit ? [{ name: r.name, limit: r.limit, unit }] : [];
        }),
      };
    } catch (e) {
      const error = `${health ? 'planning' : 'reading the inputs'} failed: ${(e as Error)?.message ?? String(e)}`;
      if (!provisional)
        this.opts.logger.error(
          { service: svc.name, err: e },
          `refresh of ${svc.name} failed (${error}); its plan is withdrawn until a refresh succeeds, its input health stays published`
        );
      if (!provisional) this.opts.metrics.countPlanError(svc.name);
      const inputs = health ?? this.unread(svc, hist, error, now, provisional);
      return { service: svc.name, at: now, error, inputs, fleet: svc.fleet?.name };
    }
  }

  /** Input health when the inputs could not be read at all: every input missing, with the error. */
  private unread(
    svc: Service,
    hist: HistoryEntry | undefined,
    error: string,
    now: number,
    provisional: boolean
  ): InputHealth[] {
    const missing: Reading = { ok: false, reason: error };
    const signals = Object.fromEntries(svc.signals.map((s) => [s.name, missing]));
    const inputs = { now, current: missing, signals, scaleOut: {}, spendToDate: missing };
    return this.health(svc, inputs, hist, now, provisional);
  }

  private async readState(service: string): Promise<DecisionState> {
    if (!this.opts.state) return emptyState();
    try {
      return await this.opts.state(service);
    } catch (e) {
      this.opts.logger.warn(
        { service, err: e },
        'cannot read the scaler state; the live decision ignores past actions (cooldowns, rate limits)'
      );
      return emptyState();
    }
  }

  /** Per input: ok/value/reason, last success; logs a line when an input goes missing (or its reason changes) and when it recovers. */
  /** Logs an input that went missing, changed its reason or recovered (once per change). */
  private noteChange(service: string, signal: string, r: Reading): void {
    const { logger } = this.opts;
    const key = `${service}\0${signal}`;
    if (r.ok) {
      if (this.lastReason.has(key)) logger.info({ service, signal }, `input recovered: ${service}/${signal}`);
      this.lastReason.delete(key);
      return;
    }
    if (this.lastReason.get(key) !== r.reason)
      logger.warn({ service, signal, reason: r.reason }, `input missing: ${service}/${signal}: ${r.reason}`);
    else logger.debug({ service, signal, reason: r.reason }, `input still missing: ${service}/${signal}`);
    this.lastReason.set(key, r.reason);
  }

  private health(
    svc: Service,
    inputs: ServiceInputs,
    hist: HistoryEntry | undefined,
    now: number,
    /** A provisional publication logs nothing: the final one of this refresh does, once, with its history. */
    provisional = false
  ): InputHealth[] {
    const readings: [string, Reading][] = svc.signals.map((s) => [
      s.name,
      inputs.signals[s.name] ?? { ok: false, reason: 'not read' },
    ]);
    readings.push(['instances', inputs.current]);
    readings.push(['spend', inputs.spendToDate]);
    // A service without growth.history_query has no history input (nothing to be missing).
    if (svc.growth.history_query !== undefined)
      readings.push([
        'history',
        hist?.fit ? { ok: true, value: hist.fit.lastValue } : { ok: false, reason: hist?.reason ?? 'not read yet' },
      ]);
    // A trigger's window query can fail while its signal's instant query succeeds.
    const windowFailures: string[] = [];
    for (const t of svc.scaling.scale_out) {
      const o = inputs.scaleOut[t.name];
      if (o && !o.ok && inputs.signals[t.signal]?.ok) windowFailures.push(`trigger ${t.name}: ${o.reason}`);
    }
    (inputs.scaleIn ?? []).forEach((o, i) => {
      const c = svc.scaling.scale_in!.conditions[i];
      if (!o.ok && inputs.signals[c.signal]?.ok) windowFailures.push(`scale-in condition ${c.signal}: ${o.reason}`);
    });

    const { logger } = this.opts;
    const out: InputHealth[] = [];
    for (const [signal, r] of readings) {
      const key = `${svc.name}\0${signal}`;
      if (r.ok) this.lastSuccess.set(key, signal === 'history' ? hist!.fetchedAt : now);
      if (!provisional) this.noteChange(svc.name, signal, r);
      out.push({
        signal,
        ok: r.ok,
        value: r.ok ? r.value : null,
        reason: r.ok ? undefined : r.reason,
        lastSuccess: this.lastSuccess.get(key) ?? null,
      });
    }
    const prefix = `${svc.name}\0window\0`;
    const current = new Set(windowFailures.map((w) => prefix + w));
    for (const key of [...this.lastReason.keys()])
      if (key.startsWith(prefix) && !current.has(key)) this.lastReason.delete(key);
    for (const w of windowFailures) {
      const key = prefix + w;
      if (!this.lastReason.has(key)) logger.warn({ service: svc.name, reason: w }, `input missing: ${svc.name}/${w}`);
      this.lastReason.set(key, w);
    }
    return out;
  }
}

/** A fleet service's snapshot carries its fleet and state (for /api/v1/plan). */
function withFleet(s: ServiceSnapshot, m: FleetMember | undefined): ServiceSnapshot {
  return m ? { ...s, fleet: fleetStatus(m) } : s;
}
