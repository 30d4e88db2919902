import { PanelModel } from '@grafana/data';

import { LegacyPanelOptions, PanelOptions } from './types';

/**
 * Grafana calls this when a saved panel's plugin version differs from the installed one. Panels saved
 * before 0.2.0 kept the plan view's currency in a custom `currency` option; it becomes the standard
 * Unit of the field config (Grafana's `currencyEUR` ids), unless the panel already has a unit.
 */
export function migrateOptions(panel: PanelModel<LegacyPanelOptions>): Partial<PanelOptions> {
  const { currency, ...options } = panel.options ?? {};
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : '';
  if (/^[A-Z]{3}$/.test(code) && !panel.fieldConfig?.defaults?.unit) {
    panel.fieldConfig = {
      ...panel.fieldConfig,
      defaults: { ...panel.fieldConfig?.defaults, unit: `currency${code}` },
      overrides: panel.fieldConfig?.overrides ?? [],
    };
  }
  return options;
}
