import { fixtureSamples, RANGE, SCRAPE_TIME } from '../testing/fixture';
import { Sample, toPrometheusFrames } from '../testing/promText';
import { framesToSeries, Series } from './frames';
import { buildDecisions, buildHeadroom, buildPlan, parseServiceOption, rangeAt, resourceState } from './model';

const fixtureSeries = () => framesToSeries(toPrometheusFrames(fixtureSamples(), [SCRAPE_TIME]));
const without = (metric: string) => fixtureSeries().filter((s) => s.metric !== metric);

describe('parseServiceOption', () => {
  it.each([
    ['', []],
    ['$service', []],
    ['All', []],
    ['.*', []],
    ['checkout', ['checkout']],
    ['{checkout,search}', ['checkout', 'search']],
    ['(checkout|search)', ['checkout', 'search']],
    [' search ', ['search']],
  ])('reads %p as %p', (text, expected) => {
    expect(parseServiceOption(text)).toEqual(expected);
  });
});

describe('buildPlan', () => {
  it('collects every scenario and horizon of the first service when none is chosen', () => {
    const plan = buildPlan(fixtureSeries(), []);
    expect(plan.service).toBe('checkout');
    expect(plan.services).toEqual(['checkout', 'search']);
    expect(plan.horizons).toEqual([1, 3, 6, 12]);
    expect(plan.scenarios.map((s) => s.name)).toEqual(['conservative', 'moderate', 'aggressive', 'hockey_stick']);
    expect(plan).toMatchObject({ current: 8, min: 3, max: 40, budget: 9000, budgetUsage: 0.62, forecastSpend: 8400, planningScenario: 'moderate' });
    expect(plan.scenarios.find((s) => s.planning)?.name).toBe('moderate');
    expect(plan.missing).toEqual([]);
  });

  it('shows the chosen service of multi-service data', () => {
    const plan = buildPlan(fixtureSeries(), ['search']);
    expect(plan).toMatchObject({ service: 'search', current: 5, max: 16, planningScenario: 'conservative' });
    expect(plan.scenarios[0].instances.get(12)).toBe(27);
  });

  it('gives the instance range across scenarios at a horizon', () => {
    const plan = buildPlan(fixtureSeries(), ['checkout']);
    expect(rangeAt(plan, 6, 'instances')).toEqual([19, 135]);
    expect(rangeAt(plan, 12, 'instances')).toEqual([43, 2252]);
    expect(rangeAt(plan, 12, 'cost')).toEqual([43 * 720, 2252 * 720]);
    expect(rangeAt(plan, 24, 'instances')).toBeUndefined();
  });

  it('lists the missing series and keeps the rest when cost projections are absent', () => {
    const plan = buildPlan(without('headroom_projected_monthly_cost'), []);
    expect(plan.missing).toEqual(['headroom_projected_monthly_cost']);
    expect(plan.scenarios.every((s) => s.cost.size === 0 && s.instances.size === 4)).toBe(true);
  });

  it('picks no service when the chosen one has no data', () => {
    expect(buildPlan(fixtureSeries(), ['billing']).service).toBeUndefined();
  });
});

describe('buildHeadroom', () => {
  it('reads utilization, thresholds, headroom and exhaustion per resource in a fixed order', () => {
    const model = buildHeadroom(fixtureSeries(), []);
    expect(model.resources).toEqual([
      { resource: 'cpu', utilization: 0.58, warning: 0.7, critical: 0.85, headroom: 0.3176, exhaustionSeconds: 1209600 },
      { resource: 'memory', utilization: 0.74, warning: 0.75, critical: 0.9, headroom: 0.1778, exhaustionSeconds: 259200 },
      { resource: 'sessions', utilization: 0.41, warning: 0.6, critical: 0.8, headroom: 0.4875, exhaustionSeconds: Infinity },
    ]);
  });

  it.each([
    ['below warning', { utilization: 0.5, warning: 0.7, critical: 0.85 }, 'ok'],
    ['at warning', { utilization: 0.7, warning: 0.7, critical: 0.85 }, 'warning'],
    ['above critical', { utilization: 0.9, warning: 0.7, critical: 0.85 }, 'critical'],
    ['without thresholds', { utilization: 0.99 }, 'ok'],
  ])('rates a resource %s as %s', (_name, values, state) => {
    expect(resourceState({ resource: 'cpu', ...values })).toBe(state);
  });

  it('reads an absent exhaustion series as never when the family is published', () => {
    const series = fixtureSeries().filter((s) => !(s.metric === 'headroom_resource_exhaustion_seconds' && s.labels.resource === 'cpu'));
    expect(buildHeadroom(series, ['checkout']).resources[0].exhaustionSeconds).toBe(Infinity);
  });

  it('leaves exhaustion unknown when the whole family is missing', () => {
    const model = buildHeadroom(without('headroom_resource_exhaustion_seconds'), []);
    expect(model.missing).toEqual(['headroom_resource_exhaustion_seconds']);
    expect(model.resources.map((r) => r.exhaustionSeconds)).toEqual([undefined, undefined, undefined]);
  });
});

describe('buildDecisions', () => {
  it('turns each decision timestamp into an event paired with its current and target counts', () => {
    const model = buildDecisions(fixtureSeries(), [], RANGE);
    expect(model.events.map((e) => [e.service, e.kind, e.trigger, e.blockedBy, e.current, e.target])).toEqual([
      ['checkout', 'scale_in', 'all_low', 'none', 9, 8],
      ['checkout', 'scale_out', 'cpu_high', 'none', 6, 8],
      ['search', 'blocked', 'latency_p95_high', 'max_instances', 16, 18],
      ['checkout', 'blocked', 'sessions_high', 'cooldown', 8, 10],
    ]);
    expect(model.events[0].time).toBe(Date.UTC(2026, 10, 21, 10, 0, 0));
    expect(model.services).toEqual(['checkout', 'search']);
  });

  it('keeps only the chosen services', () => {
    expect(buildDecisions(fixtureSeries(), ['search'], RANGE).events.map((e) => e.trigger)).toEqual(['latency_p95_high']);
  });

  it('drops decisions outside the dashboard time range', () => {
    const range = { from: Date.UTC(2026, 10, 21, 11, 0, 0), to: Date.UTC(2026, 10, 21, 11, 30, 0) };
    expect(buildDecisions(fixtureSeries(), [], range).events.map((e) => e.trigger)).toEqual(['cpu_high']);
  });

  it('finds one event per distinct timestamp value of a range query and reads the counts at that sample', () => {
    const labels = { service: 'api', trigger: 'cpu_high', action: 'scale_out', blocked_by: 'none' };
    const t0 = Date.UTC(2026, 0, 1);
    const minute = 60000;
    const series: Series[] = [
      { metric: 'headroom_scaler_last_decision_timestamp_seconds', labels, times: [t0, t0 + minute, t0 + 2 * minute, t0 + 3 * minute], values: [t0 / 1000, t0 / 1000, (t0 + 2 * minute) / 1000, (t0 + 2 * minute) / 1000] },
      { metric: 'headroom_scaler_last_decision_current_instances', labels, times: [t0, t0 + minute, t0 + 2 * minute, t0 + 3 * minute], values: [2, 2, 4, 4] },
      { metric: 'headroom_scaler_last_decision_target_instances', labels, times: [t0, t0 + minute, t0 + 2 * minute, t0 + 3 * minute], values: [4, 4, 6, 6] },
    ];
    const events = buildDecisions(series, [], { from: t0, to: t0 + 10 * minute }).events;
    expect(events.map((e) => [e.time - t0, e.current, e.target])).toEqual([
      [0, 2, 4],
      [2 * minute, 4, 6],
    ]);
  });

  it('skips decisions that neither scaled nor were blocked', () => {
    const samples: Sample[] = [
      { metric: 'headroom_scaler_last_decision_timestamp_seconds', labels: { service: 'a', trigger: 'none', action: 'none', blocked_by: 'none' }, value: SCRAPE_TIME / 1000 },
    ];
    const model = buildDecisions(framesToSeries(toPrometheusFrames(samples, [SCRAPE_TIME])), [], RANGE);
    expect(model.events).toEqual([]);
    expect(model.missing).toEqual(['headroom_scaler_last_decision_current_instances', 'headroom_scaler_last_decision_target_instances']);
  });
});
