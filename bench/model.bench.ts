/**
 * Model benchmark: one full refresh for 1, 100 and 1,000 services of the example policy, split
 * into the signal refresh (plan + decision with cached history fits) and the history refit
 * (fitting every growth model on 365 days): cold (new points) and with the history unchanged (the
 * fit reused), and what the hourly refits of a day cost. CPU time on this one thread; medians of
 * several runs (the cold refit of 1,000 services once).
 */
import { DemoSource } from '../exporter/src/sources/demo.js';
import { refreshHistory, type HistoryEntry } from '../exporter/src/engine.js';
import type { ServiceInputs } from '../exporter/src/model/plan.js';
import { planService } from '../exporter/src/model/plan.js';
import { emptyState } from '../exporter/src/model/decision.js';
import { cpuMs, median, policyWithServices, type Figure } from './common.js';

/** Read every service's demo history and refit it once (as the exporter's history cadence does). */
async function refitAll(
  policy: ReturnType<typeof policyWithServices>,
  source: DemoSource,
  now: number,
  histories: Map<string, HistoryEntry>
): Promise<number> {
  return cpuMs(async () => {
    for (const svc of policy.services) histories.set(svc.name, await refreshHistory(source, svc, now));
  });
}

export async function benchModel(runs = 5): Promise<Figure[]> {
  const figures: Figure[] = [];
  const now = Date.UTC(2026, 10, 27, 12) / 1000;
  const source = new DemoSource();
  for (const n of [1, 100, 1000]) {
    const reps = n === 1000 ? 1 : n === 100 ? 3 : runs;
    const histories = new Map<string, HistoryEntry>();
    // Cold: fresh service objects, so no fit is reused (what a new day's points, or a start, cost).
    const colds: number[] = [];
    for (let r = 0; r < reps; r++) colds.push(await refitAll(policyWithServices(n), source, now, histories));
    const cold = median(colds);
    const policy = policyWithServices(n);
    // Inputs are read once: the benchmark measures the model, not the demo generator.
    const inputs = new Map<string, ServiceInputs>();
    for (const svc of policy.services) inputs.set(svc.name, await source.readInputs(svc, now));
    await refitAll(policy, source, now, histories);
    const refit: number[] = [];
    const signal: number[] = [];
    for (let r = 0; r < runs; r++) {
      // The same history again (the hourly refit within one day of daily points): the fits are reused.
      refit.push(await refitAll(policy, source, now, histories));
      signal.push(
        await cpuMs(() => {
          for (const svc of policy.services) {
            planService(svc, inputs.get(svc.name)!, histories.get(svc.name)!.fit, emptyState(), {
              budgetGuard: policy.scaler.budget_guard,
            });
          }
        })
      );
    }
    figures.push(...modelFigures(n, median(signal), cold, median(refit)));
  }
  return figures;
}

/** At the hourly history cadence with daily points, a day has one cold refit and 23 with the history unchanged. */
function modelFigures(n: number, s: number, cold: number, warm: number): Figure[] {
  const share = (cold + 23 * warm) / (24 * 3600 * 1000);
  return [
    {
      name: `model: signal refresh, ${n} services (total)`,
      value: s,
      unit: 'ms CPU',
      ...(n === 1000 ? { goal: '< 1000 ms', met: s < 1000 } : {}),
    },
    { name: `model: signal refresh, ${n} services (per service)`, value: s / n, unit: 'ms CPU' },
    { name: `model: history refit, ${n} services, new points (total)`, value: cold, unit: 'ms CPU' },
    { name: `model: history refit, ${n} services, new points (per service)`, value: cold / n, unit: 'ms CPU' },
    { name: `model: history refit, ${n} services, history unchanged (total)`, value: warm, unit: 'ms CPU' },
    {
      name: `model: history refits of ${n} services over a day (hourly, daily points), share of one core`,
      value: share * 100,
      unit: '%',
      ...(n === 1000 ? { goal: '< 1 %', met: share < 0.01 } : {}),
    },
  ];
}
