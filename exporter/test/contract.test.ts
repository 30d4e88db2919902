/**
 * @headroom/contract is the one place metric names and alert labels are spelled: every generated
 * rule, dashboard and panel query names only metrics of its catalogue, and no product source outside
 * it writes a metric name or an alert-label literal.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ALL_METRICS, CLASS_LABEL } from '@headroom/contract';
import { EXAMPLE_POLICY, ROOT } from './helpers.js';
import { generatedExprs, headroomNames } from './support/generated-exprs.js';

const POLICIES = [EXAMPLE_POLICY, path.join(ROOT, 'deploy/headroom.compose.yml')];

/** Names an expression uses that are neither in the catalogue nor recorded by one of `recorded`. */
const unknownMetrics = (expr: string, recorded: ReadonlySet<string>): string[] =>
  headroomNames(expr).filter((n) => !ALL_METRICS.has(n) && !recorded.has(n));

const generated = () => generatedExprs(POLICIES);

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
