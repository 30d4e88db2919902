import React from 'react';
import { css, cx } from '@emotion/css';
import { Field, GrafanaTheme2, LinkModel } from '@grafana/data';
import { DataLinksContextMenu, useStyles2 } from '@grafana/ui';

/** The data links of a series' field at one of its rows (Grafana interpolates ${__field.labels.service} and the time range). */
export function linksOf(field: Field | undefined, row: number | undefined): LinkModel[] {
  if (!field?.getLinks) {
    return [];
  }
  return field.getLinks(row === undefined ? {} : { valueRowIndex: row });
}

interface Props {
  links: LinkModel[];
  children: React.ReactNode;
  className?: string;
  testId?: string;
}

/**
 * Text that opens the field's data links (the panel's standard Data links option, e.g. "Decisions of
 * ${__field.labels.service}"): a plain link for one, Grafana's context menu for several, plain text for none.
 */
export function DataLinked({ links, children, className, testId }: Props) {
  const styles = useStyles2(getStyles);
  if (links.length === 0) {
    return (
      <span className={className} data-testid={testId}>
        {children}
      </span>
    );
  }
  return (
    <DataLinksContextMenu links={() => links} style={{ display: 'inline-flex' }}>
      {(api) => (
        <span
          className={cx(className, styles.linked, api.targetClassName)}
          onClick={api.openMenu}
          data-testid={testId}
          data-links={links.length}
        >
          {children}
        </span>
      )}
    </DataLinksContextMenu>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  linked: css({
    color: theme.colors.text.link,
    textDecoration: 'underline dotted',
    textUnderlineOffset: 2,
  }),
});
