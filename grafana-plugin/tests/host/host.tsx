/**
 * Host page for the browser test: plays Grafana's part for the built plugin (dist/module.js, AMD).
 * It shares its own copies of Grafana's externals with the module through a define() shim, fills the
 * option registry with stub editors, applies option defaults the way Grafana does, turns the recorded
 * exporter scrape into Prometheus data frames and renders the panel in PanelChrome, themed.
 * Bundled by esbuild in the browser test; the bundle is neither linted nor committed.
 */
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import React from 'react';
import * as jsxRuntime from 'react/jsx-runtime';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as rxjs from 'rxjs';

import { FLEET_RENDER_MEASURE, PLAN_RENDER_MEASURE } from '../../src/perf';
import { fleetFrames, FleetFixture } from '../../src/testing/promAnswers';
import { FloorTable, FLOOR_RENDER_MEASURE } from './floor';
import { interpolator, registerStubEditors, withFieldConfig } from '../../src/testing/grafana';
import { parsePromText, syntheticPlan, toPrometheusFrames } from '../../src/testing/promText';
import { fixtureWindow, timeRangeOf } from '../../src/testing/times';

const { createTheme, getPanelOptionsWithDefaults, LoadingState, ThemeContext, EventBusSrv } = grafanaData;
const { GlobalStyles, PanelChrome } = grafanaUi;

const shared: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  rxjs,
};

type PanelPluginLike = grafanaData.PanelPlugin;

function loadPlugin(url: string): Promise<PanelPluginLike> {
  return new Promise((resolve, reject) => {
    const moduleUri = new URL(url, window.location.href).href;
    const define = (deps: string[], factory: (...args: unknown[]) => unknown) => {
      const exportsObject: Record<string, unknown> = {};
      const args = deps.map((dep) => {
        if (dep === 'module') {
          return { uri: moduleUri };
        }
        if (dep === 'exports') {
          return exportsObject;
        }
        if (!(dep in shared)) {
          reject(new Error(`module.js needs ${dep}, which the host does not share`));
        }
        return shared[dep];
      });
      const result = (factory(...args) ?? exportsObject) as { plugin?: PanelPluginLike };
      if (!result.plugin) {
        reject(new Error('module.js does not export `plugin`'));
        return;
      }
      resolve(result.plugin);
    };
    Object.assign(define, { amd: true });
    Object.assign(window, { define });
    const script = document.createElement('script');
    script.src = url;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.appendChild(script);
  });
}

registerStubEditors();

/** Samples every 30 s over the window, so views that follow the time range have a series to draw. */
function sampleTimes(range: { from: number; to: number }, scrapeTime: number): number[] {
  const times: number[] = [];
  for (let t = range.from; t < scrapeTime; t += 30_000) {
    times.push(t);
  }
  return [...times, scrapeTime];
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  const mode = params.get('theme') === 'light' ? 'light' : 'dark';
  const width = Number(params.get('width') ?? 720);
  const height = Number(params.get('height') ?? 380);
  const optionsParam = JSON.parse(params.get('options') ?? '{}');
  const fieldConfigParam = JSON.parse(params.get('fieldConfig') ?? '{"defaults":{},"overrides":[]}');
  const data = params.get('data') ?? 'fixture';

  const plugin = await loadPlugin('/dist/module.js');
  const theme = createTheme({ colors: { mode } });
  document.body.style.background = theme.colors.background.canvas;

  // A panel saved by an older plugin version (`pluginVersion` given): Grafana runs the plugin's
  // migration on the saved panel model before it applies the option defaults.
  const pluginVersion = params.get('pluginVersion');
  const saved = {
    id: 1,
    type: 'headroom-capacity-panel',
    pluginVersion: pluginVersion ?? undefined,
    options: optionsParam,
    fieldConfig: fieldConfigParam,
  };
  if (pluginVersion && plugin.onPanelMigration) {
    saved.options = await plugin.onPanelMigration(saved);
  }
  const { options, fieldConfig } = getPanelOptionsWithDefaults({
    plugin,
    currentOptions: saved.options,
    currentFieldConfig: saved.fieldConfig,
    isAfterPluginChange: false,
  });

  // The recorded scrape also gives the time range: a 5-minute window around its real decisions.
  const recorded = parsePromText(await (await fetch('/tests/fixtures/exporter-scrape.prom')).text());
  const decisionWindow = fixtureWindow(recorded);
  // A fleet recording (`fleet=<path of a scripts/record-fleet.mjs file>`): a real Prometheus's
  // answers to the fleet queries, at its own time.
  const fleetPath = params.get('fleet');
  const fleet: FleetFixture | undefined = fleetPath ? await (await fetch(fleetPath)).json() : undefined;
  const fleetTime = fleet ? Date.parse(fleet.recorded) : 0;
  const { scrapeTime, range } = fleet
    ? { scrapeTime: fleetTime, range: { from: fleetTime - 5 * 60_000, to: fleetTime } }
    : decisionWindow;
  // 4 scenarios × 12 monthly horizons: the render-time figure in the README.
  const samples =
    data === 'synthetic'
      ? syntheticPlan(
          'api',
          ['conservative', 'moderate', 'aggressive', 'hockey_stick'],
          Array.from({ length: 12 }, (_, i) => i + 1)
        )
      : recorded;
  // The recording is one scrape: it is held over the window (the e2e test feeds real range queries instead).
  const variables: Record<string, string> = JSON.parse(params.get('variables') ?? '{}');
  const replaceVariables = interpolator(variables, range);
  const frames = withFieldConfig(
    plugin,
    fleet ? fleetFrames(fleet, fleetTime) : toPrometheusFrames(samples, sampleTimes(range, scrapeTime)),
    fieldConfig,
    replaceVariables,
    theme
  );
  const timeRange = timeRangeOf(range);
  const Panel = plugin.panel!;

  const App = ({ renderKey, floor = false }: { renderKey: number; floor?: boolean }) => (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div id="panel" style={{ width, height, padding: 8 }}>
        <PanelChrome width={width - 16} height={height - 16} title={`Headroom — ${options.view}`}>
          {(innerWidth, innerHeight) =>
            floor ? (
              <FloorTable key={renderKey} frames={frames} rows={Number(options.fleetTopN)} />
            ) : (
              <Panel
                key={renderKey}
                id={1}
                data={{ series: frames, state: LoadingState.Done, timeRange }}
                timeRange={timeRange}
                timeZone="utc"
                options={options}
                fieldConfig={fieldConfig}
                transparent={false}
                width={innerWidth}
                height={innerHeight}
                renderCounter={renderKey}
                title="Headroom"
                eventBus={new EventBusSrv()}
                onOptionsChange={() => {}}
                onFieldConfigChange={() => {}}
                onChangeTimeRange={() => {}}
                replaceVariables={replaceVariables}
              />
            )
          }
        </PanelChrome>
      </div>
    </ThemeContext.Provider>
  );

  const root = createRoot(document.getElementById('root')!);
  const renderOnce = (renderKey: number, floor = false) =>
    new Promise<void>((resolve) => {
      root.render(<App renderKey={renderKey} floor={floor} />);
      requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
    });
  await renderOnce(0);
  const measure = options.view === 'fleet' ? FLEET_RENDER_MEASURE : PLAN_RENDER_MEASURE;
  const remount = async (count: number, name: string, floor: boolean) => {
    performance.clearMeasures(name);
    for (let i = 1; i <= count; i++) {
      await renderOnce(i, floor);
    }
    const durations = performance.getEntriesByName(name).map((entry) => entry.duration);
    if (floor) {
      await renderOnce(count + 1);
    }
    return durations;
  };
  Object.assign(window, {
    /** Remounts the panel `count` times and returns the render durations (ms) performance.measure recorded (plan or fleet view). */
    headroomRemount: (count: number) => remount(count, measure, false),
    /** The floor of the fleet render: the same rows as a bare table from the same frames, `count` times (ms each). */
    headroomFloor: (count: number) => remount(count, FLOOR_RENDER_MEASURE, true),
    headroomFirstRender: performance.getEntriesByName(measure).map((entry) => entry.duration),
    headroomReady: true,
  });
}

main().catch((error: Error) => {
  Object.assign(window, { headroomError: String(error?.stack ?? error) });
});
