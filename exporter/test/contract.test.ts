/**
 * @headroom/contract is the one place metric names and alert labels are spelled: every generated
 * rule, dashboard and panel query names only metrics of its catalogue, and no product source outside
 * it writes a metric name or an alert-label literal.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ALL_METRICS, CLASS_LABEL, QUERIES } from '@headroom/contract';
import { loadPolicy } from '../src/config/load.js';
import { generateAlerts } from '../src/alerts/index.js';
import { buildProvisioning } from '../src/provisioning/index.js';
import { EXAMPLE_POLICY, ROOT } from './helpers.js';
import yaml from 'js-yaml';

const POLICIES = [EXAMPLE_POLICY, path.join(ROOT, 'deploy/headroom.compose.yml')];

/** Names in a PromQL expression that look like Headroom's (`headroom_…`, or a recording rule `level:headroom_…:op`). */
const headroomNames = (expr: string): string[] =>
  [...expr.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((n) => /(^|:)headroom_/.test(n));

/** Names an expression uses that are neither in the catalogue nor recorded by one of `recorded`. */
const unknownMetrics = (expr: string, recorded: ReadonlySet<string>): string[] =>
  headroomNames(expr).filter((n) => !ALL_METRICS.has(n) && !recorded.has(n));

interface Generated {
  recorded: Set<string>;
  exprs: { where: string; expr: string }[];
}

function generated(): Generated {
  const out: Generated = { recorded: new Set(), exprs: [] };
  for (const file of POLICIES) {
    const policy = loadPolicy(file);
    for (const [name, text] of generateAlerts(policy, { configName: path.basename(file), format: 'prometheus' })) {
      if (!name.endsWith('.rules.yml')) continue;
      for (const g of (yaml.load(text) as { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] })
        .groups) {
        for (const r of g.rules) {
          if (r.record) out.recorded.add(r.record);
          out.exprs.push({ where: `${path.basename(file)} ${name} ${r.record ?? r.alert}`, expr: r.expr });
        }
      }
    }
    const prov = buildProvisioning(policy);
    const dashboard = JSON.parse(prov['dashboards/headroom-overview.json']) as {
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { name: string; query?: { query: string } }[] };
    };
    for (const p of dashboard.panels)
      for (const t of p.targets) out.exprs.push({ where: `dashboard panel ${p.title}`, expr: t.expr });
    for (const v of dashboard.templating.list)
      if (v.query?.query) out.exprs.push({ where: `dashboard variable ${v.name}`, expr: v.query.query });
    const rules = yaml.load(prov['alerting/budget-rules.yml']) as {
      groups: { rules: { title: string; data: { model: { expr?: string } }[] }[] }[];
    };
    for (const r of rules.groups.flatMap((g) => g.rules))
      for (const d of r.data)
        if (d.model.expr) out.exprs.push({ where: `Grafana rule ${r.title}`, expr: d.model.expr });
  }
  for (const [view, qs] of Object.entries(QUERIES))
    for (const q of qs) out.exprs.push({ where: `panel ${view} ${q.refId}`, expr: q.expr });
  return out;
}

describe('the metric catalogue', () => {
  const g = generated();

  it('has every metric that a generated rule, dashboard or panel query names', () => {
    expect(g.exprs.length).toBeGreaterThan(50);
    const unknown = g.exprs.flatMap(({ where, expr }) => unknownMetrics(expr, g.recorded).map((n) => `${where}: ${n}`));
    expect(unknown).toEqual([]);
  });

  it.each([
    { expr: 'headroom_instances{service="a"} < 2', unknown: [] },
    { expr: 'service:headroom_signal_cpu:percent > 70', unknown: [] },
    { expr: 'headroom_instance_count{service="a"} < 2', unknown: ['headroom_instance_count'] },
    {
      expr: 'time() - headroom_last_refresh_timestamp_seconds > 60',
      unknown: ['headroom_last_refresh_timestamp_seconds'],
    },
    { expr: 'service:headroom_signal_disk:percent > 70', unknown: ['service:headroom_signal_disk:percent'] },
  ])('finds unknown metrics in $expr', ({ expr, unknown }) => {
    expect(unknownMetrics(expr, g.recorded)).toEqual(unknown);
  });
});

/** Product sources: the exporter's and the panel's, without tests and test support. */
function productSources(): string[] {
  const list = (dir: string) =>
    readdirSync(path.join(ROOT, dir), { recursive: true })
      .map((f) => path.join(dir, String(f)))
      .filter((f) => /\.tsx?$/.test(f) && !/\.(test|spec)\.tsx?$/.test(f) && !f.split(path.sep).includes('testing'));
  return [...list('exporter/src'), ...list('grafana-plugin/src')];
}

/** String literals (and template pieces) of a source that spell a metric name or an alert label. */
export function contractLiterals(file: string, text: string): string[] {
  const sf = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  );
  const found: string[] = [];
  const where = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const visit = (n: ts.Node) => {
    if (
      ts.isStringLiteral(n) ||
      ts.isNoSubstitutionTemplateLiteral(n) ||
      ts.isTemplateHead(n) ||
      ts.isTemplateMiddle(n) ||
      ts.isTemplateTail(n)
    ) {
      const v = n.text;
      if (/\bheadroom_[a-z]/.test(v)) found.push(`${where(n)}: metric name in ${JSON.stringify(v)}`);
      if (v.includes(`${CLASS_LABEL}="`)) found.push(`${where(n)}: alert-class matcher in ${JSON.stringify(v)}`);
      if (/^schedule_/.test(v)) found.push(`${where(n)}: schedule trigger name in ${JSON.stringify(v)}`);
    }
    // `{ headroom: 'scaling' }`, `{ trigger: 'min_instances' }`: an alert label with a literal value.
    if (
      ts.isPropertyAssignment(n) &&
      ts.isIdentifier(n.name) &&
      [CLASS_LABEL, 'trigger'].includes(n.name.text) &&
      ts.isStringLiteral(n.initializer)
    ) {
      found.push(`${where(n)}: alert label ${n.name.text}=${JSON.stringify(n.initializer.text)}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('product sources outside @headroom/contract', () => {
  it('spell no metric name and no alert-label literal', () => {
    const files = productSources();
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) => contractLiterals(f, readFileSync(path.join(ROOT, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it.each([
    { code: "const m = 'headroom_instances';", found: 1 },
    { code: 'const e = `${x} headroom_budget_usage_ratio{a="b"}`;', found: 1 },
    { code: "const l = { headroom: 'scaling', service: s };", found: 1 },
    { code: "const t = { trigger: 'min_instances' };", found: 1 },
    { code: 'const m = [\'headroom="budget"\'];', found: 1 },
    { code: 'const t = `schedule_${name}`;', found: 1 },
    { code: '// headroom_instances in a comment\nconst x = METRIC.instances;', found: 0 },
    { code: "const env = 'HEADROOM_WEBHOOK_TOKEN';", found: 0 },
  ])('are checked by a scanner that flags $found literal(s) in: $code', ({ code, found }) => {
    expect(contractLiterals('x.ts', code)).toHaveLength(found);
  });
});
