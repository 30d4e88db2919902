/**
 * Panel benchmark: builds the plugin, runs its browser test on the built dist/module.js in
 * Debian's Chromium (it renders the plan view 4 scenarios × 12 horizons and reads performance
 * marks), and reports the render time and the size of dist/module.js.
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
    { name: 'panel: dist/module.js', value: kib, unit: 'KiB', goal: '< 200 KB', met: kib * 1024 < 200_000 },
  ];
}
