import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { framesToSeries } from '../data/frames';
import { buildDecisions, buildHeadroom, buildPlan, parseServiceOption } from '../data/model';
import { EXPECTED_METRICS } from '../queries';
import { defaultOptions, PanelOptions } from '../types';
import { DecisionsView } from './DecisionsView';
import { HeadroomView } from './HeadroomView';
import { EmptyView } from './MissingSeries';
import { PlanView } from './PlanView';

export function HeadroomPanel({ data, options, width, height, replaceVariables, timeRange, timeZone }: PanelProps<PanelOptions>) {
  const styles = useStyles2(getStyles);
  const opts = { ...defaultOptions, ...options };
  const series = useMemo(() => framesToSeries(data.series), [data.series]);
  const wanted = parseServiceOption(replaceVariables ? replaceVariables(opts.service) : opts.service);
  const view = opts.view;
  const hasAny = series.some((s) => (EXPECTED_METRICS[view] as string[]).includes(s.metric));

  let content: React.ReactNode;
  if (!hasAny) {
    content = <EmptyView view={view} service={wanted.join(', ') || undefined} />;
  } else if (view === 'headroom') {
    const model = buildHeadroom(series, wanted);
    content = model.resources.length ? <HeadroomView model={model} width={width} /> : <EmptyView view={view} service={wanted.join(', ')} />;
  } else if (view === 'decisions') {
    const range = { from: timeRange.from.valueOf(), to: timeRange.to.valueOf() };
    const model = buildDecisions(series, wanted, range);
    content = (
      <DecisionsView model={model} range={range} timeZone={timeZone} showEventList={opts.showEventList} width={width} height={height} />
    );
  } else {
    const plan = buildPlan(series, wanted);
    content = plan.service ? (
      <PlanView
        plan={plan}
        metric={opts.planMetric}
        scale={opts.planScale}
        currency={opts.currency}
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
