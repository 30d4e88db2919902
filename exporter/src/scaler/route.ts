/**
 * Maps validated alerts to the policy (pure). Label contract: docs/CONTRACTS.md "Alert labels".
 * Every alert of a notification is mapped before any is acted on; one bad alert rejects the
 * whole notification with 422, so nothing is half-applied.
 */
import type { Policy, Service } from '../config/schema.js';
import { describe, PayloadError, type ParsedAlert, type ParsedNotification } from './payload.js';
import { ALERT_CLASS, CLASS_LABEL, SCALING_LABELS, TRIGGER, matcher, scheduleTrigger } from '@headroom/contract';

export type ScalingAction = 'scale_out' | 'scale_in';

export type AlertPlan =
  | { kind: 'ignore'; alert: ParsedAlert; reason: string }
  | { kind: 'resolved'; alert: ParsedAlert; service: Service; trigger: string; action: ScalingAction; value: number | null }
  | { kind: 'scale'; alert: ParsedAlert; service: Service; trigger: string; action: ScalingAction; value: number | null; warnings: string[] };

const unprocessable = (path: string, msg: string) => new PayloadError(422, `${path}: ${msg}`);

/** The triggers of a service an alert may name, with the action each implies (null: either). */
export function triggersOf(svc: Service): Map<string, ScalingAction | null> {
  const m = new Map<string, ScalingAction | null>();
  for (const t of svc.scaling.scale_out) m.set(t.name, 'scale_out');
  if (svc.scaling.scale_in) m.set(TRIGGER.scaleIn, 'scale_in');
  m.set(TRIGGER.minInstances, 'scale_out');
  for (const s of svc.scaling.schedules) m.set(scheduleTrigger(s.name), null);
  return m;
}

export function stepOf(svc: Service, trigger: string): number | null {
  const t = svc.scaling.scale_out.find((x) => x.name === trigger);
  if (t) return t.step;
  if (trigger === TRIGGER.scaleIn && svc.scaling.scale_in) return svc.scaling.scale_in.step;
  return null;
}

export function planAlerts(policy: Policy, n: ParsedNotification): AlertPlan[] {
  return n.alerts.map((alert) => {
    const p = `alerts[${alert.index}]`;
    const L = alert.labels;
    if (L[CLASS_LABEL] !== undefined && L[CLASS_LABEL] !== ALERT_CLASS.scaling) {
      return { kind: 'ignore', alert, reason: `${matcher(CLASS_LABEL, L[CLASS_LABEL])} is not a scaling alert` };
    }
    for (const label of SCALING_LABELS) {
      if (L[label] === undefined) throw unprocessable(`${p}.labels.${label}`, 'missing (a scaling alert carries the labels service, trigger and action)');
    }
    const svc = policy.services.find((s) => s.name === L.service);
    if (!svc) throw unprocessable(`${p}.labels.service`, `expected a service of the policy (${policy.services.map((s) => s.name).join(', ')}), got ${describe(L.service)}`);
    const triggers = triggersOf(svc);
    if (!triggers.has(L.trigger)) {
      throw unprocessable(`${p}.labels.trigger`, `expected a trigger of service "${svc.name}" (${[...triggers.keys()].join(', ')}), got ${describe(L.trigger)}`);
    }
    if (L.action !== 'scale_out' && L.action !== 'scale_in') throw unprocessable(`${p}.labels.action`, `expected "scale_out" or "scale_in", got ${describe(L.action)}`);
    const implied = triggers.get(L.trigger);
    if (implied && implied !== L.action) throw unprocessable(`${p}.labels.action`, `expected "${implied}" for trigger "${L.trigger}", got ${describe(L.action)}`);
    const warnings: string[] = [];
    if (L.step !== undefined) {
      if (!/^[1-9]\d{0,5}$/.test(L.step)) throw unprocessable(`${p}.labels.step`, `expected a positive integer, got ${describe(L.step)}`);
      const policyStep = stepOf(svc, L.trigger);
      if (policyStep !== null && Number(L.step) !== policyStep) {
        warnings.push(`The alert's step ${L.step} differs from the policy's ${policyStep}; the policy wins (regenerate the rules with \`headroom rules\`).`);
      }
    }
    let value: number | null = null;
    const rawValue = alert.annotations.value;
    if (rawValue !== undefined) {
      // Prometheus writes $value with Go's strconv ('1e+06', 'NaN', '+Inf'); only finite numbers are usable.
      const v = rawValue.trim() === '' ? NaN : Number(rawValue);
      if (!Number.isFinite(v)) throw unprocessable(`${p}.annotations.value`, `expected a finite number, got ${describe(rawValue)}`);
      value = v;
    }
    if (alert.status === 'resolved') return { kind: 'resolved', alert, service: svc, trigger: L.trigger, action: L.action, value };
    return { kind: 'scale', alert, service: svc, trigger: L.trigger, action: L.action, value, warnings };
  });
}
