import type { ScalingPolicy } from '../config/schema.js';
import { proportionalTarget } from './capacity.js';
import { activeSchedule } from './schedule.js';

export type Action = 'scale_out' | 'scale_in' | 'none';
export type BlockReason =
  | 'cooldown'
  | 'rate_limit'
  | 'max_instances'
  | 'min_instances'
  | 'missing_data'
  | 'warmup'
  | 'budget'
  | 'scale_out_active';
export const BLOCK_REASONS: readonly BlockReason[] = [
  'cooldown',
  'rate_limit',
  'max_instances',
  'min_instances',
  'missing_data',
  'warmup',
  'budget',
  'scale_out_active',
];

/**
 * What is known of one trigger or condition now. `sustained` means the condition held for the
 * trigger's whole `for` window (Prometheus: the alert fired; the exporter: a range function).
 */
export type Observation = { ok: true; value: number; sustained: boolean } | { ok: false; reason: string };

export interface ActionRecord {
  /** Unix seconds. */
  at: number;
  action: 'scale_out' | 'scale_in';
  trigger: string;
  from: number;
  to: number;
}

export interface DecisionState {
  /** Actions taken, oldest first. Only the last day is needed (see pruneState). */
  actions: ActionRecord[];
  /** Per schedule name, the cron fire (unix seconds) whose desired count has been applied. */
  schedulesApplied: Record<string, number>;
}

export const emptyState = (): DecisionState => ({ actions: [], schedulesApplied: {} });

export interface BudgetCheck {
  mode: 'warn' | 'block';
  forecastMonthEnd: number;
  monthlyBudget: number;
  /** Cost of one more instance from now until the end of the month. */
  instanceCostRestOfMonth: number;
}

export interface DecisionInput {
  now: number;
  current: number | null;
  /** Per scale-out trigger name. A trigger absent from the map is not evaluated (e.g. a webhook call names one trigger). */
  scaleOut: Record<string, Observation | undefined>;
  /** Scale-in conditions in policy order, or undefined when scale-in is not evaluated. */
  scaleIn?: Observation[];
  budget?: BudgetCheck;
}

export interface Decision {
  at: number;
  /** What will be done now. */
  action: Action;
  /** What the policy asks for before blocks (equals `action` when nothing blocks). */
  intended: Action;
  current: number | null;
  /** Absolute instance count to set (equals `current` when no action). */
  target: number | null;
  /** The count the policy asks for before blocks: `target` when acting, what a block held back otherwise, null when nothing is asked. */
  wanted: number | null;
  /** Trigger (or `schedule_<name>`, `min_instances`, `max_instances`, `scale_in`) that drives the action. */
  trigger: string | null;
  /** Scale-out triggers whose condition held for their whole duration. */
  firing: string[];
  blockedBy: BlockReason[];
  /** 0..1 */
  confidence: number;
  /** Human-readable explanation, one sentence per fact. Never used as a metric label. */
  reasons: string[];
  warnings: string[];
  /** Seconds left per scale-out trigger, plus `scale_in`, 0 when not cooling down. */
  cooldownRemaining: Record<string, number>;
  schedule: string | null;
  /** Set when this decision applies (or finds already applied) a schedule's desired count. */
  scheduleApplied?: { name: string; since: number };
}

const HOUR = 3600;

function lastAction(state: DecisionState, action: 'scale_out' | 'scale_in'): ActionRecord | undefined {
  for (let i = state.actions.length - 1; i >= 0; i--) if (state.actions[i].action === action) return state.actions[i];
  return undefined;
}

/** Actions in the rolling hour before `now` (not the clock hour). */
export function actionsInLastHour(state: DecisionState, action: 'scale_out' | 'scale_in', now: number): number {
  return state.actions.filter((a) => a.action === action && a.at > now - HOUR && a.at <= now).length;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/**
 * The scaling decision for one service at `now`. Pure: policy, observations and state in,
 * decision out. The caller records the action (recordAction) once it has been carried out.
 *
 * Cooldowns: a scale-out trigger may act when its own cooldown has passed since the service's
 * last scale-out (whatever triggered it), so a short-cooldown trigger (errors) can follow a
 * long-cooldown one (CPU) sooner, and two triggers firing for the same overload act once.
 * Scale-in waits for its cooldown since the last scale-in and the warm-up since the last scale-out.
 */
export function decide(policy: ScalingPolicy, input: DecisionInput, state: DecisionState): Decision {
  const { now, current } = input;
  const limits = policy.limits;
  const reasons: string[] = [];
  const warnings: string[] = [];
  const blockedBy: BlockReason[] = [];
  const cooldownRemaining: Record<string, number> = {};
  const lastOut = lastAction(state, 'scale_out');
  const lastIn = lastAction(state, 'scale_in');
  for (const t of policy.scale_out) cooldownRemaining[t.name] = lastOut ? Math.max(0, lastOut.at + t.cooldown - now) : 0;
  if (policy.scale_in) cooldownRemaining.scale_in = lastIn ? Math.max(0, lastIn.at + policy.scale_in.cooldown - now) : 0;

  const active = activeSchedule(policy.schedules, now);
  const effMin = Math.min(limits.max, Math.max(limits.min, active?.schedule.min ?? 0));
  const base = { at: now, current, reasons, warnings, cooldownRemaining, schedule: active?.schedule.name ?? null };

  const evaluated = policy.scale_out.filter((t) => input.scaleOut[t.name] !== undefined);
  const missingOut = evaluated.filter((t) => !input.scaleOut[t.name]!.ok);
  const missingIn = (input.scaleIn ?? []).filter((o) => !o.ok).length;
  const totalInputs = evaluated.length + (input.scaleIn?.length ?? 0);
  const availability = totalInputs === 0 ? 1 : (totalInputs - missingOut.length - missingIn) / totalInputs;
  for (const t of missingOut) {
    const o = input.scaleOut[t.name] as { ok: false; reason: string };
    reasons.push(`Trigger ${t.name} has no data (${o.reason}).`);
  }

  const firingTriggers = evaluated.filter((t) => {
    const o = input.scaleOut[t.name]!;
    return o.ok && o.sustained;
  });
  const firing = firingTriggers.map((t) => t.name);

  const none = (intended: Action, confidence: number, extra: Partial<Decision> = {}): Decision => {
    // Whatever else held the fleet, say that inputs were missing: nothing that needed them acted.
    if ((missingOut.length > 0 || missingIn > 0) && !blockedBy.includes('missing_data')) blockedBy.push('missing_data');
    return { ...base, action: 'none', intended, target: current, wanted: null, trigger: null, firing, blockedBy, confidence, ...extra };
  };

  if (current === null) {
    blockedBy.push('missing_data');
    reasons.push('The current instance count is unknown, so no action is taken.');
    return none('none', 0);
  }

  const rateLimited = (action: 'scale_out' | 'scale_in') => {
    const n = actionsInLastHour(state, action, now);
    const cap = action === 'scale_out' ? limits.max_scale_out_per_hour : limits.max_scale_in_per_hour;
    if (n >= cap) {
      blockedBy.push('rate_limit');
      reasons.push(`${n} ${action.replace('_', '-')}s in the last hour reach the limit of ${cap}.`);
      return true;
    }
    return false;
  };

  const scaleOutTo = (target: number, trigger: string, confidence: number, extra: Partial<Decision> = {}): Decision => {
    const capped = Math.min(target, limits.max);
    const held = { trigger, ...extra, wanted: capped, scheduleApplied: undefined };
    if (current >= limits.max) {
      blockedBy.push('max_instances');
      reasons.push(`Already at the maximum of ${limits.max} instances.`);
      return none('scale_out', confidence, held);
    }
    if (rateLimited('scale_out')) return none('scale_out', confidence, held);
    if (capped < target) reasons.push(`Target ${target} capped at the maximum of ${limits.max}.`);
    if (input.budget) {
      const b = input.budget;
      const forecast = b.forecastMonthEnd + (capped - current) * b.instanceCostRestOfMonth;
      if (forecast > b.monthlyBudget) {
        const msg = `Scaling to ${capped} brings the forecast month-end spend to ${fmt(forecast)}, above the budget of ${fmt(b.monthlyBudget)}.`;
        if (b.mode === 'block') {
          blockedBy.push('budget');
          reasons.push(msg);
          return none('scale_out', confidence, held);
        }
        warnings.push(msg);
      }
    }
    reasons.push(`Scale out from ${current} to ${capped} instances (${trigger}).`);
    return { ...base, action: 'scale_out', intended: 'scale_out', target: capped, wanted: capped, trigger, firing, blockedBy, confidence, ...extra };
  };

  // 1. Below the (scheduled) minimum: restore it.
  if (current < effMin) {
    const trig = active && active.schedule.min === effMin && effMin > limits.min ? `schedule_${active.schedule.name}` : 'min_instances';
    reasons.push(`${current} instances is below the minimum of ${effMin}.`);
    return scaleOutTo(effMin, trig, availability);
  }

  // 2. Triggers that fired for their whole duration.
  if (firingTriggers.length > 0) {
    for (const t of firingTriggers) {
      const o = input.scaleOut[t.name] as { ok: true; value: number };
      reasons.push(`Trigger ${t.name}: ${t.signal} ${fmt(o.value)} > ${fmt(t.above)} for ${fmt(t.for)}s.`);
    }
    const eligible = firingTriggers.filter((t) => cooldownRemaining[t.name] === 0);
    const confidence = Math.min(1, 0.4 + 0.3 * firingTriggers.length) * availability;
    const highest = (triggers: typeof firingTriggers) => {
      let best = { target: -1, trigger: '' };
      for (const t of triggers) {
        const o = input.scaleOut[t.name] as { ok: true; value: number };
        let target = current + t.step;
        if (t.target !== undefined && Number.isFinite(o.value)) target = Math.max(target, proportionalTarget(current, o.value, t.target));
        if (target > best.target) best = { target, trigger: t.name };
      }
      return best;
    };
    if (eligible.length === 0) {
      blockedBy.push('cooldown');
      const wait = Math.min(...firingTriggers.map((t) => cooldownRemaining[t.name]));
      reasons.push(`In cooldown: the last scale-out was at ${new Date(lastOut!.at * 1000).toISOString()}, ${fmt(wait)}s left.`);
      const held = highest(firingTriggers);
      return none('scale_out', confidence, { trigger: held.trigger, wanted: Math.min(held.target, limits.max) });
    }
    const best = highest(eligible);
    return scaleOutTo(best.target, best.trigger, confidence);
  }

  // 3. A schedule that has just started: move to its desired count once.
  if (active && state.schedulesApplied[active.schedule.name] !== active.since) {
    const desired = Math.min(limits.max, Math.max(effMin, active.schedule.desired));
    const applied = { name: active.schedule.name, since: active.since };
    const trig = `schedule_${active.schedule.name}`;
    if (desired > current) {
      reasons.push(`Schedule ${active.schedule.name} (since ${new Date(active.since * 1000).toISOString()}) wants ${desired} instances.`);
      return scaleOutTo(desired, trig, availability, { scheduleApplied: applied });
    }
    if (desired < current) {
      reasons.push(`Schedule ${active.schedule.name} (since ${new Date(active.since * 1000).toISOString()}) wants ${desired} instances.`);
      if (scaleInBlocks(current)) return none('scale_in', availability, { trigger: trig, wanted: desired });
      reasons.push(`Scale in from ${current} to ${desired} instances (${trig}).`);
      return { ...base, action: 'scale_in', intended: 'scale_in', target: desired, wanted: desired, trigger: trig, firing, blockedBy, confidence: 0.7, scheduleApplied: applied };
    }
    reasons.push(`Schedule ${active.schedule.name} wants ${desired} instances, which are running.`);
    return none('none', availability, { scheduleApplied: applied });
  }

  // 4. Scale in when every condition held for the whole window.
  if (policy.scale_in && input.scaleIn) {
    const conds = policy.scale_in.conditions;
    const allHeld = input.scaleIn.every((o) => o.ok && o.sustained);
    const othersHeld = input.scaleIn.every((o) => !o.ok || o.sustained);
    if (allHeld || (missingIn > 0 && othersHeld)) {
      input.scaleIn.forEach((o, i) => {
        if (o.ok) reasons.push(`Scale-in condition ${conds[i].signal} ${fmt(o.value)} < ${fmt(conds[i].below)} for ${fmt(policy.scale_in!.for)}s.`);
        else reasons.push(`Scale-in condition ${conds[i].signal} has no data (${o.reason}).`);
      });
      // Within [min, max] even when the fleet was above max (then straight down to max).
      const target = Math.min(limits.max, Math.max(current - policy.scale_in.step, effMin));
      if (scaleInBlocks(current)) return none('scale_in', 0.7 * availability, { trigger: 'scale_in', wanted: target });
      reasons.push(`Scale in from ${current} to ${target} instances.`);
      return { ...base, action: 'scale_in', intended: 'scale_in', target, wanted: target, trigger: 'scale_in', firing, blockedBy, confidence: 0.7 };
    }
  }

  if (current > limits.max) {
    reasons.push(`${current} instances is above the maximum of ${limits.max}.`);
    if (!scaleInBlocks(current)) {
      reasons.push(`Scale in from ${current} to ${limits.max} instances.`);
      return { ...base, action: 'scale_in', intended: 'scale_in', target: limits.max, wanted: limits.max, trigger: 'max_instances', firing, blockedBy, confidence: availability };
    }
    return none('scale_in', availability, { trigger: 'max_instances', wanted: limits.max });
  }

  if (missingOut.length > 0 || missingIn > 0) blockedBy.push('missing_data');
  reasons.push(blockedBy.length ? 'No action: some inputs are missing, so scale-in is not considered.' : 'Within normal operating parameters.');
  return none('none', availability);

  /** Checks shared by every scale-in; pushes the blocks and returns true when blocked. */
  function scaleInBlocks(cur: number): boolean {
    const before = blockedBy.length;
    if (missingOut.length > 0 || missingIn > 0) {
      blockedBy.push('missing_data');
      reasons.push('Missing data never scales in.');
    }
    if (cur <= effMin) {
      blockedBy.push('min_instances');
      reasons.push(`Already at the minimum of ${effMin} instances.`);
    }
    if (policy.scale_in && cooldownRemaining.scale_in > 0) {
      blockedBy.push('cooldown');
      reasons.push(`Scale-in cooldown: ${fmt(cooldownRemaining.scale_in)}s left.`);
    }
    if (lastOut && lastOut.at + policy.warmup > now) {
      blockedBy.push('warmup');
      reasons.push(`New instances are warming up until ${new Date((lastOut.at + policy.warmup) * 1000).toISOString()}.`);
    }
    if (blockedBy.length === before) rateLimited('scale_in');
    return blockedBy.length > before;
  }
}

/** The state after an action was carried out; keeps one day of actions (enough for every window). */
export function recordAction(state: DecisionState, d: Decision): DecisionState {
  let next = state;
  if (d.scheduleApplied) next = { ...next, schedulesApplied: { ...next.schedulesApplied, [d.scheduleApplied.name]: d.scheduleApplied.since } };
  if (d.action !== 'none' && d.current !== null && d.target !== null) {
    const rec: ActionRecord = { at: d.at, action: d.action, trigger: d.trigger ?? '', from: d.current, to: d.target };
    next = { ...next, actions: [...next.actions.filter((a) => a.at > d.at - 86_400), rec] };
  }
  return next;
}
