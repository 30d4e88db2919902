import React, { useLayoutEffect, useState } from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { exhaustionSeconds, FleetModel, FleetRow, FleetSort, rankFleet, serviceLink, topOf } from '../data/fleet';
import { formatCount, formatMoney, formatPercent, formatTimeLeft } from '../format';
import { FLEET_RENDER_MEASURE, markRenderEnd } from '../perf';

interface Props {
  model: FleetModel;
  sort: FleetSort;
  topN: number;
  /** Row link template ({service}), variables not yet resolved. */
  link: string;
  replaceVariables: (text: string) => string;
  currency: string;
  width: number;
  height: number;
}

const DAY = 86400;
/** Time left below which a row turns red / orange: a month to act, a quarter to plan. */
const URGENT_SECONDS = 30 * DAY;
const SOON_SECONDS = 90 * DAY;
/** Headroom below which the bar turns orange (the exporter's ratio is 0 at the warning threshold). */
const LOW_HEADROOM = 0.2;

function sortLabel(sort: FleetSort): string {
  return sort === 'headroom' ? 'least headroom' : sort === 'exhaustion' ? 'time left' : 'name';
}

function headroomColor(theme: GrafanaTheme2, headroom: number): string {
  if (headroom <= 0) {
    return theme.colors.error.main;
  }
  return headroom < LOW_HEADROOM ? theme.colors.warning.main : theme.colors.success.main;
}

function timeClass(styles: Styles, seconds: number | undefined): string | undefined {
  if (seconds === undefined || !Number.isFinite(seconds)) {
    return undefined;
  }
  return seconds < URGENT_SECONDS ? styles.urgent : seconds < SOON_SECONDS ? styles.soon : undefined;
}

type Styles = ReturnType<typeof getStyles>;

interface SortProps {
  by: FleetSort;
  sort: FleetSort;
  onSort: (s: FleetSort) => void;
  styles: Styles;
  children: React.ReactNode;
}

function SortHeader({ by, sort, onSort, styles, children }: SortProps) {
  return (
    <button
      type="button"
      className={cx(styles.sortButton, sort === by && styles.sorted)}
      onClick={() => onSort(by)}
      aria-pressed={sort === by}
      data-testid={`fleet-sort-${by}`}
    >
      {children}
      {sort === by ? ' ▲' : ''}
    </button>
  );
}

function Summary({ model, currency, styles }: { model: FleetModel; currency: string; styles: Styles }) {
  const { totals } = model;
  const ratio = totals.budget > 0 ? totals.spend / totals.budget : undefined;
  const over = ratio !== undefined && ratio > 1;
  return (
    <div className={styles.summary} data-testid="fleet-summary">
      <span data-testid="fleet-count">
        {formatCount(totals.services)} services
        {totals.missing > 0 && (
          <span className={styles.missingText} data-testid="fleet-missing-count">
            {' '}
            · {formatCount(totals.missing)} missing
          </span>
        )}
      </span>
      <span className={cx(styles.cost, over && styles.urgent)} data-testid="fleet-cost">
        Forecast month-end spend {formatMoney(totals.spend, currency)} of {formatMoney(totals.budget, currency)} budgets
        ({formatPercent(ratio)})
        {totals.spendUnknown > 0 && ` · spend of ${formatCount(totals.spendUnknown)} unknown, not counted`}
      </span>
      <svg className={styles.costBar} width={120} height={10} aria-hidden>
        <rect x={0} y={1} width={120} height={8} rx={2} className={styles.track} />
        <rect
          x={0}
          y={1}
          width={120 * Math.min(1, ratio ?? 0)}
          height={8}
          rx={2}
          className={over ? styles.barOver : styles.barFill}
        />
      </svg>
    </div>
  );
}

/** "cpu, memory, sessions +5": the badge stays one line; its title has them all. */
function shortList(names: string[], count = 3): string {
  const head = names.slice(0, count).join(', ');
  return names.length > count ? `${head} +${names.length - count}` : head;
}

function HeadroomCell({ row, styles, theme }: { row: FleetRow; styles: Styles; theme: GrafanaTheme2 }) {
  if (row.headroom === undefined) {
    return <>—</>;
  }
  return (
    <span className={styles.headroom}>
      <svg width={48} height={8} aria-hidden>
        <rect x={0} y={0} width={48} height={8} rx={2} className={styles.track} />
        <rect
          x={0}
          y={0}
          width={48 * Math.max(0, Math.min(1, row.headroom))}
          height={8}
          rx={2}
          fill={headroomColor(theme, row.headroom)}
        />
      </svg>
      <span data-testid="fleet-headroom">{formatPercent(row.headroom)}</span>
      <span className={styles.dim}>{row.resource}</span>
    </span>
  );
}

interface RowProps {
  row: FleetRow;
  rank: number;
  href: string;
  styles: Styles;
  theme: GrafanaTheme2;
}

/** One service. Styles come from the view (one getStyles per render, not one per row: 20 rows × 30 classes). */
function Row({ row, rank, href, styles, theme }: RowProps) {
  return (
    <tr
      data-testid="fleet-row"
      data-service={row.service}
      data-state={row.missing ? 'missing' : 'present'}
      data-headroom={row.headroom ?? ''}
      data-time-left={exhaustionSeconds(row) ?? ''}
      className={row.missing ? styles.missingRow : undefined}
    >
      <td className={styles.dim}>{rank}</td>
      <td className={styles.name}>
        <a href={href} data-testid="fleet-link" title={`Open ${row.service}`}>
          {row.service}
        </a>
        {row.missing && (
          <span
            className={styles.badge}
            data-testid="fleet-missing"
            title={`missing: ${row.missingReasons.join(', ')}`}
          >
            missing: {shortList(row.missingReasons)}
          </span>
        )}
      </td>
      <td>
        <HeadroomCell row={row} styles={styles} theme={theme} />
      </td>
      <td className={timeClass(styles, row.capacitySeconds)} data-testid="fleet-capacity">
        {formatTimeLeft(row.capacitySeconds)}
      </td>
      <td className={timeClass(styles, row.budgetSeconds)} data-testid="fleet-budget">
        {formatTimeLeft(row.budgetSeconds)}
      </td>
      <td className={styles.number}>
        {formatCount(row.instances)} / {formatCount(row.maxInstances)}
      </td>
    </tr>
  );
}

/**
 * Every service of the selection ranked: least headroom or soonest exhaustion first, missing
 * services leading; the fleet's forecast spend against the sum of its budgets; the first N rows
 * with a count of the rest, each linked to the service's own view.
 */
export function FleetView({ model, sort: initialSort, topN, link, replaceVariables, currency, width, height }: Props) {
  useLayoutEffect(() => markRenderEnd(FLEET_RENDER_MEASURE));
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [sort, setSort] = useState<FleetSort>(initialSort);
  const { shown, more } = topOf(rankFleet(model.rows, sort), topN);
  return (
    <div className={styles.root} style={{ width, height }} data-testid="fleet-view" data-sort={sort}>
      <Summary model={model} currency={currency} styles={styles} />
      <div className={styles.scroll}>
        <table className={styles.table}>
          <thead>
            <tr>
              <th>#</th>
              <th>
                <SortHeader by="name" sort={sort} onSort={setSort} styles={styles}>
                  Service
                </SortHeader>
              </th>
              <th>
                <SortHeader by="headroom" sort={sort} onSort={setSort} styles={styles}>
                  Headroom
                </SortHeader>
              </th>
              <th title="Time until the instances needed pass limits.max (planning scenario)">
                <SortHeader by="exhaustion" sort={sort} onSort={setSort} styles={styles}>
                  Capacity in
                </SortHeader>
              </th>
              <th title="Time until the monthly cost passes the budget (planning scenario)">Budget in</th>
              <th className={styles.number}>Instances / max</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row, i) => (
              <Row
                key={row.service}
                row={row}
                rank={i + 1}
                href={replaceVariables(serviceLink(link, row.service))}
                styles={styles}
                theme={theme}
              />
            ))}
          </tbody>
        </table>
        {more > 0 && (
          <div className={styles.more} data-testid="fleet-more">
            and {formatCount(more)} more (ranked by {sortLabel(sort)}; raise Rows or pick services in $service)
          </div>
        )}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    display: 'flex',
    flexDirection: 'column',
    padding: theme.spacing(0.5, 1),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  summary: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5, 1.5),
    padding: theme.spacing(0.25, 0, 0.75, 0),
  }),
  cost: css({ color: theme.colors.text.secondary }),
  costBar: css({ flex: 'none' }),
  track: css({ fill: theme.colors.background.secondary }),
  barFill: css({ fill: theme.colors.primary.main }),
  barOver: css({ fill: theme.colors.error.main }),
  scroll: css({ flex: 1, overflow: 'auto', minHeight: 0 }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    th: {
      position: 'sticky',
      top: 0,
      background: theme.colors.background.primary,
      textAlign: 'left',
      fontWeight: theme.typography.fontWeightMedium,
      color: theme.colors.text.secondary,
      padding: theme.spacing(0.25, 0.75),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      whiteSpace: 'nowrap',
    },
    td: {
      padding: theme.spacing(0.25, 0.75),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      whiteSpace: 'nowrap',
    },
  }),
  sortButton: css({
    background: 'none',
    border: 'none',
    padding: 0,
    color: 'inherit',
    font: 'inherit',
    cursor: 'pointer',
    '&:hover': { color: theme.colors.text.primary },
  }),
  sorted: css({ color: theme.colors.text.primary }),
  name: css({ a: { color: theme.colors.text.link } }),
  number: css({ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }),
  dim: css({ color: theme.colors.text.secondary }),
  headroom: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  urgent: css({ color: theme.colors.error.text }),
  soon: css({ color: theme.colors.warning.text }),
  missingRow: css({ background: theme.colors.warning.transparent }),
  missingText: css({ color: theme.colors.warning.text }),
  badge: css({
    marginLeft: theme.spacing(1),
    padding: theme.spacing(0, 0.5),
    borderRadius: theme.shape.radius.default,
    border: `1px solid ${theme.colors.warning.border}`,
    color: theme.colors.warning.text,
  }),
  more: css({ padding: theme.spacing(0.5, 0.75), color: theme.colors.text.secondary }),
});
