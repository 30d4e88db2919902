/** The recorded exporter scrape (tests/fixtures/exporter-scrape.prom), read in jest tests. */
import fs from 'fs';
import path from 'path';

import { parsePromText, Sample } from './promText';

export const FIXTURE_PATH = path.resolve(__dirname, '../../tests/fixtures/exporter-scrape.prom');

export { RANGE, SCRAPE_TIME } from './times';

export function fixtureSamples(): Sample[] {
  return parsePromText(fs.readFileSync(FIXTURE_PATH, 'utf8'));
}
