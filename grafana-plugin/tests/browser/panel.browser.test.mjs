/**
 * Browser test of the built artifact: dist/module.js (AMD, as Grafana loads it) rendered by a host
 * page (tests/host) in headless Debian Chromium, each view in the dark and light themes and at a small
 * size, on frames made from the recorded exporter scrape. Asserts the key text, that the SVG charts
 * really drew (non-empty bounding boxes), takes screenshots to test-artifacts/, and measures the plan
 * view render time and the size of module.js (test-artifacts/figures.json).
 *
 * UPDATE_DOCS_SCREENSHOTS=1 also copies one screenshot per view to docs/ for the README.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const DOCS = path.join(ROOT, 'docs');
const MODULE_JS = path.join(ROOT, 'dist/module.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MODULE_BUDGET_BYTES = 200 * 1024;
const RENDER_BUDGET_MS = 50;

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.prom': 'text/plain',
  '.map': 'application/json',
};

let server;
let baseUrl;
let browser;
let userDataDir;
const figures = {};

function serve() {
  server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const file = path.join(ROOT, path.normalize(decodeURIComponent(url.pathname)));
    // Grafana serves Inter from its own public/ directory, which is not on npm: the page falls back to
    // the system sans-serif font.
    if (url.pathname === '/favicon.ico' || url.pathname.includes('/public/fonts/')) {
      res.writeHead(204).end();
      return;
    }
    if (!file.startsWith(ROOT + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      console.error(`host server: 404 ${url.pathname}`);
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`))
  );
}

/** Opens the host page with the given panel options and waits until the panel has rendered. */
async function openPanel({
  options,
  theme = 'dark',
  width = 720,
  height = 380,
  data = 'fixture',
  variables = {},
  fieldConfig = { defaults: {}, overrides: [] },
  pluginVersion,
}) {
  const page = await browser.newPage();
  await page.setViewportSize({ width: width + 40, height: height + 40 });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  const query = new URLSearchParams({
    theme,
    width: String(width),
    height: String(height),
    data,
    options: JSON.stringify(options),
    variables: JSON.stringify(variables),
    fieldConfig: JSON.stringify(fieldConfig),
    ...(pluginVersion ? { pluginVersion } : {}),
  });
  page.setDefaultTimeout(5000);
  // The host bundle is a few MB; on a loaded 2-core machine its first load takes longer than an assertion should.
  page.setDefaultNavigationTimeout(30000);
  await page.goto(`${baseUrl}/tests/host/index.html?${query}`);
  await page.waitForFunction(() => window.headroomReady || window.headroomError, null, { timeout: 20000 });
  const hostError = await page.evaluate(() => window.headroomError);
  assert.equal(hostError, undefined, `host page failed: ${hostError}`);
  return { page, errors };
}

/** Bounding boxes of the SVG elements matching `selector` (proof the chart drew something). */
async function boxes(page, selector) {
  return page.$$eval(selector, (elements) =>
    elements.map((element) => {
      const box = element.getBBox();
      return { width: box.width, height: box.height };
    })
  );
}

function assertDrawn(found, what, minimum = 1) {
  assert.ok(found.length >= minimum, `${what}: expected at least ${minimum} elements, found ${found.length}`);
  for (const box of found) {
    assert.ok(box.width > 0 || box.height > 0, `${what}: an element has an empty bounding box`);
  }
}

async function screenshot(page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.locator('#panel').screenshot({ path: file });
  return file;
}

before(async () => {
  assert.ok(existsSync(MODULE_JS), 'dist/module.js is missing: run `npm run build` first');
  assert.ok(
    existsSync(CHROMIUM),
    `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`
  );
  mkdirSync(ARTIFACTS, { recursive: true });
  const started = Date.now();
  await build({
    entryPoints: [path.join(ROOT, 'tests/host/host.tsx')],
    outfile: path.join(ROOT, 'tests/host/host.bundle.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    minify: false,
    sourcemap: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: {
      '.ttf': 'dataurl',
      '.woff': 'dataurl',
      '.woff2': 'dataurl',
      '.svg': 'dataurl',
      '.png': 'dataurl',
      '.gif': 'dataurl',
    },
  });
  figures.hostBundleSeconds = (Date.now() - started) / 1000;
  baseUrl = await serve();
  userDataDir = mkdtempSync(path.join(tmpdir(), 'headroom-chromium-'));
  // A persistent context on a fresh, private profile directory (removed in after()).
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    deviceScaleFactor: 1,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30000,
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  if (userDataDir) {
    rmSync(userDataDir, { recursive: true, force: true });
  }
  if (Object.keys(figures).length) {
    writeFileSync(path.join(ARTIFACTS, 'figures.json'), JSON.stringify(figures, null, 2) + '\n');
  }
});

/**
 * The recorded scrape (scripts/record-fixture.mjs --start): services `api` (shown by default: first in
 * the data) and `terminal`, four webhook decisions 20 s apart. Decision times change with every
 * recording, so they are read from the fixture.
 */
const FIXTURE = readFileSync(path.join(ROOT, 'tests/fixtures/exporter-scrape.prom'), 'utf8');
function decisionTime(trigger, blockedBy = 'none') {
  const line = FIXTURE.split('\n').find(
    (l) =>
      l.startsWith('headroom_scaler_last_decision_timestamp_seconds{') &&
      l.includes(`trigger="${trigger}"`) &&
      l.includes(`blocked_by="${blockedBy}"`)
  );
  assert.ok(line, `no ${trigger} decision blocked by ${blockedBy} in the fixture`);
  // The panel's time zone is UTC in the host page.
  return new Date(Number(line.split(' ').pop()) * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

/** A recorded value as the panel prints it: utilization follows the demo's time of day, so it changes with each recording. */
function recordedPct(metric, resource) {
  const line = FIXTURE.split('\n').find((l) => l.startsWith(`${metric}{service="api",resource="${resource}"}`));
  assert.ok(line, `no ${metric} for api/${resource} in the fixture`);
  return `${Math.round(100 * Number(line.split(' ').pop()))}%`;
}

/** The link the provisioned dashboard puts on the Headroom panel: a service to its decisions. */
const DECISIONS_LINK = {
  defaults: {
    links: [
      {
        title: 'Decisions of ${__field.labels.service}',
        url: '/d/headroom-overview/?var-service=${__field.labels.service}&viewPanel=3&${__url_time_range}',
      },
    ],
  },
  overrides: [],
};

const VIEWS = {
  plan: {
    text: [
      'conservative',
      'moderate',
      'aggressive',
      'hockey stick',
      '(planning)',
      '6 months: 9–60 instances',
      '12 months: 20–1,006 instances',
      'Planning scenario conservative: 9 at 6 mo, 20 at 12 mo',
      'max 12',
      'min 3',
      'Budget $3,000/month',
    ],
    drawn: [
      ['[data-testid^="plan-line-"] path', 4],
      ['[data-testid="plan-max-line"] line', 1],
      ['[data-testid="plan-current"] circle', 1],
    ],
  },
  headroom: {
    text: [
      'cpu',
      'memory',
      'sessions',
      'latency',
      recordedPct('headroom_resource_utilization_ratio', 'cpu'),
      'of 100%',
      'of 200 sessions',
      'of 1 s',
      'To warning',
      'warning',
      'critical',
      'thresholds from the policy · % are of the per-instance limit · to warning = warning − used',
      ' mo',
    ],
    drawn: [
      ['[data-testid^="headroom-bar-"] rect', 12],
      ['[data-testid^="headroom-history-"] polyline', 4],
    ],
  },
  decisions: {
    text: [
      '4 → 7',
      '6 → 5',
      'stays 7 (wanted 11)',
      '5 → 7',
      'cpu_high',
      'cpu_high · blocked by cooldown',
      'blocked scale out',
      'blocked by cooldown',
      'scale_in',
      'errors_high',
      'scale out',
      'scale in',
      'blocked',
      'instances',
      'api: 6 running',
      decisionTime('errors_high').slice(11),
    ],
    drawn: [
      ['[data-testid^="decision-marker-"] path, [data-testid^="decision-marker-"] rect', 4],
      ['[data-testid="fleet-instances"]', 2],
    ],
  },
};

describe('the built panel in Chromium', () => {
  for (const [view, expected] of Object.entries(VIEWS)) {
    for (const theme of ['dark', 'light']) {
      it(`renders the ${view} view in the ${theme} theme from the recorded scrape`, async () => {
        const { page, errors } = await openPanel({ options: { view }, theme, fieldConfig: DECISIONS_LINK });
        try {
          const text = await page.locator('[data-testid="headroom-panel"]').innerText();
          for (const snippet of expected.text) {
            assert.ok(text.includes(snippet), `${view}/${theme}: "${snippet}" not in panel text:\n${text}`);
          }
          for (const [selector, minimum] of expected.drawn) {
            assertDrawn(await boxes(page, selector), `${view}/${theme} ${selector}`, minimum);
          }
          const file = await screenshot(page, `${view}-${theme}`);
          if (process.env.UPDATE_DOCS_SCREENSHOTS && theme === 'dark') {
            mkdirSync(DOCS, { recursive: true });
            copyFileSync(file, path.join(DOCS, `${view}.png`));
          }
          assert.deepEqual(errors, []);
        } finally {
          await page.close();
        }
      });
    }
  }

  for (const [view, width, height] of [
    ['plan', 320, 200],
    ['headroom', 300, 170],
    ['decisions', 340, 190],
  ]) {
    it(`renders the ${view} view in a small ${width}×${height} panel`, async () => {
      const { page, errors } = await openPanel({ options: { view }, theme: 'light', width, height });
      try {
        const chart = await boxes(page, 'svg[data-testid]');
        assertDrawn(chart, `${view} small chart`);
        const overflow = await page.$eval('[data-testid="headroom-panel"]', (el) => el.scrollWidth - el.clientWidth);
        assert.ok(overflow <= 0, `${view} small: content overflows horizontally by ${overflow}px`);
        await screenshot(page, `${view}-small`);
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }

  it('plots monthly cost per scenario against the budget line', async () => {
    const { page, errors } = await openPanel({ options: { view: 'plan', planMetric: 'cost' }, theme: 'light' });
    try {
      const text = await page.locator('[data-testid="headroom-panel"]').innerText();
      for (const snippet of ['budget $3K', '6 months: $3,240–$21,600/month', 'Over budget $3,000']) {
        assert.ok(text.includes(snippet), `"${snippet}" not in:\n${text}`);
      }
      assertDrawn(await boxes(page, '[data-testid^="plan-line-"] path'), 'cost lines', 4);
      assertDrawn(await boxes(page, '[data-testid="plan-budget-line"] line'), 'budget line');
      await screenshot(page, 'plan-cost-light');
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  it('explains a decision in a tooltip when its row is hovered', async () => {
    const { page } = await openPanel({ options: { view: 'decisions' } });
    try {
      await page.locator('[data-testid="decision-row"][data-kind="blocked"]').hover();
      const tooltip = page.locator('[role="tooltip"]');
      await tooltip.waitFor();
      const text = await tooltip.innerText();
      assert.ok(text.includes(`${decisionTime('cpu_high', 'cooldown')} · terminal`), text);
      assert.match(text, /BLOCKED by cooldown: scale out not carried out, stays 7 \(wanted 11\)/);
      assert.match(text, /trigger: cpu_high/);
      assert.match(text, /blocked by: cooldown/);
      await screenshot(page, 'decisions-tooltip');
    } finally {
      await page.close();
    }
  });

  it('shows the chosen service of multi-service data through a dashboard variable', async () => {
    const { page } = await openPanel({
      options: { view: 'plan', service: '$service' },
      variables: { service: 'terminal' },
    });
    try {
      const text = await page.locator('[data-testid="headroom-panel"]').innerText();
      assert.ok(text.includes('Planning scenario moderate: 15 at 6 mo, 52 at 12 mo'), text);
      assert.ok(text.includes('max 20'), text);
    } finally {
      await page.close();
    }
  });

  it('opens the data link from a service to its decisions, interpolated for that service and time range', async () => {
    const { page, errors } = await openPanel({ options: { view: 'headroom' }, fieldConfig: DECISIONS_LINK });
    try {
      const link = page.getByTestId('headroom-service').locator('xpath=ancestor::a');
      assert.equal(await link.getAttribute('title'), 'Decisions of api');
      assert.match(
        await link.getAttribute('href'),
        /^\/d\/headroom-overview\/\?var-service=api&viewPanel=3&from=\d+&to=\d+$/
      );
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  it('draws costs in euros for a 0.1.0 panel saved with the old custom currency option, after its migration', async () => {
    const { page } = await openPanel({
      options: { view: 'plan', planMetric: 'cost', currency: 'EUR' },
      pluginVersion: '0.1.0',
    });
    try {
      const text = await page.locator('[data-testid="headroom-panel"]').innerText();
      assert.ok(text.includes('budget €3K'), text);
    } finally {
      await page.close();
    }
  });

  it('lists the expected series when the query returns nothing for the service', async () => {
    const { page } = await openPanel({ options: { view: 'headroom', service: 'billing' } });
    try {
      const text = await page.locator('[data-testid="headroom-empty"]').innerText();
      assert.ok(text.includes('headroom_resource_utilization_ratio{service=~"$service"}'), text);
      await screenshot(page, 'headroom-empty');
    } finally {
      await page.close();
    }
  });

  it(`renders the plan for 4 scenarios × 12 horizons in under ${RENDER_BUDGET_MS} ms, from a module.js under 200 KB`, async () => {
    const { page } = await openPanel({ options: { view: 'plan' }, data: 'synthetic', width: 900, height: 420 });
    try {
      assertDrawn(await boxes(page, '[data-testid^="plan-line-"] path'), 'synthetic plan lines', 4);
      const first = await page.evaluate(() => window.headroomFirstRender);
      const remounts = await page.evaluate(() => window.headroomRemount(20));
      const sorted = [...remounts].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      const moduleBytes = statSync(MODULE_JS).size;
      Object.assign(figures, {
        planRender4x12FirstMs: Number(first[0].toFixed(2)),
        planRender4x12MedianMs: Number(median.toFixed(2)),
        planRender4x12MaxMs: Number(sorted[sorted.length - 1].toFixed(2)),
        planRenderSamples: sorted.length,
        moduleJsBytes: moduleBytes,
        moduleJsKiB: Number((moduleBytes / 1024).toFixed(1)),
      });
      console.log(
        `plan view render (4 scenarios × 12 horizons): first ${figures.planRender4x12FirstMs} ms, median ${figures.planRender4x12MedianMs} ms of ${sorted.length}; dist/module.js ${figures.moduleJsKiB} KiB`
      );
      await screenshot(page, 'plan-4x12');
      assert.ok(median < RENDER_BUDGET_MS, `plan render median ${median} ms`);
      assert.ok(moduleBytes < MODULE_BUDGET_BYTES, `dist/module.js is ${moduleBytes} bytes`);
    } finally {
      await page.close();
    }
  });
});
