/** The recorded exporter scrape (tests/fixtures/exporter-scrape.prom), read in jest tests. */
import fs from 'fs';
import path from 'path';

import { parsePromText, Sample } from './promText';

export const FIXTURE_PATH = path.resolve(__dirname, '../../tests/fixtures/exporter-scrape.prom');

/** Scrape time used for the fixture's frames; the decisions in it fall between RANGE.from and RANGE.to. */
export const SCRAPE_TIME = Date.UTC(2026, 10, 21, 12, 0, 0);
export const RANGE = { from: Date.UTC(2026, 10, 21, 8, 0, 0), to: Date.UTC(2026, 10, 21, 12, 0, 0) };

export function fixtureSamples(): Sample[] {
  return parsePromText(fs.readFileSync(FIXTURE_PATH, 'utf8'));
}
