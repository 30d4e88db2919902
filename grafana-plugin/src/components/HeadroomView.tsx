import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { absolute, HeadroomModel, headroomOfLimit, ResourceHeadroom } from '../data/model';
import { colorAt, configuredUnit, formatWithUnit, grafanaUnit, Mark, resourceMarks } from '../fieldConfig';
import { formatPercent, formatTimeLeft } from '../format';
import { DataLinked, linksOf } from './DataLinks';
import { MissingNote } from './EmptyView';

interface Props {
  model: HeadroomModel;
  range: { from: number; to: number };
  width: number;
}

const DAY = 86400;

/** What one row shows: every number as a share of the per-instance limit, and in the resource's unit. */
interface Row {
  r: ResourceHeadroom;
  unit: string;
  decimals?: number;
  source: 'policy' | 'panel';
  base: string;
  marks: Mark[];
  color: string;
  toWarning?: number;
}

function useRows(model: HeadroomModel): Row[] {
  const theme = useTheme2();
  const colorOf = (name: string) => theme.visualization.getColorByName(name);
  return model.resources.map((r) => {
    const { source, base, marks } = resourceMarks(r, r.utilizationField?.config.thresholds, colorOf);
    return {
      r,
      // A unit picked in the field config (or an override for this resource) wins over the policy's.
      unit: configuredUnit(r.limitField) ?? configuredUnit(r.utilizationField) ?? grafanaUnit(r.unit),
      decimals: r.utilizationField?.config.decimals ?? undefined,
      source,
      base,
      marks,
      color: colorAt(r.utilization, base, marks),
      toWarning: headroomOfLimit(r),
    };
  });
}

const abs = (row: Row, ratio: number | undefined) => formatWithUnit(absolute(row.r, ratio), row.unit, row.decimals);

function describe(row: Row): string {
  const { r } = row;
  const parts = [
    `${r.resource}: used ${formatPercent(r.utilization)} of the limit (${abs(row, r.utilization)} of ${abs(row, 1)})`,
  ];
  for (const mark of row.marks) {
    parts.push(`${mark.label} ${formatPercent(mark.ratio)} (${abs(row, mark.ratio)})`);
  }
  if (r.headroom !== undefined) {
    parts.push(`exporter headroom ratio ${formatPercent(r.headroom)} = (warning − used) / warning`);
  }
  return parts.join(' · ');
}

function UtilizationBar({ row }: { row: Row }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const pct = (ratio: number) => `${Math.max(0, Math.min(1, ratio)) * 100}%`;
  const { r } = row;
  return (
    <svg className={styles.bar} width="100%" height={18} data-testid={`headroom-bar-${r.resource}`}>
      <title>{describe(row)}</title>
      <rect
        x={0}
        y={2}
        width="100%"
        height={14}
        rx={2}
        fill={theme.colors.background.secondary}
        stroke={theme.colors.border.weak}
      />
      {r.utilization !== undefined && (
        <rect x={0} y={2} width={pct(r.utilization)} height={14} rx={2} fill={row.color} opacity={0.85} />
      )}
      {row.marks.map((mark) => (
        <rect
          key={mark.label}
          x={pct(mark.ratio)}
          y={0}
          width={2}
          height={18}
          fill={mark.color}
          data-testid={`headroom-${mark.label}-${r.resource}`}
        />
      ))}
    </svg>
  );
}

/** Utilization over the dashboard's time range against the same marks (dashed), on the time axis of the range. */
function Sparkline({ row, range }: { row: Row; range: { from: number; to: number } }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const { r } = row;
  const w = 100;
  const h = 18;
  const top = Math.max(...row.marks.map((m) => m.ratio), ...r.history.values, 0.01) * 1.1;
  const span = Math.max(1, range.to - range.from);
  const x = (t: number) => ((t - range.from) / span) * w;
  const y = (v: number) => h - 1 - (Math.max(0, v) / top) * (h - 2);
  const points = r.history.times.map((t, i) => `${x(t).toFixed(2)},${y(r.history.values[i]).toFixed(2)}`);
  return (
    <svg
      className={styles.bar}
      width="100%"
      height={h}
      viewBox={`0 0 ${w} ${h}`}
      preserveAspectRatio="none"
      data-testid={`headroom-history-${r.resource}`}
    >
      <title>{`${r.resource}: used over the time range, ${r.history.values.length} samples`}</title>
      <rect x={0} y={0} width={w} height={h} fill={theme.colors.background.secondary} />
      {row.marks.map((mark) => (
        <line
          key={mark.label}
          x1={0}
          x2={w}
          y1={y(mark.ratio)}
          y2={y(mark.ratio)}
          stroke={mark.color}
          strokeDasharray="3 2"
          vectorEffect="non-scaling-stroke"
        />
      ))}
      {points.length > 1 && (
        <polyline
          points={points.join(' ')}
          fill="none"
          stroke={row.color}
          strokeWidth={1.5}
          vectorEffect="non-scaling-stroke"
        />
      )}
      {points.length === 1 && (
        <circle cx={x(r.history.times[0])} cy={y(r.history.values[0])} r={1.5} fill={row.color} />
      )}
    </svg>
  );
}

function Legend({ rows }: { rows: Row[] }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const fromPanel = rows.some((row) => row.source === 'panel');
  const marks = new Map<string, string>();
  for (const row of rows) {
    for (const mark of row.marks) {
      marks.set(mark.label, mark.color);
    }
  }
  return (
    <div className={styles.legend} data-testid="headroom-legend">
      <span className={styles.legendItem}>
        <svg width={14} height={10}>
          <rect
            x={0}
            y={1}
            width={14}
            height={8}
            rx={1}
            fill={rows[0]?.base ?? theme.colors.text.secondary}
            opacity={0.85}
          />
        </svg>
        used now
      </span>
      {[...marks].map(([label, color]) => (
        <span key={label} className={styles.legendItem}>
          <svg width={4} height={12}>
            <rect x={1} y={0} width={2} height={12} fill={color} />
          </svg>
          {label}
        </span>
      ))}
      <span>
        {fromPanel ? "thresholds from the panel's Thresholds option" : 'thresholds from the policy'} · % are of the
        per-instance limit · to warning = warning − used
      </span>
    </div>
  );
}

/** Per-resource utilization against warning/critical thresholds, in % of the limit and in the resource's unit. */
export function HeadroomView({ model, range, width }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const rows = useRows(model);
  const narrow = width < 360;
  const withHistory = width >= 620 && model.resources.some((r) => r.history.values.length > 0);
  const exhaustionColor = (seconds: number | undefined) =>
    seconds === undefined || !Number.isFinite(seconds)
      ? undefined
      : theme.visualization.getColorByName(seconds < 7 * DAY ? 'red' : seconds < 30 * DAY ? 'orange' : 'green');
  const columns = narrow
    ? 'minmax(40px, max-content) 44px minmax(40px, 1fr) 48px'
    : `minmax(48px, max-content) max-content minmax(60px, 1fr)${withHistory ? ' minmax(60px, 0.8fr)' : ''} max-content max-content`;
  const serviceLinks = linksOf(model.resources[0]?.utilizationField, undefined);

  return (
    <div className={styles.wrapper} data-testid="headroom-view">
      <div className={styles.grid} style={{ gridTemplateColumns: columns }}>
        <span className={styles.head}>
          {model.service ? (
            <DataLinked links={serviceLinks} className={styles.service} testId="headroom-service">
              {model.service}
            </DataLinked>
          ) : (
            'Resource'
          )}
        </span>
        <span className={styles.head}>Used</span>
        <span className={styles.head}>{narrow ? '' : 'now, of the limit'}</span>
        {withHistory && <span className={styles.head}>over the time range</span>}
        <span className={styles.head}>To warning</span>
        {!narrow && <span className={styles.head}>Critical in</span>}
        {rows.map((row) => {
          const { r } = row;
          const toWarning = row.toWarning;
          return (
            <React.Fragment key={r.resource}>
              <span className={styles.name} data-testid={`headroom-resource-${r.resource}`}>
                {r.resource}
              </span>
              <span className={styles.num} data-testid={`headroom-used-${r.resource}`}>
                <span style={{ color: row.color }}>{formatPercent(r.utilization)}</span>
                {!narrow && r.limit !== undefined && (
                  <span className={styles.abs}>
                    {abs(row, r.utilization)} of {abs(row, 1)}
                  </span>
                )}
              </span>
              <UtilizationBar row={row} />
              {withHistory && <Sparkline row={row} range={range} />}
              <span className={styles.num} data-testid={`headroom-ratio-${r.resource}`}>
                {toWarning !== undefined && toWarning < 0 ? (
                  <span style={{ color: theme.visualization.getColorByName('red') }}>
                    over by {formatPercent(-toWarning)}
                  </span>
                ) : (
                  formatPercent(toWarning)
                )}
                {!narrow && r.limit !== undefined && toWarning !== undefined && (
                  <span className={styles.abs}>{abs(row, Math.abs(toWarning))}</span>
                )}
              </span>
              {!narrow && (
                <span
                  className={styles.num}
                  data-testid={`headroom-exhaustion-${r.resource}`}
                  style={{ color: exhaustionColor(r.exhaustionSeconds) }}
                >
                  {formatTimeLeft(r.exhaustionSeconds)}
                </span>
              )}
            </React.Fragment>
          );
        })}
      </div>
      {!narrow && <Legend rows={rows} />}
      <MissingNote missing={model.missing} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({
    height: '100%',
    overflow: 'auto',
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.75),
  }),
  grid: css({ display: 'grid', alignItems: 'center', gap: theme.spacing(0.75, 1) }),
  head: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
  }),
  service: css({ fontWeight: theme.typography.fontWeightMedium, color: theme.colors.text.primary }),
  name: css({ fontWeight: theme.typography.fontWeightMedium, whiteSpace: 'nowrap' }),
  num: css({
    fontVariantNumeric: 'tabular-nums',
    textAlign: 'right',
    whiteSpace: 'nowrap',
    display: 'flex',
    flexDirection: 'column',
    lineHeight: 1.2,
  }),
  abs: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary }),
  bar: css({ display: 'block' }),
  legend: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5, 1.5),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  legendItem: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
});
