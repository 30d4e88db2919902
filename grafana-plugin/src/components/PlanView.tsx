import React, { useLayoutEffect } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { firstHorizonAbove, PlanModel, rangeAt } from '../data/model';
import { formatCount, formatMoney, formatPercent, humanize } from '../format';
import { markPlanRenderEnd, markPlanRenderStart } from '../perf';
import { PlanMetric, PlanScale } from '../types';
import { MissingNote } from './EmptyView';
import { FORECAST_COLOR, PlanChart, scenarioColor } from './PlanChart';

/** Pixel heights of the lines the layout stacks around the chart: a legend line, the missing-data note, a summary line. */
const LINE_HEIGHT = { legend: 20, note: 18, summary: 18 } as const;

interface Props {
  plan: PlanModel;
  metric: PlanMetric;
  scale: PlanScale;
  currency: string;
  showSummary: boolean;
  width: number;
  height: number;
}

/** The summary reads the 6- and 12-month horizons, or the two furthest horizons the exporter publishes. */
export function summaryHorizons(horizons: number[]): number[] {
  const preferred = [6, 12].filter((h) => horizons.includes(h));
  return preferred.length > 0 ? preferred : horizons.slice(-2);
}

/** Rough number of wrapped legend lines (items are ~6.5 px a character plus swatch and gap). */
function legendLines(items: string[], width: number): number {
  let lines = 1;
  let used = 0;
  for (const item of items) {
    const itemWidth = item.length * 6.5 + 30;
    if (used > 0 && used + itemWidth > width) {
      lines++;
      used = 0;
    }
    used += itemWidth;
  }
  return Math.min(lines, 3);
}

export function PlanView({ plan, metric, scale, currency, showSummary, width, height }: Props) {
  markPlanRenderStart();
  useLayoutEffect(markPlanRenderEnd);
  const styles = useStyles2(getStyles);
  const theme = useTheme2();

  const missing = plan.missing;
  const hasLines = plan.scenarios.some((s) => s[metric].size > 0);
  const overLimit =
    metric === 'cost' ? firstHorizonAbove(plan, 'cost', plan.budget) : firstHorizonAbove(plan, 'instances', plan.max);
  const hasBudget = plan.budget !== undefined || plan.forecastSpend !== undefined;
  const showForecast = metric === 'instances' && plan.forecast.size > 0;
  const summaryLines = showSummary
    ? 2 + (hasBudget ? 1 : 0) + (overLimit.length > 0 ? 1 : 0) + (showForecast ? 1 : 0)
    : 0;
  // Small panels drop the summary before the chart gets unreadable.
  const summaryVisible = summaryLines > 0 && height - summaryLines * LINE_HEIGHT.summary > 120;
  const legendItems = [
    ...(plan.service && plan.services.length > 1 ? [plan.service] : []),
    ...plan.scenarios.map((s) => `${humanize(s.name)}${s.planning ? ' (planning)' : ''}`),
    ...(metric === 'instances' && plan.current !== undefined ? [`● now ${formatCount(plan.current)}`] : []),
    ...(showForecast ? [`Forecast (80 % band)${plan.learning ? ' learning' : ''}`] : []),
  ];
  const legendHeight = legendLines(legendItems, width) * LINE_HEIGHT.legend;
  const chartHeight = Math.max(
    60,
    height -
      legendHeight -
      (missing.length ? LINE_HEIGHT.note : 0) -
      (summaryVisible ? summaryLines * LINE_HEIGHT.summary + 6 : 0)
  );
  const money = (value: number | undefined) => formatMoney(value, currency);
  const amount = (value: number | undefined) => (metric === 'cost' ? money(value) : formatCount(value));
  const unit = metric === 'cost' ? '/month' : ' instances';

  const planning = plan.scenarios.find((s) => s.planning);
  const horizons = summaryHorizons(plan.horizons);
  return (
    <div className={styles.wrapper} data-testid="plan-view">
      {hasLines ? (
        <PlanChart plan={plan} metric={metric} scale={scale} currency={currency} width={width} height={chartHeight} />
      ) : (
        <div className={styles.noChart} style={{ height: chartHeight }} data-testid="plan-no-chart">
          No projected {metric === 'cost' ? 'monthly cost' : 'instances'} for {plan.service ?? 'this service'}.
        </div>
      )}
      <div className={styles.legend} style={{ height: legendHeight }} data-testid="plan-legend">
        {plan.service && plan.services.length > 1 && <span className={styles.service}>{plan.service}</span>}
        {plan.scenarios.map((s, index) => (
          <span key={s.name} className={styles.legendItem}>
            <span
              className={styles.swatch}
              style={{ background: scenarioColor(theme, s.name, index), height: s.planning ? 4 : 2 }}
            />
            {humanize(s.name)}
            {s.planning && <strong> (planning)</strong>}
          </span>
        ))}
        {metric === 'instances' && plan.current !== undefined && (
          <span className={styles.legendItem}>● now {formatCount(plan.current)}</span>
        )}
        {showForecast && (
          <span className={styles.legendItem} data-testid="plan-forecast-legend">
            <span
              className={styles.swatch}
              style={{ background: theme.visualization.getColorByName(FORECAST_COLOR), height: 8, opacity: 0.4 }}
            />
            Forecast (80 % band)
            {plan.learning && <strong data-testid="plan-learning"> learning</strong>}
          </span>
        )}
      </div>
      {summaryVisible && (
        <div className={styles.summary} data-testid="plan-summary">
          <div>
            {horizons.map((h) => {
              const range = rangeAt(plan, h, metric);
              return (
                <span key={h} className={styles.item} data-testid={`plan-range-${h}`}>
                  {h} months: <strong>{range ? `${amount(range[0])}–${amount(range[1])}` : '—'}</strong>
                  {range ? unit : ''}
                </span>
              );
            })}
          </div>
          {overLimit.length > 0 && (
            <div className={styles.warn} data-testid="plan-over-limit">
              Over {metric === 'cost' ? `budget ${money(plan.budget)}` : `max ${formatCount(plan.max)}`}:{' '}
              {overLimit.map((o) => `${humanize(o.scenario)} from ${o.horizon} mo`).join(', ')}
            </div>
          )}
          <div data-testid="plan-planning">
            {planning ? (
              <>
                Planning scenario <strong>{humanize(planning.name)}</strong>:{' '}
                {horizons.map((h) => `${amount(planning[metric].get(h))} at ${h} mo`).join(', ')}
                {metric === 'instances' && horizons.length > 0 && planning.cost.size > 0 && (
                  <> ({money(planning.cost.get(horizons[horizons.length - 1]))}/month)</>
                )}
              </>
            ) : (
              'No planning scenario published'
            )}
          </div>
          {showForecast && <ForecastSummary plan={plan} horizons={horizons} />}
          {hasBudget && (
            <div data-testid="plan-budget">
              Budget <strong>{money(plan.budget)}</strong>/month · forecast month-end {money(plan.forecastSpend)} ·
              spent {formatPercent(plan.budgetUsage)}
            </div>
          )}
        </div>
      )}
      <MissingNote missing={missing} />
    </div>
  );
}

/** "Forecast from the history: 9 [8–11] at 6 mo, 20 [17–24] at 12 mo (80 %)", and whether it is still learning. */
function ForecastSummary({ plan, horizons }: { plan: PlanModel; horizons: number[] }) {
  const shown = horizons.filter((h) => plan.forecast.has(h));
  const at = shown.length > 0 ? shown : [...plan.forecast.keys()].slice(-2);
  return (
    <div data-testid="plan-forecast-summary">
      Forecast from the history{plan.learning ? ' (learning: short history, wide band)' : ''}:{' '}
      {at
        .map((h) => {
          const b = plan.forecast.get(h)!;
          return `${formatCount(b.point)} [${formatCount(b.lower80)}–${formatCount(b.upper80)}] at ${h} mo`;
        })
        .join(', ')}{' '}
      (80 %)
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({ display: 'flex', flexDirection: 'column', height: '100%', overflow: 'hidden' }),
  noChart: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    color: theme.colors.text.secondary,
  }),
  legend: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0, 1.5),
    overflow: 'hidden',
    alignContent: 'flex-start',
    alignItems: 'center',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  legendItem: css({ display: 'inline-flex', alignItems: 'center', gap: 4, whiteSpace: 'nowrap' }),
  swatch: css({ display: 'inline-block', width: 14, borderRadius: 1 }),
  service: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  summary: css({
    marginTop: 6,
    fontSize: theme.typography.bodySmall.fontSize,
    lineHeight: `${LINE_HEIGHT.summary}px`,
    color: theme.colors.text.secondary,
    strong: { color: theme.colors.text.primary },
    '> div': { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' },
  }),
  item: css({ marginRight: theme.spacing(2) }),
  warn: css({ color: theme.colors.warning.text }),
});
