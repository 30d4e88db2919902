import type { ScaleOutTrigger, ScalingPolicy } from '../config/schema.js';
import { proportionalTarget } from './capacity.js';
import { activeSchedule, type ActiveSchedule } from './schedule.js';
import { scheduleTrigger, TRIGGER } from '@headroom/contract';
import { brief } from '../format.js';

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
  /** Trigger (or `schedule_<name>`, `min_instances`, `max_instances`, `scale_in`) that drives the action: the one with the largest target. */
  trigger: string | null;
  /** Every trigger whose target was weighed for this decision (combined triggers); [] when nothing is asked. */
  triggers: string[];
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
  /** The minimum in force: limits.min raised by the active schedule's min (scale-in stops here). */
  effectiveMin: number;
  /** Set when this decision applies (or finds already applied) a schedule's desired count. */
  scheduleApplied?: { name: string; since: number };
}

const HOUR = 3600;

/**
 * Confidence of a decision, 0..1, derived from one number. A sustained reading past a threshold is
 * taken as evidence that misjudges the need for capacity SIGNAL_ERROR of the time (a spike that
 * outlasted `for`, a signal that lags the load, a threshold set from a different load test); n
 * triggers that agree are all wrong together with probability SIGNAL_ERROR^n (treated as
 * independent), so confidence = 1 - SIGNAL_ERROR^n: 0.7 for one trigger, 0.91 for two. Scale-in
 * is one piece of evidence (its conditions must hold together): 0.7. A schedule or a limit is the
 * operator's explicit intent: 1. Each is then scaled by the share of inputs that were read.
 */
export const SIGNAL_ERROR = 0.3;
export const evidenceConfidence = (agreeing: number) => 1 - SIGNAL_ERROR ** agreeing;

function lastAction(state: DecisionState, action: 'scale_out' | 'scale_in'): ActionRecord | undefined {
  for (let i = state.actions.length - 1; i >= 0; i--) if (state.actions[i].action === action) return state.actions[i];
  return undefined;
}

/** Actions in the rolling hour before `now` (not the clock hour). */
export function actionsInLastHour(state: DecisionState, action: 'scale_out' | 'scale_in', now: number): number {
  return state.actions.filter((a) => a.action === action && a.at > now - HOUR && a.at <= now).length;
}

/** The signals a scaling policy reads: those of its scale-out triggers and scale-in conditions, once each. */
export function usedSignals(policy: ScalingPolicy): string[] {
  return [
    ...new Set([...policy.scale_out.map((t) => t.signal), ...(policy.scale_in?.conditions.map((c) => c.signal) ?? [])]),
  ];
}

/** The minimum in force: limits.min, raised by the active schedule's min, never above limits.max. */
export function effectiveMinimum(policy: ScalingPolicy, active: ActiveSchedule | null): number {
  return Math.min(policy.limits.max, Math.max(policy.limits.min, active?.schedule.min ?? 0));
}

/** decide() considers scale-in when every condition held, or the others held with some missing. */
const scaleInEligible = (scaleIn: Observation[] | undefined) =>
  scaleIn !== undefined && scaleIn.every((o) => !o.ok || o.sustained);

/**
 * True when decide() provably returns "no action" and changes no state: no trigger sustained,
 * scale-in not eligible, the count within [effective minimum, max] and no schedule pending. The
 * backtest skips such steps (with its own cached schedule clock, hence `active` as an argument).
 */
export function isQuietStep(
  policy: ScalingPolicy,
  input: DecisionInput,
  state: DecisionState,
  active: ActiveSchedule | null
): boolean {
  const { current } = input;
  if (current === null) return false;
  const anyFiring = Object.values(input.scaleOut).some((o) => o !== undefined && o.ok && o.sustained);
  const schedulePending = active !== null && state.schedulesApplied[active.schedule.name] !== active.since;
  return (
    !anyFiring &&
    !schedulePending &&
    !(policy.scale_in !== undefined && scaleInEligible(input.scaleIn)) &&
    current >= effectiveMinimum(policy, active) &&
    current <= policy.limits.max
  );
}

const iso = (t: number) => new Date(t * 1000).toISOString();

/** Everything decide() reads, gathered once (stage 1). */
interface Context {
  policy: ScalingPolicy;
  input: DecisionInput;
  state: DecisionState;
  now: number;
  lastOut: ActionRecord | undefined;
  cooldownRemaining: Record<string, number>;
  active: ActiveSchedule | null;
  effMin: number;
  missing: boolean;
  /** Share of the evaluated inputs that were read, 0..1. */
  availability: number;
  firing: ScaleOutTrigger[];
  reasons: string[];
}

function gather(policy: ScalingPolicy, input: DecisionInput, state: DecisionState): Context {
  const { now } = input;
  const lastOut = lastAction(state, 'scale_out');
  const lastIn = lastAction(state, 'scale_in');
  const cooldownRemaining: Record<string, number> = {};
  for (const t of policy.scale_out)
    cooldownRemaining[t.name] = lastOut ? Math.max(0, lastOut.at + t.cooldown - now) : 0;
  if (policy.scale_in)
    cooldownRemaining.scale_in = lastIn ? Math.max(0, lastIn.at + policy.scale_in.cooldown - now) : 0;
  const active = activeSchedule(policy.schedules, now);
  const evaluated = policy.scale_out.filter((t) => input.scaleOut[t.name] !== undefined);
  const missingOut = evaluated.filter((t) => !input.scaleOut[t.name]!.ok);
  const missingIn = (input.scaleIn ?? []).filter((o) => !o.ok).length;
  const total = evaluated.length + (input.scaleIn?.length ?? 0);
  const reasons = missingOut.map(
    (t) => `Trigger ${t.name} has no data (${(input.scaleOut[t.name] as { reason: string }).reason}).`
  );
  return {
    policy,
    input,
    state,
    now,
    lastOut,
    cooldownRemaining,
    active,
    effMin: effectiveMinimum(policy, active),
    missing: missingOut.length > 0 || missingIn > 0,
    availability: total === 0 ? 1 : (total - missingOut.length - missingIn) / total,
    firing: evaluated.filter((t) => {
      const o = input.scaleOut[t.name]!;
      return o.ok && o.sustained;
    }),
    reasons,
  };
}

/** What the policy asks for before anything blocks it (stage 2). */
interface Intent {
  action: Action;
  /** The count asked for (null when nothing is asked). */
  wanted: number | null;
  trigger: string | null;
  /** Every trigger whose target was weighed (for triggers: those allowed by their cooldown). */
  triggers: string[];
  confidence: number;
  scheduleApplied?: { name: string; since: number };
  /** Triggers that held but are all still cooling down since the last scale-out. */
  cooling?: boolean;
}

const nothing = (confidence: number, extra: Partial<Intent> = {}): Intent => ({
  action: 'none',
  wanted: null,
  trigger: null,
  triggers: [],
  confidence,
  ...extra,
});

/** A trigger's target: its step, or ceil(current × observed / target) when larger (HPA). */
function triggerTarget(t: ScaleOutTrigger, value: number, current: number): number {
  const byStep = current + t.step;
  return t.target !== undefined && Number.isFinite(value)
    ? Math.max(byStep, proportionalTarget(current, value, t.target))
    : byStep;
}

/**
 * Combined triggers (as HPA combines metrics): one decision per evaluation takes the largest
 * target of every trigger that holds and whose own cooldown since the last scale-out has passed,
 * records every one of them, and, being one action, starts one cooldown for all.
 */
function intendTriggers(c: Context, current: number): Intent {
  const { input, cooldownRemaining, firing } = c;
  const valueOf = (t: ScaleOutTrigger) => (input.scaleOut[t.name] as { value: number }).value;
  for (const t of firing)
    c.reasons.push(`Trigger ${t.name}: ${t.signal} ${brief(valueOf(t))} > ${brief(t.above)} for ${brief(t.for)}s.`);
  const confidence = evidenceConfidence(firing.length) * c.availability;
  const eligible = firing.filter((t) => cooldownRemaining[t.name] === 0);
  const weighed = eligible.length > 0 ? eligible : firing;
  const targets = weighed.map((t) => ({ t, target: triggerTarget(t, valueOf(t), current) }));
  const best = targets.reduce((a, b) => (b.target > a.target ? b : a));
  if (eligible.length > 1) {
    c.reasons.push(
      `Largest target of ${targets.map((x) => `${x.t.name} (${x.target})`).join(', ')}: ${best.target} (${best.t.name}).`
    );
  }
  return {
    action: 'scale_out',
    wanted: best.target,
    trigger: best.t.name,
    triggers: weighed.map((t) => t.name),
    confidence,
    cooling: eligible.length === 0,
  };
}

/** A schedule that has just fired: move to its desired count once. */
function intendSchedule(c: Context, current: number, active: ActiveSchedule): Intent {
  const { schedule, since } = active;
  const desired = Math.min(c.policy.limits.max, Math.max(c.effMin, schedule.desired));
  const applied = { name: schedule.name, since };
  const trigger = scheduleTrigger(schedule.name);
  if (desired === current) {
    c.reasons.push(`Schedule ${schedule.name} wants ${desired} instances, which are running.`);
    return nothing(c.availability, { scheduleApplied: applied });
  }
  c.reasons.push(`Schedule ${schedule.name} (since ${iso(since)}) wants ${desired} instances.`);
  return {
    action: desired > current ? 'scale_out' : 'scale_in',
    wanted: desired,
    trigger,
    triggers: [trigger],
    confidence: c.availability,
    scheduleApplied: applied,
  };
}

function intendScaleIn(c: Context, current: number): Intent | null {
  const { policy, input } = c;
  if (!policy.scale_in || !scaleInEligible(input.scaleIn)) return null;
  const si = policy.scale_in;
  input.scaleIn!.forEach((o, i) => {
    const cond = si.conditions[i];
    c.reasons.push(
      o.ok
        ? `Scale-in condition ${cond.signal} ${brief(o.value)} < ${brief(cond.below)} for ${brief(si.for)}s.`
        : `Scale-in condition ${cond.signal} has no data (${o.reason}).`
    );
  });
  // Within [min, max] even when the fleet was above max (then straight down to max).
  const target = Math.min(policy.limits.max, Math.max(current - si.step, c.effMin));
  return {
    action: 'scale_in',
    wanted: target,
    trigger: TRIGGER.scaleIn,
    triggers: [TRIGGER.scaleIn],
    confidence: evidenceConfidence(1) * c.availability,
  };
}

/** Stage 2, in order of precedence: the minimum, triggers, a new schedule, scale-in, the maximum. */
function intend(c: Context, current: number): Intent {
  const { policy, active, effMin, state } = c;
  if (current < effMin) {
    const trigger =
      active && active.schedule.min === effMin && effMin > policy.limits.min
        ? scheduleTrigger(active.schedule.name)
        : TRIGGER.minInstances;
    c.reasons.push(`${current} instances is below the minimum of ${effMin}.`);
    return { action: 'scale_out', wanted: effMin, trigger, triggers: [trigger], confidence: c.availability };
  }
  if (c.firing.length > 0) return intendTriggers(c, current);
  if (active && state.schedulesApplied[active.schedule.name] !== active.since)
    return intendSchedule(c, current, active);
  const scaleIn = intendScaleIn(c, current);
  if (scaleIn) return scaleIn;
  if (current > policy.limits.max) {
    c.reasons.push(`${current} instances is above the maximum of ${policy.limits.max}.`);
    return {
      action: 'scale_in',
      wanted: policy.limits.max,
      trigger: TRIGGER.maxInstances,
      triggers: [TRIGGER.maxInstances],
      confidence: c.availability,
    };
  }
  return nothing(c.availability);
}

interface Blocks {
  blockedBy: BlockReason[];
  warnings: string[];
}

function rateLimited(c: Context, action: 'scale_out' | 'scale_in', b: Blocks): boolean {
  const n = actionsInLastHour(c.state, action, c.now);
  const cap = action === 'scale_out' ? c.policy.limits.max_scale_out_per_hour : c.policy.limits.max_scale_in_per_hour;
  if (n < cap) return false;
  b.blockedBy.push('rate_limit');
  c.reasons.push(`${n} ${action.replace('_', '-')}s in the last hour reach the limit of ${cap}.`);
  return true;
}

/** Stage 3 for a scale-out: cooldown, maximum, rate limit, budget (first block wins; a budget in warn mode only warns). */
function blockScaleOut(c: Context, i: Intent, current: number, b: Blocks): void {
  const { limits } = c.policy;
  if (i.cooling) {
    b.blockedBy.push('cooldown');
    const wait = Math.min(...c.firing.map((t) => c.cooldownRemaining[t.name]));
    c.reasons.push(`In cooldown: the last scale-out was at ${iso(c.lastOut!.at)}, ${brief(wait)}s left.`);
    return;
  }
  if (current >= limits.max) {
    b.blockedBy.push('max_instances');
    c.reasons.push(`Already at the maximum of ${limits.max} instances.`);
    return;
  }
  if (rateLimited(c, 'scale_out', b)) return;
  const capped = Math.min(i.wanted!, limits.max);
  if (capped < i.wanted!) c.reasons.push(`Target ${i.wanted} capped at the maximum of ${limits.max}.`);
  const budget = c.input.budget;
  if (!budget) return;
  const forecast = budget.forecastMonthEnd + (capped - current) * budget.instanceCostRestOfMonth;
  if (forecast <= budget.monthlyBudget) return;
  const msg = `Scaling to ${capped} brings the forecast month-end spend to ${brief(forecast)}, above the budget of ${brief(budget.monthlyBudget)}.`;
  if (budget.mode === 'block') {
    b.blockedBy.push('budget');
    c.reasons.push(msg);
  } else b.warnings.push(msg);
}

/** Stage 3 for a scale-in: missing data, the minimum, cooldown and warm-up all reported; the rate limit when nothing else blocks. */
function blockScaleIn(c: Context, current: number, b: Blocks): void {
  const before = b.blockedBy.length;
  if (c.missing) {
    b.blockedBy.push('missing_data');
    c.reasons.push('Missing data never scales in.');
  }
  if (current <= c.effMin) {
    b.blockedBy.push('min_instances');
    c.reasons.push(`Already at the minimum of ${c.effMin} instances.`);
  }
  if (c.policy.scale_in && c.cooldownRemaining.scale_in > 0) {
    b.blockedBy.push('cooldown');
    c.reasons.push(`Scale-in cooldown: ${brief(c.cooldownRemaining.scale_in)}s left.`);
  }
  if (c.lastOut && c.lastOut.at + c.policy.warmup > c.now) {
    b.blockedBy.push('warmup');
    c.reasons.push(`New instances are warming up until ${iso(c.lastOut.at + c.policy.warmup)}.`);
  }
  if (b.blockedBy.length === before) rateLimited(c, 'scale_in', b);
}

/** Stage 4: the decision and its explanation. */
function explain(c: Context, i: Intent, current: number | null, b: Blocks): Decision {
  const base = {
    at: c.now,
    current,
    reasons: c.reasons,
    warnings: b.warnings,
    cooldownRemaining: c.cooldownRemaining,
    schedule: c.active?.schedule.name ?? null,
    effectiveMin: c.effMin,
    firing: c.firing.map((t) => t.name),
  };
  const blocked = b.blockedBy.length > 0;
  if (i.action !== 'none' && !blocked && current !== null) {
    const target = Math.min(i.wanted!, c.policy.limits.max);
    c.reasons.push(
      `Scale ${i.action === 'scale_out' ? 'out' : 'in'} from ${current} to ${target} instances${i.trigger === 'scale_in' || i.trigger === 'max_instances' ? '' : ` (${i.trigger})`}.`
    );
    return {
      ...base,
      action: i.action,
      intended: i.action,
      target,
      wanted: target,
      trigger: i.trigger,
      triggers: i.triggers,
      blockedBy: b.blockedBy,
      confidence: i.confidence,
      scheduleApplied: i.scheduleApplied,
    };
  }
  if (i.action === 'none' && current !== null && !i.scheduleApplied) {
    c.reasons.push(
      c.missing
        ? 'No action: some inputs are missing, so scale-in is not considered.'
        : 'Within normal operating parameters.'
    );
  }
  // Whatever else held the fleet, say that inputs were missing: nothing that needed them acted.
  if (c.missing && !b.blockedBy.includes('missing_data')) b.blockedBy.push('missing_data');
  const held =
    i.action === 'none'
      ? {}
      : { trigger: i.trigger, wanted: Math.min(i.wanted!, c.policy.limits.max), triggers: i.triggers };
  // A schedule whose count already runs counts as applied; a blocked one is tried again.
  const applied = i.action === 'none' ? { scheduleApplied: i.scheduleApplied } : {};
  return {
    ...base,
    action: 'none',
    intended: i.action,
    target: current,
    wanted: null,
    trigger: null,
    triggers: [],
    blockedBy: b.blockedBy,
    confidence: i.confidence,
    ...held,
    ...applied,
  };
}

/**
 * The scaling decision for one service at `now`. Pure: policy, observations and state in,
 * decision out. The caller records the action (recordAction) once it has been carried out.
 * Stages: gather (what is known), intend (what the policy asks for), block (what stops it),
 * explain (the decision with one sentence per fact).
 *
 * Cooldowns: a scale-out trigger may act when its own cooldown has passed since the service's
 * last scale-out (whatever triggered it), so a short-cooldown trigger (errors) can follow a
 * long-cooldown one (CPU) sooner, and triggers firing together act once, at the largest target.
 * Scale-in waits for its cooldown since the last scale-in and the warm-up since the last scale-out.
 */
export function decide(policy: ScalingPolicy, input: DecisionInput, state: DecisionState): Decision {
  const c = gather(policy, input, state);
  const blocks: Blocks = { blockedBy: [], warnings: [] };
  const { current } = input;
  if (current === null) {
    blocks.blockedBy.push('missing_data');
    c.reasons.push('The current instance count is unknown, so no action is taken.');
    return explain(c, nothing(0), null, blocks);
  }
  const intent = intend(c, current);
  if (intent.action === 'scale_out') blockScaleOut(c, intent, current, blocks);
  if (intent.action === 'scale_in') blockScaleIn(c, current, blocks);
  return explain(c, intent, current, blocks);
}

/** The state after an action was carried out; keeps one day of actions (enough for every window). */
export function recordAction(state: DecisionState, d: Decision): DecisionState {
  let next = state;
  if (d.scheduleApplied)
    next = {
      ...next,
      schedulesApplied: { ...next.schedulesApplied, [d.scheduleApplied.name]: d.scheduleApplied.since },
    };
  if (d.action !== 'none' && d.current !== null && d.target !== null) {
    const rec: ActionRecord = { at: d.at, action: d.action, trigger: d.trigger ?? '', from: d.current, to: d.target };
    next = { ...next, actions: [...next.actions.filter((a) => a.at > d.at - 86_400), rec] };
  }
  return next;
}
