import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { DEFAULTS } from '../config/defaults.js';
import { fitAll, samplingInterval, type ModelName, type Point } from '../model/forecast.js';
import { parseFormat, parsePositiveInt, UsageError, type Io } from './common.js';
import { parseTime } from './plan.js';

/** Reads `time,value` CSV (header optional) or JSON ([{time,value}] or [[time,value]]). */
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
    if (!Number.isFinite(time)) throw new UsageError(`${file}: ${where}: expected a time (ISO 8601 or unix seconds), got ${JSON.stringify(t)}`);
    if (!Number.isFinite(value)) throw new UsageError(`${file}: ${where}: expected a finite number, got ${JSON.stringify(v)}`);
    points.push({ t: time, v: value });
  };
  if (/\.json$/i.test(file)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${file}: expected JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(doc)) throw new UsageError(`${file}: expected a JSON array of {"time", "value"} or [time, value]`);
    doc.forEach((row, i) => {
      if (Array.isArray(row)) push(`[${i}]`, row[0], row[1]);
      else if (row && typeof row === 'object') push(`[${i}]`, (row as Record<string, unknown>).time, (row as Record<string, unknown>).value);
      else throw new UsageError(`${file}: [${i}]: expected {"time", "value"} or [time, value], got ${JSON.stringify(row)}`);
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

const MODELS: readonly ModelName[] = DEFAULTS.growth.models;

export function registerForecast(program: Command, io: Io): void {
  program
    .command('forecast')
    .description('fit every growth model to your own time,value series and print each forecast, interval and holdout error')
    .requiredOption('--input <file>', 'series as CSV (time,value) or JSON')
    .option('--horizon <n>', 'steps ahead to forecast, in the series\' sampling interval', '30')
    .option('--season <n>', 'season length in samples (Holt-Winters)', String(DEFAULTS.growth.seasonLengthDays))
    .option('--format <format>', 'text or json', 'text')
    .action((opts: { input: string; horizon: string; season: string; format: string }) => {
      const format = parseFormat(opts.format);
      const horizon = parsePositiveInt('--horizon', opts.horizon);
      const season = parsePositiveInt('--season', opts.season);
      const points = readSeries(opts.input);
      const step = samplingInterval(points);
      const set = fitAll(MODELS, points.map((p) => p.v), { seasonLength: season, holdoutRatio: DEFAULTS.growth.holdoutRatio, z: DEFAULTS.growth.intervalZ });
      const last = points[points.length - 1];
      const rows = set.fits.map((f) =>
        f.ok
          ? { model: f.model, ok: true, selected: set.best === f, rSquared: f.rSquared, holdoutError: f.holdoutError, forecast: f.predict(horizon) }
          : { model: f.model, ok: false, selected: false, reason: f.reason },
      );
      if (format === 'json') {
        io.stdout(`${JSON.stringify({ version: 1, input: opts.input, points: points.length, stepSeconds: step, horizonSteps: horizon, forecastTime: new Date((last.t + horizon * step) * 1000).toISOString(), selected: set.best?.model ?? null, models: rows }, null, 2)}\n`);
        return;
      }
      const f2 = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 2 });
      const out = [
        `${opts.input}: ${points.length} points every ${step}s, last ${f2(last.v)} at ${new Date(last.t * 1000).toISOString()}`,
        `Forecast ${horizon} steps ahead (${new Date((last.t + horizon * step) * 1000).toISOString()}), 95% prediction interval:`,
        `  ${'model'.padEnd(15)}${'forecast'.padStart(12)}${'interval'.padStart(26)}${'holdout error'.padStart(15)}${'R²'.padStart(8)}`,
      ];
      for (const r of rows) {
        if (!r.ok || !('forecast' in r)) {
          out.push(`  ${r.model.padEnd(15)}not fitted: ${'reason' in r ? r.reason : ''}`);
          continue;
        }
        out.push(
          `  ${(r.model + (r.selected ? ' *' : '')).padEnd(15)}${f2(r.forecast!.point).padStart(12)}${`[${f2(r.forecast!.lower)}, ${f2(r.forecast!.upper)}]`.padStart(26)}${`${(r.holdoutError! * 100).toFixed(2)}%`.padStart(15)}${r.rSquared!.toFixed(3).padStart(8)}`,
        );
      }
      out.push('  * chosen automatically: lowest holdout error');
      io.stdout(out.join('\n') + '\n');
    });
}
