/**
 * deploy/ (the docker-compose stack's policy, Prometheus config and rules) is generated from headroom.yml
 * by src/deploy.ts and `headroom rules`: regenerating gives the committed files, and they pass the checks
 * of `headroom check`, promtool and amtool.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDeployFiles } from '../src/deploy.js';
import { ROOT, exec, runCli } from './support.js';

describe('deploy/ (the docker-compose stack)', () => {
  it('is what src/deploy.ts generates from headroom.yml (regenerate and diff)', () => {
    for (const [rel, text] of Object.entries(buildDeployFiles(readFileSync(path.join(ROOT, 'headroom.yml'), 'utf8')))) {
      expect(readFileSync(path.join(ROOT, rel), 'utf8'), rel).toBe(text);
    }
  });

  it('has a valid compose policy and Prometheus config (headroom check, promtool check config)', async () => {
    const r = await runCli(['check', path.join(ROOT, 'deploy/headroom.compose.yml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // promtool resolves rule_files globs; an empty glob is fine.
    const { stdout } = await exec('promtool', [
      'check',
      'config',
      '--syntax-only',
      path.join(ROOT, 'deploy/prometheus.yml'),
    ]);
    expect(stdout).toContain('SUCCESS');
  });

  it('has the rules and alertmanager.yml `headroom rules` generates from the compose policy, and they pass promtool and amtool', async () => {
    const r = await runCli([
      'rules',
      '--check',
      '--config',
      path.join(ROOT, 'deploy/headroom.compose.yml'),
      '--out',
      path.join(ROOT, 'deploy/alerts'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const tests = path.join(ROOT, 'deploy/alerts/tests');
    const { stdout } = await exec(
      'promtool',
      ['test', 'rules', 'scaling.test.yml', 'budget.test.yml', 'health.test.yml'],
      { cwd: tests }
    );
    expect(stdout).toContain('SUCCESS');
    await exec('amtool', ['check-config', path.join(ROOT, 'deploy/alerts/alertmanager.yml')]);
  });
});
