import React, { useLayoutEffect } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { firstHorizonAbove, PlanModel, rangeAt } from '../data/model';
import { formatCount, formatMoney, formatPercent, humanize } from '../format';
import { markPlanRenderEnd, markPlanRenderStart } from '../perf';
import { PlanMetric, PlanScale } from '../types';
import { MissingNote } from './MissingSeries';
import { PlanChart, scenarioColor } from './PlanChart';

interface Props {
  plan: PlanModel;
  metric: PlanMetric;
  scale: PlanScale;
  currency: string;
  showSummary: boolean;
  width: number;
  height: number;
}

const LEGEND_HEIGHT = 20;
const NOTE_HEIGHT = 18;
const SUMMARY_LINE_HEIGHT = 18;

/** The summary reads the 6- and 12-month horizons, or the two furthest horizons the exporter publishes. */
export function summaryHorizons(horizons: number[]): number[] {
  const preferred = [6, 12].filter((h) => horizons.includes(h));
  return preferred.length > 0 ? preferred : horizons.slice(-2);
}

export function PlanView({ plan, metric, scale, currency, showSummary, width, height }: Props) {
  markPlanRenderStart();
  useLayoutEffect(markPlanRenderEnd);
  const styles = useStyles2(getStyles);
  const theme = useTheme2();

  const missing = plan.missing;
  const hasLines = plan.scenarios.some((s) => s[metric].size > 0);
  const summaryLines = showSummary ? 2 + (plan.budget !== undefined || plan.forecastSpend !== undefined ? 1 : 0) : 0;
  // Small panels drop the summary before the chart gets unreadable.
  const summaryVisible = summaryLines > 0 && height - summaryLines * SUMMARY_LINE_HEIGHT > 120;
  const chartHeight = Math.max(
    60,
    height - LEGEND_HEIGHT - (missing.length ? NOTE_HEIGHT : 0) - (summaryVisible ? summaryLines * SUMMARY_LINE_HEIGHT + 6 : 0)
  );
  const money = (value: number | undefined) => formatMoney(value, currency);
  const amount = (value: number | undefined) => (metric === 'cost' ? money(value) : formatCount(value));
  const unit = metric === 'cost' ? '/month' : ' instances';

  const planning = plan.scenarios.find((s) => s.planning);
  const horizons = summaryHorizons(plan.horizons);
  const overLimit = metric === 'cost' ? firstHorizonAbove(plan, 'cost', plan.budget) : firstHorizonAbove(plan, 'instances', plan.max);

  return (
    <div className={styles.wrapper} data-testid="plan-view">
      {hasLines ? (
        <PlanChart plan={plan} metric={metric} scale={scale} currency={currency} width={width} height={chartHeight} />
      ) : (
        <div className={styles.noChart} style={{ height: chartHeight }} data-testid="plan-no-chart">
          No projected {metric === 'cost' ? 'monthly cost' : 'instances'} for {plan.service ?? 'this service'}.
        </div>
      )}
      <div className={styles.legend} data-testid="plan-legend">
        {plan.service && plan.services.length > 1 && <span className={styles.service}>{plan.service}</span>}
        {plan.scenarios.map((s, index) => (
          <span key={s.name} className={styles.legendItem}>
            <span className={styles.swatch} style={{ background: scenarioColor(theme, s.name, index), height: s.planning ? 4 : 2 }} />
            {humanize(s.name)}
            {s.planning && <strong> (planning)</strong>}
          </span>
        ))}
        {plan.current !== undefined && <span className={styles.legendItem}>● now {formatCount(plan.current)}</span>}
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
            {overLimit.length > 0 && (
              <span className={styles.warn} data-testid="plan-over-limit">
                over {metric === 'cost' ? `budget ${money(plan.budget)}` : `max ${formatCount(plan.max)}`}:{' '}
                {overLimit.map((o) => `${humanize(o.scenario)} at ${o.horizon} mo`).join(', ')}
              </span>
            )}
          </div>
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
          {summaryLines > 2 && (
            <div data-testid="plan-budget">
              Budget <strong>{money(plan.budget)}</strong>/month · forecast month-end {money(plan.forecastSpend)} · spent{' '}
              {formatPercent(plan.budgetUsage)}
            </div>
          )}
        </div>
      )}
      <MissingNote missing={missing} />
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
    height: LEGEND_HEIGHT,
    overflow: 'hidden',
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
    lineHeight: `${SUMMARY_LINE_HEIGHT}px`,
    color: theme.colors.text.secondary,
    strong: { color: theme.colors.text.primary },
    '> div': { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' },
  }),
  item: css({ marginRight: theme.spacing(2) }),
  warn: css({ color: theme.colors.warning.text }),
});
