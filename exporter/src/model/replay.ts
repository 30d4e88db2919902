import { CronExpressionParser } from 'cron-parser';
import type { Schedule, Service } from '../config/schema.js';
import {
  BLOCK_REASONS,
  decide,
  emptyState,
  isQuietStep,
  recordAction,
  usedSignals,
  type BlockReason,
  type DecisionInput,
  type DecisionState,
  type Observation,
} from './decision.js';
import { hourlyRate, type Pricing } from './cost.js';
import { activeSchedule, type ActiveSchedule } from './schedule.js';

/**
 * Backtest: replays a service's scaling policy over recorded data, step by step, with the same
 * decide() the exporter and the scaler use, and simulates the instance count it would have set.
 *
 * Simulation rule. Every recorded sample was measured on the recorded fleet. When the simulated
 * fleet differs, a `utilization` signal (CPU %, sessions per instance, latency…) is taken to scale
 * with the load per instance: simulated = recorded × recorded_instances / simulated_instances.
 * A `count` signal (total users, requests) is a property of the demand and stays as recorded.
 * A missing sample (or, for a utilization signal, a missing recorded instance count) is a missing
 * observation, never an invented value; decide() then never scales in.
 *
 * Sustained: a scale-out trigger holds at step t when every simulated sample in [t - for, t] is
 * present and above its threshold (Prometheus: the alert stayed active for `for`); a scale-in
 * condition likewise with every sample below. A window reaching before the first sample does not
 * hold. Actions take effect at the step they are decided; the new count applies from that step on.
 */

export interface ReplayInput {
  /** Unix seconds of the first sample; sample k is at start + k * step and stands for [t, t + step). */
  start: number;
  /** Seconds between samples. */
  step: number;
  /** Recorded instance count per step, NaN where missing. */
  instances: ArrayLike<number>;
  /** Recorded value per signal name per step, NaN where missing. Signals absent here are missing throughout. */
  signals: Record<string, ArrayLike<number>>;
}

export interface ReplayOptions {
  /** A reversal (scale-in after a scale-out or the reverse) within this many seconds is a flap. */
  flapWindow: number;
  /**
   * Skip calling decide() on steps where it provably returns "no action" and changes no state
   * (nothing sustained, scale-in not eligible, count within limits, no schedule pending). Same
   * result, ~10× faster on policies with schedules (cron evaluation dominates decide()). Default true.
   */
  skipQuietSteps?: boolean;
}

export const REPLAY_DEFAULTS = {
  /** Seconds: a reversal within 30 minutes counts as a flap. */
  flapWindow: 1800,
} as const;

export interface ReplayDecision {
  at: number;
  time: string;
  action: 'scale_out' | 'scale_in';
  from: number;
  to: number;
  trigger: string;
  /** Recorded fleet at that moment, null when unknown. */
  recorded: number | null;
  /** This action reverses the previous one within the flap window. */
  flap: boolean;
  firing: string[];
  reasons: string[];
  warnings: string[];
}

export interface TriggerRisk {
  trigger: string;
  signal: string;
  above: number;
  /** Minutes the simulated signal spent above the threshold. */
  simulatedMinutes: number;
  /** Minutes the recorded signal spent above the threshold. */
  recordedMinutes: number;
}

export interface DaySummary {
  /** UTC date, YYYY-MM-DD. */
  date: string;
  scaleOuts: number;
  scaleIns: number;
  flaps: number;
  minInstances: number | null;
  maxInstances: number | null;
  instanceHours: { simulated: number; recorded: number };
  cost: { simulated: number; recorded: number };
  /** Minutes where at least one scale-out trigger's simulated signal was above its threshold. */
  riskMinutes: number;
  minutesAtMax: number;
}

export interface ReplayResult {
  service: string;
  from: number;
  to: number;
  step: number;
  steps: number;
  flapWindow: number;
  /** Share of steps with data (0..1), per signal the policy uses and for the instance count. */
  coverage: { instances: number; signals: Record<string, number> };
  summary: {
    scaleOuts: number;
    scaleIns: number;
    flaps: number;
    minutesAtMax: number;
    instances: { start: number | null; end: number | null; min: number | null; max: number | null };
    instanceHours: { simulated: number; recorded: number };
    cost: { pricing: Pricing; currency: string; simulated: number; recorded: number };
    risk: TriggerRisk[];
    /** Steps at which the policy wanted to act but something blocked it, per reason (missing data: see missingSteps). */
    blocked: Partial<Record<BlockReason, number>>;
    /** Steps where at least one input was missing (no scale-in was possible then). */
    missingSteps: number;
  };
  days: DaySummary[];
  decisions: ReplayDecision[];
}

/** Sliding-window minimum (or maximum) over the last `w` indices, O(1) amortised per push. */
class MonotonicWindow {
  private readonly idx: Int32Array;
  private head = 0;
  private tail = 0;
  constructor(
    n: number,
    private readonly w: number,
    private readonly values: Float64Array,
    private readonly kind: 'min' | 'max'
  ) {
    this.idx = new Int32Array(Math.max(1, n));
  }
  /** Adds index k (its value must be finite) and drops indices that left the window. */
  push(k: number): void {
    const v = this.values[k];
    while (this.tail > this.head) {
      const back = this.values[this.idx[this.tail - 1]];
      if (this.kind === 'min' ? back >= v : back <= v) this.tail--;
      else break;
    }
    this.idx[this.tail++] = k;
  }
  /** The extreme over (k - w, k], or NaN when the window holds no value. */
  extreme(k: number): number {
    while (this.tail > this.head && this.idx[this.head] <= k - this.w) this.head++;
    return this.tail > this.head ? this.values[this.idx[this.head]] : NaN;
  }
}

/** Active schedule per time, re-evaluated only when one of the schedules fires again. */
class ScheduleClock {
  private active: ActiveSchedule | null = null;
  private validUntil = -Infinity;
  private validFrom = Infinity;
  constructor(private readonly schedules: readonly Schedule[]) {}
  at(now: number): ActiveSchedule | null {
    if (this.schedules.length === 0) return null;
    if (now >= this.validFrom && now < this.validUntil) return this.active;
    this.active = activeSchedule(this.schedules, now);
    this.validFrom = now;
    this.validUntil = Math.min(
      ...this.schedules.map(
        (s) =>
          CronExpressionParser.parse(s.cron, { currentDate: new Date(now * 1000 + 1), tz: s.timezone })
            .next()
            .getTime() / 1000
      )
    );
    return this.active;
  }
}

const iso = (t: number) => new Date(t * 1000).toISOString();
const day = (t: number) => iso(t).slice(0, 10);

interface WindowedInput {
  signal: string;
  values: Float64Array;
  missingPrefix: Int32Array;
  window: number;
  extreme: MonotonicWindow;
}

/**
 * Stage 1, simulate: the policy's signals on the simulated fleet, one step at a time (a step's samples
 * depend on the count the previous steps' actions set), and what decide() observes of them.
 * Owns the simulated series; nothing else writes them.
 */
class Simulation {
  /** Simulated value per used signal per step, NaN where missing. */
  readonly values = new Map<string, Float64Array>();
  private readonly missingPrefix = new Map<string, Int32Array>();
  private readonly kindOf: Map<string, string>;
  private readonly outWindows: WindowedInput[];
  private readonly inWindows: WindowedInput[];

  constructor(
    private readonly svc: Service,
    private readonly input: ReplayInput,
    private readonly used: readonly string[]
  ) {
    const n = input.instances.length;
    const policy = svc.scaling;
    this.kindOf = new Map(svc.signals.map((s) => [s.name, s.kind]));
    for (const name of used) {
      this.values.set(name, new Float64Array(n).fill(NaN));
      this.missingPrefix.set(name, new Int32Array(n + 1));
    }
    this.outWindows = policy.scale_out.map((t) => this.windowed(t.signal, t.for, 'min'));
    this.inWindows = policy.scale_in?.conditions.map((c) => this.windowed(c.signal, policy.scale_in!.for, 'max')) ?? [];
  }

  private windowed(signal: string, seconds: number, kind: 'min' | 'max'): WindowedInput {
    const n = this.input.instances.length;
    const window = Math.floor(seconds / this.input.step + 1e-9) + 1;
    const values = this.values.get(signal)!;
    return {
      signal,
      values,
      missingPrefix: this.missingPrefix.get(signal)!,
      window,
      extreme: new MonotonicWindow(n, window, values, kind),
    };
  }

  /** Simulated samples at step k, on the fleet of `current` instances (before this step's action). */
  private sample(k: number, recorded: number | null, current: number | null): void {
    for (const name of this.used) {
      const raw = this.input.signals[name]?.[k];
      let v = NaN;
      if (raw !== undefined && Number.isFinite(raw)) {
        if (this.kindOf.get(name) === 'count') v = raw;
        else if (recorded !== null && current !== null && current > 0) v = (raw * recorded) / current;
      }
      this.values.get(name)![k] = v;
      const mp = this.missingPrefix.get(name)!;
      mp[k + 1] = mp[k] + (Number.isFinite(v) ? 0 : 1);
    }
  }

  private observe(w: WindowedInput, k: number, holds: (extreme: number) => boolean): Observation {
    const v = w.values[k];
    if (!Number.isFinite(v)) {
      const why = Number.isFinite(this.input.signals[w.signal]?.[k] ?? NaN)
        ? 'no recorded instance count to scale it by'
        : 'no sample';
      return { ok: false, reason: `${w.signal}: ${why} at ${iso(this.input.start + k * this.input.step)}` };
    }
    w.extreme.push(k);
    const full = k + 1 >= w.window && w.missingPrefix[k + 1] - w.missingPrefix[k + 1 - w.window] === 0;
    return { ok: true, value: v, sustained: full && holds(w.extreme.extreme(k)) };
  }

  /** Samples step k and returns what decide() reads of it, and whether any of it is missing. */
  step(
    k: number,
    recorded: number | null,
    current: number | null
  ): Pick<DecisionInput, 'scaleOut' | 'scaleIn'> & { missing: boolean } {
    this.sample(k, recorded, current);
    const policy = this.svc.scaling;
    const scaleOut: Record<string, Observation> = {};
    policy.scale_out.forEach(
      (t, i) => (scaleOut[t.name] = this.observe(this.outWindows[i], k, (min) => min > t.above))
    );
    const scaleIn = policy.scale_in?.conditions.map((c, i) =>
      this.observe(this.inWindows[i], k, (max) => max < c.below)
    );
    const missing = [...Object.values(scaleOut), ...(scaleIn ?? [])].some((o) => !o.ok);
    return { scaleOut, scaleIn, missing };
  }
}

/** What the decide stage did at one step: the action taken, or what blocked one. */
interface DecideOutcome {
  decision: Omit<ReplayDecision, 'flap' | 'recorded'> | null;
  blockedBy: readonly BlockReason[];
}

/**
 * Stage 2, decide: the same decide() as the exporter and the scaler, with the state it carries from
 * step to step (actions for cooldowns and rate limits, applied schedules). Steps the shared quiet-step
 * predicate proves idle are skipped (same result, see ReplayOptions.skipQuietSteps).
 */
class DecideStage {
  private state: DecisionState = emptyState();
  private readonly schedules: ScheduleClock;

  constructor(
    private readonly policy: Service['scaling'],
    private readonly skipQuiet: boolean
  ) {
    this.schedules = new ScheduleClock(policy.schedules);
  }

  step(input: DecisionInput): DecideOutcome {
    if (this.skipQuiet && isQuietStep(this.policy, input, this.state, this.schedules.at(input.now)))
      return { decision: null, blockedBy: [] };
    const d = decide(this.policy, input, this.state);
    this.state = recordAction(this.state, d);
    if (d.action === 'none' || d.current === null || d.target === null)
      return { decision: null, blockedBy: d.action === 'none' ? d.blockedBy : [] };
    const { action, current: from, target: to, trigger, firing, reasons, warnings } = d;
    const at = input.now;
    return {
      decision: { at, time: iso(at), action, from, to, trigger: trigger ?? '', firing, reasons, warnings },
      blockedBy: [],
    };
  }
}

/** Simulate and decide, step by step: the replayed fleet, as columns the tally reads. */
interface Trace {
  /** Recorded count per step, null where missing. */
  recorded: (number | null)[];
  /** Simulated count per step after that step's action, null until a count is known. */
  simulated: (number | null)[];
  /** The simulated signals per step, before that step's action. */
  signals: ReadonlyMap<string, Float64Array>;
  /** Steps where an input was missing (or no count was known yet). */
  missing: Uint8Array;
  /** Block reasons of the steps where the policy wanted to act and did not. */
  blocked: (readonly BlockReason[])[];
  decisions: Omit<ReplayDecision, 'flap'>[];
}

function simulateAndDecide(svc: Service, input: ReplayInput, options: ReplayOptions, used: readonly string[]): Trace {
  const n = input.instances.length;
  const simulation = new Simulation(svc, input, used);
  const decider = new DecideStage(svc.scaling, options.skipQuietSteps ?? true);
  const trace: Trace = {
    recorded: [],
    simulated: [],
    signals: simulation.values,
    missing: new Uint8Array(n),
    blocked: [],
    decisions: [],
  };
  let current: number | null = null;
  for (let k = 0; k < n; k++) {
    const now = input.start + k * input.step;
    const recorded = Number.isFinite(input.instances[k]) ? input.instances[k] : null;
    if (current === null && recorded !== null) current = Math.round(recorded);
    const { scaleOut, scaleIn, missing } = simulation.step(k, recorded, current);
    trace.missing[k] = missing || current === null ? 1 : 0;
    const { decision, blockedBy } = decider.step({ now, current, scaleOut, scaleIn });
    trace.blocked.push(blockedBy);
    if (decision) {
      trace.decisions.push({ ...decision, recorded });
      current = decision.to;
    }
    trace.recorded.push(recorded);
    trace.simulated.push(current);
  }
  return trace;
}

/** Marks each decision that reverses the previous one within the flap window. */
function markFlaps(decisions: Omit<ReplayDecision, 'flap'>[], flapWindow: number): ReplayDecision[] {
  return decisions.map(({ at, time, action, from, to, trigger, recorded, firing, reasons, warnings }, i) => {
    const last = decisions[i - 1];
    const flap = last !== undefined && last.action !== action && at - last.at <= flapWindow;
    return { at, time, action, from, to, trigger, recorded, flap, firing, reasons, warnings };
  });
}

const newDay = (date: string): DaySummary => ({
  date,
  scaleOuts: 0,
  scaleIns: 0,
  flaps: 0,
  minInstances: null,
  maxInstances: null,
  instanceHours: { simulated: 0, recorded: 0 },
  cost: { simulated: 0, recorded: 0 },
  riskMinutes: 0,
  minutesAtMax: 0,
});

const minOf = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
const maxOf = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));

type Fleet = 'simulated' | 'recorded';

/** Instance-seconds and cost of the simulated and recorded fleets, per day and in total. */
interface FleetTotals {
  days: DaySummary[];
  instanceSeconds: Record<Fleet, number>;
  cost: Record<Fleet, number>;
  minutesAtMax: number;
  min: number | null;
  max: number | null;
}

/** Stage 3, tally (fleet): sums the simulated and recorded fleets' size and cost, step by step. */
function tallyFleet(svc: Service, input: ReplayInput, trace: Trace, decisions: ReplayDecision[]): FleetTotals {
  const { step } = input;
  const rate = memoRate(svc);
  const [hours, minutes] = [step / 3600, step / 60];
  const t: FleetTotals = {
    days: [],
    instanceSeconds: { simulated: 0, recorded: 0 },
    cost: { simulated: 0, recorded: 0 },
    minutesAtMax: 0,
    min: null,
    max: null,
  };
  const byDay = new Map<string, DaySummary>();
  // Instance-seconds, summed exactly for whole counts and turned into hours at the end.
  const run = (today: DaySummary, fleet: Fleet, count: number) => {
    t.instanceSeconds[fleet] += count * step;
    today.instanceHours[fleet] += count * step;
    const c = rate(count) * hours;
    t.cost[fleet] += c;
    today.cost[fleet] += c;
  };
  trace.simulated.forEach((current, k) => {
    const date = day(input.start + k * step);
    let today = byDay.get(date);
    if (!today) {
      today = newDay(date);
      byDay.set(date, today);
      t.days.push(today);
    }
    if (scaleOutRisk(svc, trace, k)) today.riskMinutes += minutes;
    if (current !== null) {
      run(today, 'simulated', current);
      if (current >= svc.scaling.limits.max) {
        t.minutesAtMax += minutes;
        today.minutesAtMax += minutes;
      }
      [t.min, t.max] = [minOf(t.min, current), maxOf(t.max, current)];
      [today.minInstances, today.maxInstances] = [
        minOf(today.minInstances, current),
        maxOf(today.maxInstances, current),
      ];
    }
    const recorded = trace.recorded[k];
    if (recorded !== null) run(today, 'recorded', recorded);
  });
  for (const d of decisions) {
    const today = byDay.get(day(d.at))!;
    if (d.action === 'scale_out') today.scaleOuts++;
    else today.scaleIns++;
    if (d.flap) today.flaps++;
  }
  return t;
}

/** Hourly price of a count, computed once per count. */
function memoRate(svc: Service): (count: number) => number {
  const cache = new Map<number, number>();
  return (count) => {
    let r = cache.get(count);
    if (r === undefined) cache.set(count, (r = hourlyRate(svc.capacity, svc.cost, count)));
    return r;
  };
}

/** Whether any scale-out trigger's simulated signal was above its threshold at step k. */
const scaleOutRisk = (svc: Service, trace: Trace, k: number) =>
  svc.scaling.scale_out.some((t) => trace.signals.get(t.signal)![k] > t.above);

/** Stage 3, tally (triggers): minutes each scale-out trigger's signal spent above its threshold. */
function tallyRisk(svc: Service, input: ReplayInput, trace: Trace): TriggerRisk[] {
  const minutes = input.step / 60;
  return svc.scaling.scale_out.map((t) => {
    const simulated = trace.signals.get(t.signal)!;
    const recorded = input.signals[t.signal];
    let [simulatedMinutes, recordedMinutes] = [0, 0];
    for (let k = 0; k < simulated.length; k++) {
      if (simulated[k] > t.above) simulatedMinutes += minutes;
      if (recorded !== undefined && recorded[k] > t.above) recordedMinutes += minutes;
    }
    return { trigger: t.name, signal: t.signal, above: t.above, simulatedMinutes, recordedMinutes };
  });
}

/** Block reasons counted per step, in BLOCK_REASONS order (JSON keys independent of which came first). */
function tallyBlocked(trace: Trace): Partial<Record<BlockReason, number>> {
  const counts: Partial<Record<BlockReason, number>> = {};
  for (const reasons of trace.blocked)
    for (const b of reasons) if (b !== 'missing_data') counts[b] = (counts[b] ?? 0) + 1;
  return Object.fromEntries(BLOCK_REASONS.filter((b) => counts[b] !== undefined).map((b) => [b, counts[b]]));
}

/** Share of steps with a finite value. */
function coverage(values: ArrayLike<number> | undefined, n: number): number {
  if (!n || values === undefined) return 0;
  let present = 0;
  for (let k = 0; k < n; k++) if (Number.isFinite(values[k])) present++;
  return present / n;
}

function checkInput(input: ReplayInput): void {
  const n = input.instances.length;
  if (!(input.step > 0)) throw new Error(`replay: step must be positive, got ${input.step}`);
  for (const [name, s] of Object.entries(input.signals)) {
    if (s.length !== n) throw new Error(`replay: signal ${name} has ${s.length} samples, expected ${n} (one per step)`);
  }
}

/** Replays `svc`'s scaling policy over `input`: simulate → decide per step, then tally. Pure and deterministic. */
export function replay(svc: Service, input: ReplayInput, options: ReplayOptions): ReplayResult {
  checkInput(input);
  const { start, step } = input;
  const n = input.instances.length;
  const used = usedSignals(svc.scaling);
  const trace = simulateAndDecide(svc, input, options, used);
  const decisions = markFlaps(trace.decisions, options.flapWindow);
  const fleet = tallyFleet(svc, input, trace, decisions);
  const scaleOuts = decisions.filter((d) => d.action === 'scale_out').length;
  const firstRecorded = trace.recorded.find((r) => r !== null);
  return {
    service: svc.name,
    from: start,
    to: start + n * step,
    step,
    steps: n,
    flapWindow: options.flapWindow,
    coverage: {
      instances: coverage(input.instances, n),
      signals: Object.fromEntries(used.map((s) => [s, coverage(input.signals[s], n)])),
    },
    summary: {
      scaleOuts,
      scaleIns: decisions.length - scaleOuts,
      flaps: decisions.filter((d) => d.flap).length,
      minutesAtMax: fleet.minutesAtMax,
      instances: {
        start: firstRecorded == null ? null : Math.round(firstRecorded),
        end: n ? trace.simulated[n - 1] : null,
        min: fleet.min,
        max: fleet.max,
      },
      instanceHours: {
        simulated: fleet.instanceSeconds.simulated / 3600,
        recorded: fleet.instanceSeconds.recorded / 3600,
      },
      cost: {
        pricing: svc.cost.projection_pricing,
        currency: svc.cost.currency,
        simulated: fleet.cost.simulated,
        recorded: fleet.cost.recorded,
      },
      risk: tallyRisk(svc, input, trace),
      blocked: tallyBlocked(trace),
      missingSteps: trace.missing.reduce((a, b) => a + b, 0),
    },
    days: fleet.days.map((d) => ({
      ...d,
      instanceHours: { simulated: d.instanceHours.simulated / 3600, recorded: d.instanceHours.recorded / 3600 },
    })),
    decisions,
  };
}
