import React from 'react';
import { render, screen, within } from '@testing-library/react';

import { framesToSeries } from '../data/frames';
import { EXPECTED_METRICS } from '../queries';
import { FIXTURE_WINDOW, fixtureSamples, recorded, SCRAPE_TIME } from '../testing/fixture';
import { panelProps } from '../testing/panelProps';
import { Sample, toPrometheusFrames, toTableFrame } from '../testing/promText';
import { PanelView } from '../types';
import { HeadroomPanel } from './HeadroomPanel';

const fixtureFrames = (keep: (s: Sample) => boolean = () => true) => toPrometheusFrames(fixtureSamples().filter(keep), [SCRAPE_TIME]);
const renderPanel = (...args: Parameters<typeof panelProps>) => render(<HeadroomPanel {...panelProps(...args)} />);
/** HH:mm:ss in UTC (the panel's time zone in these tests). */
const hms = (t: number) => new Date(t).toISOString().slice(11, 19);

// The fixture is a real exporter recording (scripts/record-fixture.mjs --start); the first service in
// it is `api` (6 instances, max 12, $3,000 budget, conservative planning), the other `terminal`.

describe('empty data', () => {
  it.each<[PanelView, string]>([
    ['plan', 'headroom_projected_instances{service=~"$service"}'],
    ['headroom', 'headroom_resource_utilization_ratio{service=~"$service"}'],
    ['decisions', 'headroom_scaler_last_decision_timestamp_seconds{service=~"$service"}'],
  ])('shows the %s view the series it expected, such as %s', (view, query) => {
    renderPanel([], { view });
    const empty = screen.getByTestId('headroom-empty');
    expect(empty).toHaveTextContent(`No Headroom data for the ${view} view`);
    expect(within(screen.getByTestId('headroom-expected-series')).getByText(query)).toBeInTheDocument();
  });

  it.each<PanelView>(['plan', 'headroom'])('shows the empty %s view when the chosen service is not in the data', (view) => {
    renderPanel(fixtureFrames(), { view, service: 'billing' });
    expect(screen.getByTestId('headroom-empty')).toHaveTextContent('service "billing"');
  });
});

describe('plan view', () => {
  it('draws one line per scenario with the current count and the max limit line', () => {
    renderPanel(fixtureFrames());
    for (const scenario of ['conservative', 'moderate', 'aggressive', 'hockey_stick']) {
      expect(screen.getByTestId(`plan-line-${scenario}`).querySelector('path')?.getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){4}$/);
    }
    expect(screen.getByTestId('plan-max-line')).toHaveTextContent('max 12');
    expect(screen.getByTestId('plan-min-line')).toHaveTextContent('min 3');
    expect(screen.getByTestId('plan-current')).toHaveTextContent('now: 6 instances');
  });

  it('summarises the 6- and 12-month ranges and the planning scenario', () => {
    renderPanel(fixtureFrames());
    expect(screen.getByTestId('plan-range-6')).toHaveTextContent('6 months: 9–60 instances');
    expect(screen.getByTestId('plan-range-12')).toHaveTextContent('12 months: 20–1,006 instances');
    expect(screen.getByTestId('plan-planning')).toHaveTextContent('Planning scenario conservative: 9 at 6 mo, 20 at 12 mo ($7,200/month)');
    expect(screen.getByTestId('plan-budget')).toHaveTextContent('Budget $3,000/month · forecast month-end $2,232 · spent 1%');
    expect(screen.getByTestId('plan-over-limit')).toHaveTextContent('Over max 12: conservative from 12 mo, moderate from 6 mo, aggressive from 6 mo, hockey stick from 3 mo');
  });

  it('plots monthly cost against the budget line when the plan metric is cost', () => {
    renderPanel(fixtureFrames(), { planMetric: 'cost', currency: 'EUR' });
    expect(screen.getByTestId('plan-budget-line')).toHaveTextContent('budget €3K');
    expect(screen.queryByTestId('plan-max-line')).not.toBeInTheDocument();
    expect(screen.getByTestId('plan-range-6')).toHaveTextContent('6 months: €3,240–€21,600/month');
    expect(screen.getByTestId('plan-over-limit')).toHaveTextContent('Over budget €3,000: conservative from 6 mo, moderate from 6 mo, aggressive from 3 mo, hockey stick from 3 mo');
  });

  it('shows the service picked by a dashboard variable in multi-service data', () => {
    renderPanel(fixtureFrames(), { service: '$service' }, undefined, { service: 'terminal' });
    expect(screen.getByTestId('plan-legend')).toHaveTextContent('terminal');
    expect(screen.getByTestId('plan-planning')).toHaveTextContent('Planning scenario moderate: 15 at 6 mo, 52 at 12 mo ($18,720/month)');
    expect(screen.getByTestId('plan-max-line')).toHaveTextContent('max 20');
    expect(screen.getByTestId('plan-budget')).toHaveTextContent('Budget $5,000/month · forecast month-end $1,488 · spent 0%');
  });

  it('keeps the instance chart and lists the missing series when cost and budget are absent', () => {
    renderPanel(fixtureFrames((s) => !/cost|budget/.test(s.metric)));
    expect(screen.getByTestId('plan-chart')).toBeInTheDocument();
    expect(screen.getByTestId('headroom-missing')).toHaveTextContent(
      'Missing series: headroom_projected_monthly_cost, headroom_budget_monthly, headroom_budget_usage_ratio, headroom_budget_forecast_month_end_spend'
    );
  });

  it('says there is nothing to draw in cost mode when only instance projections exist', () => {
    renderPanel(fixtureFrames((s) => s.metric !== 'headroom_projected_monthly_cost'), { planMetric: 'cost' });
    expect(screen.getByTestId('plan-no-chart')).toHaveTextContent('No projected monthly cost for api');
  });

  it('drops the summary in a small panel but still draws the chart', () => {
    renderPanel(fixtureFrames(), {}, { width: 240, height: 160 });
    expect(screen.getByTestId('plan-chart')).toBeInTheDocument();
    expect(screen.queryByTestId('plan-summary')).not.toBeInTheDocument();
  });

  it('reads table-format instant queries as well as time series frames', () => {
    renderPanel([toTableFrame(fixtureSamples(), SCRAPE_TIME)]);
    expect(screen.getByTestId('plan-range-12')).toHaveTextContent('12 months: 20–1,006 instances');
  });
});

describe('headroom view', () => {
  it('shows utilization, headroom and time until exhaustion for each resource', () => {
    renderPanel(fixtureFrames(), { view: 'headroom' });
    expect(screen.getAllByTestId(/^headroom-resource-/).map((row) => row.textContent)).toEqual(['cpu', 'memory', 'sessions', 'latency']);
    // The view shows the first service (api); utilization follows the demo's time of day, so compare with the recording.
    const pct = (metric: string, resource: string) => `${Math.round(100 * recorded(metric, { service: 'api', resource }))}%`;
    expect(screen.getByTestId('headroom-ratio-cpu')).toHaveTextContent(pct('headroom_resource_headroom_ratio', 'cpu'));
    expect(screen.getByTestId('headroom-exhaustion-cpu')).toHaveTextContent('10 mo');
    expect(screen.getByTestId('headroom-exhaustion-memory')).toHaveTextContent('7 mo');
    expect(screen.getByTestId('headroom-exhaustion-latency')).toHaveTextContent('9 mo');
    expect(screen.getByTestId('headroom-bar-cpu').querySelector('title')).toHaveTextContent(`cpu: ${pct('headroom_resource_utilization_ratio', 'cpu')} used · warning 70% · critical 85%`);
    expect(screen.getByTestId('headroom-bar-sessions').querySelector('title')).toHaveTextContent(`sessions: ${pct('headroom_resource_utilization_ratio', 'sessions')} used · warning 80% · critical 95%`);
    expect(screen.getByTestId('headroom-warning-cpu')).toHaveAttribute('x', '70%');
    expect(screen.getByTestId('headroom-critical-cpu')).toHaveAttribute('x', '85%');
  });

  it('shows the other service of the recording', () => {
    renderPanel(fixtureFrames(), { view: 'headroom', service: 'terminal' });
    expect(screen.getByTestId('headroom-ratio-memory')).toHaveTextContent('52%');
    expect(screen.getByTestId('headroom-exhaustion-memory')).toHaveTextContent('4 mo');
  });

  it('shows a resource over its critical threshold as exhausted now, and +Inf as never', () => {
    // Hand-made: the recording's demo workload is nowhere near its thresholds.
    const samples: Sample[] = [
      { metric: 'headroom_resource_utilization_ratio', labels: { service: 'search', resource: 'cpu' }, value: 0.88 },
      { metric: 'headroom_resource_threshold_ratio', labels: { service: 'search', resource: 'cpu', level: 'warning' }, value: 0.7 },
      { metric: 'headroom_resource_threshold_ratio', labels: { service: 'search', resource: 'cpu', level: 'critical' }, value: 0.85 },
      { metric: 'headroom_resource_headroom_ratio', labels: { service: 'search', resource: 'cpu' }, value: 0 },
      { metric: 'headroom_resource_exhaustion_seconds', labels: { service: 'search', resource: 'cpu' }, value: 0 },
      { metric: 'headroom_resource_utilization_ratio', labels: { service: 'search', resource: 'memory' }, value: 0.35 },
      { metric: 'headroom_resource_headroom_ratio', labels: { service: 'search', resource: 'memory' }, value: 0.53 },
      { metric: 'headroom_resource_exhaustion_seconds', labels: { service: 'search', resource: 'memory' }, value: Infinity },
    ];
    renderPanel(toPrometheusFrames(samples, [SCRAPE_TIME]), { view: 'headroom', service: 'search' });
    expect(screen.getByTestId('headroom-exhaustion-cpu')).toHaveTextContent('now');
    expect(screen.getByTestId('headroom-ratio-cpu')).toHaveTextContent('0%');
    expect(screen.getByTestId('headroom-exhaustion-memory')).toHaveTextContent('never');
  });

  it('keeps the bars and lists the missing series when thresholds are absent', () => {
    renderPanel(fixtureFrames((s) => s.metric !== 'headroom_resource_threshold_ratio'), { view: 'headroom' });
    expect(screen.getByTestId('headroom-bar-memory')).toBeInTheDocument();
    expect(screen.queryByTestId('headroom-warning-memory')).not.toBeInTheDocument();
    expect(screen.getByTestId('headroom-missing')).toHaveTextContent('headroom_resource_threshold_ratio');
  });

  it('hides the exhaustion column in a narrow panel', () => {
    renderPanel(fixtureFrames(), { view: 'headroom' }, { width: 300, height: 200 });
    expect(screen.getByTestId('headroom-ratio-cpu')).toBeInTheDocument();
    expect(screen.queryByTestId('headroom-exhaustion-cpu')).not.toBeInTheDocument();
  });
});

describe('decisions view', () => {
  it('marks each decision on the timeline and lists it with current → target, trigger and blocker', () => {
    renderPanel(fixtureFrames(), { view: 'decisions' });
    expect(screen.getAllByTestId('decision-marker-scale_out')).toHaveLength(2);
    expect(screen.getAllByTestId('decision-marker-scale_in')).toHaveLength(1);
    expect(screen.getAllByTestId('decision-marker-blocked')).toHaveLength(1);
    const rows = screen.getAllByTestId('decision-row').map((row) => row.textContent);
    // Newest first; a 5-minute range shows seconds.
    const [t1, t2, t3, t4] = FIXTURE_WINDOW.decisionTimes.map(hms);
    expect(rows).toEqual([
      `${t4}apiscale out5 → 7errors_high`,
      `${t3}terminalscale out7 → 9memory_high blocked by cooldown`,
      `${t2}apiscale in6 → 5scale_in`,
      `${t1}terminalscale out4 → 7cpu_high`,
    ]);
  });

  it('explains a decision in the marker tooltip', () => {
    renderPanel(fixtureFrames(), { view: 'decisions', service: 'terminal' });
    const titles = screen.getAllByTestId('decision-marker-blocked').map((m) => m.querySelector('title')?.textContent);
    const day = new Date(FIXTURE_WINDOW.decisionTimes[2]).toISOString().slice(0, 10);
    expect(titles).toEqual([`${day} ${hms(FIXTURE_WINDOW.decisionTimes[2])} · terminal\nscale out 7 → 9\ntrigger: memory_high\nblocked by: cooldown`]);
    expect(screen.getAllByTestId(/^decision-marker-/)).toHaveLength(2);
  });

  it('says so when no decision falls in the time range, without hiding the timeline', () => {
    const frames = toPrometheusFrames(
      [{ metric: 'headroom_scaler_last_decision_timestamp_seconds', labels: { service: 'a', trigger: 'cpu_high', action: 'scale_out', blocked_by: 'none' }, value: 1000 }],
      [SCRAPE_TIME]
    );
    renderPanel(frames, { view: 'decisions' });
    expect(screen.getByTestId('decisions-chart')).toBeInTheDocument();
    expect(screen.getByTestId('decisions-none')).toHaveTextContent('No scaling decisions in this time range.');
    expect(screen.getByTestId('headroom-missing')).toHaveTextContent('headroom_scaler_last_decision_current_instances');
  });

  it('shows unknown counts as a dash when the current and target series are missing', () => {
    renderPanel(fixtureFrames((s) => !/current_instances|target_instances/.test(s.metric)), { view: 'decisions', showEventList: true });
    expect(screen.getAllByTestId('decision-row')[0]).toHaveTextContent('— → —');
  });

  it('hides the decision list when the option is off', () => {
    renderPanel(fixtureFrames(), { view: 'decisions', showEventList: false });
    expect(screen.queryByTestId('decisions-list')).not.toBeInTheDocument();
  });
});

describe('frames from the fixture', () => {
  it('cover every metric the views expect', () => {
    const metrics = new Set(framesToSeries(fixtureFrames()).map((s) => s.metric));
    for (const metric of Object.values(EXPECTED_METRICS).flat()) {
      expect(metrics).toContain(metric);
    }
  });
});
