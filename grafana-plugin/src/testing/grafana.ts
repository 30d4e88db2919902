/**
 * Test support: the parts of Grafana a panel relies on that are not in the npm packages — the standard
 * option editors (only their ids matter outside the editor UI), field overrides applied the way the
 * dashboard applies them, and the template service's interpolation of data-link macros. Shared by the
 * jest tests and the browser test's host page; not part of the plugin bundle.
 */
import {
  applyFieldOverrides,
  createTheme,
  DataFrame,
  dataLinksOverrideProcessor,
  Field,
  FieldConfigProperty,
  FieldConfigPropertyItem,
  FieldConfigSource,
  FieldType,
  identityOverrideProcessor,
  InterpolateFunction,
  numberOverrideProcessor,
  PanelPlugin,
  ScopedVars,
  standardEditorsRegistry,
  standardFieldConfigEditorRegistry,
  stringOverrideProcessor,
  thresholdsOverrideProcessor,
  ThresholdsMode,
} from '@grafana/data';

const EDITORS = [
  'text',
  'number',
  'boolean',
  'radio',
  'select',
  'multi-select',
  'color',
  'unit',
  'slider',
  'strings',
  'custom',
  'thresholds',
  'links',
  'mappings',
  'fieldColor',
  'actions',
  'field-name',
  'stats-picker',
];

const none = () => null;
const numeric = (field: Field) => field.type === FieldType.number;

/**
 * The standard field options as Grafana's app declares them (public/app/core/components/OptionsUI/
 * registry.tsx: same ids, paths, processors and defaults; no editors). @grafana/data leaves this
 * registry empty, so without it `useFieldConfig` would register no standard option at all.
 */
function standardFieldConfigs(): FieldConfigPropertyItem[] {
  const item = (
    id: FieldConfigProperty,
    process: FieldConfigPropertyItem['process'],
    extra: Partial<FieldConfigPropertyItem> = {}
  ) =>
    ({
      id,
      path: id,
      name: id,
      editor: none,
      override: none,
      process,
      shouldApply: numeric,
      ...extra,
    }) as FieldConfigPropertyItem;
  return [
    item(FieldConfigProperty.Unit, stringOverrideProcessor),
    item(FieldConfigProperty.Min, numberOverrideProcessor),
    item(FieldConfigProperty.Max, numberOverrideProcessor),
    item(FieldConfigProperty.FieldMinMax, identityOverrideProcessor),
    item(FieldConfigProperty.Decimals, numberOverrideProcessor),
    item(FieldConfigProperty.DisplayName, stringOverrideProcessor, { shouldApply: () => true }),
    item(FieldConfigProperty.NoValue, stringOverrideProcessor),
    item(FieldConfigProperty.Color, identityOverrideProcessor),
    item(FieldConfigProperty.Thresholds, thresholdsOverrideProcessor, {
      defaultValue: {
        mode: ThresholdsMode.Absolute,
        steps: [
          { value: -Infinity, color: 'green' },
          { value: 80, color: 'red' },
        ],
      },
    }),
    item(FieldConfigProperty.Mappings, identityOverrideProcessor, { defaultValue: [] }),
    item(FieldConfigProperty.Links, dataLinksOverrideProcessor, { shouldApply: () => true, defaultValue: [] }),
    item(FieldConfigProperty.Actions, identityOverrideProcessor, { shouldApply: () => true, defaultValue: [] }),
    item(FieldConfigProperty.Filterable, identityOverrideProcessor, { shouldApply: () => true }),
  ];
}

let editorsReady = false;
/**
 * Fills Grafana's option-editor registry with stubs (option builders throw `"text" not found` without
 * it) and the standard field-option registry. Call before the plugin's field config is first read.
 */
export function registerStubEditors() {
  if (!editorsReady) {
    standardEditorsRegistry.setInit(() => EDITORS.map((id) => ({ id, name: id, editor: none })));
    standardFieldConfigEditorRegistry.setInit(standardFieldConfigs);
    editorsReady = true;
  }
}

/**
 * Grafana's interpolation of the macros the panel's data links use: `${__field.labels.X}` (from the
 * field the link belongs to), `${__url_time_range}` and dashboard variables `$name` / `${name}`.
 */
export function interpolator(
  variables: Record<string, string>,
  range: { from: number; to: number }
): InterpolateFunction {
  return (text: string, scopedVars?: ScopedVars) => {
    const field = (scopedVars?.__dataContext?.value as { field?: { labels?: Record<string, string> } } | undefined)
      ?.field;
    return text
      .replace(/\$\{__field\.labels\.(\w+)\}/g, (match, name: string) => field?.labels?.[name] ?? match)
      .replace(/\$\{__url_time_range\}/g, `from=${range.from}&to=${range.to}`)
      .replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (match, a: string | undefined, b: string | undefined) => variables[(a ?? b)!] ?? match
      );
  };
}

/** The frames as a dashboard hands them to the panel: the panel's field config (defaults and overrides) applied to every field. */
export function withFieldConfig(
  plugin: PanelPlugin,
  frames: DataFrame[],
  fieldConfig: FieldConfigSource,
  replaceVariables: InterpolateFunction,
  theme = createTheme()
): DataFrame[] {
  return applyFieldOverrides({
    data: frames,
    fieldConfig,
    replaceVariables,
    theme,
    timeZone: 'utc',
    fieldConfigRegistry: plugin.fieldConfigRegistry,
  });
}
