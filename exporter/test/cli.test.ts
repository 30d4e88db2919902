import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, ROOT, runCli } from './helpers.js';

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(tmpdir(), 'headroom-cli-'));
const CSV = path.join(ROOT, 'exporter/test/fixtures/daily-users.csv');

function brokenCopy(from: string, to: string): string {
  const file = path.join(tmp, 'broken.yml');
  writeFileSync(file, readFileSync(EXAMPLE_POLICY, 'utf8').replace(from, to));
  return file;
}

describe('headroom check', () => {
  it('exits 0 on the example policy, through the real `npx headroom` bin', async () => {
    const { stdout } = await run('npx', ['headroom', 'check', 'headroom.yml'], { cwd: ROOT });
    expect(stdout).toContain('headroom.yml: OK (1 service, 5 scale-out triggers, source: built-in demo)');
  });

  it('exits 2 on a broken copy and names the file, the path, the value and the expectation', async () => {
    const file = brokenCopy(
      '{ name: memory_high, signal: memory, above: 75,',
      '{ name: memory_high, signal: memory, above: seventy-five,'
    );
    const r = await runCli(['check', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file}: services[0].scaling.scale_out[1].above: expected a number, got "seventy-five"`
    );
  });

  it('exits 2 when the file does not exist', async () => {
    const r = await runCli(['check', path.join(tmp, 'nope.yml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.yml: cannot read the policy file \(ENOENT\)/);
  });
});

describe('headroom plan', () => {
  it('prints the readable report on the demo workload', async () => {
    const r = await runCli(['plan', '--config', EXAMPLE_POLICY]);
    expect(r.code).toBe(0);
    for (const text of [
      'Headroom capacity plan: terminal',
      'optimal 50 · warning 150 · critical 150 · maximum 250',
      'scale out at 120 · scale in at 30 · emergency at 135',
      'moderate *',
      '6-month range:',
      '12-month range:',
      'Forecast from the history',
      'capacity runs out',
      'budget runs out',
      'Budget: $5,000.00 a month, warning at 80.0%',
      'Savings (a month):',
    ]) {
      expect(r.stdout).toContain(text);
    }
  });

  it('prints stable JSON with every section per service', async () => {
    const r = await runCli(['plan', '--config', EXAMPLE_POLICY, '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ version: 1, source: 'demo' });
    const svc = doc.services[0];
    expect(Object.keys(svc)).toEqual([
      'service',
      'at',
      'current',
      'inputs',
      'loadtest',
      'recommendation',
      'headroom',
      'projections',
      'cost',
      'budget',
      'decision',
    ]);
    expect(svc.projections.scenarios.map((s: { scenario: string }) => s.scenario)).toEqual([
      'conservative',
      'moderate',
      'aggressive',
      'hockey_stick',
    ]);
    expect(svc.projections.scenarios[0].horizons.map((h: { months: number }) => h.months)).toEqual([1, 3, 6, 12]);
    expect(svc.budget.monthlyBudget).toBe(5000);
  });

  it('gives the same numbers for the same time (the demo is deterministic)', async () => {
    const a = await runCli(['plan', '--config', EXAMPLE_POLICY, '--format', 'json', '--at', '2026-11-27T12:00:00Z']);
    const b = await runCli(['plan', '--config', EXAMPLE_POLICY, '--format', 'json', '--at', '2026-11-27T12:00:00Z']);
    expect(a.stdout).toBe(b.stdout);
  });

  it.each([
    { args: ['plan', '--format', 'xml'], message: '--format: expected one of text, json, got "xml"' },
    { args: ['plan', '--service', 'nope'], message: '--service: unknown service "nope" (known: terminal)' },
    {
      args: ['plan', '--at', 'yesterday'],
      message: '--at: expected an ISO 8601 time or unix seconds, got "yesterday"',
    },
  ])('exits 2 on bad flags: $message', async ({ args, message }) => {
    const r = await runCli([...args, '--config', EXAMPLE_POLICY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('headroom forecast', () => {
  it('fits every model to a CSV series and marks the automatic choice', async () => {
    const r = await runCli(['forecast', '--input', CSV, '--horizon', '14']);
    expect(r.code).toBe(0);
    for (const m of ['naive', 'linear_recent', 'damped', 'theta', 'holt_winters', 'auto', 'CV MASE'])
      expect(r.stdout).toContain(m);
    expect(r.stdout).toContain('120 points every 86400s');
    expect(r.stdout).toMatch(/ \*/);
  });

  it('prints the whole path of every model and of the automatic choice as JSON, with 80 % and 95 % bounds', async () => {
    const r = await runCli(['forecast', '--input', CSV, '--format', 'json', '--horizon', '14']);
    const doc = JSON.parse(r.stdout);
    expect(doc.chosen).not.toBeNull();
    expect(doc.path).toHaveLength(14);
    for (const m of [doc, ...doc.models]) {
      expect(m.path).toHaveLength(14);
      for (const p of m.path)
        expect(p.lower95 <= p.lower80 && p.lower80 <= p.point && p.point <= p.upper80 && p.upper80 <= p.upper95).toBe(
          true
        );
    }
    for (const m of doc.models) expect(m.cvMase).toBeGreaterThanOrEqual(0);
  });

  it('prints every step of every path as CSV', async () => {
    const r = await runCli(['forecast', '--input', CSV, '--format', 'csv', '--horizon', '5']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('model,step,time,point,lower_80,upper_80,lower_95,upper_95');
    expect(lines.filter((l) => l.startsWith('auto,'))).toHaveLength(5);
    expect(lines.filter((l) => l.startsWith('damped,'))).toHaveLength(5);
  });

  it('reads a JSON series too', async () => {
    const file = path.join(tmp, 'series.json');
    const rows = readFileSync(CSV, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    writeFileSync(file, JSON.stringify(rows.map(([time, value]) => ({ time, value: Number(value) }))));
    const r = await runCli(['forecast', '--input', file, '--format', 'json']);
    expect(JSON.parse(r.stdout).points).toBe(120);
  });

  it('reads the JSON answer of a Prometheus query_range', async () => {
    const file = path.join(tmp, 'query_range.json');
    const rows = readFileSync(CSV, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const values = rows.map(([time, value]) => [Date.parse(time) / 1000, String(Number(value))]);
    writeFileSync(
      file,
      JSON.stringify({
        status: 'success',
        data: { resultType: 'matrix', result: [{ metric: { job: 'web' }, values }] },
      })
    );
    const r = await runCli(['forecast', '--input', file, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).points).toBe(120);
  });

  it.each([
    [
      'an instant query',
      { status: 'success', data: { resultType: 'vector', result: [] } },
      'data.resultType: expected "matrix" (query_range, not an instant query), got "vector"',
    ],
    [
      'two series',
      { status: 'success', data: { resultType: 'matrix', result: [{ values: [] }, { values: [] }] } },
      'data.result: expected exactly one series, got 2 (aggregate the query, e.g. sum(...))',
    ],
    [
      'an error answer',
      { status: 'error', data: {} },
      'status: expected "success" (a Prometheus query_range answer), got "error"',
    ],
  ])('exits 2 on a query_range answer with %s, saying what was expected', async (_name, doc, message) => {
    const file = path.join(tmp, 'bad-range.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = await runCli(['forecast', '--input', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: ${message}`);
  });

  it('exits 2 naming the line of a bad value', async () => {
    const file = path.join(tmp, 'bad.csv');
    writeFileSync(file, 'time,value\n2026-01-01,1\n2026-01-02,lots\n');
    const r = await runCli(['forecast', '--input', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: line 3: expected a finite number, got "lots"`);
  });
});

describe('help', () => {
  it.each(['check', 'plan', 'forecast', 'schema'])(
    '`headroom %s --help` describes the command and exits 0',
    async (cmd) => {
      const r = await runCli([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: headroom ${cmd}`);
    }
  );

  it('exits 2 on an unknown command', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
