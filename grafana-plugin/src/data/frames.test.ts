import { FieldType, toDataFrame } from '@grafana/data';

import { fixtureSamples, SCRAPE_TIME } from '../testing/fixture';
import { toPrometheusFrames, toTableFrame } from '../testing/promText';
import { framesToSeries, lastValue, latestSamples, toNumber } from './frames';

describe('framesToSeries', () => {
  it('reads one series per Prometheus frame, taking the metric name from __name__ and dropping it from the labels', () => {
    const frames = toPrometheusFrames(
      [{ metric: 'headroom_instances', labels: { service: 'checkout' }, value: 8 }],
      [SCRAPE_TIME - 60000, SCRAPE_TIME]
    );
    expect(framesToSeries(frames)).toMatchObject([
      {
        metric: 'headroom_instances',
        labels: { service: 'checkout' },
        times: [SCRAPE_TIME - 60000, SCRAPE_TIME],
        values: [8, 8],
        rows: [0, 1],
      },
    ]);
    // The field itself is kept: it carries the field config and data links Grafana applied.
    expect(framesToSeries(frames)[0].field).toBe(frames[0].fields[1]);
  });

  it('reads every series of the recorded exporter scrape', () => {
    const samples = fixtureSamples();
    const series = framesToSeries(toPrometheusFrames(samples, [SCRAPE_TIME]));
    expect(series).toHaveLength(samples.length);
    expect(new Set(series.map((s) => s.metric))).toContain('headroom_scaler_last_decision_target_instances');
  });

  it.each([
    ['the field name', { name: 'headroom_instances', labels: { service: 'a' } }, undefined],
    ['the frame name', { name: 'Value', labels: { service: 'a' } }, 'headroom_instances'],
    [
      'the display name from the data source',
      { name: 'Value', labels: { service: 'a' }, config: { displayNameFromDS: 'headroom_instances' } },
      undefined,
    ],
  ])('falls back to %s when the labels carry no __name__', (_source, field, frameName) => {
    const frame = toDataFrame({
      name: frameName,
      fields: [
        { name: 'Time', type: FieldType.time, values: [1] },
        { type: FieldType.number, values: [3], config: {}, ...field },
      ],
    });
    expect(framesToSeries([frame])).toMatchObject([
      { metric: 'headroom_instances', labels: { service: 'a' }, values: [3] },
    ]);
  });

  it('reads table-format instant queries with one row per series and label columns', () => {
    const frame = toTableFrame(
      [
        { metric: 'headroom_limit_instances', labels: { service: 'checkout', limit: 'max' }, value: 40 },
        { metric: 'headroom_limit_instances', labels: { service: 'search', limit: 'min' }, value: 2 },
      ],
      SCRAPE_TIME
    );
    expect(framesToSeries([frame])).toMatchObject([
      {
        metric: 'headroom_limit_instances',
        labels: { service: 'checkout', limit: 'max' },
        times: [SCRAPE_TIME],
        values: [40],
        rows: [0],
      },
      {
        metric: 'headroom_limit_instances',
        labels: { service: 'search', limit: 'min' },
        times: [SCRAPE_TIME],
        values: [2],
        rows: [1],
      },
    ]);
  });

  it('reads wide frames with several labelled value fields sharing one time field', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [1000, 2000] },
        { name: 'headroom_instances', type: FieldType.number, labels: { service: 'a' }, values: [3, 4] },
        { name: 'headroom_instances', type: FieldType.number, labels: { service: 'b' }, values: [5, null] },
      ],
    });
    const series = framesToSeries([frame]);
    expect(series.map((s) => [s.labels.service, s.values])).toEqual([
      ['a', [3, 4]],
      ['b', [5]],
    ]);
    expect(lastValue(series[0])).toBe(4);
  });

  it('takes the metric name from the executed query when an aggregation dropped __name__', () => {
    const frame = toDataFrame({
      meta: { executedQueryString: 'Expr: max by (service) (headroom_instances{service=~"checkout"})\nStep: 15s' },
      fields: [
        { name: 'Time', type: FieldType.time, values: [1] },
        { name: 'Value', type: FieldType.number, labels: { service: 'checkout' }, values: [8] },
      ],
    });
    expect(framesToSeries([frame])).toMatchObject([
      { metric: 'headroom_instances', labels: { service: 'checkout' }, values: [8] },
    ]);
  });

  it('ignores frames whose series have no metric name', () => {
    const frame = toDataFrame({ fields: [{ name: 'Value', type: FieldType.number, values: [1] }] });
    expect(framesToSeries([frame])).toEqual([]);
  });
});

describe('toNumber', () => {
  it.each([
    [42, 42],
    [Infinity, Infinity],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['1.5', 1.5],
    [null, undefined],
    [NaN, undefined],
    ['NaN', undefined],
    ['', undefined],
  ])('reads %p as %p', (input, expected) => {
    expect(toNumber(input)).toBe(expected);
  });
});

describe('latestSamples', () => {
  it.each([
    { name: 'instant frames of the recorded scrape', times: [SCRAPE_TIME] },
    {
      name: 'range frames of the recorded scrape (the latest sample of each)',
      times: [SCRAPE_TIME - 60000, SCRAPE_TIME],
    },
  ])('reads the same metrics, labels and latest values as framesToSeries from $name', ({ times }) => {
    const frames = toPrometheusFrames(fixtureSamples(), times);
    const view = (series: ReturnType<typeof framesToSeries>) =>
      series
        .map((s) => [s.metric, s.labels, lastValue(s)])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(view(latestSamples(frames))).toEqual(view(framesToSeries(frames)));
  });

  it('skips a field whose samples are all gaps, and takes the general path for table frames', () => {
    const gap = toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [1, 2] },
        { name: 'headroom_instances', type: FieldType.number, labels: { service: 'a' }, values: [null, null] },
      ],
    });
    expect(latestSamples([gap])).toEqual([]);
    const table = toTableFrame([{ metric: 'headroom_instances', labels: { service: 'b' }, value: 3 }], SCRAPE_TIME);
    expect(latestSamples([table])).toEqual(framesToSeries([table]));
  });
});
