import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parsePolicy } from '../src/config/load.js';
import type { Policy, Service } from '../src/config/schema.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE_POLICY = path.join(ROOT, 'headroom.yml');

export function examplePolicy(): Policy {
  return parsePolicy(readFileSync(EXAMPLE_POLICY, 'utf8'), 'headroom.yml');
}

export function exampleService(): Service {
  return examplePolicy().services[0];
}

/** Captures a CLI run. */
export async function runCli(args: string[], clock = () => Date.UTC(2026, 10, 27, 12) / 1000) {
  const { main } = await import('../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const code = await main(
    ['node', 'headroom', ...args],
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) },
    clock
  );
  return { code, stdout, stderr };
}

/** The fleet policy of the tests (test/fixtures/fleet.yml): fleet "shop" with overrides, and one explicit service. */
export const FLEET_POLICY = path.join(ROOT, 'exporter', 'test', 'fixtures', 'fleet.yml');
