/** Test support: the PanelProps Grafana passes to a panel, built around a list of frames, in the fixture's time range. */
import { DataFrame, EventBusSrv, LoadingState, PanelProps } from '@grafana/data';

import { defaultOptions, PanelOptions } from '../types';
import { RANGE } from './fixture';
import { timeRangeOf } from './times';

export function panelProps(
  frames: DataFrame[],
  options: Partial<PanelOptions> = {},
  size: { width: number; height: number } = { width: 800, height: 400 },
  variables: Record<string, string> = {}
): PanelProps<PanelOptions> {
  const timeRange = timeRangeOf(RANGE);
  return {
    id: 1,
    data: { series: frames, state: LoadingState.Done, timeRange },
    timeRange,
    timeZone: 'utc',
    options: { ...defaultOptions, ...options },
    transparent: false,
    width: size.width,
    height: size.height,
    fieldConfig: { defaults: {}, overrides: [] },
    renderCounter: 0,
    title: 'Headroom',
    eventBus: new EventBusSrv(),
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    onChangeTimeRange: () => {},
    replaceVariables: (text: string) => text.replace(/\$(\w+)/g, (match, name: string) => variables[name] ?? match),
  };
}
