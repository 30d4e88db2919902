/**
 * Model benchmark: one full refresh for 1, 100 and 1,000 services of the example policy, split
 * into the signal refresh (plan + decision with cached history fits) and the history refit
 * (fitting every growth model on 365 days). CPU time on this one thread; medians of several runs.
 */
import { DemoSource } from '../exporter/src/sources/demo.js';
import { refreshHistory, type HistoryEntry } from '../exporter/src/engine.js';
import type { ServiceInputs } from '../exporter/src/model/plan.js';
import { planService } from '../exporter/src/model/plan.js';
import { emptyState } from '../exporter/src/model/decision.js';
import { cpuMs, median, policyWithServices, type Figure } from './common.js';

export async function benchModel(runs = 5): Promise<Figure[]> {
  const figures: Figure[] = [];
  const now = Date.UTC(2026, 10, 27, 12) / 1000;
  const source = new DemoSource();
  for (const n of [1, 100, 1000]) {
    const policy = policyWithServices(n);
    // Inputs are read once: the benchmark measures the model, not the demo generator.
    const inputs = new Map<string, ServiceInputs>();
    for (const svc of policy.services) inputs.set(svc.name, await source.readInputs(svc, now));
    const histories = new Map<string, HistoryEntry>();
    const refit: number[] = [];
    const signal: number[] = [];
    const reps = n === 1000 ? Math.min(runs, 3) : runs;
    for (let r = 0; r < reps; r++) {
      refit.push(
        await cpuMs(async () => {
          for (const svc of policy.services) histories.set(svc.name, await refreshHistory(source, svc, now));
        })
      );
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
    const s = median(signal);
    const h = median(refit);
    figures.push({
      name: `model: signal refresh, ${n} services (total)`,
      value: s,
      unit: 'ms CPU',
      ...(n === 1000 ? { goal: '< 1000 ms', met: s < 1000 } : {}),
    });
    figures.push({ name: `model: signal refresh, ${n} services (per service)`, value: s / n, unit: 'ms CPU' });
    figures.push({ name: `model: history refit, ${n} services (total)`, value: h, unit: 'ms CPU' });
    figures.push({ name: `model: history refit, ${n} services (per service)`, value: h / n, unit: 'ms CPU' });
  }
  return figures;
}
