import { DEFAULTS } from '../config/defaults.js';
import type { Service } from '../config/schema.js';
import type { Decision } from './decision.js';

/** The most one scale-out may add: the larger of max_step_out.instances and max_step_out.percent of `current` (HPA's default). */
export function maxStepOut(limits: Service['scaling']['limits'], current: number): number {
  const instances = limits.max_step_out?.instances ?? DEFAULTS.scaling.maxStepOutInstances;
  const percent = limits.max_step_out?.percent ?? DEFAULTS.scaling.maxStepOutPercent;
  return Math.max(instances, Math.ceil((current * percent) / 100 - 1e-9));
}

/**
 * Caps a scale-out decision at `current + maxStepOut`, so no single evaluation or notification can
 * jump the fleet to limits.max (an absurd alert value, a runaway signal). Pure; other decisions
 * pass through unchanged.
 */
export function limitStepOut(limits: Service['scaling']['limits'], d: Decision): Decision {
  if (d.action !== 'scale_out' || d.current === null || d.target === null) return d;
  const step = maxStepOut(limits, d.current);
  if (d.target - d.current <= step) return d;
  const target = d.current + step;
  const reasons = [
    ...d.reasons,
    `Target ${d.target} limited to ${target}: one action adds at most ${step} instances (scaling.limits.max_step_out).`,
  ];
  return { ...d, target, wanted: target, reasons };
}
