/**
 * Every PromQL expression Headroom generates for a policy (alert and recording rules, the overview
 * dashboard's panels and variables, the Grafana budget rules) and the panel's queries: what the
 * contract and cardinality tests check against the catalogue and /metrics.
 */
import path from 'node:path';
import yaml from 'js-yaml';
import { QUERIES } from '@headroom/contract';
import { loadPolicy } from '../../src/config/load.js';
import { generateAlerts } from '../../src/alerts/index.js';
import { buildProvisioning } from '../../src/provisioning/index.js';

/** Names in a PromQL expression that look like Headroom's (`headroom_…`, or a recording rule `level:headroom_…:op`). */
export const headroomNames = (expr: string): string[] =>
  [...expr.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((n) => /(^|:)headroom_/.test(n));

export interface Generated {
  recorded: Set<string>;
  exprs: { where: string; expr: string }[];
}

export function generatedExprs(policies: readonly string[]): Generated {
  const out: Generated = { recorded: new Set(), exprs: [] };
  for (const file of policies) {
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
