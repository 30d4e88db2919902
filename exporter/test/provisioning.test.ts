/**
 * provisioning/ is generated from headroom.yml: regenerating must give the committed files; the
 * dashboard must type-check against @grafana/schema's Dashboard; the Grafana alerting files must be
 * coherent (data source uids, conditions, contact points, valid PromQL); docker-compose.yml must
 * validate with Debian's docker-compose 1.29.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC, PROMETHEUS_DATASOURCE, QUERIES, type PanelView } from '@headroom/contract';
import { loadPolicy } from '../src/config/load.js';
import { staleGenerated } from '../src/generated.js';
import { buildProvisioning, PROVISIONING, provisioningOptions } from '../src/provisioning/index.js';
import { SCALING_ANNOTATION_FIELDS } from '../src/provisioning/dashboard.js';
import { alertmanagerConfig } from '../src/alerts/alertmanager.js';
import { promDuration } from '../src/alerts/format.js';
import { ALERTS, isAlert, ruleGroups } from '../src/alerts/rules.js';
import { writePolicy } from './support/serve.js';
import { ROOT, runCli } from './helpers.js';
import { exec, tempDir } from './support/processes.js';

const OUT = path.join(ROOT, 'provisioning');
/** provisioning/ is mounted by docker-compose.yml, whose exporter runs the compose policy. */
const POLICY_FILE = path.join(ROOT, 'deploy/headroom.compose.yml');
const composePolicy = () => loadPolicy(POLICY_FILE);
let files: Record<string, string>;

beforeAll(() => {
  files = buildProvisioning(
    composePolicy(),
    provisioningOptions(composePolicy(), { configName: path.basename(POLICY_FILE) })
  );
});

const dashboard = () =>
  JSON.parse(files['dashboards/headroom-overview.json']) as {
    panels: any[];
    templating: { list: any[] };
    annotations: { list: any[] };
    uid: string;
    refresh: string;
  };
const doc = (rel: string) => yaml.load(files[rel]) as any;

describe('provisioning/', () => {
  it('is what `headroom dashboards` generates from the compose policy (regenerate and diff)', async () => {
    expect(staleGenerated(OUT, files)).toEqual([]);
    const r = await runCli(['dashboards', '--check', '--config', POLICY_FILE, '--out', OUT]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('type-checks the dashboard against @grafana/schema Dashboard and the panel options against the plugin', async () => {
    const dir = path.join(ROOT, 'exporter/.tmp/provisioning-check');
    mkdirSync(dir, { recursive: true });
    // __inputs and __requires are the import format's metadata, not part of the dashboard model.
    const {
      __inputs: _inputs,
      __requires: _requires,
      ...d
    } = dashboard() as ReturnType<typeof dashboard> & { __inputs: unknown; __requires: unknown };
    // The schema models no data-source-specific annotation fields (a Prometheus annotation's expr,
    // step, formats…): check the rest of each annotation against it; the next test checks those.
    d.annotations = {
      list: d.annotations.list.map((a) =>
        Object.fromEntries(
          Object.entries(a).filter(([k]) => !(SCALING_ANNOTATION_FIELDS as readonly string[]).includes(k))
        )
      ),
    } as typeof d.annotations;
    const options = d.panels.filter((p) => p.type === PROVISIONING.panelType).map((p) => p.options);
    const file = path.join(dir, 'dashboard-check.ts');
    writeFileSync(
      file,
      [
        "import type { Dashboard } from '@grafana/schema';",
        "import type { PanelOptions } from '../../../grafana-plugin/src/types.js';",
        // JSON has strings where the schema has string enums (ThresholdsMode, MappingType…): compare
        // against the enums' string values. Object literals keep TypeScript's excess-property checks.
        'type Json<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
        `export const dashboard: Json<Dashboard> = ${JSON.stringify(d, null, 2)};`,
        `export const options: Partial<PanelOptions>[] = ${JSON.stringify(options, null, 2)};`,
        '',
      ].join('\n')
    );
    try {
      await exec(
        process.execPath,
        [
          path.join(ROOT, 'node_modules/typescript/bin/tsc'),
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--target',
          'es2022',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          file,
        ],
        { cwd: ROOT }
      );
    } catch (e) {
      throw new Error(`the dashboard does not match @grafana/schema:\n${(e as { stdout: string }).stdout}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('shows the Headroom panel in its three views with exactly the panel queries', () => {
    const panels = dashboard().panels.filter((p) => p.type === PROVISIONING.panelType);
    expect(panels.map((p) => p.options.view)).toEqual(['plan', 'headroom', 'decisions']);
    for (const p of panels) {
      const view = p.options.view as PanelView;
      expect(p.targets.map((t: any) => ({ refId: t.refId, expr: t.expr, instant: t.instant, range: t.range }))).toEqual(
        QUERIES[view]
      );
      expect(p.options.service).toBe('$service');
    }
  });

  it('marks applied and blocked scaling decisions as dashboard annotations, at the time of the decision', () => {
    const [builtIn, ...queries] = dashboard().annotations.list;
    expect(builtIn).toMatchObject({ builtIn: 1, type: 'dashboard' });
    expect(queries.map((a) => [a.name, a.expr, a.titleFormat, a.textFormat])).toEqual([
      [
        'Scaling actions',
        `1000 * ${METRIC.scalerLastDecisionTimestampSeconds}{service=~"$service",blocked_by="none"}`,
        '{{action}} {{service}}',
        'trigger {{trigger}}',
      ],
      [
        'Blocked scaling decisions',
        `1000 * ${METRIC.scalerLastDecisionTimestampSeconds}{service=~"$service",blocked_by!="none"}`,
        'blocked {{action}} {{service}}',
        'blocked by {{blocked_by}} (trigger {{trigger}})',
      ],
    ]);
    for (const a of queries) {
      expect(a).toMatchObject({
        datasource: PROMETHEUS_DATASOURCE,
        enable: true,
        useValueForTime: true,
        step: '1m',
        tagKeys: 'service,action,trigger,blocked_by',
      });
      expect(
        Object.keys(a)
          .filter((k) => !['datasource', 'enable', 'hide', 'name', 'iconColor'].includes(k))
          .sort()
      ).toEqual([...SCALING_ANNOTATION_FIELDS].sort());
    }
  });

  it("links the headroom view's service to the decisions panel and shows costs in the policy currency (standard field config)", () => {
    const panels = dashboard().panels;
    const byView = (view: string) => panels.find((p) => p.type === PROVISIONING.panelType && p.options.view === view);
    const [link] = byView('headroom').fieldConfig.defaults.links;
    expect(link.url).toBe(
      `/d/headroom-overview/?var-service=\${__field.labels.service}&viewPanel=${byView('decisions').id}&\${__url_time_range}`
    );
    expect(byView('plan').fieldConfig.defaults.unit).toBe('currencyUSD');
    expect(panels.filter((p) => p.options?.currency !== undefined)).toEqual([]);
  });

  it('has stock panels for budget usage, input health and recent actions, each described', () => {
    const d = dashboard();
    const exprs = (title: string) =>
      d.panels
        .find((p) => p.title === title)
        ?.targets.map((t: any) => t.expr)
        .join(' ');
    expect(exprs('Budget used')).toContain('headroom_budget_usage_ratio');
    expect(exprs('Input health')).toContain('headroom_input_up');
    expect(exprs('Scaling actions')).toContain('increase(headroom_scaler_actions_total');
    expect(exprs('Last decisions')).toContain('headroom_scaler_last_decision_target_instances');
    for (const p of d.panels) expect(p.description, p.title).toMatch(/\w{3,}.*\w{3,}/);
    const gauge = d.panels.find((p) => p.title === 'Budget used');
    // Thresholds of the gauge come from the policy's warning ratio.
    expect(gauge.fieldConfig.defaults.thresholds.steps.map((s: any) => s.value)).toEqual([
      null,
      composePolicy().services[0].cost.budget.warning_ratio,
      1,
    ]);
    expect(d.refresh).toBe('30s');
  });

  it('lays the panels out on the 24-column grid without overlaps and with unique ids', () => {
    const ps = dashboard().panels;
    expect(new Set(ps.map((p) => p.id)).size).toBe(ps.length);
    for (const [i, a] of ps.entries()) {
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24);
      for (const b of ps.slice(i + 1)) {
        const apart =
          a.gridPos.x + a.gridPos.w <= b.gridPos.x ||
          b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
          a.gridPos.y + a.gridPos.h <= b.gridPos.y ||
          b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        expect(apart, `${a.title} overlaps ${b.title}`).toBe(true);
      }
    }
  });

  it('has a service variable from label_values(headroom_instances, service)', () => {
    const v = dashboard().templating.list.find((x) => x.name === 'service');
    expect(v.type).toBe('query');
    expect(v.query.query).toBe('label_values(headroom_instances, service)');
  });

  it('queries through its $datasource variable (a Prometheus data source, asked for on import) and the alert rules through the provisioned uids', () => {
    const ds = doc('datasources/datasources.yml');
    expect(ds.apiVersion).toBe(1);
    const uids = new Set(ds.datasources.map((d: any) => d.uid));
    expect(uids).toEqual(new Set([PROVISIONING.prometheusUid, PROVISIONING.alertmanagerUid]));
    const used = new Set<string>();
    const walk = (x: unknown) => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        if (typeof o.uid === 'string' && o.type === 'prometheus') used.add(o.uid);
        if (typeof o.datasourceUid === 'string' && o.datasourceUid !== '__expr__') used.add(o.datasourceUid);
        Object.values(o).forEach(walk);
      }
    };
    walk(doc('alerting/budget-rules.yml'));
    expect(used.size).toBeGreaterThan(0);
    for (const u of used) expect(uids.has(u), u).toBe(true);
    const d = dashboard() as any;
    const sources = new Set<string>();
    const collect = (x: unknown) => {
      if (Array.isArray(x)) x.forEach(collect);
      else if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        if (o.datasource && typeof o.datasource === 'object') sources.add(JSON.stringify(o.datasource));
        Object.values(o).forEach(collect);
      }
    };
    collect(d.panels);
    collect(d.templating.list);
    expect([...sources]).toEqual([JSON.stringify(PROMETHEUS_DATASOURCE)]);
    expect(d.templating.list.find((v: any) => v.name === 'datasource')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
      current: { value: '${DS_PROMETHEUS}' },
    });
    expect(d.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    ]);
    const provider = doc('dashboards/provider.yml');
    expect(provider.providers[0]).toMatchObject({ type: 'file', folderUid: PROVISIONING.folderUid });
  });

  it("provisions the policy's budget alerts in Grafana's file format, routed to people", () => {
    const rules = doc('alerting/budget-rules.yml');
    expect(rules.apiVersion).toBe(1);
    const all = rules.groups.flatMap((g: any) => g.rules);
    const svc = composePolicy().services[0];
    expect(all.map((r: any) => r.title)).toEqual([
      'HeadroomBudgetWarning terminal',
      'HeadroomBudgetForecastOverrun terminal',
    ]);
    expect(new Set(all.map((r: any) => r.uid)).size).toBe(all.length);
    for (const r of all) {
      expect(r.uid.length).toBeLessThanOrEqual(40);
      expect(r.data.map((d: any) => d.refId)).toContain(r.condition);
      expect(r.labels).toMatchObject({ headroom: 'budget', service: 'terminal' });
      // Grafana expands $VAR in provisioning files: rule texts must not contain "$".
      expect(JSON.stringify(r)).not.toContain('$');
    }
    const warning = all.find((r: any) => r.title.startsWith('HeadroomBudgetWarning'));
    // The Prometheus rule fires at `>= warning_ratio`: Grafana's threshold is gte, not gt.
    expect(warning.data[2].model.conditions[0].evaluator).toEqual({
      type: 'gte',
      params: [svc.cost.budget.warning_ratio],
    });

    const cps = doc('alerting/contact-points.yml').contactPoints;
    const scaler = cps.flatMap((c: any) => c.receivers).find((r: any) => r.type === 'webhook');
    expect(scaler.settings).toMatchObject({
      url: 'http://exporter:9778/webhook',
      httpMethod: 'POST',
      authorization_scheme: 'Bearer',
      authorization_credentials: '$HEADROOM_WEBHOOK_TOKEN',
    });
    const policy = doc('alerting/policies.yml').policies[0];
    const names = new Set(cps.map((c: any) => c.name));
    for (const r of [policy, ...policy.routes]) expect(names.has(r.receiver), r.receiver).toBe(true);
    expect(policy.routes.find((r: any) => r.object_matchers[0][2] === 'budget').receiver).toBe('Headroom people');
    expect(policy.routes.find((r: any) => r.object_matchers[0][2] === 'scaling').receiver).toBe('Headroom scaler');
  });

  it('uses valid PromQL in every dashboard and alert query (promtool check rules)', async () => {
    const exprs = new Set<string>();
    for (const p of dashboard().panels)
      for (const t of p.targets) exprs.add(t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', 'x'));
    for (const g of doc('alerting/budget-rules.yml').groups) for (const r of g.rules) exprs.add(r.data[0].model.expr);
    const dir = tempDir('promql');
    const file = path.join(dir, 'rules.yml');
    writeFileSync(
      file,
      yaml.dump({ groups: [{ name: 'check', rules: [...exprs].map((expr, i) => ({ record: `check:${i}`, expr })) }] })
    );
    try {
      const { stdout } = await exec('promtool', ['check', 'rules', file]);
      expect(stdout).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docker-compose.yml', () => {
  it('validates offline with docker-compose 1.29 (config -q)', async () => {
    const env = { ...process.env, HEADROOM_WEBHOOK_TOKEN: 'x' };
    const r = await exec('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), 'config', '-q'], {
      cwd: ROOT,
      env,
    });
    expect(r.stderr).toBe('');
  });

  it('mounts the plugin, provisioning and alerts, and allows the unsigned panel', async () => {
    const { stdout } = await exec('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), 'config'], {
      cwd: ROOT,
      env: { ...process.env, HEADROOM_WEBHOOK_TOKEN: 'x' },
    });
    const c = yaml.load(stdout) as any;
    const grafana = c.services.grafana;
    const volumes = grafana.volumes.map((v: any) => (typeof v === 'string' ? v : `${v.source}:${v.target}`)).join('\n');
    expect(volumes).toContain('/var/lib/grafana/plugins/headroom-capacity-panel');
    expect(volumes).toContain('/etc/grafana/provisioning');
    expect(grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe('headroom-capacity-panel');
    expect(Object.keys(c.services).sort()).toEqual([
      'alertmanager',
      'exporter',
      'fleet',
      'grafana',
      'node-exporter',
      'prometheus',
    ]);
    expect(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/FROM node:20-slim/);
  });
});

describe('headroom dashboards, from a policy of ones own', () => {
  const dir = tempDir('dashboards');
  const custom = writePolicy(dir, (d) => {
    d.prometheus = { url: 'http://prom.internal:9090' };
    d.alerts = {
      ...(d.alerts ?? {}),
      webhook_url: 'https://headroom.internal:9778/webhook',
      people_webhook_url: 'https://pager.internal/hooks/capacity',
    };
    d.scaler.token_env = 'CAPACITY_TOKEN';
    for (const s of d.services) s.cost.currency = 'EUR';
  });
  const generate = async (args: string[] = [], policy = custom) => {
    const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const r = await runCli(['dashboards', '--config', policy, '--out', out, ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const read = (rel: string) => readFileSync(path.join(out, rel), 'utf8');
    return {
      dashboard: JSON.parse(read('dashboards/headroom-overview.json')),
      yaml: (rel: string) => yaml.load(read(rel)) as any,
    };
  };
  const receivers = (cps: any) => Object.fromEntries(cps.contactPoints.map((c: any) => [c.name, c.receivers[0]]));

  it("carries the policy's Prometheus URL, scaler webhook, token variable, people's receiver and currency", async () => {
    const g = await generate();
    expect(g.yaml('datasources/datasources.yml').datasources[0].url).toBe('http://prom.internal:9090');
    const r = receivers(g.yaml('alerting/contact-points.yml'));
    expect(r['Headroom scaler'].settings).toMatchObject({
      url: 'https://headroom.internal:9778/webhook',
      authorization_credentials: '$CAPACITY_TOKEN',
    });
    expect(r['Headroom people']).toMatchObject({
      type: 'webhook',
      settings: { url: 'https://pager.internal/hooks/capacity' },
    });
    const panels = g.dashboard.panels;
    expect(panels.find((p: any) => p.title === 'Monthly cost').fieldConfig.defaults.unit).toBe('currencyEUR');
    expect(
      panels.find((x: any) => x.type === PROVISIONING.panelType && x.options.view === 'plan').fieldConfig.defaults.unit
    ).toBe('currencyEUR');
    expect(JSON.stringify(g.dashboard)).not.toContain('USD');
  });

  it('takes URLs, people and currency from the flags over the policy', async () => {
    const g = await generate([
      '--prometheus-url',
      'https://thanos.internal',
      '--alertmanager-url',
      'http://am.internal:9093',
      '--scaler-url',
      'http://10.0.0.7:9778/webhook',
      '--people-email',
      'sre@corp.example',
      '--currency',
      'GBP',
    ]);
    const ds = g.yaml('datasources/datasources.yml').datasources;
    expect(ds.map((d: any) => d.url)).toEqual(['https://thanos.internal', 'http://am.internal:9093']);
    const r = receivers(g.yaml('alerting/contact-points.yml'));
    expect(r['Headroom scaler'].settings.url).toBe('http://10.0.0.7:9778/webhook');
    expect(r['Headroom people']).toMatchObject({ type: 'email', settings: { addresses: 'sre@corp.example' } });
    expect(g.dashboard.panels.find((p: any) => p.title === 'Monthly cost').fieldConfig.defaults.unit).toBe(
      'currencyGBP'
    );
  });

  it.each([
    {
      name: 'services in two currencies without --currency',
      mutate: (d: any) =>
        (d.services = [
          d.services[0],
          { ...d.services[0], name: 'api', cost: { ...d.services[0].cost, currency: 'EUR' } },
        ]),
      args: [],
      message: 'the services price in different currencies (USD, EUR); pass --currency <code> for the dashboard',
    },
    {
      name: 'a currency that is not an ISO code',
      mutate: () => {},
      args: ['--currency', 'euro'],
      message: '--currency: expected an ISO 4217 code such as USD or EUR, got "euro"',
    },
    {
      name: 'a Prometheus URL that is not http(s)',
      mutate: () => {},
      args: ['--prometheus-url', 'prometheus:9090'],
      message: '--prometheus-url: expected an http(s) URL',
    },
  ])('exits 2 on $name, naming the flag', async ({ mutate, args, message }) => {
    const file = writePolicy(dir, mutate, `bad-${Math.random().toString(36).slice(2)}.yml`);
    const r = await runCli(['dashboards', '--config', file, '--out', path.join(dir, 'never'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('gives Grafana budget rules the comparison, threshold and `for` of the Prometheus budget rules', async () => {
    const policy = loadPolicy(custom);
    const prom = ruleGroups(policy)
      .budget.flatMap((g) => g.rules)
      .filter(isAlert);
    const grafana = (await generate()).yaml('alerting/budget-rules.yml').groups.flatMap((g: any) => g.rules);
    const GRAFANA_OP: Record<string, string> = { '>=': 'gte', '>': 'gt' };
    const compared = [ALERTS.budgetWarning, ALERTS.budgetForecast].map((alert) => {
      const p = prom.find((r) => r.alert === alert)!;
      const [, metric, op, threshold] = /^(\w+)\{[^}]*\} (>=|>) ([\d.]+)$/.exec(p.expr)!;
      const g = grafana.find((r: any) => r.title === `${alert} terminal`);
      expect(g.data[0].model.expr, alert).toMatch(new RegExp(`^${metric}\\{`));
      expect(g.data[2].model.conditions[0].evaluator, alert).toEqual({
        type: GRAFANA_OP[op],
        params: [Number(threshold)],
      });
      expect(g.for, alert).toBe(p.for);
      return `${alert} ${op} ${threshold}`;
    });
    expect(compared).toEqual([
      `HeadroomBudgetWarning >= ${policy.services[0].cost.budget.warning_ratio}`,
      'HeadroomBudgetForecastOverrun > 1',
    ]);
  });

  it('routes like the generated alertmanager.yml: each scaling trigger repeats after its cooldown + 1 m, budget once a day', async () => {
    const policy = loadPolicy(custom);
    const am = alertmanagerConfig(policy, policy.alerts.webhook_url) as any;
    const root = (await generate()).yaml('alerting/policies.yml').policies[0];
    const scaling = root.routes.find((r: any) => r.object_matchers[0][2] === 'scaling');
    const amScaling = am.route.routes.find((r: any) => r.matchers[0] === 'headroom="scaling"');
    const svc = policy.services[0];
    const expected = [
      ...svc.scaling.scale_out.map((t) => [t.name, t.cooldown]),
      ['scale_in', svc.scaling.scale_in!.cooldown],
    ].map(([trigger, cooldown]) => ({ trigger, repeat: promDuration(Number(cooldown) + 60) }));
    const repeats = (routes: any[], matcher: (r: any) => string) =>
      routes.map((r) => ({ trigger: matcher(r), repeat: r.repeat_interval }));
    expect(repeats(scaling.routes, (r) => r.object_matchers.find((m: any) => m[0] === 'trigger')[2])).toEqual(expected);
    expect(
      repeats(amScaling.routes, (r) =>
        JSON.parse(r.matchers.find((m: string) => m.startsWith('trigger=')).slice('trigger='.length))
      )
    ).toEqual(expected);
    expect(scaling).toMatchObject({
      receiver: 'Headroom scaler',
      group_wait: amScaling.group_wait,
      group_interval: '1m',
    });
    expect(root.routes.find((r: any) => r.object_matchers[0][2] === 'budget')).toMatchObject({
      receiver: 'Headroom people',
      repeat_interval: '1d',
    });
  });
});
