/**
 * The exporter-wide alerts (stale refresh, exporter down or absent, reload failed) are about the
 * exporter, not a service: on a policy with three explicit services and two fleets each is one rule,
 * one firing alert per outage in the real promtool, and routed by the real amtool to the health route.
 * The per-service alerts keep their copy per service and per fleet.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPORTER_SCOPE, FLEET_LABEL, SCOPE_LABEL } from '@headroom/contract';
import { ROOT } from './helpers.js';
import { exec, tempDir } from './support/processes.js';
import { loadPolicy } from '../src/config/load.js';
import { allRuleGroups, generateAlerts } from '../src/alerts/index.js';
import { RECEIVERS } from '../src/alerts/alertmanager.js';
import { ALERTS, everyServiceOf, EXPORTER_SCOPE_NAMES_MAX, exporterGroup, isAlert } from '../src/alerts/rules.js';
import type { Policy } from '../src/config/schema.js';
import type { TestCase, TestFile } from '../src/alerts/promtool-tests.js';

const POLICY_FILE = path.join(ROOT, 'exporter/test/fixtures/exporter-wide.yml');
const policy = loadPolicy(POLICY_FILE);
const SERVICES = ['billing', 'ledger', 'search'];
const FLEETS = ['shop', 'web'];
const EVERY = 'every service of this exporter: billing, ledger, search, fleet shop, fleet web';

const tmp = tempDir('alerts-exporter-wide');
afterAll(() => exec('rm', ['-rf', tmp]));

/** The generated alerts/ of the policy, written to a temporary directory. */
function write(): string {
  const out = path.join(tmp, 'alerts');
  for (const [name, text] of generateAlerts(policy, { configName: 'exporter-wide.yml', format: 'prometheus' })) {
    mkdirSync(path.dirname(path.join(out, name)), { recursive: true });
    writeFileSync(path.join(out, name), text);
  }
  return out;
}
const out = write();

/** Every alerting rule of every generated file, with the group it is in. */
const rules = Object.values(allRuleGroups(policy))
  .flat()
  .flatMap((g) => g.rules.filter(isAlert).map((rule) => ({ group: g.name, rule })));

/** [name, rule] rows: each exporter-wide rule, told apart by its alert name and cadence. */
const EXPORTER_WIDE = [
  { alert: ALERTS.stale, cadence: 'signals' },
  { alert: ALERTS.stale, cadence: 'history' },
  { alert: ALERTS.exporterDown },
  { alert: ALERTS.exporterAbsent },
  { alert: ALERTS.configReload },
].map((r) => [r.cadence ? `${r.alert} (${r.cadence})` : r.alert, r] as const);

describe('the exporter-wide alerts of a policy with three services and two fleets', () => {
  it('has the services and fleets the cases below count on', () => {
    expect(policy.services.map((s) => s.name)).toEqual(SERVICES);
    expect(policy.fleets.map((f) => f.name)).toEqual(FLEETS);
  });

  it.each(EXPORTER_WIDE)(
    '%s appears exactly once in the generated rules, scope="exporter", without a service or fleet label',
    (_name, { alert, cadence }) => {
      const copies = rules.filter((r) => r.rule.alert === alert && r.rule.labels.cadence === cadence);
      expect(copies.map((c) => c.group)).toEqual(['headroom.exporter']);
      const { labels } = copies[0].rule;
      expect(labels[SCOPE_LABEL]).toBe(EXPORTER_SCOPE);
      expect(labels.headroom).toBe('health');
      expect(Object.keys(labels)).not.toContain('service');
      expect(Object.keys(labels)).not.toContain(FLEET_LABEL);
    }
  );

  it.each([
    [ALERTS.inputMissing, 'health'],
    [ALERTS.scalerFailing, 'health'],
    [ALERTS.scaleOut, 'scaling'],
    [ALERTS.belowMinimum, 'scaling'],
    [ALERTS.budgetWarning, 'budget'],
    [ALERTS.budgetForecast, 'budget'],
    [ALERTS.capacity, 'budget'],
  ])('%s keeps its copy per explicit service and per fleet (%s rules)', (alert, kind) => {
    const groups = (name: string) => rules.filter((r) => r.rule.alert === alert && r.group === name);
    for (const svc of SERVICES) {
      const copies = groups(`headroom.${svc}.${kind}`);
      expect(copies.length, `${alert} of ${svc}`).toBe(1);
      expect(copies[0].rule.labels.service).toBe(svc);
    }
    for (const fleet of FLEETS) {
      const copies = groups(`headroom.fleet.${fleet}.${kind}`);
      expect(copies.length, `${alert} of fleet ${fleet}`).toBeGreaterThan(0);
      for (const c of copies) expect(c.rule.expr, `${alert} of fleet ${fleet}`).toContain(`fleet="${fleet}"`);
    }
  });

  it.each(EXPORTER_WIDE)(
    '%s says in its summary and description that every service and fleet is affected, naming none alone',
    (_name, { alert, cadence }) => {
      const r = rules.find((x) => x.rule.alert === alert && x.rule.labels.cadence === cadence)!.rule;
      expect(r.annotations.summary).toContain(`(${EVERY})`);
      expect(r.annotations.description).toContain(`Affected: ${EVERY}.`);
      expect(r.annotations.summary).not.toMatch(/^(billing|ledger|search|\{\{ \$labels\.service \}\}):/);
    }
  );

  const named = (services: number, fleets: number) =>
    ({
      services: Array.from({ length: services }, (_, i) => ({ name: `s${i + 1}` })),
      fleets: Array.from({ length: fleets }, (_, i) => ({ name: `f${i + 1}` })),
    }) as unknown as Policy;
  it.each([
    ['one service', named(1, 0), 'every service of this exporter: s1'],
    ['fleets only', named(0, 2), 'every service of this exporter: fleet f1, fleet f2'],
    [
      `more names than the ${EXPORTER_SCOPE_NAMES_MAX} it lists`,
      named(9, 3),
      'every service of this exporter: s1, s2, s3, s4, s5, s6, s7, s8, s9, fleet f1 and 2 more',
    ],
  ] as const)('lists the affected services for %s', (_what, p, text) => {
    expect(everyServiceOf(p)).toBe(text);
  });
});

/** The generated case of `name` in tests/health.test.yml. */
function healthCase(name: string): TestCase {
  const file = yaml.load(readFileSync(path.join(out, 'tests/health.test.yml'), 'utf8')) as TestFile;
  const c = file.tests.find((t) => t.name === name);
  expect(c, name).toBeDefined();
  return c!;
}

describe('promtool on the rules of that policy', () => {
  it('passes every generated test', async () => {
    const r = await exec(
      'promtool',
      ['test', 'rules', 'tests/scaling.test.yml', 'tests/budget.test.yml', 'tests/health.test.yml'],
      { cwd: out, timeout: 60_000 }
    );
    expect(r.stdout).not.toContain('FAILED');
    expect(r.stdout.match(/SUCCESS/g)).toHaveLength(3);
  });

  const down = {
    headroom: 'health',
    scope: 'exporter',
    severity: 'critical',
    instance: '127.0.0.1:9778',
    job: 'headroom',
  };
  const stale = (cadence: string) => ({ headroom: 'health', scope: 'exporter', severity: 'warning', cadence });
  it.each([
    [
      'one exporter down',
      'HeadroomExporterDown: fires once, not per service or fleet, when the exporter has been down for 5m',
      down,
    ],
    [
      'a stale signals refresh',
      'HeadroomDataStale: fires once, not per service or fleet, when the last signals refresh is more than 5m old',
      stale('signals'),
    ],
    [
      'a stale history refresh',
      'HeadroomDataStale: fires once, not per service or fleet, when the last history refresh is more than 2h old',
      stale('history'),
    ],
  ] as const)(
    '%s fires exactly one alert: the generated case expects one, and promtool fails it when two are expected',
    async (_what, name, labels: Record<string, string>) => {
      const c = healthCase(name);
      const [test] = c.alert_rule_test;
      expect(test.exp_alerts).toHaveLength(1);
      expect(test.exp_alerts[0].exp_labels).toEqual(labels);
      expect(test.exp_alerts[0].exp_annotations.summary).toContain(`(${EVERY})`);
      // promtool compares the whole list of firing alerts: the case alone passes, and the same case
      // expecting a second copy (as one per service or fleet would fire) fails.
      const file = (tests: TestCase[]): TestFile => ({
        rule_files: ['../health.rules.yml'],
        evaluation_interval: '1m',
        tests,
      });
      const twice: TestCase = {
        ...c,
        name: `${c.name} (expecting two)`,
        alert_rule_test: [{ ...test, exp_alerts: [test.exp_alerts[0], test.exp_alerts[0]] }],
      };
      const dir = path.join(out, 'tests');
      const single = path.join(dir, `once-${labels.cadence ?? 'down'}.test.yml`);
      const double = path.join(dir, `twice-${labels.cadence ?? 'down'}.test.yml`);
      writeFileSync(single, yaml.dump(file([c])));
      writeFileSync(double, yaml.dump(file([twice])));
      const ok = await exec('promtool', ['test', 'rules', single], { timeout: 60_000 });
      expect(ok.stdout).toContain('SUCCESS');
      const failed = await exec('promtool', ['test', 'rules', double], { timeout: 60_000 }).then(
        () => null,
        (e: { code?: number; stdout?: string; stderr?: string }) => e
      );
      expect(failed?.code).toBe(1);
      expect(`${failed?.stdout}${failed?.stderr}`).toContain('FAILED');
    }
  );
});

describe('Alertmanager routing of the exporter-wide alerts (amtool)', () => {
  const config = path.join(out, 'alertmanager.yml');
  const firing = exporterGroup(policy)
    .rules.filter(isAlert)
    .map(
      (r) =>
        [
          `${r.alert}${r.labels.cadence ? ` (${r.labels.cadence})` : ''}`,
          { alertname: r.alert, ...r.labels, ...(r.alert === ALERTS.exporterDown ? { instance: 'a:9778' } : {}) },
        ] as const
    );

  it.each(firing)(
    '`amtool config routes test` sends %s, labelled as its rule, to the health route and its receiver',
    async (_name, labels) => {
      const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
      const r = await exec(
        'amtool',
        [
          'config',
          'routes',
          'test',
          `--config.file=${config}`,
          `--verify.receivers=${RECEIVERS.people}`,
          '--tree',
          ...args,
        ],
        { timeout: 30_000 }
      );
      expect(r.stdout).toMatch(/└── \{headroom="health"\}\s+receiver: headroom-people/);
      expect(r.stdout.trim().split('\n').at(-1)).toBe(RECEIVERS.people);
    }
  );

  it('groups them by alert name alone, as they carry no service label: one outage, one notification', () => {
    const am = yaml.load(readFileSync(config, 'utf8')) as { route: { group_by: string[] } };
    expect(am.route.group_by).toEqual(['alertname', 'service']);
    for (const [, labels] of firing) expect(Object.keys(labels)).not.toContain('service');
  });
});
