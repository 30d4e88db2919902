import { PanelModel } from '@grafana/data';

import { migrateOptions } from './migrations';
import { LegacyPanelOptions } from './types';

const panel = (options: LegacyPanelOptions, unit?: string): PanelModel<LegacyPanelOptions> => ({
  id: 1,
  type: 'headroom-capacity-panel',
  options,
  fieldConfig: { defaults: unit ? { unit } : {}, overrides: [] },
  pluginVersion: '0.1.0',
});

describe('migrateOptions (panels saved before 0.2.0)', () => {
  it.each([
    ['EUR', undefined, 'currencyEUR'],
    ['usd', undefined, 'currencyUSD'],
    ['EUR', 'currencyGBP', 'currencyGBP'],
    ['', undefined, undefined],
    ['euro', undefined, undefined],
  ])('moves the custom currency option %p (unit %p) to the standard unit %p', (currency, unit, expected) => {
    const saved = panel({ view: 'plan', currency, planMetric: 'cost' }, unit);
    const options = migrateOptions(saved);
    expect(options).toEqual({ view: 'plan', planMetric: 'cost' });
    expect(saved.fieldConfig.defaults.unit).toBe(expected);
  });

  it('keeps the overrides of the saved field config', () => {
    const saved = panel({ currency: 'EUR' });
    saved.fieldConfig.overrides = [{ matcher: { id: 'byName', options: 'x' }, properties: [] }];
    migrateOptions(saved);
    expect(saved.fieldConfig.overrides).toHaveLength(1);
  });
});
