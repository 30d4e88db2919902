/**
 * scripts/preflight.mjs, the first step of `npm test`: run for real as the unprivileged `nobody`
 * user with a PATH that hides some or all of the commands the suite needs.
 */
import { spawn } from 'node:child_process';
import { chmodSync, rmSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { tempDir } from './support/processes.js';

const SCRIPT = path.join(ROOT, 'scripts/preflight.mjs');
const NOBODY = 65534;
const COMMANDS = [
  'prometheus',
  'promtool',
  'prometheus-alertmanager',
  'amtool',
  'prometheus-node-exporter',
  'redis-server',
  'redis-cli',
  'chromium',
  'locust',
  'victoria-metrics',
  'docker-compose',
  'openssl',
  'kubectl',
];

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temp directory that `nobody` may list (mkdtemp makes it 0700). */
function sharedDir(prefix: string): string {
  const dir = tempDir(prefix);
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

/** A PATH directory holding links to this machine's real commands, except `hidden`. */
function pathWithout(hidden: string[]): string {
  const dir = sharedDir('preflight-path');
  for (const c of COMMANDS.filter((x) => !hidden.includes(x))) {
    const real = (process.env.PATH ?? '')
      .split(':')
      .map((d) => path.join(d, c))
      .find(isFile);
    if (real) symlinkSync(real, path.join(dir, c));
  }
  return dir;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the preflight as `nobody`; killed after 5 s, so a `signal` means it did not stop in time. */
function runAsNobody(pathEnv: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], {
      uid: NOBODY,
      gid: NOBODY,
      env: { PATH: pathEnv, HOME: '/nonexistent' },
      timeout: 5000,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('the preflight of npm test, as a non-root user', () => {
  it('stops within 5 s with exit 2, naming every package and the exact install command, when nothing is on PATH', async () => {
    const r = await runAsNobody(sharedDir('preflight-empty'));
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    for (const c of COMMANDS) expect(r.stderr).toContain(`  ${c} `);
    expect(r.stderr).toContain(
      'sudo apt-get update && sudo apt-get install -y --no-install-recommends prometheus prometheus-alertmanager prometheus-node-exporter redis-server chromium fonts-liberation python3-locust victoria-metrics docker-compose openssl kubernetes-client'
    );
  });

  it.each([
    { hidden: ['locust'], line: 'python3-locust' },
    { hidden: ['amtool', 'promtool'], line: 'prometheus prometheus-alertmanager' },
    { hidden: ['redis-cli'], line: 'redis-server' },
    { hidden: ['victoria-metrics', 'openssl'], line: 'victoria-metrics openssl' },
  ])('names only the packages of the hidden commands $hidden', async ({ hidden, line }) => {
    const r = await runAsNobody(pathWithout(hidden));
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`sudo apt-get update && sudo apt-get install -y --no-install-recommends ${line}\n`);
    for (const c of COMMANDS.filter((x) => !hidden.includes(x))) expect(r.stderr).not.toContain(`  ${c} `);
  });

  it('passes (exit 0) on this machine, where every command is installed', async () => {
    const r = await runAsNobody(pathWithout([]));
    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r.stderr).toContain(`all ${COMMANDS.length} commands the tests need are on PATH`);
  });
});
