import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { framesToSeries } from '../data/frames';
import { buildDecisions, buildHeadroom, buildPlan, parseServiceOption } from '../data/model';
import { configuredUnit, currencyOfUnit } from '../fieldConfig';
import { EXPECTED_METRICS, METRICS } from '../queries';
import { defaultOptions, PanelOptions } from '../types';
import { DecisionsView } from './DecisionsView';
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
  const styles = useStyles2(getStyles);
  const opts = { ...defaultOptions, ...options };
  const series = useMemo(() => framesToSeries(data.series), [data.series]);
  const wanted = parseServiceOption(replaceVariables ? replaceVariables(opts.service) : opts.service);
  const view = opts.view;
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
