export type PanelView = 'plan' | 'headroom' | 'decisions' | 'fleet';
/** Fleet view order: least headroom, soonest exhaustion (capacity or budget), or by name. */
export type FleetSort = 'headroom' | 'exhaustion' | 'name';
export type PlanMetric = 'instances' | 'cost';
export type PlanScale = 'auto' | 'linear' | 'log';

export interface PanelOptions {
  /** Which of the three views the panel shows. */
  view: PanelView;
  /**
   * Service to show. Empty shows the first service found (plan, headroom) or all services (decisions).
   * Dashboard variables are resolved, so `$service` works; a multi-value variable picks the first match.
   */
  service: string;
  /** Plan view: instances needed, or monthly cost against the budget. */
  planMetric: PlanMetric;
  /** Plan view: y axis scale. Compound growth (60 % a month) makes linear charts unreadable, so `auto` picks log for wide ranges. */
  planScale: PlanScale;
  /** Plan view: show the 6/12-month summary below the chart. */
  showSummary: boolean;
  /** Decisions view: list the decisions below the timeline. */
  showEventList: boolean;
  /** Fleet view: the order of the rows (the reader can re-sort from the column headers). */
  fleetSort: FleetSort;
  /** Fleet view: rows shown; the rest are counted ("and K more"). */
  fleetTopN: number;
  /**
   * Fleet view: the link of each row, `{service}` standing for the service's name (URL-encoded).
   * Dashboard variables are resolved, e.g. `${__url_time_range}`. The default opens this dashboard on the service.
   */
  fleetLink: string;
}

/** The one place option defaults are declared; module.ts and the components read them from here. */
export const defaultOptions: PanelOptions = {
  view: 'plan',
  service: '',
  planMetric: 'instances',
  planScale: 'auto',
  showSummary: true,
  showEventList: true,
  fleetSort: 'headroom',
  fleetTopN: 20,
  fleetLink: '?var-service={service}&${__url_time_range}',
};

/**
 * Options of panels saved before 0.2.0: the plan view's currency was a custom option; it is now the
 * standard unit of the field config (`currencyEUR`), which is what Grafana's own panels use.
 */
export interface LegacyPanelOptions extends Partial<PanelOptions> {
  currency?: string;
}

/** Currency of costs when the field config names none: the exporter's own default. */
export const DEFAULT_CURRENCY = 'USD';
