import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { PlanModel } from '../data/model';
import { formatCompact, formatCount, formatHorizon, formatMoney } from '../format';
import { PlanMetric, PlanScale } from '../types';
import { chooseScale, spreadLabels, thinTicks } from './scale';

const SCENARIO_COLORS: Record<string, string> = {
  conservative: 'green',
  moderate: 'blue',
  aggressive: 'orange',
  hockey_stick: 'purple',
};
const FALLBACK_COLORS = ['yellow', 'text', 'red'];

export function scenarioColor(theme: GrafanaTheme2, name: string, index: number): string {
  return theme.visualization.getColorByName(SCENARIO_COLORS[name] ?? FALLBACK_COLORS[index % FALLBACK_COLORS.length]);
}

interface Props {
  plan: PlanModel;
  metric: PlanMetric;
  scale: PlanScale;
  currency: string;
  width: number;
  height: number;
}

interface Line {
  name: string;
  planning: boolean;
  color: string;
  points: Array<[number, number]>;
}

/** Share of the plot width the instance history takes when there is one. */
const HISTORY_SHARE = 0.22;
export const FORECAST_COLOR = 'text';

/** The forecast band from now (the current count, when known) through every published horizon. */
function forecastPoints(plan: PlanModel): Array<{ months: number; point: number; lower80: number; upper80: number }> {
  const points = [...plan.forecast].map(([months, b]) => ({ months, ...b }));
  if (points.length > 0 && plan.current !== undefined) {
    points.unshift({ months: 0, point: plan.current, lower80: plan.current, upper80: plan.current });
  }
  return points;
}

/**
 * Instances (or monthly cost) per scenario over the horizons, with current count, limit and budget
 * lines; for instances also the history over the dashboard range and the exporter's forecast with
 * its 80 % band.
 */
interface ReferenceLine {
  label: string;
  value: number;
  color: string;
  testId: string;
}

/** Horizontal lines at the limits (instances) or the budget (cost), where the plan has them. */
function referenceLines(plan: PlanModel, metric: PlanMetric, theme: GrafanaTheme2, currency: string): ReferenceLine[] {
  const limits: Array<{ name: string; value: number | undefined; color: string }> =
    metric === 'instances'
      ? [
          { name: 'max', value: plan.max, color: theme.colors.error.text },
          { name: 'min', value: plan.min, color: theme.colors.text.secondary },
        ]
      : [{ name: 'budget', value: plan.budget, color: theme.colors.error.text }];
  const format = (value: number) => (metric === 'instances' ? formatCount(value) : formatMoney(value, currency, true));
  return limits.flatMap(({ name, value, color }) =>
    value === undefined ? [] : [{ label: `${name} ${format(value)}`, value, color, testId: `plan-${name}-line` }]
  );
}

export function PlanChart({ plan, metric, scale, currency, width, height }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const compact = width < 320;
  const margin = { left: 44, right: compact ? 10 : 86, top: 10, bottom: 20 };
  const plotW = Math.max(10, width - margin.left - margin.right);
  const plotH = Math.max(10, height - margin.top - margin.bottom);
  const maxHorizon = Math.max(1, ...plan.horizons, ...plan.forecast.keys());
  // The instance history gets the left part of the plot on its own time scale; the future the rest.
  const history = metric === 'instances' && plan.history.length >= 2 ? plan.history : [];
  const pastW = history.length > 0 ? Math.round(plotW * HISTORY_SHARE) : 0;
  const x = (months: number) => margin.left + pastW + (months / maxHorizon) * (plotW - pastW);
  const xPast = (time: number) => {
    const [first, last] = [history[0][0], history[history.length - 1][0]];
    return margin.left + ((time - first) / Math.max(1, last - first)) * pastW;
  };
  const band = metric === 'instances' ? forecastPoints(plan) : [];
  const bandColor = theme.visualization.getColorByName(FORECAST_COLOR);

  const lines: Line[] = plan.scenarios.map((s, index) => {
    const points: Array<[number, number]> = plan.horizons
      .filter((h) => s[metric].has(h))
      .map((h) => [h, s[metric].get(h)!]);
    if (metric === 'instances' && plan.current !== undefined) {
      points.unshift([0, plan.current]);
    }
    return { name: s.name, planning: s.planning, color: scenarioColor(theme, s.name, index), points };
  });

  const references = referenceLines(plan, metric, theme, currency);

  const values = [
    ...lines.flatMap((l) => l.points.map((p) => p[1])),
    ...references.map((r) => r.value),
    ...band.flatMap((b) => [b.lower80, b.upper80]),
    ...history.map((h) => h[1]),
  ];
  const y = chooseScale(scale, values, margin.top + plotH, margin.top);
  const formatTick = (value: number) => (metric === 'cost' ? formatMoney(value, currency, true) : formatCompact(value));
  const xTicks = [
    ...new Set([metric === 'instances' && plan.current !== undefined ? 0 : undefined, ...plan.horizons]),
  ].filter((h): h is number => h !== undefined);
  const labelledXTicks = new Set(thinTicks(xTicks, x, 34));
  const endLabels = compact
    ? []
    : spreadLabels(
        [
          ...references.map((r) => ({ key: r.testId, y: y(r.value), text: r.label, color: r.color })),
          ...lines
            .filter((line) => line.points.length > 0)
            .map((line) => {
              const last = line.points[line.points.length - 1][1];
              const text = metric === 'cost' ? formatMoney(last, currency, true) : formatCompact(last);
              return { key: line.name, y: y(last), text, color: line.color };
            }),
        ],
        11,
        margin.top,
        margin.top + plotH
      );

  const endLabel = (key: string) => {
    const label = endLabels.find((l) => l.key === key);
    return (
      label && (
        <text x={margin.left + plotW + 6} y={label.labelY} dy="0.32em" fill={label.color} className={styles.label}>
          {label.text}
        </text>
      )
    );
  };

  return (
    <svg
      className={styles.svg}
      width={width}
      height={height}
      data-testid="plan-chart"
      role="img"
      aria-label={`Projected ${metric} per scenario`}
    >
      <g className={styles.grid}>
        {thinTicks(y.ticks, (t) => -y(t), 12).map((t) => (
          <g key={`y${t}`}>
            <line x1={margin.left} x2={margin.left + plotW} y1={y(t)} y2={y(t)} />
            <text x={margin.left - 4} y={y(t)} dy="0.32em" textAnchor="end">
              {formatTick(t)}
            </text>
          </g>
        ))}
        {xTicks.map((h) => (
          <g key={`x${h}`}>
            <line x1={x(h)} x2={x(h)} y1={margin.top} y2={margin.top + plotH} />
            {labelledXTicks.has(h) && (
              <text x={x(h)} y={height - 6} textAnchor="middle">
                {formatHorizon(h)}
              </text>
            )}
          </g>
        ))}
      </g>
      {history.length > 0 && (
        <g data-testid="plan-history">
          <title>{`instances over the dashboard range: ${formatCount(history[0][1])} → ${formatCount(history[history.length - 1][1])}`}</title>
          <path
            d={history.map(([t, v], i) => `${i ? 'L' : 'M'}${xPast(t).toFixed(1)},${y(v).toFixed(1)}`).join('')}
            fill="none"
            stroke={theme.colors.text.primary}
            strokeWidth={1.5}
          />
          <line
            x1={x(0)}
            x2={x(0)}
            y1={margin.top}
            y2={margin.top + plotH}
            stroke={theme.colors.text.secondary}
            strokeDasharray="2 3"
          />
          <text
            x={margin.left + pastW / 2}
            y={height - 6}
            textAnchor="middle"
            className={styles.label}
            fill={theme.colors.text.secondary}
          >
            history
          </text>
        </g>
      )}
      {band.length > 1 && (
        <g data-testid="plan-forecast">
          <title>{`forecast from the history${plan.learning ? ' (learning)' : ''}: ${band
            .filter((b) => b.months > 0)
            .map(
              (b) =>
                `${formatHorizon(b.months)} ${formatCount(b.point)} [${formatCount(b.lower80)}–${formatCount(b.upper80)}]`
            )
            .join(', ')} (80 %)`}</title>
          <path
            data-testid="plan-forecast-band"
            d={`${band.map((b, i) => `${i ? 'L' : 'M'}${x(b.months).toFixed(1)},${y(b.upper80).toFixed(1)}`).join('')}${[
              ...band,
            ]
              .reverse()
              .map((b) => `L${x(b.months).toFixed(1)},${y(b.lower80).toFixed(1)}`)
              .join('')}Z`}
            fill={bandColor}
            fillOpacity={plan.learning ? 0.12 : 0.2}
            stroke="none"
          />
          <path
            data-testid="plan-forecast-line"
            d={band.map((b, i) => `${i ? 'L' : 'M'}${x(b.months).toFixed(1)},${y(b.point).toFixed(1)}`).join('')}
            fill="none"
            stroke={bandColor}
            strokeWidth={2}
            strokeDasharray="5 3"
          />
        </g>
      )}
      {references.map((r) => (
        <g key={r.testId} data-testid={r.testId}>
          <line
            x1={margin.left}
            x2={margin.left + plotW}
            y1={y(r.value)}
            y2={y(r.value)}
            stroke={r.color}
            strokeDasharray="6 4"
            strokeWidth={1.5}
          />
          {endLabel(r.testId)}
        </g>
      ))}
      {lines.map((line) => (
        <g key={line.name} data-testid={`plan-line-${line.name}`}>
          <title>{`${line.name}${line.planning ? ' (planning)' : ''}: ${line.points
            .map(([h, v]) => `${formatHorizon(h)} ${metric === 'cost' ? formatMoney(v, currency) : formatCount(v)}`)
            .join(', ')}`}</title>
          <path
            d={line.points.map(([h, v], i) => `${i ? 'L' : 'M'}${x(h).toFixed(1)},${y(v).toFixed(1)}`).join('')}
            fill="none"
            stroke={line.color}
            strokeWidth={line.planning ? 3 : 1.5}
            strokeLinejoin="round"
          />
          {line.points.map(([h, v]) => (
            <circle key={h} cx={x(h)} cy={y(v)} r={line.planning ? 3.5 : 2.5} fill={line.color} />
          ))}
          {endLabel(line.name)}
        </g>
      ))}
      {metric === 'instances' && plan.current !== undefined && (
        <g data-testid="plan-current">
          <title>{`now: ${formatCount(plan.current)} instances`}</title>
          <circle
            cx={x(0)}
            cy={y(plan.current)}
            r={4.5}
            fill={theme.colors.text.primary}
            stroke={theme.colors.background.primary}
            strokeWidth={1.5}
          />
        </g>
      )}
    </svg>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  svg: css({ display: 'block', overflow: 'visible' }),
  grid: css({
    line: { stroke: theme.colors.border.weak, strokeWidth: 1 },
    text: { fill: theme.colors.text.secondary, fontSize: 10, fontFamily: theme.typography.fontFamily },
  }),
  label: css({ fontSize: 10, fontFamily: theme.typography.fontFamily }),
});
