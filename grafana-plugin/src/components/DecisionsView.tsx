import React from 'react';
import { css, cx } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { TimeZone } from '@grafana/schema';
import { Tooltip, useStyles2, useTheme2 } from '@grafana/ui';

import { DecisionEvent, DecisionKind, DecisionsModel, isBlocked } from '../data/model';
import { formatCount, humanize } from '../format';
import { DataLinked, linksOf } from './DataLinks';
import { MissingNote } from './EmptyView';
import { FleetChart, FleetLegend } from './FleetChart';
import { timeTicks } from './scale';

interface Props {
  model: DecisionsModel;
  range: { from: number; to: number };
  timeZone?: TimeZone;
  showEventList: boolean;
  width: number;
  height: number;
}

const LANES: Array<{ kind: Exclude<DecisionKind, 'none'>; label: string; color: string }> = [
  { kind: 'scale_out', label: 'scale out', color: 'green' },
  { kind: 'scale_in', label: 'scale in', color: 'blue' },
  { kind: 'blocked', label: 'blocked', color: 'orange' },
];

/**
 * "4 → 7" for an action; a blocked one did not happen, so it never reads as a change:
 * "stays 7 (wanted 11)".
 */
export function transition(e: DecisionEvent): string {
  if (isBlocked(e)) {
    return `stays ${formatCount(e.current)} (wanted ${formatCount(e.target)})`;
  }
  return `${formatCount(e.current)} → ${formatCount(e.target)}`;
}

function describe(e: DecisionEvent, time: string): string {
  const what = isBlocked(e)
    ? `BLOCKED by ${humanize(e.blockedBy)}: ${humanize(e.action)} not carried out, ${transition(e)}`
    : `${humanize(e.action)} ${transition(e)}`;
  return [`${time} · ${e.service}`, what, `trigger: ${e.trigger}`, `blocked by: ${e.blockedBy}`].join('\n');
}

/** Actions are solid triangles; a blocked decision is a hollow, dashed diamond crossed out, so it never reads as an action. */
function Marker({ kind, x, y, color }: { kind: DecisionKind; x: number; y: number; color: string }) {
  const s = 6;
  if (kind === 'scale_out') {
    return <path d={`M${x},${y - s}L${x + s},${y + s - 1}L${x - s},${y + s - 1}Z`} fill={color} />;
  }
  if (kind === 'scale_in') {
    return <path d={`M${x},${y + s}L${x + s},${y - s + 1}L${x - s},${y - s + 1}Z`} fill={color} />;
  }
  return (
    <>
      <rect
        x={x - s + 1}
        y={y - s + 1}
        width={2 * s - 2}
        height={2 * s - 2}
        fill="none"
        stroke={color}
        strokeWidth={1.5}
        strokeDasharray="2 1.5"
        transform={`rotate(45 ${x} ${y})`}
      />
      <path
        d={`M${x - 3},${y - 3}L${x + 3},${y + 3}M${x + 3},${y - 3}L${x - 3},${y + 3}`}
        stroke={color}
        strokeWidth={1.5}
      />
    </>
  );
}

const CHAR_WIDTH = 6;
const LABEL_OFFSET = 9;

/**
 * Puts the "current → target" label right of its marker, or left of it near the right edge, and
 * drops labels that would overprint another one in the same lane (the tooltip still has them).
 */
function placeLabels(events: DecisionEvent[], x: (t: number) => number, left: number, right: number, enabled: boolean) {
  // Markers occupy their lane first, so no label covers a later marker.
  const taken = new Map<DecisionKind, Array<[number, number]>>();
  for (const event of events) {
    const cx = x(event.time);
    taken.set(event.kind, [...(taken.get(event.kind) ?? []), [cx - 7, cx + 7]]);
  }
  return events.map((event) => {
    if (!enabled) {
      return { event, label: undefined };
    }
    const width = transition(event).length * CHAR_WIDTH;
    const cx = x(event.time);
    const candidates: Array<{ x: number; anchor: 'start' | 'end'; from: number; to: number }> = [
      { x: cx + LABEL_OFFSET, anchor: 'start', from: cx + LABEL_OFFSET, to: cx + LABEL_OFFSET + width },
      { x: cx - LABEL_OFFSET, anchor: 'end', from: cx - LABEL_OFFSET - width, to: cx - LABEL_OFFSET },
    ];
    const lane = taken.get(event.kind) ?? [];
    const others = lane.filter(([from, to]) => !(from === cx - 7 && to === cx + 7));
    const fits = candidates.find(
      (c) => c.from >= left - 4 && c.to <= right + 8 && others.every(([from, to]) => c.to + 2 < from || c.from > to + 2)
    );
    if (fits) {
      lane.push([fits.from, fits.to]);
    }
    taken.set(event.kind, lane);
    return { event, label: fits && { x: fits.x, anchor: fits.anchor } };
  });
}

/** Timeline of scale-out, scale-in and blocked decisions over the dashboard time range. */
export function DecisionsView({ model, range, timeZone, showEventList, width, height }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const laneHeight = 26;
  // The fleet track (instances and recommendation over the range) when there is room for it.
  const fleetHeight = model.fleet.length > 0 && height >= 200 ? 48 : 0;
  const margin = { left: 72, right: 14, top: 6 + (fleetHeight ? fleetHeight + 4 : 0), bottom: 20 };
  const chartHeight = margin.top + LANES.length * laneHeight + margin.bottom;
  const plotW = Math.max(10, width - margin.left - margin.right);
  const span = Math.max(1, range.to - range.from);
  const x = (t: number) => margin.left + ((t - range.from) / span) * plotW;
  const laneY = (kind: DecisionKind) =>
    margin.top + LANES.findIndex((l) => l.kind === kind) * laneHeight + laneHeight / 2;
  const { ticks, format } = timeTicks(range.from, range.to, Math.max(2, Math.min(6, Math.floor(plotW / 90))));
  const fmt = (t: number, f = format) => dateTimeFormat(t, { format: f, timeZone });
  // Rows: seconds on a range of an hour or less (decisions a few seconds apart stay apart), else the day.
  const rowFormat = span <= 3600 * 1000 ? 'HH:mm:ss' : 'MM-DD HH:mm';
  const colorOf = (kind: DecisionKind) =>
    theme.visualization.getColorByName(LANES.find((l) => l.kind === kind)?.color ?? 'text');
  const multiService = model.services.length > 1;
  const placed = placeLabels(model.events, x, margin.left, margin.left + plotW, plotW > 240);

  return (
    <div className={styles.wrapper} data-testid="decisions-view">
      <svg
        width={width}
        height={chartHeight}
        className={styles.svg}
        data-testid="decisions-chart"
        role="img"
        aria-label="Scaling decisions"
      >
        {fleetHeight > 0 && (
          <FleetChart
            fleet={model.fleet}
            x={x}
            left={margin.left}
            right={margin.left + plotW}
            top={6}
            height={fleetHeight}
          />
        )}
        {LANES.map((lane, i) => (
          <g key={lane.kind}>
            <rect
              x={margin.left}
              y={margin.top + i * laneHeight + 2}
              width={plotW}
              height={laneHeight - 4}
              fill={theme.colors.background.secondary}
            />
            <text x={margin.left - 6} y={laneY(lane.kind)} dy="0.32em" textAnchor="end" className={styles.axis}>
              {lane.label}
            </text>
          </g>
        ))}
        {ticks.map((t) => (
          <text key={t} x={x(t)} y={chartHeight - 5} textAnchor="middle" className={styles.axis}>
            {fmt(t)}
          </text>
        ))}
        {placed.map(({ event: e, label }) => (
          <g
            key={`${e.service}-${e.trigger}-${e.action}-${e.blockedBy}-${e.time}`}
            data-testid={`decision-marker-${e.kind}`}
          >
            <title>{describe(e, fmt(e.time, 'YYYY-MM-DD HH:mm:ss'))}</title>
            <Marker kind={e.kind} x={x(e.time)} y={laneY(e.kind)} color={colorOf(e.kind)} />
            {label && (
              <text
                x={label.x}
                y={laneY(e.kind)}
                dy="0.32em"
                textAnchor={label.anchor}
                className={isBlocked(e) ? styles.blockedLabel : styles.markerLabel}
              >
                {transition(e)}
              </text>
            )}
          </g>
        ))}
      </svg>
      {fleetHeight > 0 && <FleetLegend fleet={model.fleet} />}
      {model.events.length === 0 && (
        <div className={styles.quiet} data-testid="decisions-none">
          No scaling decisions in this time range.
        </div>
      )}
      {showEventList && model.events.length > 0 && (
        <div
          className={styles.list}
          style={{ maxHeight: Math.max(0, height - chartHeight - 24) }}
          data-testid="decisions-list"
        >
          {[...model.events].reverse().map((e) => (
            <Tooltip
              key={`${e.service}-${e.trigger}-${e.action}-${e.blockedBy}-${e.time}`}
              content={<pre className={styles.tip}>{describe(e, fmt(e.time, 'YYYY-MM-DD HH:mm:ss'))}</pre>}
            >
              <div
                className={cx(styles.row, isBlocked(e) && styles.blockedRow)}
                style={{ gridTemplateColumns: multiService ? '80px 72px 112px 124px 1fr' : '80px 112px 124px 1fr' }}
                data-testid="decision-row"
                data-kind={e.kind}
              >
                <span className={styles.time}>{fmt(e.time, rowFormat)}</span>
                {multiService && (
                  <DataLinked links={linksOf(e.field, e.row)} className={styles.service} testId="decision-service">
                    {e.service}
                  </DataLinked>
                )}
                <span className={styles.kind} style={{ color: colorOf(e.kind) }}>
                  {isBlocked(e) ? `blocked ${humanize(e.action)}` : humanize(e.action)}
                </span>
                <span className={styles.transition}>{transition(e)}</span>
                <span className={styles.trigger}>
                  {e.trigger}
                  {isBlocked(e) && <span className={styles.blocked}> · blocked by {humanize(e.blockedBy)}</span>}
                </span>
              </div>
            </Tooltip>
          ))}
        </div>
      )}
      <MissingNote missing={model.missing} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({ display: 'flex', flexDirection: 'column', height: '100%', overflow: 'hidden' }),
  svg: css({ display: 'block', flexShrink: 0 }),
  axis: css({ fill: theme.colors.text.secondary, fontSize: 10, fontFamily: theme.typography.fontFamily }),
  markerLabel: css({ fill: theme.colors.text.primary, fontSize: 10, fontFamily: theme.typography.fontFamily }),
  blockedLabel: css({
    fill: theme.colors.warning.text,
    fontSize: 10,
    fontStyle: 'italic',
    fontFamily: theme.typography.fontFamily,
  }),
  quiet: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  list: css({ overflow: 'auto', marginTop: theme.spacing(0.5), fontSize: theme.typography.bodySmall.fontSize }),
  row: css({
    display: 'grid',
    columnGap: theme.spacing(1),
    padding: theme.spacing(0.25, 0.5),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    whiteSpace: 'nowrap',
    '&:hover': { background: theme.colors.action.hover },
  }),
  time: css({ color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
  service: css({ fontWeight: theme.typography.fontWeightMedium }),
  kind: css({ overflow: 'hidden', textOverflow: 'ellipsis' }),
  blockedRow: css({ fontStyle: 'italic', background: theme.colors.warning.transparent }),
  transition: css({ fontVariantNumeric: 'tabular-nums' }),
  trigger: css({ overflow: 'hidden', textOverflow: 'ellipsis' }),
  blocked: css({ color: theme.colors.warning.text }),
  tip: css({
    margin: 0,
    background: 'none',
    border: 'none',
    padding: 0,
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: 11,
  }),
});
