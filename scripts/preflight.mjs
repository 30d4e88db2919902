#!/usr/bin/env node
/**
 * First step of `npm test`: the suite starts real Prometheus, Alertmanager, node exporter, Redis,
 * VictoriaMetrics, Locust and Chromium and calls promtool, amtool, openssl, docker-compose and
 * kubectl. Without this check a fresh machine shows 20-second timeouts and `spawn promtool ENOENT`
 * instead of "install prometheus".
 *
 * Every command is looked up on PATH (no spawning, so this takes milliseconds). When something is
 * missing: as root it runs apt-get (Debian 12) and checks again; as any other user it prints the
 * exact install command and exits 2 at once.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** command on PATH → Debian package that provides it → what the suite needs it for. */
export const REQUIREMENTS = [
  { command: 'prometheus', packages: ['prometheus'], why: 'real Prometheus in the end-to-end tests' },
  { command: 'promtool', packages: ['prometheus'], why: 'rule unit tests, metric lint, backfill' },
  {
    command: 'prometheus-alertmanager',
    packages: ['prometheus-alertmanager'],
    why: 'real Alertmanager delivering to the webhook',
  },
  { command: 'amtool', packages: ['prometheus-alertmanager'], why: 'alertmanager.yml checks' },
  { command: 'prometheus-node-exporter', packages: ['prometheus-node-exporter'], why: 'the demo stack test' },
  { command: 'redis-server', packages: ['redis-server'], why: 'the shared scaler state store' },
  { command: 'redis-cli', packages: ['redis-server'], why: 'waiting for Redis' },
  // fonts-liberation is a Recommends of chromium that the screenshots want; recommends are off.
  { command: 'chromium', packages: ['chromium', 'fonts-liberation'], why: 'the Grafana panel rendered in a browser' },
  { command: 'locust', packages: ['python3-locust'], why: 'the load-test import test' },
  { command: 'victoria-metrics', packages: ['victoria-metrics'], why: 'the long-term history test' },
  { command: 'docker-compose', packages: ['docker-compose'], why: 'offline validation of docker-compose.yml' },
  { command: 'openssl', packages: ['openssl'], why: 'TLS test certificates' },
  // Machines that already have kubectl (v1.32 here) must not get Debian's kubernetes-client: they conflict.
  { command: 'kubectl', packages: ['kubernetes-client'], why: 'rendering deploy/kubernetes with kubectl kustomize' },
];

function isExecutable(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The requirements whose command is not an executable file in any PATH directory. */
export function findMissing(requirements, pathEnv) {
  const dirs = (pathEnv ?? '').split(path.delimiter).filter(Boolean);
  return requirements.filter((r) => !dirs.some((d) => isExecutable(path.join(d, r.command))));
}

export function packagesOf(missing) {
  return [...new Set(missing.flatMap((r) => r.packages))];
}

/** The install command, as printed for people and as run for root. */
export function installCommand(packages, sudo) {
  const s = sudo ? 'sudo ' : '';
  return `${s}apt-get update && ${s}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

function describe(missing) {
  return missing.map((r) => `  ${r.command.padEnd(26)} (Debian package ${r.packages[0]}) for ${r.why}`).join('\n');
}

function aptGet(args) {
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function installAsRoot(missing) {
  const packages = packagesOf(missing);
  console.error(`preflight: installing Debian packages for npm test: ${packages.join(' ')}`);
  if (aptGet(['update', '-q']) !== 0) return false;
  return aptGet(['install', '-y', '-q', '--no-install-recommends', ...packages]) === 0;
}

export function main(env = process.env, uid = process.getuid?.() ?? -1) {
  const missing = findMissing(REQUIREMENTS, env.PATH);
  if (missing.length === 0) {
    console.error(`preflight: all ${REQUIREMENTS.length} commands the tests need are on PATH`);
    return 0;
  }
  if (uid !== 0) {
    console.error(
      `preflight: npm test needs commands that are not on PATH:\n${describe(missing)}\n\n` +
        `Install them (Debian 12) and run npm test again:\n  ${installCommand(packagesOf(missing), true)}`
    );
    return 2;
  }
  if (!installAsRoot(missing)) {
    console.error(`preflight: apt-get failed; run by hand:\n  ${installCommand(packagesOf(missing), false)}`);
    return 2;
  }
  const still = findMissing(REQUIREMENTS, env.PATH);
  if (still.length > 0) {
    console.error(`preflight: still not on PATH after apt-get install:\n${describe(still)}`);
    return 2;
  }
  console.error('preflight: installed; every command the tests need is on PATH');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}
