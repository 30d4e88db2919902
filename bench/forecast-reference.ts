/**
 * The forecast benchmark's reference methods, when this machine has them: Hyndman's R `forecast`
 * package (Debian's r-cran-forecast), the original ETS (AICc selection), auto.arima and thetaf,
 * which statsforecast's AutoETS and AutoARIMA port. Fitted with the package's defaults on the same
 * training parts, scored by the bench on the same held-out points against the same built-ins. Not a
 * dependency: without Rscript and the package the bench says so and scores the rest.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seasonsFor } from '../exporter/src/model/forecast/index.js';
import { ROOT } from './common.js';
import { stepOf, type Series } from './forecast-data.js';

/** The longest training part given to R: the hourly series' last 8 weeks (auto.arima on a year of hours takes too long). */
export const REFERENCE_MAX_POINTS = 24 * 7 * 8;
export const REFERENCE_METHODS = ['R ets', 'R auto.arima', 'R thetaf'] as const;
export type ReferenceMethod = (typeof REFERENCE_METHODS)[number];

export interface Reference {
  version: string;
  /** Per series name: the point forecast of each method over the hold-out. */
  paths: Map<string, Record<ReferenceMethod, number[]>>;
}

function rVersion(): string | null {
  const r = spawnSync(
    'Rscript',
    ['-e', 'suppressMessages(library(forecast)); cat(format(packageVersion("forecast")))'],
    {
      encoding: 'utf8',
    }
  );
  return r.status === 0 ? r.stdout.trim() : null;
}

export function referenceForecasts(series: Series[]): Reference | null {
  const version = rVersion();
  if (!version) {
    process.stdout.write(
      'R reference: skipped (needs Rscript and the forecast package: apt-get install r-cran-forecast)\n'
    );
    return null;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-rref-'));
  try {
    const input = series.map((s) => {
      const n = s.y.length - s.holdout;
      return {
        name: s.name,
        train: s.y.slice(Math.max(0, n - REFERENCE_MAX_POINTS), n),
        h: s.holdout,
        freq: seasonsFor(stepOf(s, n), n)[0] ?? 1,
      };
    });
    writeFileSync(path.join(dir, 'in.json'), JSON.stringify(input));
    const r = spawnSync(
      'Rscript',
      [path.join(ROOT, 'bench/reference/forecast.R'), path.join(dir, 'in.json'), path.join(dir, 'out.json')],
      { stdio: ['ignore', 'inherit', 'inherit'], timeout: 20 * 60_000 }
    );
    if (r.status !== 0) throw new Error(`R reference: Rscript exited with ${r.status ?? r.signal}`);
    const out = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')) as {
      name: string;
      ets: number[];
      arima: number[];
      theta: number[];
    }[];
    const paths = new Map(out.map((o) => [o.name, { 'R ets': o.ets, 'R auto.arima': o.arima, 'R thetaf': o.theta }]));
    return { version, paths };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
