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
