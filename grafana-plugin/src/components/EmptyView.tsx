import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { QUERIES } from '../queries';
import { PanelView } from '../types';

interface EmptyProps {
  view: PanelView;
  service?: string;
}

/** Whole-view empty state: says which series the view reads and the queries that produce them. */
export function EmptyView({ view, service }: EmptyProps) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.empty} data-testid="headroom-empty">
      <p className={styles.title}>
        No Headroom data for the {view} view{service ? ` (service "${service}")` : ''}.
      </p>
      <p>The panel expects these series from the Headroom exporter:</p>
      <ul className={styles.list} data-testid="headroom-expected-series">
        {QUERIES[view].map((query) => (
          <li key={query.refId}>
            <code>{query.expr}</code> {query.range ? '(range)' : '(instant)'}
          </li>
        ))}
      </ul>
    </div>
  );
}

interface PartialProps {
  missing: string[];
}

/** One-line note under a view that could draw only part of itself. */
export function MissingNote({ missing }: PartialProps) {
  const styles = useStyles2(getStyles);
  if (missing.length === 0) {
    return null;
  }
  return (
    <div className={styles.note} data-testid="headroom-missing">
      Missing series:{' '}
      {missing
        .map((name) => <code key={name}>{name}</code>)
        .reduce<React.ReactNode[]>((acc, el, i) => (i ? [...acc, ', ', el] : [el]), [])}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  empty: css({
    padding: theme.spacing(1),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    overflow: 'auto',
    height: '100%',
    p: { margin: theme.spacing(0, 0, 0.5, 0) },
  }),
  title: css({
    color: theme.colors.text.primary,
    fontSize: theme.typography.body.fontSize,
  }),
  list: css({
    margin: 0,
    paddingLeft: theme.spacing(2),
    code: { fontSize: theme.typography.bodySmall.fontSize },
  }),
  note: css({
    color: theme.colors.warning.text,
    fontSize: theme.typography.bodySmall.fontSize,
    padding: theme.spacing(0.25, 0),
    code: { fontSize: 'inherit', padding: 0 },
  }),
});
