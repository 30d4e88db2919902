/**
 * Rules of a fleet (pure): one recording rule per signal over the fleet's vector query, and the
 * explicit path's per-service alerts written once for the whole fleet on the recorded series, `by`
 * the fleet's label (every series carries `service` and `fleet`, so each alert does too). The
 * exporter-wide alerts (stale refresh, exporter down…) are no fleet's: rules.ts exporterGroup writes
 * them once per policy.
 *
 * How: the explicit rule builders run on the template as a service named CELL, and the rule's
 * `service="<CELL>"` matcher becomes the fleet's selector. Per-service overrides split a rule into
 * cells: the services an override matches (an exact name, or a regex minus the exact names), and
 * the rest (`service!~"checkout|pay.*"`). Cells whose rules differ only in the expression are one
 * rule with an `or` branch per cell; a cell whose text differs (another threshold, limit, budget)
 * is a rule of its own, so every summary quotes the numbers of the service it fires for.
 */
import type { Fleet, Policy, Service } from '../config/schema.js';
import { fleetService, FleetServiceError, overrideRegex } from '../fleet/expand.js';
import { usedSignals } from '../model/decision.js';
import { promDuration, promString } from './format.js';
import {
  belowMinimumRule,
  budgetGroup,
  healthGroup,
  localTimeRules,
  recordName,
  scaleInRule,
  scaleOutRule,
  scheduleRules,
  type AlertingRule,
  type RecordingRule,
  type RuleFileKind,
  type RuleGroup,
} from './rules.js';
import {
  FLEET_LABEL,
  fleetRuleIntervalSeconds,
  LOCAL_MINUTE_RECORD,
  matcher,
  OVERRIDE_LABEL,
  TRIGGER,
  scheduleTrigger,
} from '@headroom/contract';

/** The placeholder name the template is built with; no discovered name can take it (it starts with `_`). */
export const CELL = '__headroom_fleet_cell__';
const CELL_MATCHER = `service=${promString(CELL)}`;
/** An override that applies to no service, for building a cell. */
const NOWHERE = '__headroom_nowhere__';

/** The services an alert applies to: the overrides that match them, and their selector. */
export interface Cell {
  /** Indexes of the fleet's overrides that match the cell's services, in order. */
  overrides: number[];
  /** Matchers after fleet="<name>": `service="checkout"`, `service=~"pay.*",service!~"checkout"`, or none. */
  matchers: string[];
}

/** A rule of the fleet and the cells it covers (one `or` branch each). */
export interface FleetRule {
  rule: AlertingRule;
  cells: Cell[];
}

/** A part of the explicit rules that overrides may change: the rules one service gets for it. */
type Facet = (svc: Service) => AlertingRule[];

/** RE2 (Prometheus) metacharacters of a label value, escaped for an alternation. */
const escapeRegex = (v: string) => v.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

/** The template with the overrides `which` applied (null when they do not make a valid service together). */
export function cellService(fleet: Fleet, which: readonly number[]): Service | null {
  let byKey = cells.get(fleet);
  if (!byKey) cells.set(fleet, (byKey = new Map()));
  const k = which.join(',');
  if (!byKey.has(k)) byKey.set(k, buildCell(fleet, which));
  return byKey.get(k)!;
}

/** Cell services per fleet and combination of overrides (each is one schema parse of a merged template). */
const cells = new WeakMap<Fleet, Map<string, Service | null>>();

function buildCell(fleet: Fleet, which: readonly number[]): Service | null {
  const overrides = fleet.overrides.map((o, i) =>
    which.includes(i) ? { ...o, match: CELL, match_regex: undefined } : { ...o, match: NOWHERE, match_regex: undefined }
  );
  try {
    return fleetService({ ...fleet, overrides }, CELL);
  } catch (e) {
    if (e instanceof FleetServiceError) return null;
    throw e;
  }
}

const key = (rules: readonly AlertingRule[]) => JSON.stringify(rules);

/** The overrides that change what `facet` makes of a service (each alone, on the template). */
function relevantOverrides(fleet: Fleet, facet: (svc: Service) => unknown): number[] {
  const base = JSON.stringify(facet(cellService(fleet, [])!));
  return fleet.overrides.flatMap((_, i) => {
    const svc = cellService(fleet, [i]);
    return svc && JSON.stringify(facet(svc)) !== base ? [i] : [];
  });
}

/** Subsets of `xs` with at least one element (xs is short: the regex overrides of one facet). */
const subsets = <T>(xs: readonly T[]): T[][] =>
  xs.reduce<T[][]>((acc, x) => [...acc, ...acc.map((s) => [...s, x]), [x]], []).sort((a, b) => a.length - b.length);

/** The cells of the overrides `relevant`: one per exact name, one per combination of regexes, and the rest. */
export function cellsOf(fleet: Fleet, relevant: readonly number[]): Cell[] {
  const exact = [...new Set(relevant.flatMap((i) => fleet.overrides[i].match ?? []))];
  const regexes = relevant.filter((i) => fleet.overrides[i].match_regex !== undefined);
  const source = (i: number) => fleet.overrides[i].match_regex!;
  const excluding = (rs: number[]) => {
    const alts = [...exact.map(escapeRegex), ...rs.map(source)];
    return alts.length ? [`service!~${promString(alts.join('|'))}`] : [];
  };
  const cells: Cell[] = [{ overrides: [], matchers: excluding(regexes) }];
  for (const name of exact) {
    const overrides = relevant.filter((i) => {
      const o = fleet.overrides[i];
      return o.match === name || (o.match_regex !== undefined && overrideRegex(o.match_regex).test(name));
    });
    cells.push({ overrides, matchers: [`service=${promString(name)}`] });
  }
  for (const set of subsets(regexes)) {
    const inSet = set.map((i) => `service=~${promString(source(i))}`);
    cells.push({ overrides: set, matchers: [...inSet, ...excluding(regexes.filter((i) => !set.includes(i)))] });
  }
  return cells;
}

/** A per-service rule of the template as the fleet's rule for `cell`: the fleet's selector, the service from the series. */
function forCell(fleet: Fleet, cell: Cell, rule: AlertingRule): AlertingRule {
  const fleetMatcher = `${FLEET_LABEL}=${promString(fleet.name)}`;
  // A rule that does not select the service is exporter-wide: it exists once (exporterGroup), never per fleet.
  if (!rule.expr.includes(CELL_MATCHER))
    throw new Error(`${rule.alert}: a fleet's rule must select the service (${CELL_MATCHER}): ${rule.expr}`);
  const expr = rule.expr
    .replaceAll(`${LOCAL_MINUTE_RECORD}{${CELL_MATCHER},`, `${LOCAL_MINUTE_RECORD}{${fleetMatcher},`)
    .replaceAll(CELL_MATCHER, [fleetMatcher, ...cell.matchers].join(','));
  const { service: _service, ...labels } = rule.labels;
  const annotations = Object.fromEntries(
    Object.entries(rule.annotations).map(([k, v]) => [k, v.replaceAll(CELL, '{{ $labels.service }}')])
  );
  return { ...rule, expr, labels, annotations };
}

/** The override label of a rule for `cells`: none when it covers the services no override changes. */
function overrideLabel(fleet: Fleet, cells: Cell[]): Record<string, string> {
  if (cells.some((c) => c.overrides.length === 0)) return {};
  const what = (c: Cell) =>
    c.matchers[0].startsWith('service="')
      ? (JSON.parse(c.matchers[0].slice('service='.length)) as string)
      : c.overrides.map((i) => fleet.overrides[i].match_regex!).join('&');
  return { [OVERRIDE_LABEL]: cells.map(what).join(',') };
}

/** A branch of an `or`: in parentheses when it has operators of its own. */
const branch = (expr: string) => (/\n| (and|or|unless) /.test(expr) ? `(\n${expr}\n)` : expr);

/** The fleet's rules for a facet: per cell, merged (an `or` branch per cell) where only the expression differs. */
export function fleetFacetRules(fleet: Fleet, facet: Facet): FleetRule[] {
  const merged = new Map<string, FleetRule & { exprs: string[] }>();
  for (const cell of cellsOf(fleet, relevantOverrides(fleet, facet))) {
    const svc = cellService(fleet, cell.overrides);
    if (!svc) continue;
    for (const r of facet(svc)) {
      const rule = forCell(fleet, cell, r);
      const k = key([{ ...rule, expr: '' }]);
      const same = merged.get(k) ?? { rule, cells: [], exprs: [] };
      same.cells.push(cell);
      same.exprs.push(rule.expr);
      merged.set(k, same);
    }
  }
  return [...merged.values()].map(({ rule, cells, exprs }) => ({
    rule: {
      ...rule,
      expr: exprs.length === 1 ? exprs[0] : exprs.map(branch).join('\nor\n'),
      labels: { ...rule.labels, ...overrideLabel(fleet, cells) },
    },
    cells,
  }));
}

/** Whether service `name` is in `cell` (its matchers, as Prometheus reads them: regexes anchored). */
export function cellHas(cell: Cell, name: string): boolean {
  return cell.matchers.every((m) => {
    const [, op, quoted] = /^service(=~|!~|=)(".*")$/.exec(m)!;
    const v = JSON.parse(quoted) as string;
    if (op === '=') return name === v;
    return overrideRegex(v).test(name) === (op === '=~');
  });
}

/** The rule of `rules` (one facet's) that applies to service `name`, if the facet has one for it. */
export const ruleFor = (rules: readonly FleetRule[], name: string): AlertingRule | undefined =>
  rules.find((r) => r.cells.some((c) => cellHas(c, name)))?.rule;

/** The template and each override alone on it: every trigger, schedule and signal a fleet service can have. */
const variants = (fleet: Fleet): Service[] => [
  cellService(fleet, [])!,
  ...fleet.overrides.flatMap((_, i) => cellService(fleet, [i]) ?? []),
];

/** One recording rule per signal the scaling rules read (the label renamed to `service` when it is another), and local times. */
export function fleetRecords(fleet: Fleet): RecordingRule[] {
  const vs = variants(fleet);
  const used = new Set(vs.flatMap((v) => usedSignals(v.scaling)));
  const labels = { [FLEET_LABEL]: fleet.name };
  const expr = (query: string) =>
    fleet.label === 'service' ? query : `label_replace(${query}, "service", "$1", ${promString(fleet.label)}, "(.*)")`;
  const records = vs[0].signals
    .filter((s) => used.has(s.name))
    .map((s) => ({ record: recordName(s), expr: expr(s.query), labels }));
  const zones = new Map<string, RecordingRule>();
  for (const r of vs.flatMap(localTimeRules))
    zones.set(r.labels.timezone, { ...r, labels: { ...labels, timezone: r.labels.timezone } });
  return [...records, ...zones.values()];
}

/** The facets of a fleet's scaling rules, in the explicit group's order (triggers, minimum, schedules, scale-in). */
export function scalingFacets(policy: Policy, fleet: Fleet): Facet[] {
  const vs = variants(fleet);
  const names = (f: (v: Service) => string[]) => [...new Set(vs.flatMap(f))];
  const triggers = names((v) => v.scaling.scale_out.map((t) => t.name));
  const schedules = names((v) => v.scaling.schedules.map((s) => s.name));
  return [
    ...triggers.map(
      (name): Facet =>
        (svc) =>
          svc.scaling.scale_out.filter((t) => t.name === name).map((t) => scaleOutRule(policy, svc, t))
    ),
    (svc) => [belowMinimumRule(policy, svc)],
    ...schedules.map(
      (name): Facet =>
        (svc) =>
          scheduleRules(policy, svc).filter((r) => r.labels.trigger === scheduleTrigger(name))
    ),
    (svc) => [scaleInRule(policy, svc)].flatMap((r) => r ?? []),
  ];
}

/** One facet per alert of a per-service group (budget, health): the i-th alert of the group. */
const groupFacets = (group: (svc: Service) => RuleGroup, template: Service): Facet[] =>
  group(template).rules.map((_, i): Facet => (svc) => [group(svc).rules[i] as AlertingRule]);

/** The fleet's rules per file, as FleetRules (the promtool tests find each service's rule in them). */
export function fleetRules(policy: Policy, fleet: Fleet): Record<RuleFileKind, FleetRule[][]> {
  const template = cellService(fleet, [])!;
  const of = (facets: Facet[]) => facets.map((f) => fleetFacetRules(fleet, f));
  return {
    scaling: of(scalingFacets(policy, fleet)),
    budget: of(groupFacets((svc) => budgetGroup(policy, svc), template)),
    health: of(groupFacets((svc) => healthGroup(policy, svc), template)),
  };
}

/** The rule groups of every fleet of the policy, per file. Each states its interval (contract fleetRuleIntervalSeconds). */
export function fleetRuleGroups(policy: Policy): Record<RuleFileKind, RuleGroup[]> {
  const interval = promDuration(fleetRuleIntervalSeconds(policy.refresh.interval));
  const groups = policy.fleets.map((fleet) => {
    const rules = fleetRules(policy, fleet);
    const group = (kind: RuleFileKind, records: RecordingRule[] = []): RuleGroup => ({
      name: `headroom.fleet.${fleet.name}.${kind}`,
      interval,
      rules: [...records, ...rules[kind].flat().map((r) => r.rule)],
    });
    return { scaling: group('scaling', fleetRecords(fleet)), budget: group('budget'), health: group('health') };
  });
  return {
    scaling: groups.map((g) => g.scaling),
    budget: groups.map((g) => g.budget),
    health: groups.map((g) => g.health),
  };
}

/** A route of a fleet's scaling alerts: its matchers and the cooldown its repeat_interval follows. */
export interface FleetRoute {
  matchers: string[];
  cooldown: number;
}

/** Per trigger (and scale-in) of a fleet, one route per cell of the overrides that change its cooldown. */
export function fleetRoutes(fleet: Fleet): FleetRoute[] {
  const vs = variants(fleet);
  const triggers = [...new Set(vs.flatMap((v) => v.scaling.scale_out.map((t) => t.name)))];
  const cooldowns: [string, (svc: Service) => number | undefined][] = [
    ...triggers.map((name): [string, (svc: Service) => number | undefined] => [
      name,
      (svc) => svc.scaling.scale_out.find((t) => t.name === name)?.cooldown,
    ]),
    [TRIGGER.scaleIn, (svc) => svc.scaling.scale_in?.cooldown],
  ];
  return cooldowns.flatMap(([trigger, cooldownOf]) =>
    cellsOf(fleet, relevantOverrides(fleet, cooldownOf)).flatMap((cell) => {
      const svc = cellService(fleet, cell.overrides);
      const cooldown = svc ? cooldownOf(svc) : undefined;
      if (cooldown === undefined) return [];
      return [
        { matchers: [matcher(FLEET_LABEL, fleet.name), matcher('trigger', trigger), ...cell.matchers], cooldown },
      ];
    })
  );
}
