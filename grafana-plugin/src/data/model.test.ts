import { FIXTURE_WINDOW, fixtureSamples, RANGE, recorded, SCRAPE_TIME } from '../testing/fixture';
import { Sample, toPrometheusFrames } from '../testing/promText';
import { framesToSeries, Series } from './frames';
import {
  absolute,
  buildDecisions,
  buildHeadroom,
  buildPlan,
  headroomOfLimit,
  parseServiceOption,
  rangeAt,
} from './model';

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

// The fixture is a real recording (scripts/record-fixture.mjs --start): the example policy's service
// `terminal` and a copy `api` (6 instances, min 3, max 12, $3,000 budget, conservative planning) on the
// exporter's demo workload, and four real webhook decisions 20 s apart.
describe('buildPlan', () => {
  it('collects every scenario and horizon of the first service when none is chosen', () => {
    const plan = buildPlan(fixtureSeries(), []);
    expect(plan.service).toBe('api');
    expect(plan.services).toEqual(['api', 'terminal']);
    expect(plan.horizons).toEqual([1, 3, 6, 12]);
    expect(plan.scenarios.map((s) => s.name)).toEqual(['conservative', 'moderate', 'aggressive', 'hockey_stick']);
    expect(plan).toMatchObject({
      current: 6,
      min: 3,
      max: 12,
      budget: 3000,
      forecastSpend: 2232,
      planningScenario: 'conservative',
    });
    expect(plan.budgetUsage).toBeCloseTo(recorded('headroom_budget_usage_ratio', { service: 'api' }), 9);
    expect(plan.scenarios.find((s) => s.planning)?.name).toBe('conservative');
    expect(plan.missing).toEqual([]);
  });

  it('shows the chosen service of multi-service data', () => {
    const plan = buildPlan(fixtureSeries(), ['terminal']);
    expect(plan).toMatchObject({
      service: 'terminal',
      current: 4,
      min: 2,
      max: 20,
      budget: 5000,
      forecastSpend: 1488,
      planningScenario: 'moderate',
    });
    expect(plan.scenarios[0].instances.get(12)).toBe(20);
    expect(plan.scenarios.find((s) => s.planning)?.instances.get(12)).toBe(52);
  });

  it('gives the instance range across scenarios at a horizon', () => {
    const plan = buildPlan(fixtureSeries(), ['terminal']);
    expect(rangeAt(plan, 6, 'instances')).toEqual([9, 59]);
    expect(rangeAt(plan, 12, 'instances')).toEqual([20, 981]);
    // on-demand $0.50/hour × 720 hours a month per instance
    expect(rangeAt(plan, 12, 'cost')).toEqual([20 * 360, 981 * 360]);
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
    const model = buildHeadroom(fixtureSeries(), ['terminal']);
    expect(model.resources.map((r) => [r.resource, r.warning, r.critical])).toEqual([
      ['cpu', 0.7, 0.85],
      ['memory', 0.75, 0.9],
      ['sessions', 0.8, 0.95],
      ['latency', 0.3, 0.5],
    ]);
    const [cpu, memory] = model.resources;
    const util = (resource: string) =>
      recorded('headroom_resource_utilization_ratio', { service: 'terminal', resource });
    expect(cpu.utilization).toBeCloseTo(util('cpu'), 9);
    expect(memory.utilization).toBeCloseTo(util('memory'), 9);
    expect(cpu.utilization).toBeGreaterThan(0.1);
    for (const r of model.resources) {
      // the exporter's headroom is 1 - used/warning; the demo is far from exhaustion (months)
      expect(r.headroom).toBeCloseTo(1 - r.utilization! / r.warning!, 6);
      expect(r.exhaustionSeconds).toBeGreaterThan(30 * 86400);
      expect(Number.isFinite(r.exhaustionSeconds)).toBe(true);
    }
    expect(model.missing).toEqual([]);
  });

  it.each([
    ['cpu', 'percent', 100],
    ['memory', 'percent', 100],
    ['sessions', 'sessions', 200],
    ['latency', 'milliseconds', 1000],
  ])(
    'gives %s its per-instance limit in the policy unit (%s), so every ratio has an absolute value',
    (resource, unit, limit) => {
      const r = buildHeadroom(fixtureSeries(), ['terminal']).resources.find((x) => x.resource === resource)!;
      expect([r.unit, r.limit]).toEqual([unit, limit]);
      const used = recorded('headroom_input_value', {
        service: 'terminal',
        signal: resource === 'latency' ? 'latency_p95' : resource,
      });
      // used = utilization × limit is the signal value the exporter read
      expect(absolute(r, r.utilization)).toBeCloseTo(used, 6);
      // headroom to warning on the same base as used: (warning - used) / limit
      expect(headroomOfLimit(r)).toBeCloseTo(r.warning! - used / limit, 9);
    }
  );

  it('keeps the utilization samples of a range query as its history', () => {
    const frames = toPrometheusFrames(fixtureSamples(), [RANGE.from, RANGE.from + 60000, SCRAPE_TIME]);
    const cpu = buildHeadroom(framesToSeries(frames), ['api']).resources[0];
    expect(cpu.history.times).toEqual([RANGE.from, RANGE.from + 60000, SCRAPE_TIME]);
    expect(cpu.history.values).toHaveLength(3);
  });

  it('reads an absent exhaustion series as never when the family is published', () => {
    const series = fixtureSeries().filter(
      (s) => !(s.metric === 'headroom_resource_exhaustion_seconds' && s.labels.resource === 'cpu')
    );
    expect(buildHeadroom(series, ['terminal']).resources[0].exhaustionSeconds).toBe(Infinity);
  });

  it('leaves exhaustion unknown when the whole family is missing', () => {
    const model = buildHeadroom(without('headroom_resource_exhaustion_seconds'), []);
    expect(model.missing).toEqual(['headroom_resource_exhaustion_seconds']);
    expect(model.resources.map((r) => r.exhaustionSeconds)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('buildDecisions', () => {
  it('turns each decision timestamp into an event paired with its current and target counts', () => {
    const model = buildDecisions(fixtureSeries(), [], RANGE);
    expect(model.events.map((e) => [e.service, e.kind, e.trigger, e.blockedBy, e.current, e.target])).toEqual([
      ['terminal', 'scale_out', 'cpu_high', 'none', 4, 7],
      ['api', 'scale_in', 'scale_in', 'none', 6, 5],
      // blocked: cpu_high again inside its own cooldown; the target is the one the cooldown held back
      // (ceil(7 × 93 / 60) = 11, the trigger's target 60 % in headroom.yml)
      ['terminal', 'blocked', 'cpu_high', 'cooldown', 7, 11],
      ['api', 'scale_out', 'errors_high', 'none', 5, 7],
    ]);
    expect(model.events.map((e) => e.time)).toEqual(FIXTURE_WINDOW.decisionTimes);
    expect(model.services).toEqual(['api', 'terminal']);
  });

  it('keeps only the chosen services', () => {
    expect(buildDecisions(fixtureSeries(), ['api'], RANGE).events.map((e) => e.trigger)).toEqual([
      'scale_in',
      'errors_high',
    ]);
  });

  it('drops decisions outside the dashboard time range', () => {
    const [, second, third] = FIXTURE_WINDOW.decisionTimes;
    const range = { from: second - 1000, to: third + 1000 };
    expect(buildDecisions(fixtureSeries(), [], range).events.map((e) => e.trigger)).toEqual(['scale_in', 'cpu_high']);
  });

  it('finds one event per distinct timestamp value of a range query and reads the counts at that sample', () => {
    const labels = { service: 'api', trigger: 'cpu_high', action: 'scale_out', blocked_by: 'none' };
    const t0 = Date.UTC(2026, 0, 1);
    const minute = 60000;
    const series: Series[] = [
      {
        metric: 'headroom_scaler_last_decision_timestamp_seconds',
        labels,
        times: [t0, t0 + minute, t0 + 2 * minute, t0 + 3 * minute],
        values: [t0 / 1000, t0 / 1000, (t0 + 2 * minute) / 1000, (t0 + 2 * minute) / 1000],
      },
      {
        metric: 'headroom_scaler_last_decision_current_instances',
        labels,
        times: [t0, t0 + minute, t0 + 2 * minute, t0 + 3 * minute],
        values: [2, 2, 4, 4],
      },
      {
        metric: 'headroom_scaler_last_decision_target_instances',
        labels,
        times: [t0, t0 + minute, t0 + 2 * minute, t0 + 3 * minute],
        values: [4, 4, 6, 6],
      },
    ];
    const events = buildDecisions(series, [], { from: t0, to: t0 + 10 * minute }).events;
    expect(events.map((e) => [e.time - t0, e.current, e.target])).toEqual([
      [0, 2, 4],
      [2 * minute, 4, 6],
    ]);
  });

  it('skips decisions that neither scaled nor were blocked', () => {
    const samples: Sample[] = [
      {
        metric: 'headroom_scaler_last_decision_timestamp_seconds',
        labels: { service: 'a', trigger: 'none', action: 'none', blocked_by: 'none' },
        value: SCRAPE_TIME / 1000,
      },
    ];
    const model = buildDecisions(framesToSeries(toPrometheusFrames(samples, [SCRAPE_TIME])), [], RANGE);
    expect(model.events).toEqual([]);
    expect(model.missing).toEqual([
      'headroom_scaler_last_decision_current_instances',
      'headroom_scaler_last_decision_target_instances',
      'headroom_instances',
      'headroom_recommended_instances',
    ]);
  });

  it('follows instances and the final recommendation of each service over the time range', () => {
    const frames = toPrometheusFrames(fixtureSamples(), [RANGE.from - 60000, RANGE.from, SCRAPE_TIME]);
    const fleet = buildDecisions(framesToSeries(frames), [], RANGE).fleet;
    expect(fleet.map((f) => [f.service, f.instances.values, f.recommended.values])).toEqual([
      ['api', [6, 6], [4, 4]],
      ['terminal', [4, 4], [4, 4]],
    ]);
    // the sample before the range is not drawn
    expect(fleet[0].instances.times).toEqual([RANGE.from, SCRAPE_TIME]);
  });
});
