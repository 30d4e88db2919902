import { FieldConfigProperty, PanelPlugin } from '@grafana/data';

import { HeadroomPanel } from './components/HeadroomPanel';
import { migrateOptions } from './migrations';
import { DEFAULT_FIELD_CONFIG } from './fieldConfig';
import { defaultOptions, PanelOptions } from './types';

export const plugin = new PanelPlugin<PanelOptions>(HeadroomPanel)
  .setNoPadding()
  .setMigrationHandler(migrateOptions)
  .useFieldConfig({
    // Standard options only: every value the panel shows is a Prometheus sample, so Grafana's unit,
    // decimals, thresholds and data links apply to it as to any other panel (and overrides per field).
    disableStandardOptions: [
      FieldConfigProperty.Min,
      FieldConfigProperty.Max,
      FieldConfigProperty.FieldMinMax,
      FieldConfigProperty.DisplayName,
      FieldConfigProperty.NoValue,
      FieldConfigProperty.Mappings,
      FieldConfigProperty.Color,
      FieldConfigProperty.Actions,
      FieldConfigProperty.Filterable,
    ],
    standardOptions: {
      [FieldConfigProperty.Thresholds]: { defaultValue: DEFAULT_FIELD_CONFIG.thresholds },
      [FieldConfigProperty.Links]: { defaultValue: DEFAULT_FIELD_CONFIG.links },
    },
  })
  .setPanelOptions((builder) =>
    builder
      .addRadio({
        path: 'view',
        name: 'View',
        description:
          'Capacity plan, per-resource headroom, the timeline of scaling decisions, or every service ranked (fleet).',
        defaultValue: defaultOptions.view,
        settings: {
          options: [
            { value: 'plan', label: 'Plan' },
            { value: 'headroom', label: 'Headroom' },
            { value: 'decisions', label: 'Decisions' },
            { value: 'fleet', label: 'Fleet' },
          ],
        },
      })
      .addTextInput({
        path: 'service',
        name: 'Service',
        description:
          'Service to show, e.g. $service. Empty: the first service in the data (plan, headroom) or all services (decisions).',
        defaultValue: defaultOptions.service,
        settings: { placeholder: '$service' },
      })
      .addRadio({
        path: 'planMetric',
        name: 'Plan metric',
        description:
          'Instances needed per scenario, or monthly cost against the budget (its currency is the standard Unit option, e.g. Currency / Euro).',
        defaultValue: defaultOptions.planMetric,
        settings: {
          options: [
            { value: 'instances', label: 'Instances' },
            { value: 'cost', label: 'Monthly cost' },
          ],
        },
        showIf: (o) => o.view === 'plan',
      })
      .addRadio({
        path: 'planScale',
        name: 'Y axis scale',
        description: 'Auto uses a log scale when projections span more than 30×.',
        defaultValue: defaultOptions.planScale,
        settings: {
          options: [
            { value: 'auto', label: 'Auto' },
            { value: 'linear', label: 'Linear' },
            { value: 'log', label: 'Log' },
          ],
        },
        showIf: (o) => o.view === 'plan',
      })
      .addBooleanSwitch({
        path: 'showSummary',
        name: 'Show summary',
        description: '6- and 12-month ranges across scenarios, the planning scenario and the budget.',
        defaultValue: defaultOptions.showSummary,
        showIf: (o) => o.view === 'plan',
      })
      .addBooleanSwitch({
        path: 'showEventList',
        name: 'Show decision list',
        description: 'List every decision under the timeline.',
        defaultValue: defaultOptions.showEventList,
        showIf: (o) => o.view === 'decisions',
      })
      .addRadio({
        path: 'fleetSort',
        name: 'Rank by',
        description:
          'Least headroom first, or soonest time until the instances needed pass limits.max or the cost passes the budget (planning scenario). Missing services always come first.',
        defaultValue: defaultOptions.fleetSort,
        settings: {
          options: [
            { value: 'headroom', label: 'Headroom' },
            { value: 'exhaustion', label: 'Time left' },
            { value: 'name', label: 'Name' },
          ],
        },
        showIf: (o) => o.view === 'fleet',
      })
      .addNumberInput({
        path: 'fleetTopN',
        name: 'Rows',
        description: 'Services listed; the others are counted below the list.',
        defaultValue: defaultOptions.fleetTopN,
        settings: { min: 1, max: 500, integer: true },
        showIf: (o) => o.view === 'fleet',
      })
      .addTextInput({
        path: 'fleetLink',
        name: 'Service link',
        description:
          "Link of each row; {service} is the service's name. Default: this dashboard with var-service set to it.",
        defaultValue: defaultOptions.fleetLink,
        showIf: (o) => o.view === 'fleet',
      })
  );
