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

/** Replays `svc`'s scaling policy over `input`. Pure and deterministic. */
export function replay(svc: Service, input: ReplayInput, options: ReplayOptions): ReplayResult {
  const { start, step } = input;
  const n = input.instances.length;
  const policy = svc.scaling;
  const skipQuiet = options.skipQuietSteps ?? true;
  if (!(step > 0)) throw new Error(`replay: step must be positive, got ${step}`);
  for (const [name, s] of Object.entries(input.signals)) {
    if (s.length !== n) throw new Error(`replay: signal ${name} has ${s.length} samples, expected ${n} (one per step)`);
  }

  // Signals the policy reads, each simulated once per step.
  const used = usedSignals(policy);
  const kindOf = new Map(svc.signals.map((s) => [s.name, s.kind]));
  const sim = new Map<string, Float64Array>();
  const missingPrefix = new Map<string, Int32Array>();
  for (const name of used) {
    sim.set(name, new Float64Array(n).fill(NaN));
    missingPrefix.set(name, new Int32Array(n + 1));
  }
  const windowed = (signal: string, seconds: number, kind: 'min' | 'max'): WindowedInput => {
    const window = Math.floor(seconds / step + 1e-9) + 1;
    return {
      signal,
      values: sim.get(signal)!,
      missingPrefix: missingPrefix.get(signal)!,
      window,
      extreme: new MonotonicWindow(n, window, sim.get(signal)!, kind),
    };
  };
  const outWindows = policy.scale_out.map((t) => windowed(t.signal, t.for, 'min'));
  const inWindows = policy.scale_in?.conditions.map((c) => windowed(c.signal, policy.scale_in!.for, 'max')) ?? [];

  const schedules = new ScheduleClock(policy.schedules);
  const limits = policy.limits;
  const rateCache = new Map<number, number>();
  const rate = (count: number) => {
    let r = rateCache.get(count);
    if (r === undefined) {
      r = hourlyRate(svc.capacity, svc.cost, count);
      rateCache.set(count, r);
    }
    return r;
  };
  const hours = step / 3600;
  const minutes = step / 60;

  let state: DecisionState = emptyState();
  let current: number | null = null;
  const decisions: ReplayDecision[] = [];
  const blocked: Partial<Record<BlockReason, number>> = {};
  const risk: TriggerRisk[] = policy.scale_out.map((t) => ({
    trigger: t.name,
    signal: t.signal,
    above: t.above,
    simulatedMinutes: 0,
    recordedMinutes: 0,
  }));
  const present: Record<string, number> = Object.fromEntries(used.map((s) => [s, 0]));
  let instancesPresent = 0;
  let missingSteps = 0;
  let minutesAtMax = 0;
  let simSeconds = 0;
  let recSeconds = 0;
  let simCost = 0;
  let recCost = 0;
  let startCount: number | null = null;
  let minCount: number | null = null;
  let maxCount: number | null = null;
  const days: DaySummary[] = [];
  let today: DaySummary | null = null;
  let last: { at: number; action: 'scale_out' | 'scale_in' } | null = null;

  for (let k = 0; k < n; k++) {
    const now = start + k * step;
    const date = day(now);
    if (!today || today.date !== date) {
      today = {
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
      };
      days.push(today);
    }
    const recorded = Number.isFinite(input.instances[k]) ? input.instances[k] : null;
    if (recorded !== null) instancesPresent++;
    if (current === null && recorded !== null) current = Math.round(recorded);
    if (startCount === null) startCount = current;

    // Simulated samples at this step, on the fleet before this step's action.
    for (const name of used) {
      const raw = input.signals[name]?.[k];
      let v = NaN;
      if (raw !== undefined && Number.isFinite(raw)) {
        present[name]++;
        if (kindOf.get(name) === 'count') v = raw;
        else if (recorded !== null && current !== null && current > 0) v = (raw * recorded) / current;
      }
      sim.get(name)![k] = v;
      const mp = missingPrefix.get(name)!;
      mp[k + 1] = mp[k] + (Number.isFinite(v) ? 0 : 1);
    }

    const observe = (w: WindowedInput, holds: (extreme: number) => boolean): Observation => {
      const v = w.values[k];
      if (Number.isFinite(v)) w.extreme.push(k);
      if (!Number.isFinite(v)) {
        const why = Number.isFinite(input.signals[w.signal]?.[k] ?? NaN)
          ? 'no recorded instance count to scale it by'
          : 'no sample';
        return { ok: false, reason: `${w.signal}: ${why} at ${iso(now)}` };
      }
      const full = k + 1 >= w.window && w.missingPrefix[k + 1] - w.missingPrefix[k + 1 - w.window] === 0;
      return { ok: true, value: v, sustained: full && holds(w.extreme.extreme(k)) };
    };
    const scaleOut: Record<string, Observation> = {};
    let anyMissing = false;
    let anyAbove = false;
    policy.scale_out.forEach((t, i) => {
      const o = observe(outWindows[i], (min) => min > t.above);
      scaleOut[t.name] = o;
      if (!o.ok) anyMissing = true;
      else if (o.value > t.above) {
        risk[i].simulatedMinutes += minutes;
        anyAbove = true;
      }
      const raw = input.signals[t.signal]?.[k];
      if (raw !== undefined && raw > t.above) risk[i].recordedMinutes += minutes;
    });
    const scaleIn = policy.scale_in
      ? policy.scale_in.conditions.map((c, i) => observe(inWindows[i], (max) => max < c.below))
      : undefined;
    if (scaleIn?.some((o) => !o.ok)) anyMissing = true;
    if (anyMissing || current === null) missingSteps++;
    if (anyAbove) today.riskMinutes += minutes;

    const decisionInput: DecisionInput = { now, current, scaleOut, scaleIn };
    const quiet = skipQuiet && isQuietStep(policy, decisionInput, state, schedules.at(now));
    if (!quiet) {
      const d = decide(policy, decisionInput, state);
      if (d.action === 'none')
        for (const b of d.blockedBy) if (b !== 'missing_data') blocked[b] = (blocked[b] ?? 0) + 1;
      state = recordAction(state, d);
      if (d.action !== 'none' && d.current !== null && d.target !== null) {
        const flap = last !== null && last.action !== d.action && d.at - last.at <= options.flapWindow;
        decisions.push({
          at: now,
          time: iso(now),
          action: d.action,
          from: d.current,
          to: d.target,
          trigger: d.trigger ?? '',
          recorded,
          flap,
          firing: d.firing,
          reasons: d.reasons,
          warnings: d.warnings,
        });
        last = { at: now, action: d.action };
        if (d.action === 'scale_out') today.scaleOuts++;
        else today.scaleIns++;
        if (flap) today.flaps++;
        current = d.target;
      }
    }

    if (current !== null) {
      // Instance-seconds, summed exactly for whole counts and turned into hours at the end.
      simSeconds += current * step;
      today.instanceHours.simulated += current * step;
      const c = rate(current) * hours;
      simCost += c;
      today.cost.simulated += c;
      if (current >= limits.max) {
        minutesAtMax += minutes;
        today.minutesAtMax += minutes;
      }
      minCount = minCount === null ? current : Math.min(minCount, current);
      maxCount = maxCount === null ? current : Math.max(maxCount, current);
      today.minInstances = today.minInstances === null ? current : Math.min(today.minInstances, current);
      today.maxInstances = today.maxInstances === null ? current : Math.max(today.maxInstances, current);
    }
    if (recorded !== null) {
      recSeconds += recorded * step;
      today.instanceHours.recorded += recorded * step;
      const c = rate(recorded) * hours;
      recCost += c;
      today.cost.recorded += c;
    }
  }

  const scaleOuts = decisions.filter((d) => d.action === 'scale_out').length;
  return {
    service: svc.name,
    from: start,
    to: start + n * step,
    step,
    steps: n,
    flapWindow: options.flapWindow,
    coverage: {
      instances: n ? instancesPresent / n : 0,
      signals: Object.fromEntries(used.map((s) => [s, n ? present[s] / n : 0])),
    },
    summary: {
      scaleOuts,
      scaleIns: decisions.length - scaleOuts,
      flaps: decisions.filter((d) => d.flap).length,
      minutesAtMax,
      instances: { start: startCount, end: current, min: minCount, max: maxCount },
      instanceHours: { simulated: simSeconds / 3600, recorded: recSeconds / 3600 },
      cost: {
        pricing: svc.cost.projection_pricing,
        currency: svc.cost.currency,
        simulated: simCost,
        recorded: recCost,
      },
      risk,
      // In BLOCK_REASONS order, so the JSON keys do not depend on which block came first.
      blocked: Object.fromEntries(BLOCK_REASONS.filter((b) => blocked[b] !== undefined).map((b) => [b, blocked[b]])),
      missingSteps,
    },
    days: days.map((d) => ({
      ...d,
      instanceHours: { simulated: d.instanceHours.simulated / 3600, recorded: d.instanceHours.recorded / 3600 },
    })),
    decisions,
  };
}
