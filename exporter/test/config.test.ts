import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, parsePolicy, policyJsonSchema, validatePolicy } from '../src/config/load.js';
import { DEFAULTS } from '../src/config/defaults.js';
import { EXAMPLE_POLICY, ROOT, examplePolicy } from './helpers.js';

const exampleDoc = () => yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as Record<string, any>;

function problems(mutate: (doc: Record<string, any>) => void): string[] {
  const doc = exampleDoc();
  mutate(doc);
  try {
    validatePolicy(doc, 'headroom.yml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('the example policy', () => {
  it('is valid and encodes the seed numbers', () => {
    const p = examplePolicy();
    const s = p.services[0];
    expect(s.scaling.scale_out.map((t) => [t.name, t.above, t.for, t.cooldown, t.step])).toEqual([
      ['cpu_high', 70, 300, 600, 1],
      ['memory_high', 75, 300, 600, 1],
      ['sessions_high', 160, 180, 300, 1],
      ['latency_high', 300, 120, 600, 1],
      ['errors_high', 2, 60, 300, 2],
    ]);
    expect(s.scaling.scale_in).toMatchObject({ for: 900, cooldown: 1800, step: 1 });
    expect(s.scaling.limits).toEqual({ min: 2, max: 20, max_scale_out_per_hour: 10, max_scale_in_per_hour: 5 });
    expect(s.growth.scenarios.map((x) => x.monthly_rate)).toEqual([0.15, 0.25, 0.4, 0.6]);
    expect(s.cost.budget).toEqual({ monthly: 5000, warning_ratio: 0.8 });
    expect(s.cost.instance_hour).toEqual({ on_demand: 0.5, reserved: 0.35, spot: 0.2 });
  });
});

describe('policy validation errors name the file, the path, the value and the expectation', () => {
  it.each([
    {
      name: 'a threshold written as a word',
      mutate: (d: any) => (d.services[0].scaling.scale_out[1].above = 'seventy'),
      expected: 'headroom.yml: services[0].scaling.scale_out[1].above: expected a number, got "seventy"',
    },
    {
      name: 'a duration without a unit',
      mutate: (d: any) => (d.services[0].scaling.scale_out[0].for = 'five minutes'),
      expected: 'headroom.yml: services[0].scaling.scale_out[0].for: expected a duration such as "90s", "5m", "1h" or a number of seconds, got "five minutes"',
    },
    {
      name: 'a trigger on an unknown signal',
      mutate: (d: any) => (d.services[0].scaling.scale_out[0].signal = 'cpuu'),
      expected: 'headroom.yml: services[0].scaling.scale_out[0].signal: expected the name of a signal of this service (cpu, memory, sessions, latency_p95, error_rate, concurrent_users, daily_users), got "cpuu"',
    },
    {
      name: 'a misspelt key',
      mutate: (d: any) => (d.services[0].scaling.limits.maxx = 3),
      expected: 'headroom.yml: services[0].scaling.limits: unknown key "maxx"',
    },
    {
      name: 'min above max',
      mutate: (d: any) => (d.services[0].scaling.limits.min = 30),
      expected: 'headroom.yml: services[0].scaling.limits: expected limits.min <= limits.max, got a mapping',
    },
    {
      name: 'a bad cron expression',
      mutate: (d: any) => (d.services[0].scaling.schedules[0].cron = 'at two'),
      expectedPrefix: 'headroom.yml: services[0].scaling.schedules[0].cron: expected a cron expression with a valid time zone',
    },
    {
      name: 'a load-test column of the wrong length',
      mutate: (d: any) => d.services[0].capacity.loadtest.cpu_percent.pop(),
      expected: 'headroom.yml: services[0].capacity.loadtest.cpu_percent: expected 9 values (one per entry of users), got 8',
    },
    {
      name: 'an unknown planning scenario',
      mutate: (d: any) => (d.services[0].growth.planning_scenario = 'wild'),
      expected: 'headroom.yml: services[0].growth.planning_scenario: expected one of the scenarios (conservative, moderate, aggressive, hockey_stick), got "wild"',
    },
    {
      name: 'a negative budget',
      mutate: (d: any) => (d.services[0].cost.budget.monthly = -5),
      expected: 'headroom.yml: services[0].cost.budget.monthly: expected number to be >0, got -5',
    },
    {
      name: 'an unknown actuator type',
      mutate: (d: any) => (d.scaler.actuator = { type: 'ssh' }),
      expected: 'headroom.yml: scaler.actuator.type: expected one of "dry-run", "http", "kubernetes", "command", got "ssh"',
    },
    {
      name: 'a missing instance source',
      mutate: (d: any) => (d.services[0].instances = {}),
      expected: 'headroom.yml: services[0].instances: expected exactly one of "query" or "static", got a mapping',
    },
    {
      name: 'a duplicate service',
      mutate: (d: any) => d.services.push(d.services[0]),
      expected: 'headroom.yml: services[1].name: expected a unique name, got "terminal"',
    },
  ])('reports $name', ({ mutate, expected, expectedPrefix }) => {
    const p = problems(mutate);
    expect(p.length).toBeGreaterThan(0);
    if (expected) expect(p).toContain(expected);
    else expect(p.some((x) => x.startsWith(expectedPrefix!))).toBe(true);
  });

  it('reports a YAML syntax error with its line', () => {
    expect(() => parsePolicy('services:\n  - name: [unclosed\n', 'bad.yml')).toThrowError(/^bad\.yml: line \d+, column \d+: expected valid YAML/);
  });

  it('reports every problem at once, not only the first', () => {
    const p = problems((d) => {
      d.services[0].scaling.scale_out[0].above = 'x';
      d.services[0].cost.budget.monthly = 'lots';
    });
    expect(p).toHaveLength(2);
  });
});

describe('defaults', () => {
  it('fill in what a minimal service leaves out, from the one declared object', () => {
    const doc = exampleDoc();
    const svc = doc.services[0];
    delete svc.scaling.warmup;
    delete svc.growth.horizons_months;
    delete svc.cost.hours_per_month;
    delete doc.refresh;
    const p = validatePolicy(doc);
    expect(p.services[0].scaling.warmup).toBe(DEFAULTS.scaling.warmupSeconds);
    expect(p.services[0].growth.horizons_months).toEqual(DEFAULTS.growth.horizonsMonths);
    expect(p.services[0].cost.hours_per_month).toBe(DEFAULTS.cost.hoursPerMonth);
    expect(p.refresh.interval).toBe(DEFAULTS.refresh.intervalSeconds);
  });
});

describe('the JSON Schema for editors', () => {
  it('is committed as headroom.schema.json and up to date with the code', () => {
    const committed = JSON.parse(readFileSync(path.join(ROOT, 'headroom.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(policyJsonSchema())));
  });
});
