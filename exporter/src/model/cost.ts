import type { CapacityModel, CostModel } from '../config/schema.js';
import type { BudgetCheck } from './decision.js';

export type Pricing = 'on_demand' | 'reserved' | 'spot' | 'resources';
export const PRICINGS: readonly Pricing[] = ['on_demand', 'reserved', 'spot', 'resources'];

export interface ResourceTotals {
  cpuCores: number;
  memoryGb: number;
  storageGb: number;
}

/** Provisioned resources of a fleet with the cost buffers, rounded up (seed truncated them). */
export function provisionedResources(cap: CapacityModel, cost: CostModel, instances: number): ResourceTotals {
  const b = cost.buffers;
  return {
    cpuCores: Math.ceil(instances * cap.instance.cpu_cores * (1 + b.cpu) - 1e-9),
    memoryGb: Math.ceil(instances * cap.instance.memory_gb * (1 + b.memory) - 1e-9),
    storageGb: Math.ceil(instances * cap.instance.storage_gb * (1 + b.storage) - 1e-9),
  };
}

/** Monthly cost of a fleet per pricing (a month of `hours`, hours_per_month unless given); null where the policy has no such price. */
export function monthlyCost(
  cap: CapacityModel,
  cost: CostModel,
  instances: number,
  hours = cost.hours_per_month
): Record<Pricing, number | null> {
  const h = hours;
  const ih = cost.instance_hour;
  let resources: number | null = null;
  if (cost.resources) {
    const r = provisionedResources(cap, cost, instances);
    resources =
      r.cpuCores * cost.resources.cpu_core_hour * h +
      r.memoryGb * cost.resources.memory_gb_hour * h +
      r.storageGb * cost.resources.storage_gb_month;
  }
  return {
    on_demand: instances * ih.on_demand * h,
    reserved: ih.reserved === undefined ? null : instances * ih.reserved * h,
    spot: ih.spot === undefined ? null : instances * ih.spot * h,
    resources,
  };
}

/** The monthly cost used for projections and budget forecasts. */
export function projectionCost(cap: CapacityModel, cost: CostModel, instances: number): number {
  const c = monthlyCost(cap, cost, instances)[cost.projection_pricing];
  return c ?? monthlyCost(cap, cost, instances).on_demand!;
}

export type SavingsStrategy = 'right_sizing' | 'reserved' | 'spot';

export interface Savings {
  /** Instances that would hold the current load at the right-sizing targets. */
  rightSizedInstances: number | null;
  monthly: Record<SavingsStrategy, number | null>;
}

/**
 * Seed cost-optimization.sh, with its defects mended: the optimal count is rounded up (bc's
 * scale=0 truncated it), and an unknown utilization yields no right-sizing figure instead of 0.
 */
export function savings(
  cost: CostModel,
  instances: number,
  cpuPercent: number | null,
  memoryPercent: number | null,
  hours = cost.hours_per_month
): Savings {
  const h = hours;
  const ih = cost.instance_hour;
  let rightSizedInstances: number | null = null;
  let rightSizing: number | null = null;
  if (cpuPercent !== null && memoryPercent !== null && instances > 0) {
    const t = cost.right_sizing_targets;
    rightSizedInstances = Math.max(
      1,
      Math.ceil((instances * cpuPercent) / t.cpu - 1e-9),
      Math.ceil((instances * memoryPercent) / t.memory - 1e-9)
    );
    rightSizing = Math.max(0, instances - rightSizedInstances) * h * ih.on_demand;
  }
  return {
    rightSizedInstances,
    monthly: {
      right_sizing: rightSizing,
      reserved: ih.reserved === undefined ? null : instances * h * (ih.on_demand - ih.reserved),
      spot: ih.spot === undefined ? null : instances * h * (ih.on_demand - ih.spot),
    },
  };
}

export interface BudgetPosition {
  monthlyBudget: number;
  warningRatio: number;
  /** Calendar month (UTC) containing `now`, unix seconds. */
  monthStart: number;
  monthEnd: number;
  spendToDate: number | null;
  forecastMonthEnd: number | null;
  usageRatio: number | null;
  forecastRatio: number | null;
  status: 'ok' | 'warning' | 'over' | 'forecast_over' | 'unknown';
}

export function monthBounds(now: number): { start: number; end: number } {
  const d = new Date(now * 1000);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
  return { start, end };
}

/**
 * Budget usage and the forecast month-end spend: what was spent so far plus the current hourly
 * rate until the end of the month (the seed looked only at the spend so far).
 */
export function budgetPosition(
  cost: CostModel,
  now: number,
  spendToDate: number | null,
  hourlyRate: number | null
): BudgetPosition {
  const { start, end } = monthBounds(now);
  const monthlyBudget = cost.budget.monthly;
  const warningRatio = cost.budget.warning_ratio;
  const base = { monthlyBudget, warningRatio, monthStart: start, monthEnd: end };
  if (spendToDate === null || hourlyRate === null) {
    return {
      ...base,
      spendToDate,
      forecastMonthEnd: null,
      usageRatio: spendToDate === null ? null : spendToDate / monthlyBudget,
      forecastRatio: null,
      status: 'unknown',
    };
  }
  const forecastMonthEnd = spendToDate + (hourlyRate * (end - now)) / 3600;
  const usageRatio = spendToDate / monthlyBudget;
  const forecastRatio = forecastMonthEnd / monthlyBudget;
  const status =
    usageRatio >= 1 ? 'over' : forecastRatio > 1 ? 'forecast_over' : usageRatio >= warningRatio ? 'warning' : 'ok';
  return { ...base, spendToDate, forecastMonthEnd, usageRatio, forecastRatio, status };
}

/** The hourly rate of a fleet at the projection pricing. */
export function hourlyRate(cap: CapacityModel, cost: CostModel, instances: number): number {
  return projectionCost(cap, cost, instances) / cost.hours_per_month;
}

/**
 * The one budget check of a scale-out, used by the exporter's plan and the scaler alike: the
 * forecast month-end spend at the current count, and what one more instance adds until the end of
 * the month at the projection pricing (the marginal rate, so `resources` pricing with its rounded-up
 * provisioned resources gives the same answer everywhere). Undefined when the guard is off or the
 * spend or the count is unknown (then the caller says the budget was not checked).
 */
export function budgetCheck(
  cap: CapacityModel,
  cost: CostModel,
  mode: 'off' | 'warn' | 'block',
  now: number,
  position: BudgetPosition,
  current: number | null
): BudgetCheck | undefined {
  if (mode === 'off' || position.forecastMonthEnd === null || current === null) return undefined;
  const marginal = hourlyRate(cap, cost, current + 1) - hourlyRate(cap, cost, current);
  return {
    mode,
    forecastMonthEnd: position.forecastMonthEnd,
    monthlyBudget: position.monthlyBudget,
    instanceCostRestOfMonth: (marginal * (position.monthEnd - now)) / 3600,
  };
}
