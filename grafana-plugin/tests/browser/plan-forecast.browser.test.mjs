/**
 * Browser test of the plan view's forecast (issue 14): the built dist/module.js in headless Chromium
 * on the recorded exporter scrape (the host samples it over the dashboard range, so the instance history is drawn).
 * Asserts that the history, the forecast line and its 80 % band really drew and that the summary
 * quotes the recorded forecast; screenshots to test-artifacts/ (UPDATE_DOCS_SCREENSHOTS=1: also
 * docs/plan-forecast.png for the README).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ROOT, startHost } from './support.mjs';

const FIXTURE = readFileSync(path.join(ROOT, 'tests/fixtures/exporter-scrape.prom'), 'utf8');
let host;

/** A recorded forecast bound of the api service at a horizon, as the panel prints it. */
function recorded(bound, months) {
  const line = FIXTURE.split('\n').find((l) =>
    l.startsWith(`headroom_forecast_instances{service="api",horizon_months="${months}",bound="${bound}"}`)
  );
  assert.ok(line, `no headroom_forecast_instances ${bound} at ${months} mo for api in the fixture`);
  return Number(line.split(' ').pop()).toLocaleString('en-US');
}

before(async () => {
  host = await startHost('plan-forecast');
});

after(async () => {
  await host?.close();
});

describe('the plan view with the forecast band', () => {
  for (const theme of ['dark', 'light']) {
    it(`draws the history, the forecast and its 80 % band beside the scenarios (${theme})`, async () => {
      const { page, errors } = await host.open({
        options: { view: 'plan' },
        theme,
        history: '30',
        width: 760,
        height: 420,
      });
      for (const id of ['plan-history', 'plan-forecast-band', 'plan-forecast-line']) {
        const box = await page
          .locator(`[data-testid="${id}"]`)
          .first()
          .evaluate((el) => {
            const b = el.getBBox();
            return { width: b.width, height: b.height };
          });
        assert.ok(box.width > 20 && box.height >= 0, `${id}: bounding box ${JSON.stringify(box)}`);
      }
      const band = await page.locator('[data-testid="plan-forecast-band"]').evaluate((el) => {
        const b = el.getBBox();
        return { width: b.width, height: b.height };
      });
      assert.ok(band.height > 1, `the band has height (${band.height})`);
      assert.equal(await page.locator('[data-testid^="plan-line-"] path').count(), 4);
      const legend = await page.locator('[data-testid="plan-forecast-legend"]').textContent();
      assert.match(legend, /Forecast \(80 % band\)/);
      const summary = await page.locator('[data-testid="plan-forecast-summary"]').textContent();
      assert.ok(
        summary.includes(`${recorded('point', 12)} [${recorded('lower_80', 12)}–${recorded('upper_80', 12)}] at 12 mo`),
        `summary "${summary}" quotes the recorded 12-month forecast`
      );
      mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
      const file = path.join(ROOT, 'test-artifacts', `plan-forecast-${theme}.png`);
      await page.locator('#panel').screenshot({ path: file });
      if (process.env.UPDATE_DOCS_SCREENSHOTS && theme === 'dark') {
        copyFileSync(file, path.join(ROOT, 'docs/plan-forecast.png'));
      }
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});
