import { FieldConfigProperty, PanelPlugin } from '@grafana/data';

import { HeadroomPanel } from './components/HeadroomPanel';
import { migrateOptions } from './migrations';
import { DEFAULT_FIELD_CONFIG } from './fieldConfig';
import { addOption, OPTIONS } from './options';
import { PanelOptions } from './types';

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
  .setPanelOptions((builder) => OPTIONS.reduce(addOption, builder));
