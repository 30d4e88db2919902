/**
 * Cardinality you can see and bound: the series per service of the default policy on a running
 * exporter's /metrics, what `headroom check` predicts, and the series budget trimming detail (least
 * useful first) while everything the panel, the dashboards and the alert rules read stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC, SCALER_CATALOGUE, SERIES_DETAILS } from '@headroom/contract';
import { EXAMPLE_POLICY, ROOT, runCli } from './helpers.js';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { HeadroomMetrics } from '../src/metrics/registry.js';
import { captureLogger, parseMetrics, seriesKey, writePolicy } from './support/serve.js';
import { tempDir, waitFor } from './support/processes.js';
import path from 'node:path';
import { generatedExprs, headroomNames } from './support/generated-exprs.js';
import { PROCESS_SERIES, type TrimDecision } from '../src/metrics/budget.js';

let serve: ServeHandle;

beforeAll(async () => {
  serve = await startServe({
    configFile: EXAMPLE_POLICY,
    listen: '127.0.0.1:0',
    logger: captureLogger().logger,
    version: 'test',
    scalerFactory: null,
  });
}, 60_000);

afterAll(async () => {
  await serve?.close();
});

const SCALER = new Set<string>(SCALER_CATALOGUE.map((m) => m.name));

/** Series lines of a /metrics text, as name{labels}. */
const seriesLines = (text: string) => text.split('\n').filter((l) => /^headroom_/.test(l));
const ofService = (lines: string[], service: string) => lines.filter((l) => l.includes(`service="${service}"`));

/** Metrics with a series of service terminal, or without a service label (process-wide). */
const metricsOf = (text: string) =>
  new Set(
    seriesLines(text)
      .filter((l) => !l.includes('service="') || l.includes('service="terminal"'))
      .map((l) => l.split(/[{ ]/)[0])
  );

/** The exporter's metrics the generated rules, dashboards and the panel read (the scaler publishes its own). */
function usedMetrics(): string[] {
  const names = generatedExprs([EXAMPLE_POLICY]).exprs.flatMap(({ expr }) => headroomNames(expr));
  return [...new Set(names)].filter((n) => n.startsWith('headroom_') && !SCALER.has(n)).sort();
}

/** A fresh registry's /metrics for the running exporter's snapshots, published with `seriesBudget`. */
async function publishWith(seriesBudget?: number): Promise<{ text: string; trim: TrimDecision; told: string[] }> {
  const m = new HeadroomMetrics('test');
  // The process-wide series of a running exporter: a loaded policy and both refresh cadences done.
  m.setReload(true, 1);
  for (const cadence of ['signals', 'history'] as const) m.setRefresh(cadence, 1, 1);
  const told: string[] = [];
  const trim = m.publish(serve.refresher.snapshots, [], { seriesBudget, onTrim: (msg) => told.push(msg) });
  return { text: (await m.exposition(false)).text, trim, told };
}

describe('the default policy on /metrics', () => {
  it('carries at most 120 series per service, and says so in headroom_series', async () => {
    const text = await (await fetch(`${serve.url}/metrics`)).text();
    const terminal = ofService(seriesLines(text), 'terminal');
    expect(terminal.length).toBeLessThanOrEqual(120);
    expect(parseMetrics(text).get(seriesKey(METRIC.series, { service: 'terminal' }))).toBe(terminal.length);
  });

  it('keeps every detail with an unbounded budget: more than three times as many series (452 before the bound)', async () => {
    const { text, trim } = await publishWith(1e9);
    expect(trim.dropped).toEqual([]);
    expect(ofService(seriesLines(text), 'terminal').length).toBeGreaterThan(3 * 120);
  });

  it('keeps every metric the panel, the dashboards and the alert rules read', async () => {
    const used = usedMetrics();
    expect(used.length).toBeGreaterThan(15);
    const present = metricsOf(await (await fetch(`${serve.url}/metrics`)).text());
    expect(used.filter((n) => !present.has(n))).toEqual([]);
  });

  it('`headroom check` prints the count /metrics serves for the demo', async () => {
    const text = await (await fetch(`${serve.url}/metrics`)).text();
    const served = parseMetrics(text).get(seriesKey(METRIC.series, { service: 'terminal' }));
    const r = await runCli(['check', EXAMPLE_POLICY]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`(terminal ${served}; process-wide included)`);
  });
});

describe('a fleet policy', () => {
  it('`headroom check` prints at most the series per fleet service, never fewer than /metrics serves for a discovered one (demo)', async () => {
    const file = path.join(ROOT, 'exporter/test/fixtures/fleet.yml');
    const s = await startServe({
      configFile: file,
      listen: '127.0.0.1:0',
      logger: captureLogger().logger,
      version: 'test',
      scalerFactory: null,
    });
    try {
      await waitFor('the fleet services planned', async () => s.refresher.snapshots.length === 4);
      const m = parseMetrics(await (await fetch(`${s.url}/metrics`)).text());
      const served = ['checkout', 'cart', 'search'].map((service) =>
        m.get(seriesKey(METRIC.series, { service, fleet: 'shop' }))
      );
      for (const n of served) expect(n).toBeLessThanOrEqual(120);
      const most = Math.max(...(served as number[]));
      const r = await runCli(['check', file]);
      expect(r.code, r.stderr).toBe(0);
      const printed = Number(/fleet shop: at most (\d+) per service × services discovered/.exec(r.stdout)?.[1]);
      // The models that fit differ by service (absent when they do not): check prints the most.
      expect(printed).toBeGreaterThanOrEqual(most);
      expect(printed).toBeLessThanOrEqual(120);
    } finally {
      await s.close();
    }
  });
});

describe('a series budget', () => {
  it.each([
    { budget: 1e9, dropped: [] },
    { budget: 300, dropped: ['model_bands', 'model_projections'] },
    { budget: 120 + PROCESS_SERIES, dropped: SERIES_DETAILS.slice(0, 13).map((d) => d.detail) },
    { budget: 10, dropped: SERIES_DETAILS.map((d) => d.detail) },
  ])('of $budget drops $dropped, least useful first', async ({ budget, dropped }) => {
    const { trim } = await publishWith(budget);
    expect(trim.dropped.map((d) => d.detail)).toEqual(dropped);
  });

  it('fits the series it publishes into the budget when the core fits', async () => {
    const { text, trim } = await publishWith(200);
    expect(seriesLines(text).length).toBe(trim.published);
    expect(trim.published).toBeLessThanOrEqual(200);
  });

  it('keeps the panel, dashboard and alert metrics however small, and says it is still over', async () => {
    const { text, told } = await publishWith(10);
    const present = metricsOf(text);
    expect(usedMetrics().filter((n) => !present.has(n))).toEqual([]);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(
      /^\d+ series of \d+ to fit the budget of 10: dropped model_bands \(144\), .*; still over the budget/
    );
  });

  it('publishes what it dropped per detail group, 0 for the groups kept', async () => {
    const { text, trim } = await publishWith(300);
    const m = parseMetrics(text);
    expect(m.get(seriesKey(METRIC.seriesBudget))).toBe(300);
    for (const { detail } of SERIES_DETAILS)
      expect(m.get(seriesKey(METRIC.seriesDropped, { detail }))).toBe(
        trim.dropped.find((d) => d.detail === detail)?.series ?? 0
      );
    expect(m.get(seriesKey(METRIC.seriesDropped, { detail: 'model_bands' }))).toBe(144);
  });

  it('of the policy (series_budget) trims /metrics of a running exporter and says what it dropped in a log line', async () => {
    const log = captureLogger('info');
    const file = writePolicy(tempDir('series-budget'), (doc) => {
      doc.series_budget = 300;
      doc.scaler.store = { type: 'sqlite', path: path.join(tempDir('series-budget-state'), 'state.db') };
    });
    const s = await startServe({
      configFile: file,
      listen: '127.0.0.1:0',
      logger: log.logger,
      version: 'test',
      scalerFactory: null,
    });
    try {
      const m = parseMetrics(await (await fetch(`${s.url}/metrics`)).text());
      expect(m.get(seriesKey(METRIC.seriesBudget))).toBe(300);
      expect(m.get(seriesKey(METRIC.seriesDropped, { detail: 'model_projections' }))).toBe(72);
      expect([...m.keys()].some((k) => k.startsWith(`${METRIC.modelCvMase}{`))).toBe(true);
      expect(log.text()).toMatch(
        /^series budget: \d+ series of \d+ to fit the budget of 300: dropped model_bands \(144\), model_projections \(72\)$/m
      );
    } finally {
      await s.close();
    }
  });
});
