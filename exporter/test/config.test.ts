import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  parsePolicy,
  policyJsonSchema,
  validatePolicy,
  validatePolicyWithWarnings,
} from '../src/config/load.js';
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
      expected:
        'headroom.yml: services[0].scaling.scale_out[0].for: expected a duration such as "90s", "5m", "1h" or a number of seconds, got "five minutes"',
    },
    {
      name: 'a trigger on an unknown signal',
      mutate: (d: any) => (d.services[0].scaling.scale_out[0].signal = 'cpuu'),
      expected:
        'headroom.yml: services[0].scaling.scale_out[0].signal: expected the name of a signal of this service (cpu, memory, sessions, latency_p95, error_rate, concurrent_users, daily_users), got "cpuu"',
    },
    {
      name: 'a misspelt key',
      mutate: (d: any) => (d.services[0].scaling.limits.maxx = 3),
      expected: 'headroom.yml: services[0].scaling.limits: unknown key "maxx"',
    },
    {
      name: 'min above max',
      mutate: (d: any) => (d.services[0].scaling.limits.min = 30),
      expected: 'headroom.yml: services[0].scaling.limits: expected limits.min <= limits.max, got an object',
    },
    {
      name: 'a load-test column of the wrong length',
      mutate: (d: any) => d.services[0].capacity.loadtest.cpu_percent.pop(),
      expected:
        'headroom.yml: services[0].capacity.loadtest.cpu_percent: expected 9 values (one per entry of users), got 8',
    },
    {
      name: 'an unknown planning scenario',
      mutate: (d: any) => (d.services[0].growth.planning_scenario = 'wild'),
      expected:
        'headroom.yml: services[0].growth.planning_scenario: expected one of the scenarios (conservative, moderate, aggressive, hockey_stick), got "wild"',
    },
    {
      name: 'a negative budget',
      mutate: (d: any) => (d.services[0].cost.budget.monthly = -5),
      expected: 'headroom.yml: services[0].cost.budget.monthly: expected number to be >0, got -5',
    },
    {
      name: 'an unknown actuator type',
      mutate: (d: any) => (d.scaler.actuator = { type: 'ssh' }),
      expected:
        'headroom.yml: scaler.actuator.type: expected one of "dry-run", "http", "kubernetes", "kubernetes-hpa", "command", got "ssh"',
    },
    {
      name: 'a missing instance source',
      mutate: (d: any) => (d.services[0].instances = {}),
      expected: 'headroom.yml: services[0].instances: expected exactly one of "query" or "static", got an object',
    },
    {
      name: 'a duplicate service',
      mutate: (d: any) => d.services.push(d.services[0]),
      expected: 'headroom.yml: services[1].name: expected a unique name, got "terminal"',
    },
  ])('reports $name', ({ mutate, expected }) => {
    expect(problems(mutate)).toContain(expected);
  });

  it('reports a YAML syntax error with its line', () => {
    expect(() => parsePolicy('services:\n  - name: [unclosed\n', 'bad.yml')).toThrowError(
      /^bad\.yml: line \d+, column \d+: expected valid YAML/
    );
  });

  it('reports every problem at once, not only the first', () => {
    const p = problems((d) => {
      d.services[0].scaling.scale_out[0].above = 'x';
      d.services[0].cost.budget.monthly = 'lots';
    });
    expect(p).toHaveLength(2);
  });
});

/** Errors and warnings of one validation pass. */
function validation(mutate: (doc: Record<string, any>) => void): { errors: string[]; warnings: string[] } {
  const doc = exampleDoc();
  mutate(doc);
  try {
    return { errors: [], warnings: validatePolicyWithWarnings(doc, 'headroom.yml').warnings };
  } catch (e) {
    if (e instanceof ConfigError) return { errors: e.problems, warnings: e.warnings };
    throw e;
  }
}

const SIGNALS = 'cpu, memory, sessions, latency_p95, error_rate, concurrent_users, daily_users';

describe('validation catches what would break later, every problem in one pass', () => {
  it.each([
    {
      name: 'a misspelt time zone, with the closest valid name',
      mutate: (d: any) => (d.services[0].scaling.schedules[0].timezone = 'Europe/Berln'),
      errors: [
        'headroom.yml: services[0].scaling.schedules[0].timezone: expected an IANA time zone name such as "UTC" or "Europe/Berlin" (did you mean Europe/Berlin?), got "Europe/Berln"',
      ],
    },
    {
      name: 'an unknown time zone with no close name',
      mutate: (d: any) => (d.services[0].scaling.schedules[0].timezone = 'Mars/Olympus'),
      errors: [
        'headroom.yml: services[0].scaling.schedules[0].timezone: expected an IANA time zone name such as "UTC" or "Europe/Berlin", got "Mars/Olympus"',
      ],
    },
    {
      name: 'a cron that is not a cron',
      mutate: (d: any) => (d.services[0].scaling.schedules[0].cron = 'at two'),
      errors: [
        'headroom.yml: services[0].scaling.schedules[0].cron: expected a cron expression such as "0 8 * * 1-5" (Invalid characters, got value: at), got "at two"',
      ],
    },
    {
      name: 'a cron hour out of range',
      mutate: (d: any) => (d.services[0].scaling.schedules[1].cron = '0 25 * * *'),
      errors: [
        'headroom.yml: services[0].scaling.schedules[1].cron: expected a cron expression such as "0 8 * * 1-5" (Constraint error, got value 25 expected range 0-23), got "0 25 * * *"',
      ],
    },
    {
      name: 'a trigger at the limit of its resource',
      mutate: (d: any) => (d.services[0].scaling.scale_out[0].above = 100),
      errors: [
        'headroom.yml: services[0].scaling.scale_out[0].above: expected below the limit of resource cpu (100): a trigger at or above the limit fires only once instances are past capacity, got 100',
      ],
    },
    {
      name: 'a trigger above the critical threshold (a warning)',
      mutate: (d: any) => (d.services[0].scaling.scale_out[0].above = 90),
      warnings: [
        'headroom.yml: services[0].scaling.scale_out[0].above: warning: 90 is above the critical threshold of resource cpu (85): the fleet scales out only after it is critical',
      ],
    },
    {
      name: 'a proportional target that is not below the trigger (a warning)',
      mutate: (d: any) => (d.services[0].scaling.scale_out[0].target = 75),
      warnings: [
        'headroom.yml: services[0].scaling.scale_out[0].target: warning: target 75 is not below above (70): the proportional target never adds more than step',
      ],
    },
    {
      name: 'a schedule below limits.min',
      mutate: (d: any) => (d.services[0].scaling.schedules[0].desired = 1),
      errors: [
        'headroom.yml: services[0].scaling.schedules[0].desired: expected at least limits.min (2): the fleet never runs fewer, so the schedule would never act, got 1',
      ],
    },
    {
      name: 'a schedule above limits.max',
      mutate: (d: any) => (d.services[0].scaling.schedules[1].desired = 25),
      errors: ['headroom.yml: services[0].scaling.schedules[1].desired: expected at most limits.max (20), got 25'],
    },
    {
      name: 'resource thresholds in the wrong order',
      mutate: (d: any) => Object.assign(d.services[0].capacity.resources[0], { warning: 90, critical: 85 }),
      errors: [
        'headroom.yml: services[0].capacity.resources[0].warning: expected below critical (85): thresholds go warning < critical <= limit, got 90',
      ],
    },
    {
      name: 'a critical threshold above the limit',
      mutate: (d: any) => (d.services[0].capacity.resources[2].critical = 250),
      errors: [
        'headroom.yml: services[0].capacity.resources[2].critical: expected at most limit (200): thresholds go warning < critical <= limit, got 250',
      ],
    },
    {
      name: 'a scale-in threshold above the scale-out threshold of the same signal',
      mutate: (d: any) => (d.services[0].scaling.scale_in.conditions[0].below = 75),
      errors: [
        'headroom.yml: services[0].scaling.scale_in.conditions[0].below: expected below the scale-out threshold of trigger cpu_high (70), or the fleet flaps between them, got 75',
      ],
    },
    {
      name: 'load-test criteria in the wrong order',
      mutate: (d: any) => (d.services[0].capacity.loadtest.criteria = { warning_response_ms: 600 }),
      errors: [
        'headroom.yml: services[0].capacity.loadtest.criteria.critical_response_ms: expected above warning_response_ms (600), got 500',
      ],
    },
    {
      name: 'type errors and a cross-field error together (once 3 errors, then a 4th after fixing them)',
      mutate: (d: any) => {
        d.services[0].scaling.scale_out[0].above = 'x';
        d.services[0].cost.budget.monthly = 'lots';
        d.services[0].scaling.limits.maxx = 1;
        d.services[0].scaling.scale_out[1].signal = 'memry';
      },
      errors: [
        'headroom.yml: services[0].scaling.scale_out[0].above: expected a number, got "x"',
        'headroom.yml: services[0].scaling.limits: unknown key "maxx"',
        'headroom.yml: services[0].cost.budget.monthly: expected a number, got "lots"',
        `headroom.yml: services[0].scaling.scale_out[1].signal: expected the name of a signal of this service (${SIGNALS}), got "memry"`,
      ],
    },
    {
      name: 'a misspelt time zone beside a bad signal reference and a schedule above the maximum',
      mutate: (d: any) => {
        d.services[0].scaling.schedules[0].timezone = 'Europe/Berln';
        d.services[0].scaling.schedules[1].desired = 25;
        d.services[0].capacity.users_signal = 'users';
      },
      errors: [
        'headroom.yml: services[0].scaling.schedules[0].timezone: expected an IANA time zone name such as "UTC" or "Europe/Berlin" (did you mean Europe/Berlin?), got "Europe/Berln"',
        `headroom.yml: services[0].capacity.users_signal: expected the name of a signal of this service (${SIGNALS}), got "users"`,
        'headroom.yml: services[0].scaling.schedules[1].desired: expected at most limits.max (20), got 25',
      ],
    },
  ])('reports $name', ({ mutate, errors = [], warnings = [] }) => {
    expect(validation(mutate)).toEqual({ errors, warnings });
  });

  it('passes the example policy without warnings', () => {
    expect(validation(() => {})).toEqual({ errors: [], warnings: [] });
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
