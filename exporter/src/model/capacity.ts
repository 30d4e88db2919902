import type { CapacityModel } from '../config/schema.js';

export interface CapacityRequirements {
  targetUsers: number;
  totalSessions: number;
  cpuCores: number;
  memoryGb: number;
  /** Instances by the per-instance session limit, before the buffer. */
  instances: number;
}

/**
 * Resources for a number of concurrent users (seed: TerminalSessionMetrics.calculateCapacityRequirements):
 * one WebSocket per user, `sessions_per_user` sessions each.
 */
export function capacityRequirements(cap: CapacityModel, targetUsers: number): CapacityRequirements | null {
  const f = cap.scaling_factors;
  if (!f) return null;
  const totalSessions = targetUsers * cap.sessions_per_user;
  const websockets = targetUsers;
  return {
    targetUsers,
    totalSessions,
    cpuCores: Math.ceil(Math.max(totalSessions / f.sessions_per_cpu_core, websockets / f.websockets_per_cpu_core)),
    memoryGb: Math.ceil(totalSessions / f.sessions_per_gb_memory),
    instances: Math.ceil(totalSessions / f.max_sessions_per_instance),
  };
}

/** Seed scaling formula: Buffer = max(min_buffer, Required * ratio), rounded up (never truncated). */
export function bufferInstances(
  cap: Pick<CapacityModel, 'buffer_ratio' | 'min_buffer_instances'>,
  required: number
): number {
  if (required <= 0) return 0;
  return Math.max(cap.min_buffer_instances, Math.ceil(required * cap.buffer_ratio - 1e-9));
}

/** Kubernetes HPA's rule: ceil(current * observed / target). */
export function proportionalTarget(current: number, observed: number, target: number): number {
  if (!(target > 0) || !Number.isFinite(observed) || current <= 0) return current;
  return Math.ceil(current * (observed / target) - 1e-9);
}

/** Instances needed to serve `concurrentUsers` at the load test's optimal users per instance. */
export function loadTestInstances(concurrentUsers: number, optimalUsersPerInstance: number): number {
  return Math.ceil(concurrentUsers / optimalUsersPerInstance - 1e-9);
}

export interface ResourceHeadroom {
  resource: string;
  signal: string;
  /** Observed value in the signal's unit, or null when the signal is missing. */
  used: number | null;
  /** used / limit. */
  utilization: number | null;
  /** The policy's per-instance limit and thresholds, in the signal's unit. */
  limit: number;
  warning: number;
  critical: number;
  warningRatio: number;
  criticalRatio: number;
  /** 1 - used / warning, floored at 0 (no headroom left once the warning threshold is passed). */
  headroom: number | null;
  level: 'ok' | 'warning' | 'critical' | 'missing';
}

export function resourceHeadroom(r: CapacityModel['resources'][number], used: number | null): ResourceHeadroom {
  const base = {
    resource: r.name,
    signal: r.signal,
    limit: r.limit,
    warning: r.warning,
    critical: r.critical,
    warningRatio: r.warning / r.limit,
    criticalRatio: r.critical / r.limit,
  };
  if (used === null) return { ...base, used: null, utilization: null, headroom: null, level: 'missing' };
  return {
    ...base,
    used,
    utilization: used / r.limit,
    headroom: Math.max(0, 1 - used / r.warning),
    level: used >= r.critical ? 'critical' : used >= r.warning ? 'warning' : 'ok',
  };
}

/**
 * Seconds until a utilization signal reaches its critical threshold at a fixed fleet size when
 * demand grows by `monthlyRate` a month (compound). Null when it never does.
 */
export function secondsUntil(used: number, limit: number, monthlyRate: number, monthSeconds: number): number | null {
  if (used >= limit) return 0;
  if (!(used > 0) || !(monthlyRate > 0)) return null;
  return (Math.log(limit / used) / Math.log(1 + monthlyRate)) * monthSeconds;
}
