import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { framesToSeries, latestSamples } from '../data/frames';
import { buildFleet } from '../data/fleet';
import { buildDecisions, buildHeadroom, buildPlan, parseServiceOption } from '../data/model';
import { configuredUnit, currencyOfUnit } from '../fieldConfig';
import { EXPECTED_METRICS, METRICS } from '../queries';
import { defaultOptions, PanelOptions } from '../types';
import { FLEET_RENDER_MEASURE, markRenderStart } from '../perf';
import { DecisionsView } from './DecisionsView';
import { FleetView } from './FleetView';
import { EmptyView } from './EmptyView';
import { HeadroomView } from './HeadroomView';
import { PlanView } from './PlanView';

export function HeadroomPanel({
  data,
  options,
  fieldConfig,
  width,
  height,
  replaceVariables,
  timeRange,
  timeZone,
}: PanelProps<PanelOptions>) {
  const view = options.view ?? defaultOptions.view;
  if (view === 'fleet') {
    markRenderStart(FLEET_RENDER_MEASURE);
  }
  const opts = { ...defaultOptions, ...options };
  const styles = useStyles2(getStyles);
  // The fleet view reads instant queries only: the latest sample of each field, unmerged (fast at 1,000 services).
  const fleet = view === 'fleet';
  const series = useMemo(
    () => (fleet ? latestSamples(data.series) : framesToSeries(data.series)),
    [data.series, fleet]
  );
  const wanted = parseServiceOption(replaceVariables ? replaceVariables(opts.service) : opts.service);
  const hasAny = series.some((s) => (EXPECTED_METRICS[view] as string[]).includes(s.metric));
  const range = { from: timeRange.from.valueOf(), to: timeRange.to.valueOf() };

  let content: React.ReactNode;
  if (!hasAny) {
    content = <EmptyView view={view} service={wanted.join(', ') || undefined} />;
  } else if (view === 'headroom') {
    const model = buildHeadroom(series, wanted);
    content = model.resources.length ? (
      <HeadroomView model={model} range={range} width={width} />
    ) : (
      <EmptyView view={view} service={wanted.join(', ')} />
    );
  } else if (view === 'fleet') {
    const costField = series.find((s) => s.metric === METRICS.budgetForecast)?.field;
    content = (
      <FleetView
        model={buildFleet(series, wanted)}
        sort={opts.fleetSort}
        topN={opts.fleetTopN}
        link={opts.fleetLink}
        replaceVariables={replaceVariables ?? ((text: string) => text)}
        currency={currencyOfUnit(configuredUnit(costField) ?? fieldConfig?.defaults?.unit)}
        width={width}
        height={height}
      />
    );
  } else if (view === 'decisions') {
    const model = buildDecisions(series, wanted, range);
    content = (
      <DecisionsView
        model={model}
        range={range}
        timeZone={timeZone}
        showEventList={opts.showEventList}
        width={width}
        height={height}
      />
    );
  } else {
    const plan = buildPlan(series, wanted);
    // Costs take the currency of the standard Unit option (Currency / Euro = currencyEUR), per field as Grafana applied it.
    const costField = series.find((s) => s.metric === METRICS.projectedMonthlyCost)?.field;
    const currency = currencyOfUnit(configuredUnit(costField) ?? fieldConfig?.defaults?.unit);
    content = plan.service ? (
      <PlanView
        plan={plan}
        metric={opts.planMetric}
        scale={opts.planScale}
        currency={currency}
        showSummary={opts.showSummary}
        width={width}
        height={height}
      />
    ) : (
      <EmptyView view={view} service={wanted.join(', ')} />
    );
  }
  return (
    <div className={styles.root} style={{ width, height }} data-testid="headroom-panel" data-view={view}>
      {content}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ position: 'relative', overflow: 'hidden', color: theme.colors.text.primary }),
});
