/**
 * Browser test of the fleet view (issue 13): the built dist/module.js in headless Chromium on the
 * answers of a real Prometheus to the fleet queries, scraping real exporters (scripts/record-fleet.mjs)
 * with 3, 100 and 1,000 services. 3 and 100 are committed recordings; 1,000 is recorded when this
 * file runs (Prometheus and two exporters, about a minute). The expected ranking, missing services,
 * counts and links are read from the recording itself.
 *
 * Writes test-artifacts/fleet-*.png and test-artifacts/fleet-figures.json (the fleet render time at
 * 1,000 services and its floor, for `npm run bench -- panel`); UPDATE_DOCS_SCREENSHOTS=1 also copies
 * the screenshots to ../docs/img/ for the README.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { fixtureText, recordFleet } from '../../scripts/record-fleet.mjs';
import { ROOT, startHost } from './support.mjs';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const DOCS_IMG = path.join(ROOT, '../docs/img');
const TOP_N = 20;
const REMOUNTS = 15;
/** FLEET_1000=<file>: use an existing 1,000-service recording instead of recording one (the benchmark records it first). */
const FLEET_1000 = process.env.FLEET_1000;

const fixturePath = (n) =>
  n === 1000
    ? (FLEET_1000 ?? path.join(ARTIFACTS, 'fleet-1000.json'))
    : path.join(ROOT, `tests/fixtures/fleet-${n}.json`);

let host;
const fixtures = {};

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (!FLEET_1000) {
    const fixture = await recordFleet({ services: 1000, missing: 5 });
    writeFileSync(fixturePath(1000), fixtureText(fixture));
  }
  for (const n of [3, 100, 1000]) {
    fixtures[n] = JSON.parse(readFileSync(fixturePath(n), 'utf8'));
  }
  host = await startHost('fleet');
});

after(async () => {
  await host?.close();
});

/** What the recording says of each service: its tightest headroom, and whether the exporter missed an input. */
function expectations(fixture) {
  const answer = (refId) => fixture.answers.find((a) => a.refId === refId).series;
  const services = new Set(answer('F').map(([labels]) => labels.service));
  const headroom = new Map();
  for (const [labels, value] of answer('C')) {
    headroom.set(labels.service, Math.min(Number(value), headroom.get(labels.service) ?? Infinity));
  }
  const missing = new Set(answer('H').map(([labels]) => labels.service));
  for (const service of services) {
    if (!headroom.has(service)) {
      missing.add(service);
    }
  }
  return { services, headroom, missing: [...missing].sort() };
}

async function rows(page) {
  return page.locator('[data-testid="fleet-row"]').evaluateAll((trs) =>
    trs.map((tr) => ({
      service: tr.dataset.service,
      state: tr.dataset.state,
      headroom: tr.dataset.headroom === '' ? undefined : Number(tr.dataset.headroom),
      timeLeft: tr.dataset.timeLeft === '' ? undefined : Number(tr.dataset.timeLeft),
      href: tr.querySelector('[data-testid="fleet-link"]').getAttribute('href'),
      text: tr.textContent,
    }))
  );
}

async function screenshot(page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.locator('#panel').screenshot({ path: file });
  if (process.env.UPDATE_DOCS_SCREENSHOTS) {
    mkdirSync(DOCS_IMG, { recursive: true });
    copyFileSync(file, path.join(DOCS_IMG, `${name}.png`));
  }
}

const open = (n, options = {}) =>
  host.open({
    options: { view: 'fleet', fleetTopN: TOP_N, ...options },
    fleet: `/${path.relative(ROOT, fixturePath(n))}`,
    width: 900,
    height: 640,
  });

describe('the fleet view in Chromium on recorded exporter data', () => {
  for (const n of [3, 100, 1000]) {
    it(`ranks ${n} services by headroom, missing ones first and marked missing, with "and K more" and links to each service`, async () => {
      const fixture = fixtures[n];
      const expected = expectations(fixture);
      assert.equal(expected.services.size, n, `the recording holds ${n} services`);
      assert.deepEqual(
        expected.missing,
        [...fixture.missing].sort(),
        'missing = the services of the exporter without inputs'
      );
      const { page, errors } = await open(n);
      const shown = await rows(page);

      assert.equal(shown.length, Math.min(n, TOP_N));
      const more = page.locator('[data-testid="fleet-more"]');
      if (n > TOP_N) {
        assert.match(await more.textContent(), new RegExp(`^and ${(n - TOP_N).toLocaleString('en-US')} more`));
      } else {
        assert.equal(await more.count(), 0);
      }
      assert.match(
        await page.locator('[data-testid="fleet-count"]').textContent(),
        new RegExp(`^${n.toLocaleString('en-US')} services · ${expected.missing.length} missing`)
      );

      // Missing services lead, marked missing, with no headroom figure (never a healthy-looking bar).
      const missingShown = shown.slice(0, expected.missing.length);
      assert.deepEqual(
        missingShown.map((r) => [r.service, r.state]),
        expected.missing.map((s) => [s, 'missing'])
      );
      for (const r of missingShown) {
        assert.equal(r.headroom, undefined);
        assert.match(r.text, /missing: /);
      }
      // Then the others by headroom, lowest first, and nothing left out is tighter than the last row shown.
      const present = shown.slice(expected.missing.length);
      assert.ok(present.every((r) => r.state === 'present'));
      for (const r of present) {
        assert.equal(r.headroom, expected.headroom.get(r.service), `${r.service}: the recorded tightest headroom`);
      }
      for (let i = 1; i < present.length; i++) {
        assert.ok(present[i - 1].headroom <= present[i].headroom, `row ${i} is in headroom order`);
      }
      const last = present.at(-1)?.headroom ?? -Infinity;
      const shownNames = new Set(shown.map((r) => r.service));
      const tighterLeftOut = [...expected.headroom].filter(([s, h]) => !shownNames.has(s) && h < last);
      assert.deepEqual(tighterLeftOut, []);

      // Each row links to that service's view, in the dashboard's time range.
      for (const r of shown) {
        assert.match(r.href, new RegExp(`^\\?var-service=${r.service}&from=\\d+&to=\\d+$`));
      }
      await screenshot(page, `fleet-${n}`);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  it('re-ranks 1,000 services by time left when its header is clicked (soonest first, "never" last)', async () => {
    const { page, errors } = await open(1000);
    await page.locator('[data-testid="fleet-sort-exhaustion"]').click();
    await page.locator('[data-testid="fleet-view"][data-sort="exhaustion"]').waitFor();
    const shown = await rows(page);
    const present = shown.filter((r) => r.state === 'present');
    assert.equal(shown.length - present.length, fixtures[1000].missing.length);
    for (let i = 1; i < present.length; i++) {
      assert.ok(present[i - 1].timeLeft <= present[i].timeLeft, `row ${i} is in time-left order`);
    }
    assert.match(await page.locator('[data-testid="fleet-more"]').textContent(), /ranked by time left/);
    await screenshot(page, 'fleet-1000-time-left');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('opens the service view of a row: the same dashboard with var-service set to it', async () => {
    const { page } = await open(3);
    const [first] = await rows(page);
    await page.locator('[data-testid="fleet-link"]').first().click();
    await page.waitForURL(/var-service=/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('var-service'), first.service);
    assert.equal(url.pathname, '/tests/host/index.html');
    await page.close();
  });

  it('measures the fleet render at 1,000 services and its floor in the same page (figures for the benchmark)', async () => {
    const { page, errors } = await open(1000);
    const fleet = await page.evaluate((count) => window.headroomRemount(count), REMOUNTS);
    const floor = await page.evaluate((count) => window.headroomFloor(count), REMOUNTS);
    assert.equal(fleet.length, REMOUNTS);
    assert.equal(floor.length, REMOUNTS);
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const figures = {
      fleetRender1000MedianMs: median(fleet),
      fleetRender1000FloorMedianMs: median(floor),
      fleetRender1000Samples: fleet,
      floorSamples: floor,
      seriesIn1000: fixtures[1000].answers.reduce((count, a) => count + a.series.length, 0),
    };
    writeFileSync(path.join(ARTIFACTS, 'fleet-figures.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log(
      `fleet view render at 1,000 services (${figures.seriesIn1000} series): median ${figures.fleetRender1000MedianMs.toFixed(1)} ms; floor (bare table, same frames) ${figures.fleetRender1000FloorMedianMs.toFixed(1)} ms`
    );
    assert.ok(existsSync(path.join(ARTIFACTS, 'fleet-figures.json')));
    assert.deepEqual(errors, []);
    await page.close();
  });
});
