import { PanelOptionsEditorBuilder } from '@grafana/data';

import { defaultOptions, PanelOptions, PanelView } from './types';

/**
 * The panel's options as data, in the order the editor lists them: module.ts hands each to the
 * builder call of its editor. Defaults come from `defaultOptions`; `onlyIn` hides an option outside
 * its view (`showIf`), so impossible combinations cannot be picked.
 */
interface OptionBase {
  path: keyof PanelOptions;
  name: string;
  description: string;
  onlyIn?: PanelView;
}

export type OptionSpec =
  | (OptionBase & { editor: 'radio'; choices: Array<[value: string, label: string]> })
  | (OptionBase & { editor: 'text'; placeholder?: string })
  | (OptionBase & { editor: 'switch' })
  | (OptionBase & { editor: 'number'; min: number; max: number });

export const OPTIONS: OptionSpec[] = [
  {
    editor: 'radio',
    path: 'view',
    name: 'View',
    description:
      'Capacity plan, per-resource headroom, the timeline of scaling decisions, or every service ranked (fleet).',
    choices: [
      ['plan', 'Plan'],
      ['headroom', 'Headroom'],
      ['decisions', 'Decisions'],
      ['fleet', 'Fleet'],
    ],
  },
  {
    editor: 'text',
    path: 'service',
    name: 'Service',
    description:
      'Service to show, e.g. $service. Empty: the first service in the data (plan, headroom) or all services (decisions).',
    placeholder: '$service',
  },
  {
    editor: 'radio',
    path: 'planMetric',
    name: 'Plan metric',
    description:
      'Instances needed per scenario, or monthly cost against the budget (its currency is the standard Unit option, e.g. Currency / Euro).',
    choices: [
      ['instances', 'Instances'],
      ['cost', 'Monthly cost'],
    ],
    onlyIn: 'plan',
  },
  {
    editor: 'radio',
    path: 'planScale',
    name: 'Y axis scale',
    description: 'Auto uses a log scale when projections span more than 30×.',
    choices: [
      ['auto', 'Auto'],
      ['linear', 'Linear'],
      ['log', 'Log'],
    ],
    onlyIn: 'plan',
  },
  {
    editor: 'switch',
    path: 'showSummary',
    name: 'Show summary',
    description: '6- and 12-month ranges across scenarios, the planning scenario and the budget.',
    onlyIn: 'plan',
  },
  {
    editor: 'switch',
    path: 'showEventList',
    name: 'Show decision list',
    description: 'List every decision under the timeline.',
    onlyIn: 'decisions',
  },
  {
    editor: 'radio',
    path: 'fleetSort',
    name: 'Rank by',
    description:
      'Least headroom first, or soonest time until the instances needed pass limits.max or the cost passes the budget (planning scenario). Missing services always come first.',
    choices: [
      ['headroom', 'Headroom'],
      ['exhaustion', 'Time left'],
      ['name', 'Name'],
    ],
    onlyIn: 'fleet',
  },
  {
    editor: 'number',
    path: 'fleetTopN',
    name: 'Rows',
    description: 'Services listed; the others are counted below the list.',
    min: 1,
    max: 500,
    onlyIn: 'fleet',
  },
  {
    editor: 'text',
    path: 'fleetLink',
    name: 'Service link',
    description:
      "Link of each row; {service} is the service's name. Default: this dashboard with var-service set to it.",
    onlyIn: 'fleet',
  },
];

/** Adds one option to the panel's editor with the builder call of its editor. */
export function addOption(builder: PanelOptionsEditorBuilder<PanelOptions>, option: OptionSpec) {
  const { path, name, description, onlyIn } = option;
  const common = {
    path,
    name,
    description,
    ...(onlyIn ? { showIf: (o: PanelOptions) => o.view === onlyIn } : {}),
  };
  // Each option's default has its editor's type (PanelOptions says so); TypeScript cannot follow it through `path`.
  const defaultValue: unknown = defaultOptions[path];
  switch (option.editor) {
    case 'radio':
      return builder.addRadio({
        ...common,
        defaultValue: defaultValue as string,
        settings: { options: option.choices.map(([value, label]) => ({ value, label })) },
      });
    case 'text':
      return builder.addTextInput({
        ...common,
        defaultValue: defaultValue as string,
        ...(option.placeholder ? { settings: { placeholder: option.placeholder } } : {}),
      });
    case 'switch':
      return builder.addBooleanSwitch({ ...common, defaultValue: defaultValue as boolean });
    case 'number':
      return builder.addNumberInput({
        ...common,
        defaultValue: defaultValue as number,
        settings: { min: option.min, max: option.max, integer: true },
      });
  }
}
