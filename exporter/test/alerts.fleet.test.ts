/**
 * Rules that scale: a fleet's rules are one recording rule per signal and one alert per trigger for
 * the whole fleet, overrides included, and the real promtool / amtool accept and test them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { fleetRuleIntervalSeconds, FLEET_RULE_INTERVAL_SECONDS, SCALING_LABELS } from '@headroom/contract';
import { EXAMPLE_POLICY, ROOT } from './helpers.js';
import { exec, tempDir } from './support/processes.js';
import { loadPolicy } from '../src/config/load.js';
import { allRuleGroups, generateAlerts } from '../src/alerts/index.js';
import { fleetTestServices } from '../src/alerts/fleet-tests.js';
import { overrideRegex } from '../src/fleet/expand.js';
import { isAlert, type AlertingRule, type RecordingRule } from '../src/alerts/rules.js';
import type { Policy } from '../src/config/schema.js';
import type { TestCase, TestFile } from '../src/alerts/promtool-tests.js';

const FIXTURES = path.join(ROOT, 'exporter/test/fixtures');
const WEB = path.join(FIXTURES, 'fleet-rules.yml');
const SHOP = path.join(FIXTURES, 'fleet.yml');
const tmp = tempDir('alerts-fleet');
afterAll(() => exec('rm', ['-rf', tmp]));

function write(policyFile: string): string {
  const out = path.join(tmp, path.basename(policyFile, '.yml'));
  const files = generateAlerts(loadPolicy(policyFile), { configName: path.basename(policyFile), format: 'prometheus' });
  for (const [name, text] of files) {
    mkdirSync(path.dirname(path.join(out, name)), { recursive: true });
    writeFileSync(path.join(out, name), text);
  }
  return out;
}

const fleetGroup = (policy: Policy, kind: 'scaling' | 'budget' | 'health', fleet: string) =>
  allRuleGroups(policy)[kind].find((g) => g.name === `headroom.fleet.${fleet}.${kind}`)!;
const alerts = (policy: Policy, fleet: string, trigger: string): AlertingRule[] =>
  fleetGroup(policy, 'scaling', fleet)
    .rules.filter(isAlert)
    .filter((r) => r.labels.trigger === trigger);

describe('the rules of a fleet', () => {
  const web = loadPolicy(WEB);

  it('record each signal once for the whole fleet, labelled with the fleet, the fleet label copied into service', () => {
    const records = fleetGroup(web, 'scaling', 'web').rules.filter((r): r is RecordingRule => 'record' in r);
    expect(records).toEqual([
      {
        record: 'service:headroom_signal_cpu:percent',
        expr: 'label_replace(avg by (deployment) (web_cpu_percent), "service", "$1", "deployment", "(.*)")',
        labels: { fleet: 'web' },
      },
      {
        record: 'service:headroom_signal_sessions:sessions',
        expr: 'label_replace(avg by (deployment) (web_active_sessions), "service", "$1", "deployment", "(.*)")',
        labels: { fleet: 'web' },
      },
    ]);
  });

  it('evaluate at the interval the contract exports (the refresh interval when shorter)', () => {
    for (const kind of ['scaling', 'budget', 'health'] as const)
      expect(fleetGroup(web, kind, 'web').interval).toBe(`${fleetRuleIntervalSeconds(web.refresh.interval)}s`);
    expect(fleetRuleIntervalSeconds(web.refresh.interval)).toBe(Math.min(FLEET_RULE_INTERVAL_SECONDS, 30));
    expect(fleetRuleIntervalSeconds(1)).toBe(1);
  });

  it.each([
    {
      trigger: 'cpu_high',
      exprs: [
        'service:headroom_signal_cpu:percent{fleet="web",service!~"checkout"} > 70',
        'service:headroom_signal_cpu:percent{fleet="web",service="checkout"} > 80',
      ],
    },
    {
      trigger: 'sessions_high',
      exprs: [
        'service:headroom_signal_sessions:sessions{fleet="web",service!~"pay.*"} > 160',
        'service:headroom_signal_sessions:sessions{fleet="web",service=~"pay.*"} > 120',
      ],
    },
  ])(
    'alert $trigger on the recorded series: the default excludes the overridden services, each override its own',
    ({ trigger, exprs }) => {
      const rules = alerts(web, 'web', trigger);
      expect(rules.map((r) => r.expr)).toEqual(exprs);
      for (const r of rules) {
        expect(Object.keys(r.labels)).not.toContain('service');
        expect(r.annotations.summary).toMatch(/^\{\{ \$labels\.service \}\}: /);
      }
    }
  );

  it('join the services that share a rule in one alert with an `or` branch each', () => {
    const shop = loadPolicy(SHOP);
    expect(alerts(shop, 'shop', 'min_instances').map((r) => r.expr)).toEqual([
      'headroom_instances{fleet="shop",service!~"cart|pay.*"} < 2',
      'headroom_instances{fleet="shop",service="cart"} < 3\nor\nheadroom_instances{fleet="shop",service=~"pay.*",service!~"cart"} < 3',
    ]);
    expect(alerts(shop, 'shop', 'min_instances')[1].labels.override).toBe('cart,pay.*');
  });

  it('carry what the scaler needs from the series: service from the recorded series, trigger and action from the rule', () => {
    for (const r of fleetGroup(web, 'scaling', 'web').rules.filter(isAlert)) {
      expect(r.expr).toContain('fleet="web"');
      for (const l of SCALING_LABELS.filter((l) => l !== 'service')) expect(r.labels[l], r.alert).toBeDefined();
    }
  });

  it("leave the explicit services' rules byte for byte as they were; the exporter-wide group adds the fleet to the services it names", () => {
    const explicit = loadPolicy(EXAMPLE_POLICY);
    const both: Policy = { ...explicit, fleets: web.fleets };
    const before = generateAlerts(explicit, { configName: 'headroom.yml', format: 'prometheus' });
    const after = generateAlerts(both, { configName: 'headroom.yml', format: 'prometheus' });
    const groups = (text: string) => (yaml.load(text) as { groups: { name: string }[] }).groups;
    const services = (text: string) => groups(text).filter((g) => g.name !== 'headroom.exporter');
    for (const kind of ['scaling', 'budget', 'health']) {
      const b = services(before.get(`${kind}.rules.yml`)!);
      expect(services(after.get(`${kind}.rules.yml`)!).slice(0, b.length)).toEqual(b);
    }
    const exporter = (files: Map<string, string>) =>
      JSON.stringify(groups(files.get('health.rules.yml')!).find((g) => g.name === 'headroom.exporter'));
    expect(exporter(after)).toBe(
      exporter(before).replaceAll(
        'every service of this exporter: terminal',
        'every service of this exporter: terminal, fleet web'
      )
    );
  });
});

describe('promtool on the rules of a fleet', () => {
  it.each([
    { file: WEB, fleet: 'web' },
    { file: SHOP, fleet: 'shop' },
  ])('accepts and passes the generated tests of $fleet ($file)', async ({ file, fleet }) => {
    const out = write(file);
    const check = await exec(
      'promtool',
      ['check', 'rules', 'scaling.rules.yml', 'budget.rules.yml', 'health.rules.yml'],
      {
        cwd: out,
        timeout: 60_000,
      }
    );
    expect(check.stdout + check.stderr).not.toContain('FAILED');
    const r = await exec(
      'promtool',
      ['test', 'rules', 'tests/scaling.test.yml', 'tests/budget.test.yml', 'tests/health.test.yml'],
      {
        cwd: out,
        timeout: 60_000,
      }
    );
    expect(r.stdout).not.toContain('FAILED');
    const tests = yaml.load(
      generateAlerts(loadPolicy(file), { configName: 'x', format: 'prometheus' }).get('tests/scaling.test.yml')!
    ) as TestFile;
    expect(tests.tests.filter((t) => t.name.includes(`fleet ${fleet}`)).length).toBeGreaterThanOrEqual(8);
  });

  it('tests a fleet of at least three services: every exact override, a name per regex override, and one they leave alone', () => {
    expect(fleetTestServices(loadPolicy(SHOP).fleets[0])).toEqual(['checkout', 'cart', 'search', 'pay', 'other']);
    expect(fleetTestServices(loadPolicy(WEB).fleets[0])).toEqual(['checkout', 'cart', 'pay', 'other']);
  });

  it('has a case where an overridden threshold keeps its service quiet while the others fire', () => {
    const tests = yaml.load(
      generateAlerts(loadPolicy(WEB), { configName: 'x', format: 'prometheus' }).get('tests/scaling.test.yml')!
    ) as TestFile;
    const names = tests.tests.map((t) => t.name);
    expect(names).toContain(
      'HeadroomScaleOut fleet web/cpu_high: at 71% fires for cart, pay, other, not for checkout (threshold 80%)'
    );
    expect(names).toContain(
      'HeadroomScaleOut fleet web/sessions_high: at 121 sessions fires for pay, not for checkout (threshold 160 sessions), cart (threshold 160 sessions), other (threshold 160 sessions)'
    );
  });
});

/** The services of `fleet` a case feeds series for, and those it expects an alert for. */
function servicesOf(t: TestCase, fleet: string) {
  const fed = new Set(
    t.input_series.flatMap((s) =>
      s.series.includes(`fleet="${fleet}"`) ? [/service="([^"]+)"/.exec(s.series)?.[1] ?? ''] : []
    )
  );
  const fired = new Set(
    t.alert_rule_test.flatMap((a) =>
      a.exp_alerts.flatMap((e) => (e.exp_labels.fleet === fleet ? [e.exp_labels.service] : []))
    )
  );
  return { fed, fired };
}

describe('the promtool cases of a fleet', () => {
  it.each([
    { file: WEB, fleet: 'web' },
    { file: SHOP, fleet: 'shop' },
  ])(
    'cover every alert of fleet $fleet on at least three services, an overridden one included, firing for some and holding back for others',
    ({ file, fleet }) => {
      const policy = loadPolicy(file);
      const overrides = policy.fleets[0].overrides;
      const overridden = (name: string) =>
        overrides.some(
          (o) => o.match === name || (o.match_regex !== undefined && overrideRegex(o.match_regex).test(name))
        );
      const files = generateAlerts(policy, { configName: 'x', format: 'prometheus' });
      for (const kind of ['scaling', 'budget', 'health'] as const) {
        const tests = (yaml.load(files.get(`tests/${kind}.test.yml`)!) as TestFile).tests;
        const rules = fleetGroup(policy, kind, fleet).rules.filter(isAlert);
        for (const alert of new Set(rules.filter((r) => r.labels.fleet === undefined).map((r) => r.alert))) {
          const cases = tests
            .filter((t) => t.name.startsWith(`${alert} fleet ${fleet}`))
            .map((t) => servicesOf(t, fleet));
          const fed = new Set(cases.flatMap((c) => [...c.fed]));
          expect(fed.size, `${alert}: services fed`).toBeGreaterThanOrEqual(3);
          expect([...fed].some(overridden), `${alert}: an overridden service`).toBe(true);
          expect(
            cases.some((c) => c.fired.size > 0),
            `${alert}: a case that fires`
          ).toBe(true);
          expect(
            cases.some((c) => [...c.fed].some((s) => !c.fired.has(s))),
            `${alert}: a case that holds back`
          ).toBe(true);
        }
        // Exporter-wide alerts (stale refresh, exporter down…) are no fleet's: one rule for the policy.
        expect(rules.filter((r) => r.labels.fleet !== undefined).map((r) => r.alert)).toEqual([]);
      }
    }
  );
});

describe('Alertmanager routing of a fleet (amtool)', () => {
  it('sends scaling alerts of fleet services to the scaler, grouped by service and trigger, repeating after their own cooldown', async () => {
    const out = write(WEB);
    const config = path.join(out, 'alertmanager.yml');
    await exec('amtool', ['check-config', config]);
    const route = async (...labels: string[]) =>
      (
        await exec('amtool', [
          'config',
          'routes',
          'test',
          '--config.file',
          config,
          '--verify.receivers=headroom-scaler',
          ...labels,
        ])
      ).stdout;
    await route('headroom=scaling', 'fleet=web', 'service=checkout', 'trigger=cpu_high', 'action=scale_out');
    const doc = yaml.load((await exec('cat', [config])).stdout) as {
      route: { routes: { group_by?: string[]; routes?: { matchers: string[]; repeat_interval: string }[] }[] };
    };
    const scaling = doc.route.routes[0];
    expect(scaling.group_by).toEqual(['service', 'trigger']);
    expect(scaling.routes).toEqual(
      expect.arrayContaining([
        { matchers: ['fleet="web"', 'trigger="cpu_high"', 'service!~"checkout"'], repeat_interval: '11m' },
        { matchers: ['fleet="web"', 'trigger="cpu_high"', 'service="checkout"'], repeat_interval: '21m' },
        { matchers: ['fleet="web"', 'trigger="sessions_high"'], repeat_interval: '6m' },
        { matchers: ['fleet="web"', 'trigger="scale_in"'], repeat_interval: '31m' },
      ])
    );
  });
});
