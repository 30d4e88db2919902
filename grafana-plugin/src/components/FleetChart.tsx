import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { FleetTrack, TimeSeries } from '../data/model';
import { formatCount } from '../format';

interface Props {
  fleet: FleetTrack[];
  x: (t: number) => number;
  left: number;
  right: number;
  top: number;
  height: number;
}

/** Step path of a gauge: each sample holds until the next one (as Grafana's "step after" line). */
function stepPath(series: TimeSeries, x: (t: number) => number, y: (v: number) => number): string {
  return series.times
    .map((t, i) => {
      const px = x(t).toFixed(1);
      const py = y(series.values[i]).toFixed(1);
      return i === 0 ? `M${px},${py}` : `H${px}V${py}`;
    })
    .join('');
}

/** One colour per service, in the order of the fleet list: the chart and its legend agree. */
function serviceColor(theme: GrafanaTheme2, index: number): string {
  const palette = theme.visualization.palette;
  return theme.visualization.getColorByName(palette[index % palette.length]);
}

const last = (series: TimeSeries) => (series.values.length ? series.values[series.values.length - 1] : undefined);

/** The two lines of each service, drawn in this order: the recommendation (dashed) under the running count. */
const FLEET_LINES: Array<{ series: 'recommended' | 'instances'; width: number; dash?: string }> = [
  { series: 'recommended', width: 1.5, dash: '4 3' },
  { series: 'instances', width: 2 },
];

/**
 * Instances running (solid) and the exporter's final recommendation (dashed) over the dashboard's
 * time range, one colour per service, above the decision lanes and on the same time axis.
 */
export function FleetChart({ fleet, x, left, right, top, height }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const values = fleet.flatMap((f) => [...f.instances.values, ...f.recommended.values]);
  const max = Math.max(1, ...values);
  const y = (v: number) => top + height - 2 - (v / max) * (height - 8);
  const colorOf = (i: number) => serviceColor(theme, i);
  return (
    <g data-testid="decisions-fleet">
      <rect x={left} y={top} width={right - left} height={height} fill={theme.colors.background.secondary} />
      <text x={left - 6} y={top + height / 2} dy="0.32em" textAnchor="end" className={styles.axis}>
        instances
      </text>
      <text x={left + 3} y={y(max)} dy="-0.25em" className={styles.axis}>
        {formatCount(max)}
      </text>
      <text x={left + 3} y={y(0)} dy="-0.25em" className={styles.axis}>
        0
      </text>
      {fleet.map((f, i) => (
        <g key={f.service} data-testid={`decisions-fleet-${f.service}`}>
          {FLEET_LINES.filter((line) => f[line.series].times.length > 0).map((line) => (
            <path
              key={line.series}
              d={stepPath(f[line.series], x, y)}
              fill="none"
              stroke={colorOf(i)}
              strokeWidth={line.width}
              strokeDasharray={line.dash}
              data-testid={`fleet-${line.series}`}
            />
          ))}
        </g>
      ))}
    </g>
  );
}

/** One line per service under the chart: "api: 6 running · 4 recommended". */
export function FleetLegend({ fleet }: { fleet: FleetTrack[] }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  if (fleet.length === 0) {
    return null;
  }
  const colorOf = (i: number) => serviceColor(theme, i);
  return (
    <div className={styles.legend} data-testid="decisions-fleet-legend">
      {fleet.map((f, i) => (
        <span key={f.service} className={styles.item}>
          <svg width={26} height={10}>
            <line x1={0} x2={12} y1={5} y2={5} stroke={colorOf(i)} strokeWidth={2} />
            <line x1={14} x2={26} y1={5} y2={5} stroke={colorOf(i)} strokeWidth={1.5} strokeDasharray="4 3" />
          </svg>
          {f.service}: {formatCount(last(f.instances))} running (solid) · {formatCount(last(f.recommended))} recommended
          (dashed)
        </span>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  axis: css({ fill: theme.colors.text.secondary, fontSize: 10, fontFamily: theme.typography.fontFamily }),
  legend: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.25, 1.5),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  item: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5), whiteSpace: 'nowrap' }),
});
