/**
 * The scaler's decision for one alert (pure): the model's decide(), then the rules that hold for a
 * notification rather than for an evaluation of every trigger:
 * - the largest recommendation wins (as HPA's): a trigger whose target is larger than what another
 *   trigger just set is not held back by that other trigger's cooldown (once per own cooldown);
 * - one action adds at most scaling.limits.max_step_out instances (model/step.ts);
 * - an alert only ever moves its own direction, and a schedule only through its own alert.
 */
import type { Service } from '../config/schema.js';
import { actionsInLastHour, decide, type Decision, type DecisionInput, type DecisionState } from '../model/decision.js';
import { limitStepOut } from '../model/step.js';
import type { AlertPlan } from './route.js';
import { scheduleOf, scheduleTrigger } from '@headroom/contract';

export type ScalePlan = Extract<AlertPlan, { kind: 'scale' }>;

function lastScaleOut(state: DecisionState) {
  for (let i = state.actions.length - 1; i >= 0; i--)
    if (state.actions[i].action === 'scale_out') return state.actions[i];
  return undefined;
}

/** Re-decides a scale-out held back only by another trigger's cooldown when it asks for more than is running. */
export function largerTargetWins(
  svc: Service,
  plan: ScalePlan,
  input: DecisionInput,
  state: DecisionState,
  d: Decision
): { decision: Decision; reason?: string } {
  const t = svc.scaling.scale_out.find((x) => x.name === plan.trigger);
  const only = d.blockedBy.length === 1 && d.blockedBy[0] === 'cooldown';
  if (!t || d.action !== 'none' || !only || d.wanted === null || input.current === null || d.wanted <= input.current)
    return { decision: d };
  const last = lastScaleOut(state);
  if (!last || last.trigger === plan.trigger) return { decision: d };
  // Once per own cooldown: two triggers must not leapfrog each other's cooldowns forever.
  if (
    state.actions.some((a) => a.action === 'scale_out' && a.trigger === plan.trigger && a.at + t.cooldown > input.now)
  )
    return { decision: d };
  if (actionsInLastHour(state, 'scale_out', input.now) >= svc.scaling.limits.max_scale_out_per_hour)
    return { decision: d };
  const relaxed: DecisionState = {
    ...state,
    actions: state.actions.map((a) => (a === last ? { ...a, at: Math.min(a.at, input.now - t.cooldown) } : a)),
  };
  const again = decide(svc.scaling, input, relaxed);
  if (again.action !== 'scale_out' || again.target === null || again.target <= input.current) return { decision: d };
  return {
    decision: again,
    reason: `Trigger ${plan.trigger} asks for ${again.target} instances, more than the ${input.current} that ${last.trigger} set at ${new Date(last.at * 1000).toISOString()}: the largest recommendation wins, so ${last.trigger}'s cooldown does not hold it back.`,
  };
}

/** Keeps only what the alert is about: its direction, and no schedule other than its own. */
export function onlyWhatTheAlertAsks(plan: ScalePlan, d: Decision): { decision: Decision; reason?: string } {
  const ownSchedule = (name: string) => scheduleTrigger(name) === plan.trigger;
  const scheduleApplied = d.scheduleApplied && ownSchedule(d.scheduleApplied.name) ? d.scheduleApplied : undefined;
  const foreignSchedule = scheduleOf(d.trigger ?? '') !== null && d.trigger !== plan.trigger;
  if (d.action === 'none' || (d.action === plan.action && !foreignSchedule))
    return { decision: { ...d, scheduleApplied } };
  const what = `${d.action.replace('_', ' ')} ${d.current} → ${d.target} (${d.trigger})`;
  const reason = `The policy's answer now is ${what}, but this alert is ${plan.action.replace('_', ' ')} for ${plan.trigger}: an alert only ever acts in its own direction and for its own trigger, so nothing is done.`;
  return {
    decision: {
      ...d,
      action: 'none',
      intended: 'none',
      blockedBy: [],
      target: d.current,
      wanted: d.target,
      scheduleApplied: undefined,
    },
    reason,
  };
}

/** decide() for one alert, with the rules above (their reasons follow the model's). */
export function decisionPolicy(svc: Service, plan: ScalePlan, input: DecisionInput, state: DecisionState): Decision {
  const wins = largerTargetWins(svc, plan, input, state, decide(svc.scaling, input, state));
  const own = onlyWhatTheAlertAsks(plan, limitStepOut(svc.scaling.limits, wins.decision));
  const extra = [wins.reason, own.reason].filter((r): r is string => r !== undefined);
  return extra.length ? { ...own.decision, reasons: [...own.decision.reasons, ...extra] } : own.decision;
}
