import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { HeadroomModel, ResourceHeadroom, resourceState, ResourceState } from '../data/model';
import { formatPercent, formatTimeLeft } from '../format';
import { MissingNote } from './MissingSeries';

interface Props {
  model: HeadroomModel;
  width: number;
}

/** Thresholds in the classic Grafana traffic-light colours, resolved through the theme. */
export function stateColor(theme: GrafanaTheme2, state: ResourceState): string {
  return theme.visualization.getColorByName(state === 'critical' ? 'red' : state === 'warning' ? 'orange' : 'green');
}

const DAY = 86400;

function UtilizationBar({ r }: { r: ResourceHeadroom }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const pct = (ratio: number) => `${Math.max(0, Math.min(1, ratio)) * 100}%`;
  const fill = stateColor(theme, resourceState(r));
  return (
    <svg className={styles.bar} width="100%" height={18} data-testid={`headroom-bar-${r.resource}`}>
      <title>
        {`${r.resource}: ${formatPercent(r.utilization)} used · warning ${formatPercent(r.warning)} · critical ${formatPercent(r.critical)}`}
      </title>
      <rect x={0} y={2} width="100%" height={14} rx={2} fill={theme.colors.background.secondary} stroke={theme.colors.border.weak} />
      {r.utilization !== undefined && <rect x={0} y={2} width={pct(r.utilization)} height={14} rx={2} fill={fill} opacity={0.85} />}
      {r.warning !== undefined && (
        <rect x={pct(r.warning)} y={0} width={2} height={18} fill={stateColor(theme, 'warning')} data-testid={`headroom-warning-${r.resource}`} />
      )}
      {r.critical !== undefined && (
        <rect x={pct(r.critical)} y={0} width={2} height={18} fill={stateColor(theme, 'critical')} data-testid={`headroom-critical-${r.resource}`} />
      )}
    </svg>
  );
}

/** Per-resource utilization against warning/critical thresholds, headroom and time until exhaustion. */
export function HeadroomView({ model, width }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const narrow = width < 360;
  const exhaustionColor = (seconds: number | undefined) =>
    seconds === undefined || !Number.isFinite(seconds)
      ? undefined
      : stateColor(theme, seconds < 7 * DAY ? 'critical' : seconds < 30 * DAY ? 'warning' : 'ok');

  return (
    <div className={styles.wrapper} data-testid="headroom-view">
      <div className={narrow ? styles.gridNarrow : styles.grid}>
        <span className={styles.head}>{model.services.length > 1 && model.service ? model.service : 'Resource'}</span>
        <span className={styles.head}>Used</span>
        <span className={styles.head}>{narrow ? '' : 'vs warning / critical'}</span>
        <span className={styles.head}>Headroom</span>
        {!narrow && <span className={styles.head}>Exhausted in</span>}
        {model.resources.map((r) => (
          <React.Fragment key={r.resource}>
            <span className={styles.name} data-testid={`headroom-resource-${r.resource}`}>
              {r.resource}
            </span>
            <span className={styles.num} style={{ color: stateColor(theme, resourceState(r)) }}>
              {formatPercent(r.utilization)}
            </span>
            <UtilizationBar r={r} />
            <span className={styles.num} data-testid={`headroom-ratio-${r.resource}`}>
              {formatPercent(r.headroom)}
            </span>
            {!narrow && (
              <span className={styles.num} data-testid={`headroom-exhaustion-${r.resource}`} style={{ color: exhaustionColor(r.exhaustionSeconds) }}>
                {formatTimeLeft(r.exhaustionSeconds)}
              </span>
            )}
          </React.Fragment>
        ))}
      </div>
      <MissingNote missing={model.missing} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({ height: '100%', overflow: 'auto', display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(48px, max-content) 40px minmax(60px, 1fr) 64px max-content',
    alignItems: 'center',
    gap: theme.spacing(0.75, 1),
  }),
  gridNarrow: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(40px, max-content) 36px minmax(40px, 1fr) 56px',
    alignItems: 'center',
    gap: theme.spacing(0.75, 0.75),
  }),
  head: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary, whiteSpace: 'nowrap' }),
  name: css({ fontWeight: theme.typography.fontWeightMedium, whiteSpace: 'nowrap' }),
  num: css({ fontVariantNumeric: 'tabular-nums', textAlign: 'right', whiteSpace: 'nowrap' }),
  bar: css({ display: 'block' }),
});
