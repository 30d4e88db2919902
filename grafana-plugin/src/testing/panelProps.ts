/** Test support: the PanelProps Grafana passes to a panel, built around a list of frames, in the fixture's time range. */
import {
  DataFrame,
  EventBusSrv,
  FieldConfigSource,
  getPanelOptionsWithDefaults,
  LoadingState,
  PanelProps,
} from '@grafana/data';

import { plugin } from '../module';
import { defaultOptions, PanelOptions } from '../types';
import { RANGE } from './fixture';
import { interpolator, registerStubEditors, withFieldConfig } from './grafana';
import { timeRangeOf } from './times';

/**
 * Without `fieldConfig` the frames reach the panel as they are; with it, the plugin's field-config
 * defaults and the given defaults and overrides are applied first, as the dashboard does.
 */
export function panelProps(
  frames: DataFrame[],
  options: Partial<PanelOptions> = {},
  size: { width: number; height: number } = { width: 800, height: 400 },
  variables: Record<string, string> = {},
  fieldConfig?: FieldConfigSource
): PanelProps<PanelOptions> {
  const timeRange = timeRangeOf(RANGE);
  const replaceVariables = interpolator(variables, RANGE);
  let series = frames;
  let config: FieldConfigSource = { defaults: {}, overrides: [] };
  if (fieldConfig) {
    registerStubEditors();
    config = getPanelOptionsWithDefaults({
      plugin,
      currentOptions: options,
      currentFieldConfig: fieldConfig,
      isAfterPluginChange: false,
    }).fieldConfig;
    series = withFieldConfig(plugin, frames, config, replaceVariables);
  }
  return {
    id: 1,
    data: { series, state: LoadingState.Done, timeRange },
    timeRange,
    timeZone: 'utc',
    options: { ...defaultOptions, ...options },
    transparent: false,
    width: size.width,
    height: size.height,
    fieldConfig: config,
    renderCounter: 0,
    title: 'Headroom',
    eventBus: new EventBusSrv(),
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    onChangeTimeRange: () => {},
    replaceVariables,
  };
}
