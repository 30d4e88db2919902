import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadPolicy, validatePolicy } from '../src/config/load.js';
import { DEFAULTS } from '../src/config/defaults.js';
import { checkDiscoveredName, fleetActuator, fleetService, overridesFor } from '../src/fleet/expand.js';
import { mergeDocs } from '../src/fleet/merge.js';

import { FLEET_POLICY } from './helpers.js';
const fleetDoc = () => yaml.load(readFileSync(FLEET_POLICY, 'utf8')) as Record<string, any>;

function problems(mutate: (doc: Record<string, any>) => void): string[] {
  const doc = fleetDoc();
  mutate(doc);
  try {
    validatePolicy(doc, 'fleet.yml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('a fleet policy', () => {
  it('is valid, with its defaults filled in', () => {
    const p = loadPolicy(FLEET_POLICY);
    expect(p.fleets.map((f) => [f.name, f.label, f.retire_after, f.overrides.length])).toEqual([
      ['shop', 'service', 3600, 4],
    ]);
    expect(p.services.map((s) => s.name)).toEqual(['billing']);
    expect(p.series_budget).toBeUndefined();
  });

  it('takes retire_after from the declared default when absent', () => {
    const doc = fleetDoc();
    delete doc.fleets[0].retire_after;
    expect(validatePolicy(doc).fleets[0].retire_after).toBe(DEFAULTS.fleet.retireAfterSeconds);
  });

  it('may have no explicit services when it has a fleet', () => {
    const doc = fleetDoc();
    delete doc.services;
    expect(validatePolicy(doc).services).toEqual([]);
  });

  it('reads series_budget as a positive integer', () => {
    const doc = fleetDoc();
    doc.series_budget = 120000;
    expect(validatePolicy(doc).series_budget).toBe(120000);
  });
});

describe('fleet validation errors name the file, the path, the value and the expectation', () => {
  it.each([
    {
      name: 'a policy with neither services nor fleets',
      mutate: (d: any) => ((d.services = []), delete d.fleets),
      expected:
        'fleet.yml: services: expected at least one service in "services" or one fleet in "fleets" (a policy plans something), got an array',
    },
    {
      name: 'a label that is not a Prometheus label name',
      mutate: (d: any) => (d.fleets[0].label = 'app.kubernetes.io/name'),
      expected:
        'fleet.yml: fleets[0].label: expected a Prometheus label name (letters, digits, underscores), got "app.kubernetes.io/name"',
    },
    {
      name: 'a reserved label name',
      mutate: (d: any) => (d.fleets[0].label = '__name__'),
      expected: 'fleet.yml: fleets[0].label: expected a label name not starting with "__" (reserved), got "__name__"',
    },
    {
      name: 'a template with a static instance count',
      mutate: (d: any) => (d.fleets[0].template.instances = { static: 3 }),
      expected:
        'fleet.yml: fleets[0].template.instances: expected instances.query (a vector by the fleet label: discovery reads it), not instances.static, got an object',
    },
    {
      name: 'a template naming itself',
      mutate: (d: any) => (d.fleets[0].template.name = 'shop'),
      expected: 'fleet.yml: fleets[0].template: unknown key "name"',
    },
    {
      name: 'a template trigger on an unknown signal',
      mutate: (d: any) => (d.fleets[0].template.scaling.scale_out[0].signal = 'cpuu'),
      expected:
        'fleet.yml: fleets[0].template.scaling.scale_out[0].signal: expected the name of a signal of this service (cpu, sessions, concurrent_users), got "cpuu"',
    },
    {
      name: 'an override with both match and match_regex',
      mutate: (d: any) => (d.fleets[0].overrides[0].match_regex = 'check.*'),
      expected: 'fleet.yml: fleets[0].overrides[0]: expected exactly one of "match" or "match_regex", got an object',
    },
    {
      name: 'an override with neither',
      mutate: (d: any) => delete d.fleets[0].overrides[1].match,
      expected: 'fleet.yml: fleets[0].overrides[1]: expected exactly one of "match" or "match_regex", got an object',
    },
    {
      name: 'an override regex that does not compile',
      mutate: (d: any) => (d.fleets[0].overrides[3].match_regex = 'pay(.*'),
      expected:
        'fleet.yml: fleets[0].overrides[3].match_regex: expected a regular expression (Invalid regular expression: /^(?:pay(.*)$/: Unterminated group), got "pay(.*"',
    },
    {
      name: 'an override matching a name no label value could be',
      mutate: (d: any) => (d.fleets[0].overrides[0].match = 'check out'),
      expected:
        'fleet.yml: fleets[0].overrides[0].match: expected a service name (^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$), got "check out"',
    },
    {
      name: 'an override whose limit is not a number once merged',
      mutate: (d: any) => (d.fleets[0].overrides[0].scaling.limits.max = 'forty'),
      expected: 'fleet.yml: fleets[0].overrides[0].scaling.limits.max: expected a number, got "forty"',
    },
    {
      name: 'an override with an unknown key in a block',
      mutate: (d: any) => (d.fleets[0].overrides[1].scaling.limitz = { min: 3 }),
      expected: 'fleet.yml: fleets[0].overrides[1].scaling: unknown key "limitz"',
    },
    {
      name: 'an override whose min passes the template max',
      mutate: (d: any) => (d.fleets[0].overrides[1].scaling.limits.min = 30),
      expected: 'fleet.yml: fleets[0].overrides[1].scaling.limits: expected limits.min <= limits.max, got an object',
    },
    {
      name: 'an override trigger (patched by name) at the resource limit',
      mutate: (d: any) => (d.fleets[0].overrides[0].scaling.scale_out[0].above = 100),
      expected:
        'fleet.yml: fleets[0].overrides[0].scaling.scale_out[0].above: expected below the limit of resource cpu (100): a trigger at or above the limit fires only once instances are past capacity, got 100',
    },
    {
      name: 'an override adding a trigger on an unknown signal',
      mutate: (d: any) =>
        d.fleets[0].overrides[0].scaling.scale_out.push({
          name: 'mem_high',
          signal: 'memory',
          above: 80,
          for: '1m',
          cooldown: '1m',
        }),
      expected:
        'fleet.yml: fleets[0].overrides[0].scaling.scale_out[1].signal: expected the name of a signal of this service (cpu, sessions, concurrent_users), got "memory"',
    },
    {
      name: 'an override resource (patched by name) with warning above critical',
      mutate: (d: any) => (d.fleets[0].overrides[2].capacity.resources[0].warning = 90),
      expected:
        'fleet.yml: fleets[0].overrides[2].capacity.resources[0].warning: expected below critical (80): thresholds go warning < critical <= limit, got 90',
    },
    {
      name: 'an override with an actuator of unknown type',
      mutate: (d: any) => (d.fleets[0].overrides[0].actuator = { type: 'ssh' }),
      expected:
        'fleet.yml: fleets[0].overrides[0].actuator.type: expected one of "dry-run", "http", "kubernetes", "kubernetes-hpa", "command", got "ssh"',
    },
    {
      name: 'two fleets of one name',
      mutate: (d: any) => d.fleets.push({ ...d.fleets[0], label: 'deployment' }),
      expected: 'fleet.yml: fleets[1].name: expected a unique name, got "shop"',
    },
    {
      name: 'a series budget that is not a whole number',
      mutate: (d: any) => (d.series_budget = 0.5),
      expected: 'fleet.yml: series_budget: expected an integer, got 0.5',
    },
  ])('reports $name', ({ mutate, expected }) => {
    expect(problems(mutate)).toContain(expected);
  });

  it('reports a template problem once, at the template, not again at every override', () => {
    const found = problems((d) => (d.fleets[0].template.scaling.limits.max = 'twenty'));
    expect(found.filter((p) => p.includes('limits.max'))).toEqual([
      'fleet.yml: fleets[0].template.scaling.limits.max: expected a number, got "twenty"',
    ]);
  });

  it('exits with code 2', () => {
    try {
      validatePolicy({ services: [] });
    } catch (e) {
      expect((e as ConfigError).exitCode).toBe(2);
      return;
    }
    throw new Error('expected a ConfigError');
  });
});

describe('a fleet service', () => {
  const fleet = () => loadPolicy(FLEET_POLICY).fleets[0];

  it.each([
    { name: 'checkout', overrides: 1, max: 40, min: 2, cpuAbove: 80, onDemand: 0.8, cpuWarning: 70 },
    { name: 'cart', overrides: 1, max: 20, min: 3, cpuAbove: 70, onDemand: 0.5, cpuWarning: 70 },
    { name: 'search', overrides: 1, max: 20, min: 2, cpuAbove: 70, onDemand: 0.5, cpuWarning: 60 },
    { name: 'payments', overrides: 1, max: 20, min: 3, cpuAbove: 70, onDemand: 0.5, cpuWarning: 70 },
    { name: 'catalog', overrides: 0, max: 20, min: 2, cpuAbove: 70, onDemand: 0.5, cpuWarning: 70 },
  ])('$name is the template with its $overrides matching override(s) merged in', (row) => {
    const f = fleet();
    const s = fleetService(f, row.name);
    expect(overridesFor(f, row.name)).toHaveLength(row.overrides);
    expect(s.name).toBe(row.name);
    expect(s.fleet).toEqual({ name: 'shop', label: 'service' });
    expect([s.scaling.limits.min, s.scaling.limits.max]).toEqual([row.min, row.max]);
    expect(s.scaling.scale_out.map((t) => [t.name, t.above, t.for])).toEqual([
      ['cpu_high', row.cpuAbove, 300],
      ['sessions_high', 160, 180],
    ]);
    expect(s.capacity.resources.find((r) => r.name === 'cpu')!.warning).toBe(row.cpuWarning);
    expect(s.cost.instance_hour.on_demand).toBe(row.onDemand);
  });

  it('anchors match_regex like Prometheus =~', () => {
    const f = fleet();
    expect(overridesFor(f, 'repay')).toHaveLength(0);
    expect(overridesFor(f, 'payments')).toHaveLength(1);
  });

  it('is the same object on every call, so caches keyed by the service hold', () => {
    const f = fleet();
    expect(fleetService(f, 'checkout')).toBe(fleetService(f, 'checkout'));
  });

  it('takes its actuator from the last override that names one', () => {
    const f = fleet();
    expect(fleetActuator(f, 'checkout')).toEqual({ type: 'dry-run', instances: 6 });
    expect(fleetActuator(f, 'cart')).toBeUndefined();
  });

  it('applies later overrides over earlier ones', () => {
    const doc = fleetDoc();
    doc.fleets[0].overrides.push({ match_regex: 'check.*', scaling: { limits: { max: 30 } } });
    const f = validatePolicy(doc).fleets[0];
    expect(fleetService(f, 'checkout').scaling.limits.max).toBe(30);
  });
});

describe('override merge', () => {
  it.each([
    { name: 'deep-merges objects', base: { a: { b: 1, c: 2 } }, patch: { a: { c: 3 } }, out: { a: { b: 1, c: 3 } } },
    {
      name: 'merges lists of named entries by name, appending new names',
      base: { l: [{ name: 'x', v: 1, w: 1 }] },
      patch: {
        l: [
          { name: 'x', v: 2 },
          { name: 'y', v: 3 },
        ],
      },
      out: {
        l: [
          { name: 'x', v: 2, w: 1 },
          { name: 'y', v: 3 },
        ],
      },
    },
    {
      name: 'merges scale-in conditions by signal',
      base: {
        conditions: [
          { signal: 'cpu', below: 30 },
          { signal: 'mem', below: 40 },
        ],
      },
      patch: { conditions: [{ signal: 'mem', below: 20 }] },
      out: {
        conditions: [
          { signal: 'cpu', below: 30 },
          { signal: 'mem', below: 20 },
        ],
      },
    },
    { name: 'replaces other lists', base: { users: [1, 2, 3] }, patch: { users: [5, 6] }, out: { users: [5, 6] } },
  ])('$name', ({ base, patch, out }) => {
    expect(mergeDocs(base, patch)).toEqual(out);
  });
});

describe('a discovered name', () => {
  const taken = {
    explicit: new Set(['billing']),
    owner: new Map([
      ['cart', 'shop'],
      ['ledger', 'finance'],
    ]),
  };
  it.each([
    { name: 'checkout', ok: true, reason: undefined },
    { name: 'pay-api.v2:eu_1', ok: true, reason: undefined },
    { name: 'cart', ok: true, reason: undefined },
    {
      name: '-x',
      ok: false,
      reason: 'label value "-x" is not a service name (expected ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$)',
    },
    {
      name: 'a"} or vector(1) #',
      ok: false,
      reason: 'label value "a\\"} or vector(1) #" is not a service name (expected ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$)',
    },
    { name: 'x'.repeat(129), ok: false, reason: expect.stringContaining('is not a service name') },
    {
      name: 'billing',
      ok: false,
      reason: '"billing" is an explicit service of the policy, which wins over fleet shop',
    },
    { name: 'ledger', ok: false, reason: '"ledger" is already a service of fleet finance' },
  ])('$name: ok $ok', ({ name, ok, reason }) => {
    const r = checkDiscoveredName(name, taken, 'shop');
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.reason).toEqual(reason);
  });
});
