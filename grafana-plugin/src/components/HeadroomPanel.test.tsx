import React from 'react';
import { render, screen, within } from '@testing-library/react';

import { framesToSeries } from '../data/frames';
import { EXPECTED_METRICS } from '../queries';
import { FIXTURE_WINDOW, fixtureSamples, recorded, SCRAPE_TIME } from '../testing/fixture';
import { panelProps } from '../testing/panelProps';
import { Sample, toPrometheusFrames, toTableFrame } from '../testing/promText';
import { PanelView } from '../types';
import { HeadroomPanel } from './HeadroomPanel';

const fixtureFrames = (keep: (s: Sample) => boolean = () => true) =>
  toPrometheusFrames(fixtureSamples().filter(keep), [SCRAPE_TIME]);
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

  it.each<PanelView>(['plan', 'headroom'])(
    'shows the empty %s view when the chosen service is not in the data',
    (view) => {
      renderPanel(fixtureFrames(), { view, service: 'billing' });
      expect(screen.getByTestId('headroom-empty')).toHaveTextContent('service "billing"');
    }
  );
});

describe('plan view', () => {
  it('draws one line per scenario with the current count and the max limit line', () => {
    renderPanel(fixtureFrames());
    for (const scenario of ['conservative', 'moderate', 'aggressive', 'hockey_stick']) {
      expect(screen.getByTestId(`plan-line-${scenario}`).querySelector('path')?.getAttribute('d')).toMatch(
        /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){4}$/
      );
    }
    expect(screen.getByTestId('plan-max-line')).toHaveTextContent('max 12');
    expect(screen.getByTestId('plan-min-line')).toHaveTextContent('min 3');
    expect(screen.getByTestId('plan-current')).toHaveTextContent('now: 6 instances');
  });

  it('summarises the 6- and 12-month ranges and the planning scenario', () => {
    renderPanel(fixtureFrames());
    expect(screen.getByTestId('plan-range-6')).toHaveTextContent('6 months: 9–60 instances');
    expect(screen.getByTestId('plan-range-12')).toHaveTextContent('12 months: 20–1,006 instances');
    expect(screen.getByTestId('plan-planning')).toHaveTextContent(
      'Planning scenario conservative: 9 at 6 mo, 20 at 12 mo ($7,200/month)'
    );
    expect(screen.getByTestId('plan-budget')).toHaveTextContent(
      'Budget $3,000/month · forecast month-end $2,232 · spent 2%'
    );
    expect(screen.getByTestId('plan-over-limit')).toHaveTextContent(
      'Over max 12: conservative from 12 mo, moderate from 6 mo, aggressive from 6 mo, hockey stick from 3 mo'
    );
  });

  it('plots monthly cost against the budget line in the currency of the standard Unit option', () => {
    renderPanel(
      fixtureFrames(),
      { planMetric: 'cost' },
      undefined,
      {},
      { defaults: { unit: 'currencyEUR' }, overrides: [] }
    );
    expect(screen.getByTestId('plan-budget-line')).toHaveTextContent('budget €3K');
    expect(screen.queryByTestId('plan-max-line')).not.toBeInTheDocument();
    expect(screen.getByTestId('plan-range-6')).toHaveTextContent('6 months: €3,240–€21,600/month');
    expect(screen.getByTestId('plan-over-limit')).toHaveTextContent(
      'Over budget €3,000: conservative from 6 mo, moderate from 6 mo, aggressive from 3 mo, hockey stick from 3 mo'
    );
  });

  it('shows the service picked by a dashboard variable in multi-service data', () => {
    renderPanel(fixtureFrames(), { service: '$service' }, undefined, { service: 'terminal' });
    expect(screen.getByTestId('plan-legend')).toHaveTextContent('terminal');
    expect(screen.getByTestId('plan-planning')).toHaveTextContent(
      'Planning scenario moderate: 15 at 6 mo, 52 at 12 mo ($18,720/month)'
    );
    expect(screen.getByTestId('plan-max-line')).toHaveTextContent('max 20');
    expect(screen.getByTestId('plan-budget')).toHaveTextContent(
      'Budget $5,000/month · forecast month-end $1,488 · spent 1%'
    );
  });

  it('keeps the instance chart and lists the missing series when cost and budget are absent', () => {
    renderPanel(fixtureFrames((s) => !/cost|budget/.test(s.metric)));
    expect(screen.getByTestId('plan-chart')).toBeInTheDocument();
    expect(screen.getByTestId('headroom-missing')).toHaveTextContent(
      'Missing series: headroom_projected_monthly_cost, headroom_budget_monthly, headroom_budget_usage_ratio, headroom_budget_forecast_month_end_spend'
    );
  });

  it('says there is nothing to draw in cost mode when only instance projections exist', () => {
    renderPanel(
      fixtureFrames((s) => s.metric !== 'headroom_projected_monthly_cost'),
      { planMetric: 'cost' }
    );
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
  const api = (metric: string, resource: string) => recorded(metric, { service: 'api', resource });
  const pct = (ratio: number) => `${Math.round(100 * ratio)}%`;

  it('shows used, the marks and the headroom to warning as shares of the same base, the per-instance limit', () => {
    renderPanel(fixtureFrames(), { view: 'headroom' });
    expect(screen.getAllByTestId(/^headroom-resource-/).map((row) => row.textContent)).toEqual([
      'cpu',
      'memory',
      'sessions',
      'latency',
    ]);
    // The view shows the first service (api); utilization follows the demo's time of day, so compare with the recording.
    const used = api('headroom_resource_utilization_ratio', 'cpu');
    expect(screen.getByTestId('headroom-used-cpu')).toHaveTextContent(
      `${pct(used)}${(100 * used).toFixed(1)}% of 100%`
    );
    // 70 % warning − used, both of the limit: not the exporter's 1 − used/warning
    expect(screen.getByTestId('headroom-ratio-cpu')).toHaveTextContent(
      `${pct(0.7 - used)}${(100 * (0.7 - used)).toFixed(1)}%`
    );
    expect(screen.getByTestId('headroom-warning-cpu')).toHaveAttribute('x', '70%');
    expect(screen.getByTestId('headroom-critical-cpu')).toHaveAttribute('x', '85%');
    expect(screen.getByTestId('headroom-exhaustion-cpu')).toHaveTextContent('9 mo');
    expect(screen.getByTestId('headroom-exhaustion-memory')).toHaveTextContent('7 mo');
    expect(screen.getByTestId('headroom-exhaustion-latency')).toHaveTextContent('9 mo');
  });

  it.each([
    ['sessions', 'sessions', 200, 0.8, '200 sessions'],
    // Grafana's ms unit prints 1000 ms as 1 s
    ['latency', 'ms', 1000, 0.3, '1 s'],
  ])('shows %s in its own unit (%s) beside the ratio', (resource, unit, limit, warning, limitText) => {
    renderPanel(fixtureFrames(), { view: 'headroom' });
    const used = api('headroom_resource_utilization_ratio', resource);
    const value = (x: number) => `${x >= 100 ? Math.round(x) : x.toFixed(1)} ${unit}`;
    expect(screen.getByTestId(`headroom-used-${resource}`)).toHaveTextContent(
      `${pct(used)}${value(used * limit)} of ${limitText}`
    );
    expect(screen.getByTestId(`headroom-ratio-${resource}`)).toHaveTextContent(
      `${pct(warning - used)}${value((warning - used) * limit)}`
    );
    expect(screen.getByTestId(`headroom-bar-${resource}`).querySelector('title')).toHaveTextContent(
      `${resource}: used ${pct(used)} of the limit (${value(used * limit)} of ${limitText}) · warning ${pct(warning)} (${value(warning * limit)})`
    );
  });

  it('says in the tooltip what the exporter headroom ratio is a share of', () => {
    renderPanel(fixtureFrames(), { view: 'headroom' });
    expect(screen.getByTestId('headroom-bar-cpu').querySelector('title')).toHaveTextContent(
      `exporter headroom ratio ${pct(api('headroom_resource_headroom_ratio', 'cpu'))} = (warning − used) / warning`
    );
  });

  it('explains the marks in a legend', () => {
    renderPanel(fixtureFrames(), { view: 'headroom' });
    expect(screen.getByTestId('headroom-legend')).toHaveTextContent(
      'used nowwarningcriticalthresholds from the policy · % are of the per-instance limit · to warning = warning − used'
    );
  });

  it('draws the thresholds of the standard Thresholds option instead of the policy, and says so', () => {
    const thresholds = {
      mode: 'percentage',
      steps: [
        { value: -Infinity, color: 'green' },
        { value: 20, color: 'purple' },
      ],
    };
    renderPanel(fixtureFrames(), { view: 'headroom' }, undefined, {}, {
      defaults: { thresholds },
      overrides: [],
    } as never);
    expect(screen.getByTestId('headroom-20%-cpu')).toHaveAttribute('x', '20%');
    expect(screen.queryByTestId('headroom-warning-cpu')).not.toBeInTheDocument();
    expect(screen.getByTestId('headroom-legend')).toHaveTextContent("thresholds from the panel's Thresholds option");
  });

  it('takes a unit set by a field override for one resource over the policy unit', () => {
    const override = {
      matcher: { id: 'byRegexp', options: '.*resource="sessions".*' },
      properties: [{ id: 'unit', value: 'short' }],
    };
    renderPanel(fixtureFrames(), { view: 'headroom' }, undefined, {}, { defaults: {}, overrides: [override] });
    expect(screen.getByTestId('headroom-used-sessions')).toHaveTextContent(/of 200$/);
    expect(screen.getByTestId('headroom-used-latency')).toHaveTextContent(/of 1 s$/);
  });

  it('draws utilization over the dashboard time range when the query is a range query', () => {
    const times = [FIXTURE_WINDOW.range.from, FIXTURE_WINDOW.range.from + 120000, SCRAPE_TIME];
    renderPanel(toPrometheusFrames(fixtureSamples(), times), { view: 'headroom' });
    const line = screen.getByTestId('headroom-history-cpu').querySelector('polyline');
    expect(line?.getAttribute('points')?.split(' ')).toHaveLength(3);
    // from the left edge of the range to its right edge
    expect(line?.getAttribute('points')).toMatch(/^0\.00,[\d.]+ 40\.00,[\d.]+ 100\.00,[\d.]+$/);
  });

  it('links the service to its decisions through the standard Data links option', () => {
    const links = [
      {
        title: 'Decisions of ${__field.labels.service}',
        url: '/d/headroom-overview?var-service=${__field.labels.service}&${__url_time_range}',
      },
    ];
    renderPanel(fixtureFrames(), { view: 'headroom' }, undefined, {}, { defaults: { links }, overrides: [] });
    const link = screen.getByTestId('headroom-service').closest('a');
    expect(link).toHaveAttribute('title', 'Decisions of api');
    expect(link).toHaveAttribute(
      'href',
      `/d/headroom-overview?var-service=api&from=${FIXTURE_WINDOW.range.from}&to=${FIXTURE_WINDOW.range.to}`
    );
  });

  it('shows the other service of the recording', () => {
    renderPanel(fixtureFrames(), { view: 'headroom', service: 'terminal' });
    const used = recorded('headroom_resource_utilization_ratio', { service: 'terminal', resource: 'memory' });
    expect(screen.getByTestId('headroom-ratio-memory')).toHaveTextContent(pct(0.75 - used));
    expect(screen.getByTestId('headroom-exhaustion-memory')).toHaveTextContent('4 mo');
  });

  it('shows a resource over its critical threshold as exhausted now and over warning, and +Inf as never', () => {
    // Hand-made: the recording's demo workload is nowhere near its thresholds.
    const samples: Sample[] = [
      { metric: 'headroom_resource_utilization_ratio', labels: { service: 'search', resource: 'cpu' }, value: 0.88 },
      {
        metric: 'headroom_resource_threshold_ratio',
        labels: { service: 'search', resource: 'cpu', level: 'warning' },
        value: 0.7,
      },
      {
        metric: 'headroom_resource_threshold_ratio',
        labels: { service: 'search', resource: 'cpu', level: 'critical' },
        value: 0.85,
      },
      { metric: 'headroom_resource_headroom_ratio', labels: { service: 'search', resource: 'cpu' }, value: 0 },
      { metric: 'headroom_resource_exhaustion_seconds', labels: { service: 'search', resource: 'cpu' }, value: 0 },
      { metric: 'headroom_resource_utilization_ratio', labels: { service: 'search', resource: 'memory' }, value: 0.35 },
      { metric: 'headroom_resource_headroom_ratio', labels: { service: 'search', resource: 'memory' }, value: 0.53 },
      {
        metric: 'headroom_resource_exhaustion_seconds',
        labels: { service: 'search', resource: 'memory' },
        value: Infinity,
      },
    ];
    renderPanel(toPrometheusFrames(samples, [SCRAPE_TIME]), { view: 'headroom', service: 'search' });
    expect(screen.getByTestId('headroom-exhaustion-cpu')).toHaveTextContent('now');
    expect(screen.getByTestId('headroom-ratio-cpu')).toHaveTextContent('over by 18%');
    expect(screen.getByTestId('headroom-exhaustion-memory')).toHaveTextContent('never');
  });

  it('keeps the bars and lists the missing series when thresholds and limits are absent', () => {
    renderPanel(
      fixtureFrames((s) => !/threshold_ratio|resource_limit/.test(s.metric)),
      { view: 'headroom' }
    );
    expect(screen.getByTestId('headroom-bar-memory')).toBeInTheDocument();
    expect(screen.queryByTestId('headroom-warning-memory')).not.toBeInTheDocument();
    expect(screen.getByTestId('headroom-used-memory')).toHaveTextContent(/^\d+%$/);
    expect(screen.getByTestId('headroom-missing')).toHaveTextContent(
      'headroom_resource_threshold_ratio, headroom_resource_limit'
    );
  });

  it('hides the exhaustion column, absolute values and legend in a narrow panel', () => {
    renderPanel(fixtureFrames(), { view: 'headroom' }, { width: 300, height: 200 });
    expect(screen.getByTestId('headroom-ratio-cpu')).toBeInTheDocument();
    expect(screen.queryByTestId('headroom-exhaustion-cpu')).not.toBeInTheDocument();
    expect(screen.queryByTestId('headroom-legend')).not.toBeInTheDocument();
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
      `${t3}terminalblocked scale outstays 7 (wanted 11)cpu_high · blocked by cooldown`,
      `${t2}apiscale in6 → 5scale_in`,
      `${t1}terminalscale out4 → 7cpu_high`,
    ]);
  });

  it('draws a blocked decision apart from the actions: hollow, dashed, crossed out, and never as "7 → 11"', () => {
    renderPanel(fixtureFrames(), { view: 'decisions', service: 'terminal' });
    const [blocked] = screen.getAllByTestId('decision-marker-blocked');
    expect(blocked.querySelector('rect')).toHaveAttribute('fill', 'none');
    expect(blocked.querySelector('rect')).toHaveAttribute('stroke-dasharray');
    expect(blocked.querySelector('text')).toHaveTextContent('stays 7 (wanted 11)');
    const [action] = screen.getAllByTestId('decision-marker-scale_out');
    expect(action.querySelector('path')?.getAttribute('fill')).not.toBe('none');
    expect(action.querySelector('text')).toHaveTextContent('4 → 7');
    expect(screen.getByTestId('decisions-chart')).not.toHaveTextContent('7 → 11');
    expect(screen.getAllByTestId('decision-row').find((row) => row.dataset.kind === 'blocked')).toHaveTextContent(
      'blocked scale outstays 7 (wanted 11)cpu_high · blocked by cooldown'
    );
  });

  it('follows instances and the recommendation over the time range above the decisions', () => {
    const times = [FIXTURE_WINDOW.range.from, SCRAPE_TIME];
    renderPanel(toPrometheusFrames(fixtureSamples(), times), { view: 'decisions' });
    expect(
      screen.getByTestId('decisions-fleet-api').querySelector('[data-testid="fleet-instances"]')?.getAttribute('d')
    ).toMatch(/^M72\.0,[\d.]+H786\.0V[\d.]+$/);
    expect(screen.getByTestId('decisions-fleet-legend')).toHaveTextContent(
      'api: 6 running (solid) · 4 recommended (dashed)terminal: 4 running (solid) · 4 recommended (dashed)'
    );
  });

  it("links each decision's service to the Data links of the panel", () => {
    const links = [
      { title: 'Decisions of ${__field.labels.service}', url: '/d/x?var-service=${__field.labels.service}' },
    ];
    renderPanel(fixtureFrames(), { view: 'decisions' }, undefined, {}, { defaults: { links }, overrides: [] });
    const hrefs = screen.getAllByTestId('decision-service').map((el) => el.closest('a')?.getAttribute('href'));
    expect(hrefs).toEqual([
      '/d/x?var-service=api',
      '/d/x?var-service=terminal',
      '/d/x?var-service=api',
      '/d/x?var-service=terminal',
    ]);
  });

  it('explains a decision in the marker tooltip', () => {
    renderPanel(fixtureFrames(), { view: 'decisions', service: 'terminal' });
    const titles = screen.getAllByTestId('decision-marker-blocked').map((m) => m.querySelector('title')?.textContent);
    const day = new Date(FIXTURE_WINDOW.decisionTimes[2]).toISOString().slice(0, 10);
    expect(titles).toEqual([
      `${day} ${hms(FIXTURE_WINDOW.decisionTimes[2])} · terminal\nBLOCKED by cooldown: scale out not carried out, stays 7 (wanted 11)\ntrigger: cpu_high\nblocked by: cooldown`,
    ]);
    expect(screen.getAllByTestId(/^decision-marker-/)).toHaveLength(2);
  });

  it('says so when no decision falls in the time range, without hiding the timeline', () => {
    const frames = toPrometheusFrames(
      [
        {
          metric: 'headroom_scaler_last_decision_timestamp_seconds',
          labels: { service: 'a', trigger: 'cpu_high', action: 'scale_out', blocked_by: 'none' },
          value: 1000,
        },
      ],
      [SCRAPE_TIME]
    );
    renderPanel(frames, { view: 'decisions' });
    expect(screen.getByTestId('decisions-chart')).toBeInTheDocument();
    expect(screen.getByTestId('decisions-none')).toHaveTextContent('No scaling decisions in this time range.');
    expect(screen.getByTestId('headroom-missing')).toHaveTextContent('headroom_scaler_last_decision_current_instances');
  });

  it('shows unknown counts as a dash when the current and target series are missing', () => {
    renderPanel(
      fixtureFrames((s) => !/current_instances|target_instances/.test(s.metric)),
      { view: 'decisions', showEventList: true }
    );
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
