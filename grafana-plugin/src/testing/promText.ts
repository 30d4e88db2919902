/**
 * Test support: turns a Prometheus text-format scrape into the data frames Grafana's Prometheus data
 * source returns, so unit tests and the browser test read the same recorded fixture. Not part of the
 * plugin bundle (module.ts never imports it).
 */
import { DataFrame, FieldType, toDataFrame } from '@grafana/data';

export interface Sample {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') {
    return Infinity;
  }
  if (text === '-Inf') {
    return -Infinity;
  }
  return Number(text);
}

export function parsePromText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const match = LINE.exec(line);
    if (!match) {
      throw new Error(`not a Prometheus sample line: ${line}`);
    }
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) {
      labels[label[1]] = label[2].replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    }
    samples.push({ metric: match[1], labels, value: parseValue(match[3]) });
  }
  return samples;
}

/**
 * One frame per series, as the Prometheus data source returns a time series (or instant) query:
 * a Time field and a number field named after the metric whose labels carry every Prometheus label
 * including `__name__`. With several sample times each series gets one point per time.
 */
export function toPrometheusFrames(samples: Sample[], times: number[], refId = 'A'): DataFrame[] {
  return samples.map((sample) =>
    toDataFrame({
      refId,
      meta: { type: 'timeseries-multi', typeVersion: [0, 1] },
      fields: [
        { name: 'Time', type: FieldType.time, config: {}, values: times },
        {
          name: sample.metric,
          type: FieldType.number,
          config: {},
          labels: { __name__: sample.metric, ...sample.labels },
          values: times.map(() => sample.value),
        },
      ],
    })
  );
}

/** An instant query with Format=Table: one frame, label columns, one row per series. */
export function toTableFrame(samples: Sample[], time: number, refId = 'A'): DataFrame {
  const labelNames = [...new Set(samples.flatMap((s) => Object.keys(s.labels)))].sort();
  return toDataFrame({
    refId,
    meta: { type: 'numeric-long' },
    fields: [
      { name: 'Time', type: FieldType.time, config: {}, values: samples.map(() => time) },
      { name: '__name__', type: FieldType.string, config: {}, values: samples.map((s) => s.metric) },
      ...labelNames.map((name) => ({
        name,
        type: FieldType.string,
        config: {},
        values: samples.map((s) => s.labels[name] ?? ''),
      })),
      { name: `Value #${refId}`, type: FieldType.number, config: {}, values: samples.map((s) => s.value) },
    ],
  });
}

/** Synthetic plan data: `scenarios` × `horizons` projections for one service (render-time measurements). */
export function syntheticPlan(service: string, scenarios: string[], horizons: number[]): Sample[] {
  const samples: Sample[] = [
    { metric: 'headroom_instances', labels: { service }, value: 10 },
    { metric: 'headroom_limit_instances', labels: { service, limit: 'max' }, value: 60 },
    { metric: 'headroom_limit_instances', labels: { service, limit: 'min' }, value: 2 },
    { metric: 'headroom_planning_scenario_info', labels: { service, scenario: scenarios[0] }, value: 1 },
    { metric: 'headroom_budget_monthly', labels: { service }, value: 20000 },
  ];
  scenarios.forEach((scenario, i) => {
    for (const h of horizons) {
      const instances = Math.ceil(10 * Math.pow(1 + 0.05 * (i + 1), h));
      const labels = { service, scenario, horizon_months: String(h) };
      samples.push({ metric: 'headroom_projected_instances', labels, value: instances });
      samples.push({ metric: 'headroom_projected_monthly_cost', labels, value: instances * 500 });
    }
  });
  return samples;
}
