/**
 * Panel benchmark: builds the plugin, runs its browser tests on the built dist/module.js in
 * Debian's Chromium (the plan view 4 scenarios × 12 horizons; the fleet view on 1,000 services
 * recorded from real exporters through a real Prometheus), reads their performance marks, and
 * reports the render times and the size of dist/module.js. The fleet figure's floor is measured in
 * the same page: the same frames read once into a bare table of the same rows (tests/host/floor.tsx).
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, type Figure } from './common.js';

const exec = promisify(execFile);

export async function run(): Promise<Figure[]> {
  const dir = path.join(ROOT, 'grafana-plugin');
  await exec('npm', ['run', 'build'], { cwd: dir, maxBuffer: 64 << 20 });
  await exec('npm', ['run', 'test:browser'], { cwd: dir, maxBuffer: 64 << 20 });
  const f = JSON.parse(readFileSync(path.join(dir, 'test-artifacts/figures.json'), 'utf8')) as {
    planRender4x12MedianMs: number;
    planRender4x12FirstMs: number;
  };
  const fleet = JSON.parse(readFileSync(path.join(dir, 'test-artifacts/fleet-figures.json'), 'utf8')) as {
    fleetRender1000MedianMs: number;
    fleetRender1000FloorMedianMs: number;
  };
  const kib = statSync(path.join(dir, 'dist/module.js')).size / 1024;
  return [
    {
      name: 'panel: plan view render, 4 scenarios × 12 horizons (median)',
      value: f.planRender4x12MedianMs,
      unit: 'ms',
      goal: '< 50 ms',
      met: f.planRender4x12MedianMs < 50,
    },
    {
      name: 'panel: plan view render, first mount',
      value: f.planRender4x12FirstMs,
      unit: 'ms',
      goal: '< 50 ms',
      met: f.planRender4x12FirstMs < 50,
    },
    {
      name: 'panel: fleet view render, 1,000 services (median)',
      value: fleet.fleetRender1000MedianMs,
      unit: 'ms',
      floor: fleet.fleetRender1000FloorMedianMs,
      ratio: fleet.fleetRender1000MedianMs / fleet.fleetRender1000FloorMedianMs,
      goal: '< 100 ms',
      met: fleet.fleetRender1000MedianMs < 100,
    },
    { name: 'panel: dist/module.js', value: kib, unit: 'KiB', goal: '< 200 KB', met: kib * 1024 < 200_000 },
  ];
}
