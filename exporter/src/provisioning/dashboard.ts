/**
 * The Headroom overview dashboard, generated from the policy: the Headroom panel in its three views
 * with the panel's own queries (@headroom/contract), and stock panels for the fleet size,
 * budget usage, input health and the scaler's recent actions. Thresholds, limits, currency and the
 * refresh interval come from headroom.yml, so the dashboard says what the alerts and the scaler do.
 */
import type { Policy } from '../config/schema.js';
import { generatedNote, PROVISIONING, durationString } from './common.js';
import {
  DATASOURCE_VARIABLE,
  METRIC,
  PROMETHEUS_DATASOURCE,
  QUERIES,
  SERVICE_VARIABLE,
  serviceSelector,
  type MetricName,
  type PanelView,
} from '@headroom/contract';
import { DEFAULTS } from '../config/defaults.js';

type Json = Record<string, unknown>;

/** The data source input of the dashboard export format. */
const DS_INPUT = 'DS_PROMETHEUS';

function target(refId: string, expr: string, extra: Json = {}): Json {
  return {
    refId,
    datasource: PROMETHEUS_DATASOURCE,
    editorMode: 'code',
    expr,
    range: true,
    instant: false,
    legendFormat: '__auto',
    ...extra,
  };
}

function describeLimits(policy: Policy): string {
  return policy.services.map((s) => `${s.name}: min ${s.scaling.limits.min}, max ${s.scaling.limits.max}`).join('; ');
}

function describeBudgets(policy: Policy): string {
  return policy.services
    .map(
      (s) =>
        `${s.name}: ${s.cost.budget.monthly} ${s.cost.currency} a month, warning at ${Math.round(s.cost.budget.warning_ratio * 100)} %`
    )
    .join('; ');
}

function describeTriggers(policy: Policy): string {
  return policy.services
    .map((s) => {
      const out = s.scaling.scale_out
        .map((t) => `${t.name} (${t.signal} > ${t.above} for ${durationString(t.for)}, +${t.step})`)
        .join(', ');
      const si = s.scaling.scale_in;
      const inText = si
        ? `; scale in by ${si.step} when ${si.conditions.map((c) => `${c.signal} < ${c.below}`).join(' and ')} for ${durationString(si.for)}`
        : '';
      return `${s.name}: scale out on ${out}${inText}`;
    })
    .join('. ');
}

/** The budget warning threshold shown on the gauge: the strictest (lowest) warning ratio of the policy. */
function budgetWarning(policy: Policy): number {
  const ratios = policy.services.map((s) => s.cost.budget.warning_ratio);
  return ratios.length > 0 ? Math.min(...ratios) : DEFAULTS.cost.budgetWarningRatio;
}

/** Id of the decisions view in the panel list below: the headroom view's data link opens it for one service. */
const DECISIONS_PANEL_ID = 7;

/** The panel's field config per view: costs in the policy currency (standard unit), the service linked to its decisions. */
function headroomFieldConfig(view: PanelView, currency: string): Json {
  if (view === 'plan') return { defaults: { unit: `currency${currency}` }, overrides: [] };
  if (view !== 'headroom') return { defaults: {}, overrides: [] };
  const url = `/d/${PROVISIONING.dashboardUid}/?var-service=\${__field.labels.service}&viewPanel=${DECISIONS_PANEL_ID}&\${__url_time_range}`;
  return { defaults: { links: [{ title: 'Decisions of ${__field.labels.service}', url }] }, overrides: [] };
}

export interface DashboardOptions {
  /** ISO code of the money figures (the policy's currency, or --currency). */
  currency: string;
  /** The policy file's name, for the generated-by note. */
  configName: string;
}

type Panel = (p: Json) => Json;

/** Stat and gauge panels show the last value of each query. */
const REDUCE = { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } };
const sum = (metric: MetricName) => `sum(${serviceSelector(metric)})`;

/**
 * Stock panels at the top: sums over the selected services, so they read the same for one service
 * and for a fleet of 1,000 (one number, not one per service).
 */
interface SumStat {
  title: string;
  description: string;
  x: number;
  graphMode: 'area' | 'none';
  unit: string;
  /** The colour of the value (one threshold step from the start). */
  color: string;
  /** Each sum and its legend, in refId order. */
  sums: [MetricName, string][];
}

/** A stat panel of sums over the selected services, a quarter of the dashboard wide. */
function sumStatPanel(panel: Panel, y: number, stat: SumStat): Json {
  return panel({
    type: 'stat',
    title: stat.title,
    description: stat.description,
    gridPos: { h: 5, w: 6, x: stat.x, y },
    options: {
      ...REDUCE,
      justifyMode: 'auto',
      orientation: 'auto',
      textMode: 'value_and_name',
      colorMode: 'value',
      graphMode: stat.graphMode,
    },
    fieldConfig: {
      defaults: {
        unit: stat.unit,
        decimals: 0,
        color: { mode: 'thresholds' },
        thresholds: { mode: 'absolute', steps: [{ color: stat.color, value: null }] },
      },
      overrides: [],
    },
    targets: stat.sums.map(([metric, legendFormat], i) =>
      target(String.fromCharCode(65 + i), sum(metric), { legendFormat })
    ),
  });
}

function summaryPanels(policy: Policy, currency: string, panel: Panel, y: number): Json[] {
  return [
    sumStatPanel(panel, y, {
      title: 'Instances',
      description: `Running instances (${METRIC.instances}) and the target of the decision Headroom would take now (${METRIC.decisionTargetInstances}), summed over the selected services. Limits from headroom.yml: ${describeLimits(policy)}.`,
      x: 0,
      graphMode: 'area',
      unit: 'none',
      color: 'blue',
      sums: [
        [METRIC.instances, 'running'],
        [METRIC.decisionTargetInstances, 'target'],
      ],
    }),
    budgetGaugePanel(policy, panel, y),
    sumStatPanel(panel, y, {
      title: 'Monthly cost',
      description: `Forecast month-end spend (${METRIC.budgetForecastMonthEndSpend}) against the monthly budget (${METRIC.budgetMonthly}), summed over the selected services, in ${currency}.`,
      x: 12,
      graphMode: 'none',
      unit: `currency${currency}`,
      color: 'text',
      sums: [
        [METRIC.budgetForecastMonthEndSpend, 'forecast'],
        [METRIC.budgetMonthly, 'budget'],
      ],
    }),
    inputHealthPanel(panel, y),
  ];
}

function budgetGaugePanel(policy: Policy, panel: Panel, y: number): Json {
  return panel({
    type: 'gauge',
    title: 'Budget used',
    description: `Share of the monthly budgets spent so far (${METRIC.budgetUsageRatio}, weighted by ${METRIC.budgetMonthly}) and the forecast month-end spend as a share of them (${METRIC.budgetForecastMonthEndSpend}: spend so far plus the current hourly rate to the end of the month), over the selected services. Orange from the warning ratio, red at the budget. Budgets from headroom.yml: ${describeBudgets(policy)}.`,
    gridPos: { h: 5, w: 6, x: 6, y },
    options: { ...REDUCE, showThresholdMarkers: true, showThresholdLabels: false, orientation: 'auto' },
    fieldConfig: {
      defaults: {
        unit: 'percentunit',
        min: 0,
        max: 1.5,
        decimals: 0,
        color: { mode: 'thresholds' },
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'orange', value: budgetWarning(policy) },
            { color: 'red', value: 1 },
          ],
        },
      },
      overrides: [],
    },
    targets: [
      target(
        'A',
        `sum(${serviceSelector(METRIC.budgetUsageRatio)} * ${serviceSelector(METRIC.budgetMonthly)}) / ${sum(METRIC.budgetMonthly)}`,
        { legendFormat: 'spent' }
      ),
      target('B', `${sum(METRIC.budgetForecastMonthEndSpend)} / ${sum(METRIC.budgetMonthly)}`, {
        legendFormat: 'forecast',
      }),
    ],
  });
}

function inputHealthPanel(panel: Panel, y: number): Json {
  return panel({
    type: 'stat',
    title: 'Input health',
    description: `One box per input of the policy (${METRIC.inputUp}): green when the last refresh read it for every selected service, red when it is missing or stale for any of them. Headroom never scales in on missing data and never substitutes invented values.`,
    gridPos: { h: 5, w: 6, x: 18, y },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      textMode: 'name',
      justifyMode: 'auto',
      orientation: 'auto',
    },
    fieldConfig: {
      defaults: {
        mappings: [
          {
            type: 'value',
            options: {
              '0': { text: 'missing', color: 'red', index: 0 },
              '1': { text: 'up', color: 'green', index: 1 },
            },
          },
        ],
        color: { mode: 'thresholds' },
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'red', value: null },
            { color: 'green', value: 1 },
          ],
        },
      },
      overrides: [],
    },
    targets: [
      target('A', `min by (signal) (${serviceSelector(METRIC.inputUp)})`, {
        legendFormat: '{{signal}}',
        instant: true,
        range: false,
      }),
    ],
  });
}

/** The Headroom panel in one view, with exactly the panel's queries for that view. */
function headroomPanel(
  panel: Panel,
  currency: string,
  view: PanelView,
  title: string,
  description: string,
  gridPos: Json,
  options: Json = {}
): Json {
  return panel({
    type: PROVISIONING.panelType,
    title,
    description,
    gridPos,
    options: { view, service: `$${SERVICE_VARIABLE}`, showEventList: view === 'decisions', ...options },
    fieldConfig: headroomFieldConfig(view, currency),
    targets: QUERIES[view].map((q) =>
      target(q.refId, q.expr, { range: q.range, instant: q.instant, format: 'time_series' })
    ),
  });
}

/** Rows of the fleet view: each opens this dashboard on that service, in the same time range. */
export const FLEET_ROW_LINK = `/d/${PROVISIONING.dashboardUid}/?var-service={service}&\${__url_time_range}`;

function fleetPanel(policy: Policy, currency: string, panel: Panel, y: number): Json {
  return headroomPanel(
    panel,
    currency,
    'fleet',
    'Fleet',
    `Every selected service ranked by its tightest headroom (${METRIC.resourceHeadroomRatio}) or by the time until its instances pass limits.max or its cost passes the budget under its planning scenario (${METRIC.capacityExhaustionSeconds}, ${METRIC.budgetExhaustionSeconds}); the forecast month-end spend of the selection against the sum of its budgets. A service with a missing input (${METRIC.inputUp} == 0) is listed first as missing. Each row opens this dashboard on that service. ${policy.services.length} services in headroom.yml.`,
    { h: 12, w: 24, x: 0, y },
    { fleetSort: 'headroom', fleetTopN: 20, fleetLink: FLEET_ROW_LINK }
  );
}

function serviceViews(policy: Policy, currency: string, panel: Panel, y: number): Json[] {
  const per = (f: (s: Policy['services'][number]) => string) => policy.services.map(f).join('. ');
  return [
    headroomPanel(
      panel,
      currency,
      'plan',
      'Capacity plan',
      `Instances needed at each horizon per growth scenario (${METRIC.projectedInstances}), with the max limit and the planning scenario marked; switch the panel's plan metric to cost to compare monthly cost with the budget. Scenarios and horizons from headroom.yml: ${per(
        (s) =>
          `${s.name}: ${s.growth.scenarios.map((g) => `${g.name} ${Math.round(g.monthly_rate * 100)} %/month`).join(', ')}; horizons ${s.growth.horizons_months.join('/')} months`
      )}.`,
      { h: 10, w: 12, x: 0, y }
    ),
    headroomPanel(
      panel,
      currency,
      'headroom',
      'Headroom per resource',
      `Utilization of each resource against its warning and critical thresholds (${METRIC.resourceUtilizationRatio}, ${METRIC.resourceThresholdRatio}) and the time until the critical threshold under the planning scenario. Resources from headroom.yml: ${per(
        (s) =>
          `${s.name}: ${s.capacity.resources.map((r) => `${r.name} warning ${r.warning}/critical ${r.critical} of ${r.limit}`).join(', ')}`
      )}.`,
      { h: 10, w: 12, x: 12, y }
    ),
    headroomPanel(
      panel,
      currency,
      'decisions',
      'Scaling decisions',
      `Every decision of the webhook scaler over the time range: current → target, the trigger, and what blocked it (cooldown, rate limit, limit, budget, missing data). ${describeTriggers(policy)}.`,
      { h: 11, w: 14, x: 0, y: y + 10 }
    ),
  ];
}

function scalingActionsPanel(panel: Panel, y: number): Json {
  return panel({
    type: 'timeseries',
    title: 'Scaling actions',
    description: `Actions the scaler sent to the actuator, by action and result (increase of ${METRIC.scalerActionsTotal}): success, failure, or dry_run when the actuator only records.`,
    gridPos: { h: 11, w: 10, x: 14, y },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'none' },
    },
    fieldConfig: {
      defaults: {
        unit: 'none',
        decimals: 0,
        min: 0,
        color: { mode: 'palette-classic' },
        custom: { drawStyle: 'bars', fillOpacity: 80, lineWidth: 1, stacking: { mode: 'normal', group: 'A' } },
      },
      overrides: [],
    },
    targets: [
      target(
        'A',
        `sum by (service, action, result) (increase(${serviceSelector(METRIC.scalerActionsTotal)}[$__rate_interval]))`,
        {
          legendFormat: '{{service}} {{action}} {{result}}',
        }
      ),
    ],
  });
}

function lastDecisionsPanel(panel: Panel, y: number): Json {
  const table = { format: 'table', instant: true, range: false };
  return panel({
    type: 'table',
    title: 'Last decisions',
    description: `The latest decision for each combination of trigger, action and block (${METRIC.scalerLastDecisionTimestampSeconds}, …_current_instances, …_target_instances): when it was taken, the instances then and the target. Reasons in full are in the exporter's /api/v1/decisions.`,
    gridPos: { h: 8, w: 24, x: 0, y },
    options: { showHeader: true, sortBy: [{ displayName: 'when', desc: true }], cellHeight: 'sm' },
    fieldConfig: {
      defaults: {},
      overrides: [{ matcher: { id: 'byName', options: 'when' }, properties: [{ id: 'unit', value: 'dateTimeAsIso' }] }],
    },
    targets: [
      target('A', `1000 * ${serviceSelector(METRIC.scalerLastDecisionTimestampSeconds)}`, table),
      target('B', serviceSelector(METRIC.scalerLastDecisionCurrentInstances), table),
      target('C', serviceSelector(METRIC.scalerLastDecisionTargetInstances), table),
    ],
    transformations: [
      { id: 'merge', options: {} },
      {
        id: 'organize',
        options: {
          excludeByName: { Time: true, __name__: true, instance: true, job: true },
          indexByName: {
            service: 0,
            'Value #A': 1,
            trigger: 2,
            action: 3,
            blocked_by: 4,
            'Value #B': 5,
            'Value #C': 6,
          },
          renameByName: { 'Value #A': 'when', 'Value #B': 'current', 'Value #C': 'target', blocked_by: 'blocked by' },
        },
      },
    ],
  });
}

/**
 * The panels, top to bottom: the fleet ranked, the sums, the service views, the scaler's actions.
 * Ids are in creation order; the fleet panel, added last, keeps the ids older links use (viewPanel).
 */
function overviewPanels(policy: Policy, currency: string): Json[] {
  let id = 0;
  const panel: Panel = (p) => ({ id: ++id, datasource: PROMETHEUS_DATASOURCE, ...p });
  const FLEET_HEIGHT = 12;
  const panels = [
    ...summaryPanels(policy, currency, panel, FLEET_HEIGHT),
    ...serviceViews(policy, currency, panel, FLEET_HEIGHT + 5),
    scalingActionsPanel(panel, FLEET_HEIGHT + 15),
    lastDecisionsPanel(panel, FLEET_HEIGHT + 26),
  ];
  return [fleetPanel(policy, currency, panel, 0), ...panels];
}

/**
 * The service variable: the services the exporter publishes (label_values of a metric every
 * service has, missing ones included: headroom_input_up), several at once or All. All sends `.+`,
 * not a 1,000-name regex.
 */
function serviceVariable(): Json {
  return {
    type: 'query',
    name: SERVICE_VARIABLE,
    label: 'Service',
    description: `The services Headroom plans, as the exporter publishes them (label_values of ${METRIC.inputUp}): several, or All for the whole fleet.`,
    datasource: PROMETHEUS_DATASOURCE,
    query: { query: `label_values(${METRIC.inputUp}, ${SERVICE_VARIABLE})`, refId: SERVICE_VARIABLE },
    refresh: 2,
    sort: 1,
    multi: true,
    includeAll: true,
    allValue: '.+',
    current: { text: ['All'], value: ['$__all'] },
    options: [],
    hide: 0,
  };
}

function datasourceVariable(): Json {
  return {
    type: 'datasource',
    name: DATASOURCE_VARIABLE,
    label: 'Data source',
    description: 'The Prometheus that scrapes the Headroom exporter.',
    query: 'prometheus',
    current: { text: `\${${DS_INPUT}}`, value: `\${${DS_INPUT}}` },
    refresh: 1,
    regex: '',
    options: [],
    hide: 0,
  };
}

export function buildOverviewDashboard(policy: Policy, { currency, configName }: DashboardOptions): Json {
  return {
    // For "Import dashboard" in any Grafana: it asks for a Prometheus data source and sets the
    // $datasource variable to it. File provisioning ignores __inputs; the variable then starts on the
    // default Prometheus data source.
    __inputs: [
      {
        name: DS_INPUT,
        label: 'Prometheus',
        description: 'The Prometheus that scrapes the Headroom exporter',
        type: 'datasource',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
      },
    ],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.4.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      { type: 'panel', id: PROVISIONING.panelType, name: 'Headroom', version: '' },
    ],
    uid: PROVISIONING.dashboardUid,
    title: 'Headroom overview',
    description: `Capacity plan, headroom, budget and scaling decisions of the services in ${configName}. ${generatedNote(configName)}`,
    tags: ['headroom', 'capacity'],
    editable: true,
    graphTooltip: 1,
    timezone: 'browser',
    time: { from: 'now-6h', to: 'now' },
    refresh: durationString(policy.refresh.interval),
    schemaVersion: PROVISIONING.schemaVersion,
    version: 1,
    links: [],
    annotations: { list: scalingAnnotations() },
    templating: { list: [datasourceVariable(), serviceVariable()] },
    panels: overviewPanels(policy, currency),
  };
}

/**
 * Scaling events as dashboard annotations, drawn on every time-series panel: the scaler's
 * last-decision timestamp of each (service, trigger, action, blocked_by), placed at that time
 * (Prometheus' "series value as timestamp", which wants milliseconds). Applied actions and blocked
 * decisions are two annotation queries, so either can be switched off. The first entry is Grafana's
 * own built-in annotation query, which every saved dashboard carries.
 */
export const SCALING_ANNOTATION_FIELDS = [
  'expr',
  'step',
  'tagKeys',
  'titleFormat',
  'textFormat',
  'useValueForTime',
] as const;

function scalingAnnotations() {
  const at = (matcher: string) => `1000 * ${serviceSelector(METRIC.scalerLastDecisionTimestampSeconds, matcher)}`;
  const query = {
    datasource: PROMETHEUS_DATASOURCE,
    enable: true,
    hide: false,
    step: '1m',
    tagKeys: 'service,action,trigger,blocked_by',
    useValueForTime: true,
  };
  return [
    {
      builtIn: 1,
      datasource: { type: 'grafana', uid: '-- Grafana --' },
      enable: true,
      hide: true,
      iconColor: 'rgba(0, 211, 255, 1)',
      name: 'Annotations & Alerts',
      type: 'dashboard',
    },
    {
      ...query,
      name: 'Scaling actions',
      iconColor: 'green',
      expr: at('blocked_by="none"'),
      titleFormat: '{{action}} {{service}}',
      textFormat: 'trigger {{trigger}}',
    },
    {
      ...query,
      name: 'Blocked scaling decisions',
      iconColor: 'orange',
      expr: at('blocked_by!="none"'),
      titleFormat: 'blocked {{action}} {{service}}',
      textFormat: 'blocked by {{blocked_by}} (trigger {{trigger}})',
    },
  ];
}
