/**
 * The scaler's observer: every decision, actuator call, reconciliation and rejected request becomes
 * metrics (names and labels: docs/CONTRACTS.md) and one log line. No decisions are taken here.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { scalerMetrics, type ScalerMetrics } from './metrics.js';
import type { ActuatorResult, RecordedDecision } from './types.js';

const fmtCount = (n: number | null) => (n === null ? '?' : String(n));

export interface Observer {
  readonly metrics: ScalerMetrics;
  readonly logger: Logger;
  decision(rec: RecordedDecision): void;
  actuation(rec: RecordedDecision, result: ActuatorResult, at: number): void;
  reconciled(rec: RecordedDecision, status: string, result: ActuatorResult): void;
  rejected(status: number, message: string, remote: string | undefined): void;
  answered(code: number): void;
}

function describeDecision(rec: RecordedDecision): string {
  if (rec.action !== 'none')
    return `${rec.action.replace('_', ' ')} ${fmtCount(rec.current)} → ${fmtCount(rec.target)}`;
  if (rec.blockedBy.length)
    return `${rec.intended.replace('_', ' ')} blocked by ${rec.blockedBy.join(', ')} at ${fmtCount(rec.current)} instances`;
  return `no action at ${fmtCount(rec.current)} instances`;
}

export function createObserver(registry: Registry, logger: Logger): Observer {
  const metrics = scalerMetrics(registry);
  return {
    metrics,
    logger,
    decision(rec) {
      const action = rec.blockedBy.length ? rec.intended : rec.action;
      const blocked = rec.blockedBy[0] ?? 'none';
      metrics.decisions.inc({ service: rec.service, action, blocked_by: blocked });
      const labels = { service: rec.service, trigger: rec.trigger, action, blocked_by: blocked };
      metrics.lastDecisionTimestamp.set(labels, rec.at);
      if (rec.current !== null) metrics.lastDecisionCurrent.set(labels, rec.current);
      // A blocked decision shows what it held back (current → wanted), so a dashboard reads "4 → 5 blocked by cooldown".
      const target = rec.action === 'none' && rec.wanted != null ? rec.wanted : rec.target;
      if (target !== null) metrics.lastDecisionTarget.set(labels, target);
      logger.info(
        {
          decision: rec.id,
          service: rec.service,
          trigger: rec.trigger,
          action: rec.action,
          current: rec.current,
          target: rec.target,
          blocked_by: rec.blockedBy,
          confidence: rec.confidence,
          fingerprint: rec.notification.fingerprint,
        },
        `scaler: ${rec.service} ${describeDecision(rec)} (trigger ${rec.trigger}): ${[...rec.reasons, ...rec.warnings].join(' ')}`
      );
    },
    actuation(rec, result, at) {
      metrics.actuatorDuration.observe({ actuator: result.actuator }, result.durationSeconds);
      const dry = result.actuator === 'dry-run';
      metrics.actions.inc({
        service: rec.service,
        action: rec.action,
        result: result.ok ? (dry ? 'dry_run' : 'success') : 'failure',
      });
      if (result.ok) metrics.lastAction.set({ service: rec.service, action: rec.action }, at);
      const msg = `scaler: ${rec.service} set to ${rec.target} instances by the ${result.actuator} actuator (decision ${rec.id}, attempt ${rec.attempts}): ${result.ok ? 'ok' : 'FAILED'}: ${result.message}`;
      if (result.ok) logger.info({ decision: rec.id, service: rec.service, result }, msg);
      else logger.error({ decision: rec.id, service: rec.service, result }, msg);
    },
    reconciled(rec, status, result) {
      if (!result.ok) metrics.actions.inc({ service: rec.service, action: rec.action, result: 'failure' });
      logger.warn(
        { decision: rec.id, service: rec.service, status },
        `scaler: ${rec.service} decision ${rec.id} reconciled as ${status}: ${result.message}`
      );
    },
    rejected(status, message, remote) {
      logger.warn({ status, remote }, `scaler: rejected webhook (${status}): ${message}`);
    },
    answered(code) {
      metrics.notifications.inc({ code: String(code) });
    },
  };
}
