import type { Service, Signal } from '../config/schema.js';
import { MONTH_SECONDS } from '../config/defaults.js';
import {
  bufferInstances,
  capacityRequirements,
  loadTestInstances,
  proportionalTarget,
  resourceHeadroom,
  secondsUntil,
  type CapacityRequirements,
  type ResourceHeadroom,
} from './capacity.js';
import {
  budgetCheck,
  budgetPosition,
  hourlyRate,
  monthBounds,
  monthlyCost,
  savings,
  type BudgetPosition,
  type Pricing,
  type Savings,
} from './cost.js';
import { decide, type Decision, type DecisionState, type Observation } from './decision.js';
import { limitStepOut } from './step.js';
import { analyzeLoadTest, type LoadTestThresholds } from './loadtest.js';
import {
  projectForecast,
  projectModels,
  projectFitScenarios,
  type ForecastProjection,
  type HistoryFit,
  type ModelProjection,
  type ScenarioProjection,
} from './projection.js';

/** One input value: a number, or missing with the reason (never a made-up default). */
export type Reading = { ok: true; value: number } | { ok: false; reason: string };

export interface ServiceInputs {
  now: number;
  current: Reading;
  /** Latest value per signal name. */
  signals: Record<string, Reading>;
  /** Per scale-out trigger: latest value and whether it held above the threshold for `for`. */
  scaleOut: Record<string, Observation>;
  /** Per scale-in condition, in policy order. */
  scaleIn?: Observation[];
  /** Month-to-date spend, or missing. */
  spendToDate: Reading;
}

/** demand: the capacity kind's own model (requests per second, or a queue's backlog and arrivals). */
export type Basis = 'loadtest' | 'sessions' | 'utilization' | 'demand';
export const BASES: readonly Basis[] = ['loadtest', 'sessions', 'utilization', 'demand'];

export interface Recommendation {
  /** Instances to run now, within [min, max]; null when no basis has data. */
  recommended: number | null;
  basis: Basis | null;
  /** Instances per basis (before limits), null where its inputs are missing. */
  bases: Record<Basis, number | null>;
  requirements: CapacityRequirements | null;
}

export interface ResourcePlan extends ResourceHeadroom {
  /** Unit of the resource's signal (percent, milliseconds, sessions…). */
  unit: Signal['unit'] | null;
  /** Seconds until the critical threshold at a fixed fleet size under the planning scenario. */
  exhaustionSeconds: number | null;
}

export interface ServicePlan {
  service: string;
  at: number;
  current: number | null;
  inputs: Record<string, { ok: boolean; value: number | null; reason?: string }>;
  /** Null for capacity kinds without a load-test curve. */
  loadtest: LoadTestThresholds | null;
  recommendation: Recommendation;
  headroom: ResourcePlan[];
  projections: {
    currentDailyUsers: number | null;
    planningScenario: string;
    scenarios: ScenarioProjection[];
    /** The automatic forecast from the history: bands and exhaustion ranges; null without history. */
    forecast: ForecastProjection | null;
    models: ModelProjection[];
    selectedModel: string | null;
    reason?: string;
  };
  /** Cost of the current fleet over this calendar month (`hours` long), as the budget's month-end forecast counts it. */
  cost: { currency: string; hours: number; monthly: Record<Pricing, number | null>; savings: Savings | null };
  budget: BudgetPosition;
  decision: Decision;
}

const val = (r: Reading | undefined): number | null => (r && r.ok ? r.value : null);

/**
 * Instances the kind's demand needs before the buffer: requests per second / per_instance (a count
 * signal is the fleet's total, a utilization one per instance), or (arrivals + backlog / drain_seconds)
 * / throughput_per_instance for a queue. Null for the other kinds and while an input is missing.
 */
export function demandInstances(svc: Service, inputs: ServiceInputs): number | null {
  const cap = svc.capacity;
  const current = val(inputs.current);
  if (cap.kind === 'requests' && cap.requests) {
    const v = val(inputs.signals[cap.requests.signal]);
    const perInstance = svc.signals.find((s) => s.name === cap.requests!.signal)?.kind === 'utilization';
    const total = v === null || (perInstance && current === null) ? null : perInstance ? v * current! : v;
    return total === null ? null : Math.ceil(total / cap.requests.per_instance - 1e-9);
  }
  if (cap.kind === 'queue' && cap.queue) {
    const q = cap.queue;
    const depth = val(inputs.signals[q.depth_signal]);
    const arrival = q.arrival_signal ? val(inputs.signals[q.arrival_signal]) : 0;
    if (depth === null || arrival === null) return null;
    return Math.ceil((arrival + depth / q.drain_seconds) / q.throughput_per_instance - 1e-9);
  }
  return null;
}

export function recommend(svc: Service, lt: LoadTestThresholds | null, inputs: ServiceInputs): Recommendation {
  const cap = svc.capacity;
  const users = cap.users_signal ? val(inputs.signals[cap.users_signal]) : null;
  const current = val(inputs.current);
  const withBuffer = (n: number) => n + bufferInstances(cap, n);
  const requirements = users === null ? null : capacityRequirements(cap, users);
  const demand = demandInstances(svc, inputs);
  let utilization: number | null = null;
  if (current !== null) {
    for (const t of svc.scaling.scale_out) {
      const v = val(inputs.signals[t.signal]);
      if (t.target !== undefined && v !== null)
        utilization = Math.max(utilization ?? 0, proportionalTarget(current, v, t.target));
    }
  }
  const bases: Record<Basis, number | null> = {
    loadtest: users === null || lt === null ? null : withBuffer(loadTestInstances(users, lt.optimal)),
    sessions: requirements === null ? null : withBuffer(requirements.instances),
    utilization,
    demand: demand === null ? null : withBuffer(demand),
  };
  let basis: Basis | null = null;
  for (const b of BASES) if (bases[b] !== null && (basis === null || bases[b]! > bases[basis]!)) basis = b;
  const { min, max } = svc.scaling.limits;
  return {
    recommended: basis === null ? null : Math.min(max, Math.max(min, bases[basis]!)),
    basis,
    bases,
    requirements,
  };
}

/** Headroom per resource, with the time to its critical threshold under the planning scenario. */
function resourcePlans(svc: Service, inputs: ServiceInputs, monthlyRate: number): ResourcePlan[] {
  return svc.capacity.resources.map((r) => {
    const h = resourceHeadroom(r, val(inputs.signals[r.signal]));
    const unit = svc.signals.find((s) => s.name === r.signal)?.unit ?? null;
    return {
      ...h,
      unit,
      exhaustionSeconds: h.used === null ? null : secondsUntil(h.used, r.critical, monthlyRate, MONTH_SECONDS),
    };
  });
}

function projections(
  svc: Service,
  lt: LoadTestThresholds | null,
  history: HistoryFit | null,
  historyReason: string | undefined
): ServicePlan['projections'] {
  const currentDailyUsers = history ? history.lastValue : null;
  const forecast = history && lt ? projectForecast(svc, lt, history) : null;
  return {
    currentDailyUsers,
    planningScenario: svc.growth.planning_scenario,
    scenarios: history === null || lt === null ? [] : projectFitScenarios(svc, lt, history),
    forecast,
    models: history && lt ? projectModels(svc, lt, history) : [],
    selectedModel: forecast?.chosen ?? null,
    ...(lt === null
      ? {
          reason: `capacity.kind ${svc.capacity.kind} has no users-per-instance curve (capacity.loadtest) to project users onto instances`,
        }
      : history
        ? {}
        : { reason: historyReason ?? 'no history' }),
  };
}

/** Cost of the current fleet over this calendar month, and what right-sizing, reservations and spot would save. */
function monthCost(svc: Service, inputs: ServiceInputs, current: number | null): ServicePlan['cost'] {
  // Utilization of a resource against its limit, percent, for right-sizing.
  const utilization = (name: 'cpu' | 'memory') => {
    const r = svc.capacity.resources.find((x) => x.name === name);
    const v = r ? val(inputs.signals[r.signal]) : null;
    return v === null || !r ? null : (100 * v) / r.limit;
  };
  // "Cost now" counts the hours of this calendar month, as the month-end forecast does (744 h in
  // December, not hours_per_month's 720, which stays the average month of the projections).
  const { start, end } = monthBounds(inputs.now);
  const hours = (end - start) / 3600;
  return {
    currency: svc.cost.currency,
    hours,
    monthly:
      current === null
        ? { on_demand: null, reserved: null, spot: null, resources: null }
        : monthlyCost(svc.capacity, svc.cost, current, hours),
    savings: current === null ? null : savings(svc.cost, current, utilization('cpu'), utilization('memory'), hours),
  };
}

/** The inputs as read: each signal's value, or missing with the reason. */
function inputsRead(svc: Service, inputs: ServiceInputs): ServicePlan['inputs'] {
  const out: ServicePlan['inputs'] = {};
  for (const s of svc.signals) {
    const r = inputs.signals[s.name];
    out[s.name] = r?.ok ? { ok: true, value: r.value } : { ok: false, value: null, reason: r ? r.reason : 'not read' };
  }
  return out;
}

/** The whole plan of one service at `inputs.now`. Pure. `history` comes from the slower refit. */
export function planService(
  svc: Service,
  inputs: ServiceInputs,
  history: HistoryFit | null,
  state: DecisionState,
  opts: { budgetGuard: 'off' | 'warn' | 'block'; historyReason?: string } = { budgetGuard: 'off' }
): ServicePlan {
  // Only the sessions kind has a load-test curve (users per instance), which projections need.
  const lt = svc.capacity.loadtest ? analyzeLoadTest(svc.capacity.loadtest) : null;
  const now = inputs.now;
  const current = val(inputs.current);
  const planning = svc.growth.scenarios.find((s) => s.name === svc.growth.planning_scenario)!;
  const rate = current === null ? null : hourlyRate(svc.capacity, svc.cost, current);
  const budget = budgetPosition(svc.cost, now, val(inputs.spendToDate), rate);
  const decision = limitStepOut(
    svc.scaling.limits,
    decide(
      svc.scaling,
      {
        now,
        current,
        scaleOut: inputs.scaleOut,
        scaleIn: inputs.scaleIn,
        budget: budgetCheck(svc.capacity, svc.cost, opts.budgetGuard, now, budget, current),
      },
      state
    )
  );
  return {
    service: svc.name,
    at: now,
    current,
    inputs: inputsRead(svc, inputs),
    loadtest: lt,
    recommendation: recommend(svc, lt, inputs),
    headroom: resourcePlans(svc, inputs, planning.monthly_rate),
    projections: projections(svc, lt, history, opts.historyReason),
    cost: monthCost(svc, inputs, current),
    budget,
    decision,
  };
}
