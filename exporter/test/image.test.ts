/**
 * The production image's file tree (compiled code and production dependencies, as the Dockerfile
 * builds it) runs every command a deployment uses, with no TypeScript and no tsx in it.
 */
import { spawn } from 'node:child_process';
import { readdirSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { buildImageTree } from './support/image-tree.js';
import { exec, freePort, tempDir, waitFor } from './support/processes.js';

const app = tempDir('image');
const headroom = (args: string[]) =>
  exec(process.execPath, ['exporter/bin/headroom.js', ...args], {
    cwd: app,
    env: { ...process.env, NODE_ENV: 'production' },
  });

beforeAll(async () => {
  await buildImageTree(app);
}, 60_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe('the image file tree', () => {
  it('holds compiled JavaScript only: no TypeScript source outside node_modules', () => {
    const files = readdirSync(app, { recursive: true }).map(String);
    const own = files.filter((f) => !f.split(path.sep).includes('node_modules'));
    expect(own).toContain(path.join('exporter', 'dist', 'cli', 'main.js'));
    expect(own.filter((f) => /\.(c|m)?ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it.each(['typescript', 'tsx', 'esbuild', 'vitest'])('has no %s among its dependencies', (pkg) => {
    expect(existsSync(path.join(app, 'node_modules', pkg))).toBe(false);
  });
});

describe('headroom, run from the image file tree', () => {
  it('prints its version', async () => {
    const { stdout } = await headroom(['--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('plans the example policy', async () => {
    const { stdout } = await headroom(['plan', '--config', 'headroom.yml']);
    expect(stdout).toContain('Headroom capacity plan: terminal');
  });

  it('finds the committed Grafana provisioning up to date (dashboards --check), with no plugin source in the tree', async () => {
    expect(existsSync(path.join(app, 'grafana-plugin', 'src'))).toBe(false);
    const { stdout } = await headroom([
      'dashboards',
      '--check',
      '--config',
      path.join(ROOT, 'deploy/headroom.compose.yml'),
      '--out',
      path.join(ROOT, 'provisioning'),
    ]);
    expect(stdout).toContain('up to date with');
  });

  it('writes the dashboards of the example policy', async () => {
    const out = path.join(app, 'provisioning-out');
    const { stdout } = await headroom(['dashboards', '--config', 'headroom.yml', '--out', out]);
    expect(stdout).toContain(`wrote ${out}/dashboards/headroom-overview.json`);
  });

  it('finds the committed alert rules up to date (rules --check)', async () => {
    const { stdout } = await headroom([
      'rules',
      '--check',
      '--config',
      'headroom.yml',
      '--out',
      path.join(ROOT, 'alerts'),
    ]);
    expect(stdout).toContain('generated files up to date with headroom.yml');
  });

  it('serves /metrics and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const proc = spawn(
      process.execPath,
      ['exporter/bin/headroom.js', 'serve', '--config', 'headroom.yml', '--listen', `127.0.0.1:${port}`],
      {
        cwd: app,
        stdio: ['ignore', 'pipe', 'pipe'],
        // The example policy's scaler.token_env.
        env: { ...process.env, HEADROOM_WEBHOOK_TOKEN: 'image-test-token' },
      }
    );
    let log = '';
    proc.stderr.on('data', (d) => (log += d));
    try {
      await waitFor(`serve ready on ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok, 20_000);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('headroom_instances{service="terminal"}');
    } finally {
      const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      expect(await exited, log).toBe(0);
    }
  });
});
