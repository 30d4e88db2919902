/**
 * promtool unit tests of a fleet's rules, generated like the explicit services' (promtool-tests.ts):
 * a fleet of test services (one per override's exact name, one matching each regex override, and
 * one the overrides leave alone), each alert firing for the right services only, with each
 * service's own threshold, limit or budget.
 */
import type { Fleet, Policy, Service } from '../config/schema.js';
import { DISCOVERED_NAME, fleetService, overrideRegex } from '../fleet/expand.js';
import { plain, promDuration } from './format.js';
import { cellHas, fleetRules, ruleFor, type FleetRule } from './fleet.js';
import {
  expected,
  firstFire,
  repeat,
  simple,
  steps,
  TEST_INTERVAL_SECONDS,
  type ExpAlert,
  type TestCase,
} from './promtool-tests.js';
import {
  ALERT_TIMING,
  ALERTS,
  recordName,
  schedulePlan,
  signalOf,
  withUnit,
  type RuleFileKind,
} from './rules.js';
import { MONTH_SECONDS } from '../config/defaults.js';
import { FLEET_LABEL, METRIC, scheduleTrigger } from '@headroom/contract';

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
    fleetCase(
      `${ALERTS.budgetWarning} fleet ${fleet.name}: does not fire when each is just below its warning ratio`,
      ms.map((m) => ({
        series: seriesOf(METRIC.budgetUsageRatio, m.labels),
        value: Number((m.svc.cost.budget.warning_ratio - 0.01).toFixed(6)),
      })),
      k,
      ALERTS.budgetWarning,
      []
    ),
  ];
}

/** The facet of `alert` among a rule file's facets (each facet's rules are one alert, per cell). */
const facetOf = (facets: FleetRule[][], alert: string) => facets.find((r) => r[0]?.rule.alert === alert);

/** The rule of `facet` for service `name` whose labels include `labels` (a schedule has one per action). */
const ruleWith = (facet: readonly FleetRule[], name: string, labels: Record<string, string>) =>
  facet.find(
    (r) => r.cells.some((c) => cellHas(c, name)) && Object.entries(labels).every(([k, v]) => r.rule.labels[k] === v)
  )?.rule;

/** Budget forecast: every member over its own budget fires with that budget in the text; at exactly the budget none. */
function forecastTests(fleet: Fleet, facets: FleetRule[][], ms: Member[]): TestCase[] {
  const facet = facetOf(facets, ALERTS.budgetForecast);
  if (!facet) return [];
  const k = steps(ALERT_TIMING.budgetForecastForSeconds);
  const at = (ratio: number) => ms.map((m) => ({ series: seriesOf(METRIC.budgetForecastRatio, m.labels), value: ratio }));
  const label = `${ALERTS.budgetForecast} fleet ${fleet.name}`;
  return [
    fleetCase(
      `${label}: fires for each of ${ms.map((m) => `${m.name} (${plain(m.svc.cost.budget.monthly)} ${m.svc.cost.currency})`).join(', ')} when each is forecast at 110% of its budget`,
      at(1.1),
      k,
      ALERTS.budgetForecast,
      ms.map((m) => expected(ruleFor(facet, m.name)!, 1.1, m.labels))
    ),
    fleetCase(`${label}: does not fire when each is forecast at exactly its budget`, at(1), k, ALERTS.budgetForecast, []),
  ];
}

/** Capacity: each member's planning scenario reaching its own limits.max within the horizon fires; at the horizon none. */
function capacityTests(policy: Policy, fleet: Fleet, facets: FleetRule[][], ms: Member[]): TestCase[] {
  const facet = facetOf(facets, ALERTS.capacity);
  if (!facet) return [];
  const k = steps(policy.refresh.history_interval);
  const horizon = policy.alerts.capacity_warning_months * MONTH_SECONDS;
  const soon = horizon - 86_400;
  const labelsOf = (m: Member) => ({ ...m.labels, scenario: m.svc.growth.planning_scenario });
  const at = (seconds: number) =>
    ms.map((m) => ({ series: seriesOf(METRIC.capacityExhaustionSeconds, labelsOf(m)), value: seconds }));
  const label = `${ALERTS.capacity} fleet ${fleet.name}`;
  return [
    fleetCase(
      `${label}: fires for each of ${ms.map((m) => `${m.name} (limits.max ${m.svc.scaling.limits.max})`).join(', ')} when its planning scenario reaches it in ${plain(soon / 86_400)} days`,
      at(soon),
      k,
      ALERTS.capacity,
      ms.map((m) => expected(ruleFor(facet, m.name)!, soon, labelsOf(m)))
    ),
    fleetCase(
      `${label}: does not fire when each reaches its limits.max in exactly ${plain(policy.alerts.capacity_warning_months)} months`,
      at(horizon),
      k,
      ALERTS.capacity,
      []
    ),
  ];
}

/** Per-service health: an input missing (read before) fires for that service only; so does a failed scaler action. */
function serviceHealthTests(policy: Policy, fleet: Fleet, facets: FleetRule[][], ms: Member[]): TestCase[] {
  const missing = facetOf(facets, ALERTS.inputMissing);
  const failing = facetOf(facets, ALERTS.scalerFailing);
  const out: TestCase[] = [];
  const [first, ...rest] = ms;
  if (missing) {
    const ks = steps(policy.refresh.stale_after);
    const signal = (m: Member) => m.svc.signals[0].name;
    const up = (m: Member) => seriesOf(METRIC.inputUp, { ...m.labels, signal: signal(m) });
    out.push(
      simple({
        name: `${ALERTS.inputMissing} fleet ${fleet.name}: fires for ${first.name} only when its input ${signal(first)}, read before, has been missing for ${promDuration(policy.refresh.stale_after)} (${rest.map((m) => m.name).join(', ')} read)`,
        series: ms.map((m) => ({ series: up(m), values: [1, ...repeat(m === first ? 0 : 1, ks + 2)] })),
        evalStep: ks + 1,
        alertname: ALERTS.inputMissing,
        exp: [expected(ruleFor(missing, first.name)!, 0, { ...first.labels, signal: signal(first) })],
      })
    );
  }
  if (failing) {
    const window = steps(ALERT_TIMING.scalerFailureWindowSeconds);
    const failures = (m: Member) =>
      seriesOf(METRIC.scalerActionsTotal, { action: 'scale_out', result: 'failure', ...m.labels });
    const last = ms[ms.length - 1];
    out.push(
      simple({
        name: `${ALERTS.scalerFailing} fleet ${fleet.name}: fires for ${last.name} only when its scale_out action failed in the last ${promDuration(ALERT_TIMING.scalerFailureWindowSeconds)}`,
        series: ms.map((m) => ({
          series: failures(m),
          values: m === last ? [...repeat(0, window + 1), ...repeat(1, 2)] : repeat(0, window + 3),
        })),
        evalStep: window + 1,
        alertname: ALERTS.scalerFailing,
        exp: [
          expected(ruleFor(failing, last.name)!, 1, { action: 'scale_out', result: 'failure', ...last.labels }),
        ],
      })
    );
  }
  return out;
}

/**
 * A schedule of the fleet on its first fire: the members below their own desired count get a
 * scale_out alert, those above a scale_in, one at it none; after the window none fires.
 */
function scheduleTests(fleet: Fleet, facet: FleetRule[], ms: Member[], trigger: string): TestCase[] {
  const has = ms.flatMap((m) => {
    const sch = m.svc.scaling.schedules.find((x) => scheduleTrigger(x.name) === trigger);
    const plan = sch && schedulePlan(m.svc, sch);
    return sch && plan && typeof plan !== 'string' ? [{ ...m, sch, plan }] : [];
  });
  if (has.length === 0) return [];
  const [head] = has;
  const { at, when } = firstFire(head.plan.zone, head.sch.timezone, head.plan.fires[0]);
  const fireStep = Math.round(at / I);
  const windowSteps = steps(ALERT_TIMING.scheduleWindowSeconds);
  const action = (i: number) => (['scale_out', 'scale_in', 'none'] as const)[i % 3];
  const count = (m: (typeof has)[number], i: number) =>
    action(i) === 'scale_out' ? m.sch.desired - 1 : action(i) === 'scale_in' ? m.sch.desired + 1 : m.sch.desired;
  const running = has.map((m, i) => ({ ...m, action: action(i), count: Math.max(0, count(m, i)) }));
  const series = running.map((m) => ({ series: seriesOf(METRIC.instances, m.labels), value: m.count }));
  const fires = running.filter((m) => m.action !== 'none' && !(m.action === 'scale_out' && m.sch.desired < 1));
  const label = `${ALERTS.schedule} fleet ${fleet.name}/${trigger}`;
  const says = (m: (typeof running)[number]) => `${m.name} (${m.count} running, ${m.sch.desired} scheduled)`;
  const quiet = running.filter((m) => !fires.includes(m));
  return [
    fleetCase(
      `${label}: at ${when} + 5m fires ${fires.map((m) => `${m.action} for ${says(m)}`).join(', ')}${quiet.length ? `, not for ${quiet.map(says).join(', ')}` : ''}`,
      series,
      fireStep + 5,
      ALERTS.schedule,
      fires.map((m) => expected(ruleWith(facet, m.name, { trigger, action: m.action })!, m.count, m.labels))
    ),
    fleetCase(
      `${label}: does not fire ${promDuration(ALERT_TIMING.scheduleWindowSeconds)} after its fire at ${when}`,
      series,
      fireStep + windowSteps,
      ALERTS.schedule,
      []
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
      if (r?.alert === ALERTS.schedule) out.scaling.push(...scheduleTests(fleet, facet, ms, r.labels.trigger));
      if (r?.alert === ALERTS.scaleIn) out.scaling.push(...scaleInTests(fleet, facet, ms));
    }
    out.budget.push(
      ...budgetTests(fleet, rules.budget, ms),
      ...forecastTests(fleet, rules.budget, ms),
      ...capacityTests(policy, fleet, rules.budget, ms)
    );
    out.health.push(...serviceHealthTests(policy, fleet, rules.health, ms));
  }
  return out;
}
