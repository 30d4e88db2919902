/**
 * The demo fleet's load model, pure: a total demand (concurrent users) shared evenly by the running
 * instances, read through a load-test curve. Adding an instance lowers every per-instance signal, so
 * Headroom's scale-outs and scale-ins visibly close the loop.
 */
import { interpolate, SEED_CURVE, type LoadCurve } from '@headroom/exporter/load-curve';

export interface FleetParams {
  curve: LoadCurve;
  /** Terminal sessions per connected user (seed: 2). */
  sessionsPerUser: number;
  /** Connected users per daily active user (seed: 15 % concurrency). */
  concurrencyRatio: number;
  /** Price of one instance-hour, for the month-to-date spend (seed: on-demand 0.50). */
  instanceHourPrice: number;
}

export const FLEET_DEFAULTS: FleetParams = {
  curve: SEED_CURVE,
  sessionsPerUser: 2,
  concurrencyRatio: 0.15,
  instanceHourPrice: 0.5,
};

export interface FleetSignals {
  instances: number;
  usersPerInstance: number;
  cpuPercent: number;
  memoryPercent: number;
  sessionsPerInstance: number;
  latencyP95Seconds: number;
  errorRatio: number;
  connectedUsers: number;
  dailyActiveUsers: number;
}

/** Signals of a fleet of `instances` serving `users` concurrent users. No instance: nothing to measure. */
export function fleetSignals(params: FleetParams, users: number, instances: number): FleetSignals | null {
  if (instances < 1) return null;
  const perInstance = users / instances;
  const c = params.curve;
  return {
    instances,
    usersPerInstance: perInstance,
    cpuPercent: interpolate(c.users, c.cpuPercent, perInstance),
    memoryPercent: interpolate(c.users, c.memoryPercent, perInstance),
    sessionsPerInstance: perInstance * params.sessionsPerUser,
    latencyP95Seconds: interpolate(c.users, c.responseTimeMs, perInstance) / 1000,
    errorRatio: interpolate(c.users, c.errorPercent, perInstance) / 100,
    connectedUsers: users,
    dailyActiveUsers: params.concurrencyRatio > 0 ? users / params.concurrencyRatio : 0,
  };
}

/** The orchestrator contract of the seed guide, as Headroom's http actuator sends it. */
export interface ScaleRequest {
  action: string;
  target_instances: number;
  reason?: string;
  timestamp?: string | number;
}

export function parseScaleRequest(
  body: unknown,
  maxInstances: number
): { ok: true; value: ScaleRequest } | { ok: false; error: string } {
  if (typeof body !== 'object' || body === null)
    return { ok: false, error: 'expected a JSON object {action, target_instances, reason, timestamp}' };
  const b = body as Record<string, unknown>;
  if (typeof b.action !== 'string')
    return { ok: false, error: `action: expected a string, got ${JSON.stringify(b.action)}` };
  const t = b.target_instances;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > maxInstances) {
    return {
      ok: false,
      error: `target_instances: expected an integer from 0 to ${maxInstances}, got ${JSON.stringify(t)}`,
    };
  }
  if (b.reason !== undefined && typeof b.reason !== 'string')
    return { ok: false, error: `reason: expected a string, got ${JSON.stringify(b.reason)}` };
  return {
    ok: true,
    value: {
      action: b.action,
      target_instances: t,
      reason: b.reason as string | undefined,
      timestamp: b.timestamp as string | number | undefined,
    },
  };
}
