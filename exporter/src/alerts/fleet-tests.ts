/**
 * promtool unit tests of a fleet's rules, generated like the explicit services' (promtool-tests.ts):
 * a fleet of test services (one per override's exact name, one matching each regex override, and
 * one the overrides leave alone), each alert firing for the right services only, with each
 * service's own threshold, limit or budget.
 */
import type { Fleet, Policy, Service } from '../config/schema.js';
import { DISCOVERED_NAME, fleetService, overrideRegex } from '../fleet/expand.js';
import { plain, promDuration } from './format.js';
import { fleetRules, ruleFor, type FleetRule } from './fleet.js';
import {
  expected,
  repeat,
  simple,
  steps,
  TEST_INTERVAL_SECONDS,
  type ExpAlert,
  type TestCase,
} from './promtool-tests.js';
import { ALERT_TIMING, ALERTS, recordName, signalOf, withUnit, type RuleFileKind } from './rules.js';
import { FLEET_LABEL, METRIC } from '@headroom/contract';

const I = TEST_INTERVAL_SECONDS;

/** A name for test services that matches `regex` (anchored), is a valid discovered name and not in `taken`. */
function sampleOf(regex: string, taken: ReadonlySet<string>): string | null {
  const prefix = /^[A-Za-z0-9_:-]*/.exec(regex)![0];
  const re = overrideRegex(regex);
  const candidates = [prefix, `${prefix}ments`, `${prefix}1`, `${prefix}-a`, `${prefix}x`, 'a', '1'];
  return candidates.find((c) => DISCOVERED_NAME.test(c) && re.test(c) && !taken.has(c)) ?? null;
}

/** The fleet's test services: every exact name of its overrides, a name per regex override, and one they leave alone. */
export function fleetTestServices(fleet: Fleet): string[] {
  const names = new Set(fleet.overrides.flatMap((o) => o.match ?? []));
  for (const o of fleet.overrides) {
    const s = o.match_regex === undefined ? null : sampleOf(o.match_regex, names);
    if (s) names.add(s);
  }
  const untouched = ['other', 'other-service', 'zz9'].find(
    (c) =>
      !fleet.overrides.some(
        (o) => o.match === c || (o.match_regex !== undefined && overrideRegex(o.match_regex).test(c))
      )
  );
  if (untouched) names.add(untouched);
  return [...names];
}

interface Member {
  name: string;
  svc: Service;
  labels: Record<string, string>;
}

const members = (fleet: Fleet): Member[] =>
  fleetTestServices(fleet).map((name) => ({
    name,
    svc: fleetService(fleet, name),
    labels: { [FLEET_LABEL]: fleet.name, service: name },
  }));

const seriesOf = (metric: string, labels: Record<string, string>) =>
  `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/** A case over the fleet: each member's series with its own value; the alerts expected at `evalStep`. */
function fleetCase(
  name: string,
  series: { series: string; value: number }[],
  evalStep: number,
  alertname: string,
  exp: ExpAlert[]
): TestCase {
  return simple({
    name,
    series: series.map((s) => ({ series: s.series, values: repeat(s.value, evalStep + 2) })),
    evalStep,
    alertname,
    exp,
  });
}

/** Scale-out of one trigger: all above their own threshold; one alone above; a value between the thresholds. */
function triggerTests(fleet: Fleet, rules: FleetRule[], ms: Member[], trigger: string): TestCase[] {
  const has = ms.flatMap((m) => {
    const t = m.svc.scaling.scale_out.find((x) => x.name === trigger);
    const rule = ruleFor(rules, m.name);
    return t && rule ? [{ ...m, t, rule, sig: signalOf(m.svc, t.signal) }] : [];
  });
  if (has.length === 0) return [];
  const k = Math.max(...has.map((m) => steps(m.t.for)));
  const rec = (m: (typeof has)[number]) => seriesOf(recordName(m.sig), m.labels);
  const label = `${ALERTS.scaleOut} fleet ${fleet.name}/${trigger}`;
  const cases = [
    fleetCase(
      `${label}: fires for each of ${has.map((m) => `${m.name} (above ${withUnit(m.t.above, m.sig)})`).join(', ')} when each is 1 above its own threshold`,
      has.map((m) => ({ series: rec(m), value: m.t.above + 1 })),
      k,
      ALERTS.scaleOut,
      has.map((m) => expected(m.rule, m.t.above + 1, m.labels))
    ),
    ...has.map((only) =>
      fleetCase(
        `${label}: fires for ${only.name} only when it alone is above ${withUnit(only.t.above, only.sig)} (the others at their own threshold)`,
        has.map((m) => ({ series: rec(m), value: m === only ? m.t.above + 1 : m.t.above })),
        k,
        ALERTS.scaleOut,
        [expected(only.rule, only.t.above + 1, only.labels)]
      )
    ),
  ];
  const lowest = Math.min(...has.map((m) => m.t.above));
  const quiet = has.filter((m) => m.t.above >= lowest + 1);
  if (quiet.length > 0) {
    const v = lowest + 1;
    const fire = has.filter((m) => m.t.above < v);
    cases.push(
      fleetCase(
        `${label}: at ${withUnit(v, has[0].sig)} fires for ${fire.map((m) => m.name).join(', ')}, not for ${quiet.map((m) => `${m.name} (threshold ${withUnit(m.t.above, m.sig)})`).join(', ')}`,
        has.map((m) => ({ series: rec(m), value: v })),
        k,
        ALERTS.scaleOut,
        fire.map((m) => expected(m.rule, v, m.labels))
      )
    );
  }
  return cases;
}

/** Below the minimum: every member at the lowest minimum minus nothing fires where its own minimum is higher. */
function minimumTests(fleet: Fleet, rules: FleetRule[], ms: Member[]): TestCase[] {
  const k = steps(ALERT_TIMING.belowMinimumForSeconds);
  const lowest = Math.min(...ms.map((m) => m.svc.scaling.limits.min));
  const series = ms.map((m) => ({ series: seriesOf(METRIC.instances, m.labels), value: lowest }));
  const below = ms.filter((m) => m.svc.scaling.limits.min > lowest);
  const label = `${ALERTS.belowMinimum} fleet ${fleet.name}`;
  const out = [
    fleetCase(
      `${label}: with ${lowest} instances each, fires for ${below.map((m) => `${m.name} (limits.min ${m.svc.scaling.limits.min})`).join(', ') || 'none'}, not for the others`,
      series,
      k,
      ALERTS.belowMinimum,
      below.map((m) => expected(ruleFor(rules, m.name)!, lowest, m.labels))
    ),
    fleetCase(
      `${label}: does not fire while each service runs its own limits.min`,
      ms.map((m) => ({ series: seriesOf(METRIC.instances, m.labels), value: m.svc.scaling.limits.min })),
      k,
      ALERTS.belowMinimum,
      []
    ),
  ];
  return out;
}

/** Scale-in: conditions hold for every member, each at its own floor + 1 fires, at its own floor does not. */
function scaleInTests(fleet: Fleet, rules: FleetRule[], ms: Member[]): TestCase[] {
  const si = ms.filter((m) => m.svc.scaling.scale_in && ruleFor(rules, m.name));
  if (si.length === 0) return [];
  const w = Math.max(...si.map((m) => steps(m.svc.scaling.scale_in!.for)));
  const low = (m: Member) =>
    m.svc.scaling.scale_in!.conditions.map((c) => ({
      series: seriesOf(recordName(signalOf(m.svc, c.signal)), m.labels),
      value: c.below - 1,
    }));
  const fleetAt = (m: Member, extra: number) => [
    { series: seriesOf(METRIC.instances, m.labels), value: m.svc.scaling.limits.min + extra },
    {
      series: seriesOf(METRIC.limitInstances, { limit: 'effective_min', ...m.labels }),
      value: m.svc.scaling.limits.min,
    },
  ];
  const [first, ...rest] = si;
  const firstValue = (m: Member) => m.svc.scaling.scale_in!.conditions[0].below - 1;
  const label = `${ALERTS.scaleIn} fleet ${fleet.name}`;
  return [
    fleetCase(
      `${label}: fires for ${first.name} one instance above its limits.min (${first.svc.scaling.limits.min}), not for ${rest.map((m) => `${m.name} at its limits.min (${m.svc.scaling.limits.min})`).join(', ')}, all idle for ${promDuration(w * I)}`,
      si.flatMap((m) => [...low(m), ...fleetAt(m, m === first ? 1 : 0)]),
      w,
      ALERTS.scaleIn,
      [expected(ruleFor(rules, first.name)!, firstValue(first), first.labels)]
    ),
  ];
}

/** Budget: each member at its warning ratio fires with its own budget in the text. */
function budgetTests(fleet: Fleet, rules: FleetRule[][], ms: Member[]): TestCase[] {
  const warn = rules.find((r) => r[0]?.rule.alert === ALERTS.budgetWarning);
  if (!warn) return [];
  const k = steps(ALERT_TIMING.budgetUsageForSeconds);
  return [
    fleetCase(
      `${ALERTS.budgetWarning} fleet ${fleet.name}: fires for each of ${ms.map((m) => `${m.name} (${plain(m.svc.cost.budget.monthly)} ${m.svc.cost.currency})`).join(', ')} at its warning ratio`,
      ms.map((m) => ({ series: seriesOf(METRIC.budgetUsageRatio, m.labels), value: m.svc.cost.budget.warning_ratio })),
      k,
      ALERTS.budgetWarning,
      ms.map((m) => expected(ruleFor(warn, m.name)!, m.svc.cost.budget.warning_ratio, m.labels))
    ),
  ];
}

/** Every fleet's promtool cases, per rule file. */
export function fleetTestCases(policy: Policy): Record<RuleFileKind, TestCase[]> {
  const out: Record<RuleFileKind, TestCase[]> = { scaling: [], budget: [], health: [] };
  for (const fleet of policy.fleets) {
    const rules = fleetRules(policy, fleet);
    const ms = members(fleet);
    for (const facet of rules.scaling) {
      const r = facet[0]?.rule;
      if (r?.alert === ALERTS.scaleOut) out.scaling.push(...triggerTests(fleet, facet, ms, r.labels.trigger));
      if (r?.alert === ALERTS.belowMinimum) out.scaling.push(...minimumTests(fleet, facet, ms));
      if (r?.alert === ALERTS.scaleIn) out.scaling.push(...scaleInTests(fleet, facet, ms));
    }
    out.budget.push(...budgetTests(fleet, rules.budget, ms));
  }
  return out;
}
