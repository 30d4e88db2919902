import { ThresholdsMode } from '@grafana/data';

import { colorAt, currencyOfUnit, formatWithUnit, grafanaUnit, resourceMarks } from './fieldConfig';

const colorOf = (name: string) => `color:${name}`;

describe('units', () => {
  it.each([
    ['percent', 'percent'],
    ['milliseconds', 'ms'],
    ['sessions', 'suffix: sessions'],
    ['requests_per_second', 'reqps'],
    ['queue_items', 'suffix: queue items'],
    [undefined, 'short'],
  ])('maps the policy unit %p to the Grafana unit %p', (policy, grafana) => {
    expect(grafanaUnit(policy)).toBe(grafana);
  });

  it.each([
    [40.0026, 'suffix: sessions', undefined, '40.0 sessions'],
    [200, 'suffix: sessions', undefined, '200 sessions'],
    [134.38, 'ms', 0, '134 ms'],
    [undefined, 'ms', undefined, '—'],
  ])('formats %p in %p (decimals %p) as %p', (value, unit, decimals, text) => {
    expect(formatWithUnit(value, unit, decimals)).toBe(text);
  });

  it.each([
    ['currencyEUR', 'EUR'],
    ['currency:gbp', 'GBP'],
    ['short', 'USD'],
    [undefined, 'USD'],
  ])('reads the currency of the unit %p as %p', (unit, code) => {
    expect(currencyOfUnit(unit)).toBe(code);
  });
});

describe('resourceMarks', () => {
  const policy = { warning: 0.7, critical: 0.85, limit: 200 };

  it("draws the policy's warning and critical thresholds when the Thresholds option has only its base step", () => {
    const thresholds = { mode: ThresholdsMode.Percentage, steps: [{ value: -Infinity, color: 'green' }] };
    expect(resourceMarks(policy, thresholds, colorOf)).toEqual({
      source: 'policy',
      base: 'color:green',
      marks: [
        { ratio: 0.7, color: 'color:orange', label: 'warning' },
        { ratio: 0.85, color: 'color:red', label: 'critical' },
      ],
    });
  });

  it.each([
    [ThresholdsMode.Percentage, 60, 0.6],
    [ThresholdsMode.Absolute, 150, 0.75],
  ])('converts a %s step of %p to a share of the limit (%p)', (mode, value, ratio) => {
    const thresholds = {
      mode,
      steps: [
        { value: -Infinity, color: 'blue' },
        { value, color: 'purple' },
      ],
    };
    const marks = resourceMarks(policy, thresholds, colorOf);
    expect(marks.source).toBe('panel');
    expect(marks.base).toBe('color:blue');
    expect(marks.marks.map((m) => [m.ratio, m.color])).toEqual([[ratio, 'color:purple']]);
  });

  it.each([
    [0.5, 'base'],
    [0.7, 'orange'],
    [0.9, 'red'],
    [undefined, 'base'],
  ])('colours a utilization of %p with the highest mark reached (%p)', (ratio, color) => {
    const marks = [
      { ratio: 0.85, color: 'red', label: 'critical' },
      { ratio: 0.7, color: 'orange', label: 'warning' },
    ];
    expect(colorAt(ratio, 'base', marks)).toBe(color);
  });
});
