import { describe, expect, it } from 'vitest';
import { planService } from '../src/model/plan.js';
import { emptyState } from '../src/model/decision.js';
import { DemoSource } from '../src/sources/demo.js';
import { exampleService } from './helpers.js';

describe('cost now and the month-end forecast', () => {
  it.each([
    { month: 'December (31 days)', now: Date.UTC(2026, 11, 10, 12) / 1000, hours: 744 },
    { month: 'February (28 days)', now: Date.UTC(2027, 1, 10, 12) / 1000, hours: 672 },
  ])('count the same hours in $month: a constant fleet forecasts exactly its cost now', async ({ now, hours }) => {
    const svc = exampleService();
    const inputs = await new DemoSource().readInputs(svc, now);
    const plan = planService(svc, inputs, null, emptyState());
    expect(plan.cost.hours).toBe(hours);
    // The demo's spend to date is the fleet's rate over the elapsed hours, so the forecast is a full month at that rate.
    expect(plan.budget.forecastMonthEnd).toBeCloseTo(plan.cost.monthly.on_demand!, 6);
  });
});
