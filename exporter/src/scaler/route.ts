/**
 * Maps validated alerts to the policy (pure). Label contract: docs/CONTRACTS.md "Alert labels".
 * Every alert of a notification is mapped before any is acted on; one bad alert rejects the
 * whole notification with 422, so nothing is half-applied.
 */
import { DEFAULTS } from '../config/defaults.js';
import type { Policy, Service } from '../config/schema.js';
import type { Lookup } from '../fleet/directory.js';
import { describeValue } from '../format.js';
import { PayloadError, type ParsedAlert, type ParsedNotification } from './payload.js';
import { ALERT_CLASS, CLASS_LABEL, SCALING_LABELS, TRIGGER, matcher, scheduleTrigger } from '@headroom/contract';

export type ScalingAction = 'scale_out' | 'scale_in';

export type AlertPlan =
  | { kind: 'ignore'; alert: ParsedAlert; reason: string }
  | {
      kind: 'resolved';
      alert: ParsedAlert;
      service: Service;
      trigger: string;
      action: ScalingAction;
      value: number | null;
    }
  | {
      kind: 'scale';
      alert: ParsedAlert;
      service: Service;
      trigger: string;
      action: ScalingAction;
      value: number | null;
      warnings: string[];
    };

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

/**
 * Prometheus writes `$value` with Go's strconv.FormatFloat(v, 'g'|'f', -1, 64): a plain decimal
 * with an optional exponent (`91`, `0.25`, `1e+06`, `-5`), or `NaN`, `+Inf`, `-Inf`. Nothing else
 * (hex, binary, padding, `Infinity`) is a value Prometheus could have sent.
 */
const GO_FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function alertValue(raw: string, path: string): number {
  if (raw === 'NaN' || raw === '+Inf' || raw === '-Inf')
    throw unprocessable(path, `${raw} is not a finite number, so it cannot size an action`);
  if (!GO_FLOAT.test(raw))
    throw unprocessable(
      path,
      `expected a plain decimal number as Prometheus writes $value (such as 91, 0.25 or 1e+06), got ${describeValue(raw)}`
    );
  const v = Number(raw);
  if (!Number.isFinite(v)) throw unprocessable(path, `${describeValue(raw)} is outside the range of finite numbers`);
  return v;
}

/** Firing alerts must have started at a real time near now: not in the future (beyond clock skew), not months ago. */
function checkStartsAt(alert: ParsedAlert, now: number): void {
  const { maxAlertAgeSeconds: maxAge, clockSkewSeconds: skew } = DEFAULTS.scaler;
  const t = alert.startsAtSeconds;
  const path = `alerts[${alert.index}].startsAt`;
  if (t > now + skew)
    throw unprocessable(
      path,
      `${describeValue(alert.startsAt)} is in the future (more than ${skew}s after the scaler's clock, ${new Date(now * 1000).toISOString()})`
    );
  if (t < now - maxAge)
    throw unprocessable(
      path,
      `${describeValue(alert.startsAt)} is more than ${maxAge / 86_400} days before the scaler's clock (${new Date(now * 1000).toISOString()}); a firing scaling alert that old is not acted on`
    );
}

/** A firing scale-out alert whose value does not cross its trigger's threshold did not come from the generated rule. */
function checkCrossing(svc: Service, trigger: string, value: number | null, path: string): void {
  const t = svc.scaling.scale_out.find((x) => x.name === trigger);
  if (!t || value === null || value > t.above) return;
  throw unprocessable(
    path,
    `${value} does not cross the threshold of trigger "${trigger}" (${t.signal} above ${t.above}), so it cannot be a firing scale-out`
  );
}

/** Resolves a service name: explicit services, else (in `headroom serve`) the fleets' catalogs. */
export type ServiceLookup = (name: string) => Lookup;

const when = (t: number) => new Date(t * 1000).toISOString();

/**
 * The service an alert names, or a 422 saying why nothing is done for it: unknown, a label value
 * the discovery rejected, retired, or missing (a firing alert for a missing service is refused: its
 * series are gone, so nothing may move it; a resolved one is recorded as usual).
 */
function serviceOf(policy: Policy, lookup: ServiceLookup | undefined, alert: ParsedAlert, path: string): Service {
  const name = alert.labels.service;
  const found: Lookup = lookup
    ? lookup(name)
    : (() => {
        const svc = policy.services.find((s) => s.name === name);
        return svc ? { kind: 'service' as const, service: svc } : { kind: 'unknown' as const };
      })();
  const quoted = describeValue(name);
  switch (found.kind) {
    case 'service':
      return found.service;
    case 'missing':
      if (alert.status === 'resolved') return found.service;
      throw unprocessable(
        path,
        `service ${quoted} of fleet ${found.service.fleet?.name} is missing since ${when(found.since)} (${found.reason}); no scaling action is taken for a missing service`
      );
    case 'retired':
      throw unprocessable(
        path,
        `service ${quoted} of fleet ${found.fleet} was retired at ${when(found.retiredAt)} (missing since ${when(found.since)}); no scaling action is taken for it`
      );
    case 'rejected':
      throw unprocessable(path, `label value ${quoted} of fleet ${found.fleet} was rejected: ${found.reason}`);
    case 'unknown': {
      const fleets = policy.fleets.map((f) => `a discovered service of fleet ${f.name}`);
      const known = [policy.services.map((s) => s.name).join(', '), ...fleets].filter((x) => x !== '').join('; or ');
      throw unprocessable(path, `expected a service of the policy (${known}), got ${quoted}`);
    }
  }
}

export function planAlerts(policy: Policy, n: ParsedNotification, now: number, lookup?: ServiceLookup): AlertPlan[] {
  return n.alerts.map((alert) => {
    const p = `alerts[${alert.index}]`;
    const L = alert.labels;
    if (L[CLASS_LABEL] !== undefined && L[CLASS_LABEL] !== ALERT_CLASS.scaling) {
      return { kind: 'ignore', alert, reason: `${matcher(CLASS_LABEL, L[CLASS_LABEL])} is not a scaling alert` };
    }
    for (const label of SCALING_LABELS) {
      if (L[label] === undefined)
        throw unprocessable(
          `${p}.labels.${label}`,
          'missing (a scaling alert carries the labels service, trigger and action)'
        );
    }
    const svc = serviceOf(policy, lookup, alert, `${p}.labels.service`);
    const triggers = triggersOf(svc);
    if (!triggers.has(L.trigger)) {
      throw unprocessable(
        `${p}.labels.trigger`,
        `expected a trigger of service "${svc.name}" (${[...triggers.keys()].join(', ')}), got ${describeValue(L.trigger)}`
      );
    }
    if (L.action !== 'scale_out' && L.action !== 'scale_in')
      throw unprocessable(`${p}.labels.action`, `expected "scale_out" or "scale_in", got ${describeValue(L.action)}`);
    const implied = triggers.get(L.trigger);
    if (implied && implied !== L.action)
      throw unprocessable(
        `${p}.labels.action`,
        `expected "${implied}" for trigger "${L.trigger}", got ${describeValue(L.action)}`
      );
    const warnings: string[] = [];
    if (L.step !== undefined) {
      if (!/^[1-9]\d{0,5}$/.test(L.step))
        throw unprocessable(`${p}.labels.step`, `expected a positive integer, got ${describeValue(L.step)}`);
      const policyStep = stepOf(svc, L.trigger);
      if (policyStep !== null && Number(L.step) !== policyStep) {
        warnings.push(
          `The alert's step ${L.step} differs from the policy's ${policyStep}; the policy wins (regenerate the rules with \`headroom rules\`).`
        );
      }
    }
    const rawValue = alert.annotations.value;
    const value = rawValue === undefined ? null : alertValue(rawValue, `${p}.annotations.value`);
    if (alert.status === 'resolved')
      return { kind: 'resolved', alert, service: svc, trigger: L.trigger, action: L.action, value };
    checkStartsAt(alert, now);
    checkCrossing(svc, L.trigger, value, `${p}.annotations.value`);
    return { kind: 'scale', alert, service: svc, trigger: L.trigger, action: L.action, value, warnings };
  });
}
