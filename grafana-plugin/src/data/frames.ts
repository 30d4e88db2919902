import { DataFrame, Field, FieldType } from '@grafana/data';

/** One Prometheus series: metric name, its labels (without `__name__`) and its samples. */
export interface Series {
  metric: string;
  labels: Record<string, string>;
  /** Sample times in ms; NaN when the frame had no time field. */
  times: number[];
  values: number[];
  /**
   * The number field the samples came from, with its row of each sample: the field carries the panel's
   * field config (unit, decimals, thresholds, data links) as Grafana applied it to this series.
   */
  field?: Field;
  rows?: number[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Numbers arrive as numbers, null (gaps) or, from some JSON paths, the strings Prometheus writes for
 * non-finite values ("+Inf", "NaN").
 */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isNaN(value) ? undefined : value;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '+Inf' || text === 'Inf') {
      return Infinity;
    }
    if (text === '-Inf') {
      return -Infinity;
    }
    const parsed = Number(text);
    return text === '' || Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/** First headroom_* metric named in the query Grafana ran, for expressions that drop `__name__` (e.g. `max by (service) (…)`). */
function metricOfQuery(frame: DataFrame): string | undefined {
  return frame.meta?.executedQueryString?.match(/\bheadroom_[a-zA-Z0-9_:]+/)?.[0];
}

function metricNameOf(frame: DataFrame, field: Field, labels: Record<string, string>): string | undefined {
  const candidates = [labels.__name__, field.name, frame.name, field.config?.displayNameFromDS];
  const named = candidates.find(
    (name): name is string => typeof name === 'string' && METRIC_NAME.test(name) && name !== 'Value'
  );
  return named ?? metricOfQuery(frame);
}

function withoutName(labels: Record<string, string> | undefined): Record<string, string> {
  // A loop, not `{ __name__, ...rest }`: the transpiled object rest is a slow helper (Reflect.ownKeys + indexOf per key).
  const rest: Record<string, string> = {};
  for (const name in labels) {
    if (name !== '__name__') {
      rest[name] = labels[name];
    }
  }
  return rest;
}

/**
 * Turns the frames the Prometheus data source returns into series. Supported shapes:
 * - one frame per series, the value field carrying the Prometheus labels (time series and instant
 *   queries; Grafana names the field after `__name__`);
 * - wide frames (several labelled number fields sharing one time field, e.g. after "join by field");
 * - table/long frames (instant queries with Format=Table: one row per series, label columns, "Value #A").
 */
export function framesToSeries(frames: DataFrame[]): Series[] {
  const byKey = new Map<string, Series>();
  /** The series of `metric` and `labels` (created on first use), or none for a field without a metric name. */
  const seriesOf = (metric: string | undefined, labels: Record<string, string>, field: Field) => {
    if (!metric) {
      return undefined;
    }
    const key = seriesKey(metric, labels);
    let series = byKey.get(key);
    if (!series) {
      series = { metric, labels, times: [], values: [], field, rows: [] };
      byKey.set(key, series);
    }
    return series;
  };
  const push = (series: Series | undefined, time: number, value: number | undefined, row: number) => {
    if (series && value !== undefined) {
      series.times.push(time);
      series.values.push(value);
      series.rows?.push(row);
    }
  };

  for (const frame of frames) {
    const timeField = frame.fields.find((field) => field.type === FieldType.time);
    const labelFields = frame.fields.filter((field) => field.type === FieldType.string);
    const numberFields = frame.fields.filter((field) => field.type === FieldType.number);
    const timeAt = (row: number) => {
      const t = timeField?.values[row];
      return typeof t === 'number' ? t : NaN;
    };

    for (const field of numberFields) {
      // Without label columns every row of the field is the same series: name and key it once (a
      // fleet of 1,000 services is ~10,000 such frames).
      if (labelFields.length === 0) {
        const labels = field.labels ?? {};
        const metric = metricNameOf(frame, field, labels);
        let series: Series | undefined;
        for (let row = 0; row < frame.length; row++) {
          const value = toNumber(field.values[row]);
          if (value !== undefined) {
            series ??= seriesOf(metric, withoutName(labels), field);
            push(series, timeAt(row), value, row);
          }
        }
        continue;
      }
      for (let row = 0; row < frame.length; row++) {
        const rowLabels: Record<string, string> = { ...(field.labels ?? {}) };
        for (const labelField of labelFields) {
          const value = labelField.values[row];
          if (value !== null && value !== undefined && value !== '') {
            rowLabels[labelField.name] = String(value);
          }
        }
        const value = toNumber(field.values[row]);
        if (value !== undefined) {
          push(seriesOf(metricNameOf(frame, field, rowLabels), withoutName(rowLabels), field), timeAt(row), value, row);
        }
      }
    }
  }
  for (const series of byKey.values()) {
    sortByTime(series);
  }
  return [...byKey.values()];
}

/**
 * The latest sample of each number field, one series per field, without merging fields of the same
 * series: for views that read instant queries only (the fleet view), where a 1,000-service fleet is
 * ~10,000 one-sample frames and keying each series would cost more than reading it. Frames with
 * label columns (Format=Table) take the general path.
 */
export function latestSamples(frames: DataFrame[]): Series[] {
  if (frames.some((frame) => frame.fields.some((field) => field.type === FieldType.string))) {
    return framesToSeries(frames);
  }
  const out: Series[] = [];
  for (const frame of frames) {
    const timeField = frame.fields.find((field) => field.type === FieldType.time);
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      let row = frame.length - 1;
      while (row >= 0 && toNumber(field.values[row]) === undefined) {
        row--;
      }
      const metric = row >= 0 ? metricNameOf(frame, field, field.labels ?? {}) : undefined;
      if (metric) {
        const t = timeField?.values[row];
        const time = typeof t === 'number' ? t : NaN;
        out.push({
          metric,
          labels: withoutName(field.labels),
          times: [time],
          values: [toNumber(field.values[row])!],
          field,
          rows: [row],
        });
      }
    }
  }
  return out;
}

function sortByTime(series: Series) {
  if (series.times.every((t, i) => i === 0 || (series.times[i - 1] || 0) <= (t || 0))) {
    return;
  }
  const order = series.times.map((_, index) => index).sort((a, b) => (series.times[a] || 0) - (series.times[b] || 0));
  const rows = series.rows;
  series.times = order.map((index) => series.times[index]);
  series.values = order.map((index) => series.values[index]);
  series.rows = rows && order.map((index) => rows[index]);
}

/**
 * Stable identity of a series: metric plus its labels in name order. Prometheus sends labels sorted
 * by name, so the labels object is usually serialized as it is (JSON.stringify is native and
 * flat; this runs for each of the ~10,000 series of a 1,000-service fleet).
 */
export function seriesKey(metric: string, labels: Record<string, string>): string {
  const names = Object.keys(labels);
  const sorted = names.every((name, i) => i === 0 || names[i - 1] < name);
  if (sorted) {
    return metric + JSON.stringify(labels);
  }
  const ordered: Record<string, string> = {};
  for (const name of names.sort()) {
    ordered[name] = labels[name];
  }
  return metric + JSON.stringify(ordered);
}

export function labelKey(labels: Record<string, string>, omit: string[] = []): string {
  return Object.keys(labels)
    .filter((name) => !omit.includes(name))
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(',');
}

/** The latest sample of a series: plan and headroom read the current value of instant or range queries. */
export function lastValue(series: Series | undefined): number | undefined {
  if (!series || series.values.length === 0) {
    return undefined;
  }
  return series.values[series.values.length - 1];
}
