/** The recorded exporter scrape (tests/fixtures/exporter-scrape.prom), read in jest tests. */
import fs from 'fs';
import path from 'path';

import { parsePromText, Sample } from './promText';
import { fixtureWindow } from './times';

export const FIXTURE_PATH = path.resolve(__dirname, '../../tests/fixtures/exporter-scrape.prom');

export function fixtureSamples(): Sample[] {
  return parsePromText(fs.readFileSync(FIXTURE_PATH, 'utf8'));
}

/** Dashboard window around the recorded decisions (see times.ts). */
export const FIXTURE_WINDOW = fixtureWindow(fixtureSamples());
export const SCRAPE_TIME = FIXTURE_WINDOW.scrapeTime;
export const RANGE = FIXTURE_WINDOW.range;

/**
 * The recorded value of one series, so tests of the parsing and rendering compare against the
 * recording itself: utilization follows the demo's time of day and changes with every re-record.
 */
export function recorded(metric: string, labels: Record<string, string>): number {
  const s = fixtureSamples().find(
    (x) => x.metric === metric && Object.entries(labels).every(([k, v]) => x.labels[k] === v)
  );
  if (!s) {
    throw new Error(`the recorded fixture has no ${metric}${JSON.stringify(labels)}`);
  }
  return s.value;
}
