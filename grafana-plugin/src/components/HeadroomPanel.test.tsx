import React from 'react';
import { render, screen, within } from '@testing-library/react';

import { framesToSeries } from '../data/frames';
import { fixtureSamples, SCRAPE_TIME } from '../testing/fixture';
import { panelProps } from '../testing/panelProps';
import { Sample, toPrometheusFrames, toTableFrame } from '../testing/promText';
import { PanelView } from '../types';
import { HeadroomPanel } from './HeadroomPanel';

const fixtureFrames = (keep: (s: Sample) => boolean = () => true) => toPrometheusFrames(fixtureSamples().filter(keep), [SCRAPE_TIME]);
const renderPanel = (...args: Parameters<typeof panelProps>) => render(<HeadroomPanel {...panelProps(...args)} />);

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
    expect(screen.getByTestId('plan-max-line')).toHaveTextContent('max 40');
    expect(screen.getByTestId('plan-current')).toBeInTheDocument();
  });

  it('summarises the 6- and 12-month ranges and the planning scenario', () => {
    renderPanel(fixtureFrames());
    expect(screen.getByTestId('plan-range-6')).toHaveTextContent('6 months: 19–135 instances');
    expect(screen.getByTestId('plan-range-12')).toHaveTextContent('12 months: 43–2,252 instances');
    expect(screen.getByTestId('plan-planning')).toHaveTextContent('Planning scenario moderate: 31 at 6 mo, 117 at 12 mo ($84,240/month)');
    expect(screen.getByTestId('plan-budget')).toHaveTextContent('Budget $9,000/month · forecast month-end $8,400 · spent 62%');
    expect(screen.getByTestId('plan-over-limit')).toHaveTextContent('Over max 40: conservative from 12 mo, moderate from 12 mo, aggressive from 6 mo, hockey stick from 6 mo');
  });

  it('plots monthly cost against the budget line when the plan metric is cost', () => {
    renderPanel(fixtureFrames(), { planMetric: 'cost', currency: 'EUR' });
    expect(screen.getByTestId('plan-budget-line')).toHaveTextContent('budget €9K');
    expect(screen.queryByTestId('plan-max-line')).not.toBeInTheDocument();
    expect(screen.getByTestId('plan-range-6')).toHaveTextContent('6 months: €13,680–€97,200/month');
  });

  it('shows the service picked by a dashboard variable in multi-service data', () => {
    renderPanel(fixtureFrames(), { service: '$service' }, undefined, { service: 'search' });
    expect(screen.getByTestId('plan-legend')).toHaveTextContent('search');
    expect(screen.getByTestId('plan-planning')).toHaveTextContent('Planning scenario conservative');
    expect(screen.getByTestId('plan-max-line')).toHaveTextContent('max 16');
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
    expect(screen.getByTestId('plan-no-chart')).toHaveTextContent('No projected monthly cost for checkout');
  });

  it('drops the summary in a small panel but still draws the chart', () => {
    renderPanel(fixtureFrames(), {}, { width: 240, height: 160 });
    expect(screen.getByTestId('plan-chart')).toBeInTheDocument();
    expect(screen.queryByTestId('plan-summary')).not.toBeInTheDocument();
  });

  it('reads table-format instant queries as well as time series frames', () => {
    renderPanel([toTableFrame(fixtureSamples(), SCRAPE_TIME)]);
    expect(screen.getByTestId('plan-range-12')).toHaveTextContent('12 months: 43–2,252 instances');
  });
});

describe('headroom view', () => {
  it('shows utilization, headroom and time until exhaustion for each resource', () => {
    renderPanel(fixtureFrames(), { view: 'headroom' });
    expect(screen.getByTestId('headroom-resource-cpu')).toHaveTextContent('cpu');
    expect(screen.getByTestId('headroom-ratio-cpu')).toHaveTextContent('32%');
    expect(screen.getByTestId('headroom-exhaustion-cpu')).toHaveTextContent('14 d');
    expect(screen.getByTestId('headroom-exhaustion-memory')).toHaveTextContent('3 d');
    expect(screen.getByTestId('headroom-exhaustion-sessions')).toHaveTextContent('never');
    expect(screen.getByTestId('headroom-bar-cpu').querySelector('title')).toHaveTextContent('cpu: 58% used · warning 70% · critical 85%');
    expect(screen.getByTestId('headroom-warning-cpu')).toHaveAttribute('x', '70%');
    expect(screen.getByTestId('headroom-critical-cpu')).toHaveAttribute('x', '85%');
  });

  it('shows a resource already over its critical threshold as exhausted now', () => {
    renderPanel(fixtureFrames(), { view: 'headroom', service: 'search' });
    expect(screen.getByTestId('headroom-exhaustion-cpu')).toHaveTextContent('now');
    expect(screen.getByTestId('headroom-ratio-cpu')).toHaveTextContent('0%');
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
    expect(screen.getAllByTestId('decision-marker-scale_out')).toHaveLength(1);
    expect(screen.getAllByTestId('decision-marker-scale_in')).toHaveLength(1);
    expect(screen.getAllByTestId('decision-marker-blocked')).toHaveLength(2);
    const rows = screen.getAllByTestId('decision-row').map((row) => row.textContent);
    expect(rows).toEqual([
      '11-21 12:00checkoutscale out8 → 10sessions_high blocked by cooldown',
      '11-21 11:40searchscale out16 → 18latency_p95_high blocked by max_instances',
      '11-21 11:20checkoutscale out6 → 8cpu_high',
      '11-21 10:00checkoutscale in9 → 8all_low',
    ]);
  });

  it('explains a decision in the marker tooltip', () => {
    renderPanel(fixtureFrames(), { view: 'decisions', service: 'checkout' });
    const titles = screen.getAllByTestId('decision-marker-blocked').map((m) => m.querySelector('title')?.textContent);
    expect(titles).toEqual(['2026-11-21 12:00:00 · checkout\nscale out 8 → 10\ntrigger: sessions_high\nblocked by: cooldown']);
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
    expect(metrics.size).toBe(15);
  });
});
