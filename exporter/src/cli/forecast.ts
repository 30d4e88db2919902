import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { DEFAULTS } from '../config/defaults.js';
import {
  forecast,
  MODEL_NAMES,
  samplingInterval,
  type ForecastResult,
  type ModelName,
  type PathPoint,
  type Point,
} from '../model/forecast.js';
import { parseFormat, parsePositiveInt, UsageError, type Io } from './common.js';
import { upTo } from '../format.js';
import { parseTime } from './plan.js';

/**
 * The `values` of a Prometheus `/api/v1/query_range` answer (`{"status":"success","data":{"resultType":
 * "matrix","result":[{"metric":{…},"values":[[unix seconds, "value"], …]}]}}`), which must hold exactly
 * one series: a forecast is of one series, and picking one of several would be a guess.
 */
function queryRangeValues(file: string, doc: unknown): unknown[] {
  const expected = `${file}: expected a JSON array of {"time", "value"} or [time, value], or a Prometheus query_range answer`;
  if (!doc || typeof doc !== 'object' || !('data' in doc)) throw new UsageError(expected);
  const { status, data } = doc as { status?: unknown; data?: { resultType?: unknown; result?: unknown } };
  if (status !== 'success')
    throw new UsageError(
      `${file}: status: expected "success" (a Prometheus query_range answer), got ${JSON.stringify(status)}`
    );
  if (data?.resultType !== 'matrix')
    throw new UsageError(
      `${file}: data.resultType: expected "matrix" (query_range, not an instant query), got ${JSON.stringify(data?.resultType)}`
    );
  const result = Array.isArray(data.result) ? data.result : [];
  if (result.length !== 1)
    throw new UsageError(
      `${file}: data.result: expected exactly one series, got ${result.length} (aggregate the query, e.g. sum(...))`
    );
  const values = (result[0] as { values?: unknown }).values;
  if (!Array.isArray(values))
    throw new UsageError(`${file}: data.result[0].values: expected an array of [time, "value"]`);
  return values;
}

/** Reads `time,value` CSV (header optional), JSON ([{time,value}] or [[time,value]]) or a Prometheus query_range answer. */
export function readSeries(file: string): Point[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--input: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const points: Point[] = [];
  const push = (where: string, t: unknown, v: unknown) => {
    const time = typeof t === 'number' ? t : typeof t === 'string' ? tryTime(t) : NaN;
    const value = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(time))
      throw new UsageError(`${file}: ${where}: expected a time (ISO 8601 or unix seconds), got ${JSON.stringify(t)}`);
    if (!Number.isFinite(value))
      throw new UsageError(`${file}: ${where}: expected a finite number, got ${JSON.stringify(v)}`);
    points.push({ t: time, v: value });
  };
  if (/\.json$/i.test(file)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${file}: expected JSON (${(e as Error).message})`);
    }
    const rows = Array.isArray(doc) ? doc : queryRangeValues(file, doc);
    rows.forEach((row, i) => {
      if (Array.isArray(row)) push(`[${i}]`, row[0], row[1]);
      else if (row && typeof row === 'object')
        push(`[${i}]`, (row as Record<string, unknown>).time, (row as Record<string, unknown>).value);
      else
        throw new UsageError(
          `${file}: [${i}]: expected {"time", "value"} or [time, value], got ${JSON.stringify(row)}`
        );
    });
  } else {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    lines.forEach((line, i) => {
      const [t, v] = line.split(',').map((c) => c.trim());
      if (i === 0 && /^[a-z_]+$/i.test(t) && !Number.isFinite(Number(v))) return; // header
      push(`line ${i + 1}`, t, v);
    });
  }
  points.sort((a, b) => a.t - b.t);
  if (points.length < 8) throw new UsageError(`${file}: expected at least 8 points, got ${points.length}`);
  return points;
}

function tryTime(s: string): number {
  try {
    return parseTime('time', s);
  } catch {
    return NaN;
  }
}

function parseModels(v: string | undefined): readonly ModelName[] {
  if (v === undefined) return DEFAULTS.growth.models;
  const names = v.split(',').map((m) => m.trim());
  for (const m of names) {
    if (!(MODEL_NAMES as readonly string[]).includes(m))
      throw new UsageError(`--models: unknown model "${m}" (known: ${MODEL_NAMES.join(', ')})`);
  }
  return names as ModelName[];
}

const csvRow = (cells: (string | number)[]) => cells.join(',');

/** Every step of every path (the chosen one first, model "auto"), as CSV. */
function renderCsv(r: ForecastResult, lastT: number): string {
  const rows = [csvRow(['model', 'step', 'time', 'point', 'lower_80', 'upper_80', 'lower_95', 'upper_95'])];
  const put = (model: string, path: PathPoint[]) =>
    path.forEach((p, i) =>
      rows.push(
        csvRow([
          model,
          i + 1,
          new Date((lastT + (i + 1) * r.stepSeconds) * 1000).toISOString(),
          p.point,
          p.lower80,
          p.upper80,
          p.lower95,
          p.upper95,
        ])
      )
    );
  put('auto', r.path);
  for (const c of r.candidates) if (c.ok) put(c.model, c.path);
  return rows.join('\n') + '\n';
}

function renderText(file: string, points: Point[], r: ForecastResult): string {
  const f2 = (v: number) => upTo(v, 2);
  const last = points[points.length - 1];
  const h = r.horizon;
  const at = (p: PathPoint | undefined) =>
    p ? `${f2(p.point).padStart(12)}${`[${f2(p.lower80)}, ${f2(p.upper80)}]`.padStart(26)}` : '';
  const out = [
    `${file}: ${points.length} points every ${r.stepSeconds}s, last ${f2(last.v)} at ${new Date(last.t * 1000).toISOString()}; seasons ${r.seasons.join(', ') || 'none'}`,
    `Forecast ${h} steps ahead (${new Date((last.t + h * r.stepSeconds) * 1000).toISOString()}), 80 % band; cross-validated on ${r.origins.length} rolling origins, ${r.cvHorizon} steps each:`,
    `  ${'model'.padEnd(15)}${'forecast'.padStart(12)}${'80 % band'.padStart(26)}${'CV MASE'.padStart(10)}`,
  ];
  for (const c of r.candidates) {
    if (!c.ok) out.push(`  ${c.model.padEnd(15)}not fitted: ${c.reason}`);
    else
      out.push(
        `  ${(c.model + (r.members.includes(c.model) ? ' *' : '')).padEnd(15)}${at(c.path[h - 1])}${c.cvMase!.toFixed(3).padStart(10)}`
      );
  }
  if (r.chosen !== null) out.push(`  ${'auto'.padEnd(15)}${at(r.path[h - 1])}${r.cvMase!.toFixed(3).padStart(10)}`);
  out.push(
    r.chosen === 'combination'
      ? `  auto = mean of the models marked * (the cross-validation cannot tell them from the best)`
      : `  auto = the model marked * (lowest cross-validated MASE)`
  );
  return out.join('\n') + '\n';
}

export function registerForecast(program: Command, io: Io): void {
  program
    .command('forecast')
    .description(
      'fit every growth model to your own time,value series, choose by rolling-origin cross-validation and print the whole forecast path with its 80 % and 95 % bands'
    )
    .requiredOption('--input <file>', 'series as CSV (time,value) or JSON')
    .option('--horizon <n>', "steps ahead to forecast, in the series' sampling interval", '30')
    .option(
      '--season <n>',
      'season length in samples (default: from the spacing: hourly 24 and 168, daily 7 (and 365 with two years), weekly 52, monthly 12)'
    )
    .option(
      '--models <list>',
      `comma-separated candidates (default ${DEFAULTS.growth.models.join(',')}; opt-in ${MODEL_NAMES.filter((m) => !(DEFAULTS.growth.models as readonly string[]).includes(m)).join(',')}: ets and mstl from augurs)`
    )
    .option('--format <format>', 'text, json or csv', 'text')
    .action((opts: { input: string; horizon: string; season?: string; models?: string; format: string }) => {
      const format = parseFormat(opts.format, ['text', 'json', 'csv']);
      const horizon = parsePositiveInt('--horizon', opts.horizon);
      const seasons = opts.season === undefined ? undefined : [parsePositiveInt('--season', opts.season)];
      const models = parseModels(opts.models);
      const points = readSeries(opts.input);
      const step = samplingInterval(points);
      const r = forecast(
        points.map((p) => p.v),
        { stepSeconds: step, horizon, seasons, models }
      );
      const last = points[points.length - 1];
      if (format === 'csv') io.stdout(renderCsv(r, last.t));
      else if (format === 'json') {
        const time = (i: number) => new Date((last.t + (i + 1) * step) * 1000).toISOString();
        const path = (p: PathPoint[]) => p.map((x, i) => ({ step: i + 1, time: time(i), ...x }));
        const doc = {
          version: 2,
          input: opts.input,
          points: points.length,
          stepSeconds: step,
          horizonSteps: horizon,
          seasons: r.seasons,
          origins: r.origins.length,
          cvHorizonSteps: r.cvHorizon,
          chosen: r.chosen,
          members: r.members,
          cvMase: r.cvMase,
          cvMaseByStep: r.cvMaseByStep,
          path: path(r.path),
          models: r.candidates.map((c) => ({
            model: c.model,
            ok: c.ok,
            ...(c.ok ? {} : { reason: c.reason }),
            selected: r.members.includes(c.model),
            cvMase: c.cvMase,
            cvMaseByStep: c.cvMaseByStep,
            path: path(c.path),
          })),
        };
        io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
      } else io.stdout(renderText(opts.input, points, r));
    });
}
