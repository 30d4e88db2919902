/**
 * promtool unit tests generated from the same policy as the rules (kubernetes-mixin style: every
 * alert has named cases that fire, with exact labels and annotations, and cases that do not, with
 * `exp_alerts: []`). A threshold change in headroom.yml changes the rules and these tests together.
 *
 * Scaling cases feed the recorded series (`service:headroom_signal_<signal>:<unit>`) directly: the
 * recording rules run the policy's own queries, which return nothing without their raw inputs, so
 * the alert logic is tested on exactly the series it reads.
 */
import { MONTH_SECONDS } from '../config/defaults.js';
import type { Policy, ScaleOutTrigger, Schedule, Service } from '../config/schema.js';
import { goFloat, humanize, humanizeDuration, humanizePercentage, percent, plain, promDuration } from './format.js';
import {
  ALERT_TIMING,
  ALERTS,
  belowMinimumRule,
  budgetGroup,
  exporterGroup,
  healthGroup,
  isAlert,
  recordSelector,
  scaleInRule,
  scaleOutRule,
  schedulePlan,
  scheduleRules,
  signalOf,
  withUnit,
  type AlertingRule,
  type RuleFileKind,
} from './rules.js';
import { offsetByRule, transitionIn, type ZoneRule } from './zone.js';
import { ALERT_CLASS, METRIC, scheduleTrigger } from '@headroom/contract';

/** Step of every test: the evaluation interval and the input series' interval. */
export const TEST_INTERVAL_SECONDS = 60;
const I = TEST_INTERVAL_SECONDS;

export interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}
export interface AlertRuleTest {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpAlert[];
}
export interface InputSeries {
  series: string;
  values: string;
}
export interface TestCase {
  name: string;
  interval: string;
  input_series: InputSeries[];
  alert_rule_test: AlertRuleTest[];
}
export interface TestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: TestCase[];
}

/** Renders the template forms the generated annotations use, as Prometheus does. */
export function renderTemplate(tpl: string, value: number, labels: Record<string, string>): string {
  return tpl.replace(
    /\{\{\s*(\$value|\$labels\.([a-zA-Z_][a-zA-Z0-9_]*))\s*(?:\|\s*(\w+)\s*)?\}\}/g,
    (_m, what: string, label: string | undefined, fn: string | undefined) => {
      if (label !== undefined) return labels[label] ?? '';
      switch (fn) {
        case undefined:
          return goFloat(value);
        case 'humanize':
          return humanize(value);
        case 'humanizePercentage':
          return humanizePercentage(value);
        case 'humanizeDuration':
          return humanizeDuration(value);
        default:
          throw new Error(`renderTemplate: unsupported function ${fn} in ${what}`);
      }
    }
  );
}

/** The alert a rule produces for a series with these labels and value. */
export function expected(rule: AlertingRule, value: number, seriesLabels: Record<string, string> = {}): ExpAlert {
  const labels = { ...seriesLabels, ...rule.labels };
  const exp_annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(rule.annotations)) exp_annotations[k] = renderTemplate(v, value, labels);
  return { exp_labels: labels, exp_annotations };
}

/** Per-step values as promtool's expanding notation: [71,71,71,69] → "71x2 69". `undefined` → "_". */
export function seriesValues(values: (number | undefined)[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[i]) j++;
    const v = values[i] === undefined ? '_' : goFloat(values[i]!);
    out.push(j > i ? `${v}x${j - i}` : v);
    i = j + 1;
  }
  return out.join(' ');
}

const at = (step: number) => promDuration(step * I);
export const steps = (seconds: number) => Math.ceil(seconds / I);
export const repeat = (v: number | undefined, n: number) => Array.from({ length: n }, () => v);

/**
 * Reference semantics of a service's scaling rules on per-step values of the recorded signals
 * (undefined = no sample): which scale-out triggers fire at `step`, and whether scale-in fires.
 */
export function simulateScaling(
  svc: Service,
  series: Record<string, (number | undefined)[]>,
  step: number,
  fleet: Fleet = {}
): { out: ScaleOutTrigger[]; scaleIn: boolean } {
  const val = (signal: string, i: number) => series[signal]?.[i];
  const outTrue = (t: ScaleOutTrigger, i: number) => {
    const v = val(t.signal, i);
    return v !== undefined && v > t.above;
  };
  const heldSince = (pred: (i: number) => boolean) => {
    if (!pred(step)) return null;
    let s = step;
    while (s > 0 && pred(s - 1)) s--;
    return s;
  };
  const fires = (pred: (i: number) => boolean, forSeconds: number) => {
    const s = heldSince(pred);
    return s !== null && (step - s) * I >= forSeconds;
  };
  const out = svc.scaling.scale_out.filter((t) => fires((i) => outTrue(t, i), t.for));
  const si = svc.scaling.scale_in;
  const inTrue = (i: number) =>
    si!.conditions.every((c) => {
      const v = val(c.signal, i);
      return v !== undefined && v < c.below;
    }) && !svc.scaling.scale_out.some((t) => outTrue(t, i));
  // Quiet at the floor: scale-in needs a known count above limits.min and the minimum in force.
  const n = fleet.instances;
  const aboveFloor =
    n !== undefined && n > svc.scaling.limits.min && (fleet.effectiveMin === undefined || n > fleet.effectiveMin);
  return { out, scaleIn: si ? aboveFloor && fires(inTrue, si.for) : false };
}

/** The fleet a test case runs on (constant): instances running and the exporter's minimum in force; absent = no series. */
export interface Fleet {
  instances?: number;
  effectiveMin?: number;
}

function fleetSeries(svc: Service, fleet: Fleet, length: number): InputSeries[] {
  const out: InputSeries[] = [];
  const name = JSON.stringify(svc.name);
  if (fleet.instances !== undefined)
    out.push({ series: `${METRIC.instances}{service=${name}}`, values: seriesValues(repeat(fleet.instances, length)) });
  if (fleet.effectiveMin !== undefined)
    out.push({
      series: `${METRIC.limitInstances}{limit="effective_min",service=${name}}`,
      values: seriesValues(repeat(fleet.effectiveMin, length)),
    });
  return out;
}

function scalingCase(
  policy: Policy,
  svc: Service,
  name: string,
  series: Record<string, (number | undefined)[]>,
  evalSteps: number[],
  alertnames: string[],
  fleet: Fleet = {}
): TestCase {
  const alert_rule_test: AlertRuleTest[] = [];
  for (const step of evalSteps) {
    const sim = simulateScaling(svc, series, step, fleet);
    for (const alertname of alertnames) {
      const exp_alerts: ExpAlert[] = [];
      if (alertname === ALERTS.scaleOut)
        for (const t of sim.out) exp_alerts.push(expected(scaleOutRule(policy, svc, t), series[t.signal][step]!));
      if (alertname === ALERTS.scaleIn && sim.scaleIn)
        exp_alerts.push(expected(scaleInRule(policy, svc)!, series[svc.scaling.scale_in!.conditions[0].signal][step]!));
      alert_rule_test.push({ eval_time: at(step), alertname, exp_alerts });
    }
  }
  return {
    name,
    interval: promDuration(I),
    input_series: Object.entries(series)
      .filter(([, v]) => v.length > 0)
      .map(([signal, v]) => ({ series: recordSelector(svc, signalOf(svc, signal)), values: seriesValues(v) }))
      .concat(fleetSeries(svc, fleet, Math.max(0, ...Object.values(series).map((v) => v.length)))),
    alert_rule_test,
  };
}

export function scalingTests(policy: Policy, svc: Service): TestCase[] {
  const cases: TestCase[] = [];
  for (const t of svc.scaling.scale_out) {
    const sig = signalOf(svc, t.signal);
    const k = steps(t.for);
    const label = `${ALERTS.scaleOut} ${svc.name}/${t.name}`;
    const over = t.above + 1;
    cases.push(
      scalingCase(
        policy,
        svc,
        `${label}: fires when ${t.signal} stays above ${withUnit(t.above, sig)} for ${promDuration(t.for)}`,
        { [t.signal]: repeat(over, k + 2) },
        [k],
        [ALERTS.scaleOut]
      ),
      scalingCase(
        policy,
        svc,
        `${label}: does not fire when ${t.signal} stays at exactly ${withUnit(t.above, sig)}`,
        { [t.signal]: repeat(t.above, k + 2) },
        [k],
        [ALERTS.scaleOut]
      )
    );
    if (k >= 1) {
      cases.push(
        scalingCase(
          policy,
          svc,
          `${label}: does not fire when ${t.signal} is above ${withUnit(t.above, sig)} for less than ${promDuration(t.for)}`,
          { [t.signal]: [...repeat(over, k), ...repeat(t.above - 1, 2)] },
          [k - 1, k],
          [ALERTS.scaleOut]
        )
      );
    }
  }
  const min = svc.scaling.limits.min;
  const instances = `${METRIC.instances}{service=${JSON.stringify(svc.name)}}`;
  const kMin = steps(ALERT_TIMING.belowMinimumForSeconds);
  const minRule = belowMinimumRule(policy, svc);
  if (min >= 1) {
    cases.push(
      simple({
        name: `${ALERTS.belowMinimum} ${svc.name}: fires when ${min - 1} instances run for ${promDuration(ALERT_TIMING.belowMinimumForSeconds)}, below limits.min = ${min}`,
        series: [{ series: instances, values: repeat(min - 1, kMin + 2) }],
        evalStep: kMin,
        alertname: ALERTS.belowMinimum,
        exp: [expected(minRule, min - 1, { service: svc.name })],
      }),
      simple({
        name: `${ALERTS.belowMinimum} ${svc.name}: does not fire when it is below limits.min for less than ${promDuration(ALERT_TIMING.belowMinimumForSeconds)}`,
        series: [{ series: instances, values: [...repeat(min - 1, kMin), ...repeat(min, 2)] }],
        evalStep: kMin,
        alertname: ALERTS.belowMinimum,
        exp: [],
      })
    );
  }
  cases.push(...scheduleTests(policy, svc));
  cases.push(...scaleInTests(policy, svc));
  return cases;
}

/** Scale-in: fires when every condition holds for its window above the floor; quiet otherwise. */
function scaleInTests(policy: Policy, svc: Service): TestCase[] {
  const si = svc.scaling.scale_in;
  if (!si) return [];
  const w = steps(si.for);
  const low = (n: number, except?: string): Record<string, (number | undefined)[]> => {
    const out: Record<string, (number | undefined)[]> = {};
    for (const c of si.conditions) {
      if (c.signal === except) continue;
      const v = Math.min(...si.conditions.filter((o) => o.signal === c.signal).map((o) => o.below)) - 1;
      out[c.signal] = repeat(v, n);
    }
    return out;
  };
  const min = svc.scaling.limits.min;
  // Above the floor: one instance more than limits.min, which is also the minimum in force.
  const fleet: Fleet = { instances: min + 1, effectiveMin: min };
  const label = `${ALERTS.scaleIn} ${svc.name}`;
  const conds = si.conditions.map((c) => `${c.signal} < ${withUnit(c.below, signalOf(svc, c.signal))}`).join(', ');
  const last = si.conditions[si.conditions.length - 1];
  const lastSig = signalOf(svc, last.signal);
  const scaleIn = (
    name: string,
    series: Record<string, (number | undefined)[]>,
    evalSteps: number[],
    f: Fleet = fleet
  ) => scalingCase(policy, svc, `${label}: ${name}`, series, evalSteps, [ALERTS.scaleIn], f);
  const cases = [
    scaleIn(`fires when ${conds} hold for ${promDuration(si.for)} with ${min + 1} instances running`, low(w + 2), [w]),
    scaleIn(`does not fire when the conditions hold for less than ${promDuration(si.for)}`, low(w + 2), [w - 1]),
    scaleIn(
      `does not fire when ${last.signal} is at ${withUnit(last.below, lastSig)}, not below`,
      { ...low(w + 2), [last.signal]: repeat(last.below, w + 2) },
      [w]
    ),
    scaleIn(`does not fire when ${last.signal} is missing`, low(w + 2, last.signal), [w]),
    scaleIn(`does not fire at the floor: ${min} instances run, limits.min = ${min}`, low(w + 2), [w], {
      instances: min,
      effectiveMin: min,
    }),
    scaleIn(
      `does not fire at the active schedule's minimum: ${min + 1} instances run, ${min + 1} in force`,
      low(w + 2),
      [w],
      { instances: min + 1, effectiveMin: min + 1 }
    ),
    scaleIn('does not fire while the instance count is unknown', low(w + 2), [w], { effectiveMin: min }),
  ];
  const condSignals = new Set(si.conditions.map((c) => c.signal));
  const blocker = svc.scaling.scale_out.find((t) => !condSignals.has(t.signal));
  if (blocker) {
    cases.push(
      scalingCase(
        policy,
        svc,
        `${label}: does not fire while scale-out ${blocker.name} fires (${blocker.signal} above ${withUnit(blocker.above, signalOf(svc, blocker.signal))}), although ${conds} hold for ${promDuration(si.for)}`,
        { ...low(w + 2), [blocker.signal]: repeat(blocker.above + 1, w + 2) },
        [w],
        [ALERTS.scaleIn, ALERTS.scaleOut],
        fleet
      )
    );
  }
  return cases;
}

/** UTC second of day 0 at which a schedule first fires, and how test names say it. */
export function firstFire(zone: ZoneRule | null, timezone: string, local: number): { at: number; when: string } {
  if (!zone) return { at: local * 60, when: `${promDuration(local * 60)} UTC` };
  let off = zone.standard;
  for (let k = 0; k < 2; k++) off = offsetByRule(zone, ((((local - off) % 1440) + 1440) % 1440) * 60);
  const utc = (((local - off) % 1440) + 1440) % 1440;
  return { at: utc * 60, when: `${promDuration(local * 60)} ${timezone} (${promDuration(utc * 60)} UTC)` };
}

const scheduleRuleFor = (policy: Policy, svc: Service, sch: Schedule, action: string) =>
  scheduleRules(policy, svc).find((r) => r.labels.trigger === scheduleTrigger(sch.name) && r.labels.action === action)!;

/** Each schedule's alert on the first day (in its own time zone): fires in its window, in both directions, and not after it. */
function scheduleTests(policy: Policy, svc: Service): TestCase[] {
  const cases: TestCase[] = [];
  const instances = `${METRIC.instances}{service=${JSON.stringify(svc.name)}}`;
  const windowSteps = steps(ALERT_TIMING.scheduleWindowSeconds);
  for (const sch of svc.scaling.schedules) {
    const plan = schedulePlan(svc, sch);
    if (typeof plan === 'string') continue;
    const { at, when } = firstFire(plan.zone, sch.timezone, plan.fires[0]);
    const fireStep = Math.round(at / I);
    const ruleFor = (action: string) => scheduleRuleFor(policy, svc, sch, action);
    const label = `${ALERTS.schedule} ${svc.name}/${scheduleTrigger(sch.name)}`;
    const running = (count: number) => [{ series: instances, values: repeat(count, fireStep + windowSteps + 2) }];
    const fires = (action: 'scale_out' | 'scale_in', count: number) =>
      simple({
        name: `${label}: fires ${action} at ${when} + 5m when ${count} instances run and ${sch.desired} are scheduled`,
        series: running(count),
        evalStep: fireStep + 5,
        alertname: ALERTS.schedule,
        exp: [expected(ruleFor(action), count, { service: svc.name })],
      });
    if (sch.desired >= 1) {
      cases.push(
        fires('scale_out', sch.desired - 1),
        simple({
          name: `${label}: does not fire ${promDuration(ALERT_TIMING.scheduleWindowSeconds)} after its fire at ${when}`,
          series: running(sch.desired - 1),
          evalStep: fireStep + windowSteps,
          alertname: ALERTS.schedule,
          exp: [],
        })
      );
    }
    cases.push(
      fires('scale_in', sch.desired + 1),
      simple({
        name: `${label}: does not fire at ${when} + 5m when the ${sch.desired} scheduled instances run`,
        series: running(sch.desired),
        evalStep: fireStep + 5,
        alertname: ALERTS.schedule,
        exp: [],
      })
    );
  }
  return cases;
}

/**
 * Evaluation step of a daylight-saving test: promtool evaluates every rule at every step from 0
 * to the last evaluation (~3 months here), so the step is the coarsest that lands exactly on the
 * fires (an hour for fires on the hour): each evaluation is at a fire, inside its window.
 */
const daylightStep = (instants: number[]) =>
  [3600, 1800, 900, 300, 60].find((d) => instants.every((t) => t % d === 0))!;
const utcText = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');
const utcOffset = (minutes: number) => `UTC${minutes < 0 ? '-' : '+'}${promDuration(Math.abs(minutes) * 60)}`;

/**
 * For a schedule in a zone with daylight saving time: across the zone's first change into daylight
 * time in 1970 (promtool's clock starts at 0), the alert fires at the local time on the day before
 * and the day after, a UTC hour apart, and not at the old UTC time after the change.
 */
export function daylightTests(policy: Policy, svc: Service): TestCase[] {
  const instances = `${METRIC.instances}{service=${JSON.stringify(svc.name)}}`;
  return svc.scaling.schedules.flatMap((sch) => {
    const plan = schedulePlan(svc, sch);
    if (typeof plan === 'string' || !plan.zone?.daylight) return [];
    const zone = plan.zone;
    const local = plan.fires[0];
    const change = transitionIn(zone.daylight!.start, 1970, zone.standard);
    const fireOn = (day: number) => {
      let off = zone.standard;
      for (let k = 0; k < 2; k++) off = offsetByRule(zone, day * 86_400 + local * 60 - off * 60);
      return day * 86_400 + local * 60 - off * 60;
    };
    let day = Math.floor(change / 86_400) - 3;
    while (fireOn(day + 1) < change) day++;
    const [before, after] = [fireOn(day), fireOn(day + 1)];
    const [offBefore, offAfter] = [offsetByRule(zone, before), offsetByRule(zone, after)];
    const oldTime = after + (offAfter - offBefore) * 60;
    const DI = daylightStep([before, after, oldTime]);
    const action = sch.desired >= 1 ? 'scale_out' : 'scale_in';
    const count = action === 'scale_out' ? sch.desired - 1 : sch.desired + 1;
    const exp = [expected(scheduleRuleFor(policy, svc, sch, action), count, { service: svc.name })];
    const hhmm = promDuration(local * 60);
    return [
      {
        name:
          `${ALERTS.schedule} ${svc.name}/${scheduleTrigger(sch.name)}: follows ${sch.timezone} into daylight saving time: fires ${action} at ${utcText(before)} UTC (${hhmm}, ${utcOffset(offBefore)}) ` +
          `and at ${utcText(after)} UTC (${hhmm}, ${utcOffset(offAfter)}), not at ${utcText(oldTime)} UTC`,
        interval: promDuration(DI),
        input_series: [{ series: instances, values: seriesValues(repeat(count, oldTime / DI + 2)) }],
        alert_rule_test: [
          { eval_time: promDuration(before), alertname: ALERTS.schedule, exp_alerts: exp },
          { eval_time: promDuration(after), alertname: ALERTS.schedule, exp_alerts: exp },
          { eval_time: promDuration(oldTime), alertname: ALERTS.schedule, exp_alerts: [] },
        ],
      },
    ];
  });
}

/** The daylight-saving test files (tests/schedules-<step>.test.yml, one per evaluation step), or none. */
export function daylightTestFiles(policy: Policy): Map<string, TestFile> {
  const byStep = new Map<string, TestFile>();
  for (const t of policy.services.flatMap((s) => daylightTests(policy, s))) {
    const file = byStep.get(t.interval) ?? {
      rule_files: ['../scaling.rules.yml'],
      evaluation_interval: t.interval,
      tests: [],
    };
    file.tests.push(t);
    byStep.set(t.interval, file);
  }
  return new Map([...byStep].map(([step, f]) => [`tests/schedules-${step}.test.yml`, f]));
}

export interface Simple {
  name: string;
  series: { series: string; values: (number | undefined)[] | string }[];
  evalStep: number;
  alertname: string;
  exp: ExpAlert[];
}
export const simple = (c: Simple): TestCase => ({
  name: c.name,
  interval: promDuration(I),
  input_series: c.series.map((s) => ({
    series: s.series,
    values: typeof s.values === 'string' ? s.values : seriesValues(s.values),
  })),
  alert_rule_test: [{ eval_time: at(c.evalStep), alertname: c.alertname, exp_alerts: c.exp }],
});
const rule = (rules: AlertingRule[], alert: string, i = 0) => rules.filter((r) => r.alert === alert)[i];

export function budgetTests(policy: Policy, svc: Service): TestCase[] {
  const rules = budgetGroup(policy, svc).rules.filter(isAlert);
  const s = (metric: string, extra: Record<string, string> = {}) =>
    `${metric}{${Object.entries({ service: svc.name, ...extra })
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
  const b = svc.cost.budget;
  const warn = rule(rules, ALERTS.budgetWarning);
  const kw = steps(ALERT_TIMING.budgetUsageForSeconds);
  const fc = rule(rules, ALERTS.budgetForecast);
  const kf = steps(ALERT_TIMING.budgetForecastForSeconds);
  const cap = rule(rules, ALERTS.capacity);
  const kc = steps(policy.refresh.history_interval);
  const horizon = policy.alerts.capacity_warning_months * MONTH_SECONDS;
  const planning = svc.growth.planning_scenario;
  const soon = horizon - 86_400;
  const other = svc.growth.scenarios.find((x) => x.name !== planning);
  const cases: TestCase[] = [
    simple({
      name: `${ALERTS.budgetWarning} ${svc.name}: fires when month-to-date spend is exactly the warning ratio ${percent(b.warning_ratio)} of the budget`,
      series: [{ series: s(METRIC.budgetUsageRatio), values: repeat(b.warning_ratio, kw + 2) }],
      evalStep: kw,
      alertname: ALERTS.budgetWarning,
      exp: [expected(warn, b.warning_ratio)],
    }),
    simple({
      name: `${ALERTS.budgetWarning} ${svc.name}: does not fire just below the warning ratio`,
      series: [
        { series: s(METRIC.budgetUsageRatio), values: repeat(Number((b.warning_ratio - 0.01).toFixed(6)), kw + 2) },
      ],
      evalStep: kw,
      alertname: ALERTS.budgetWarning,
      exp: [],
    }),
    simple({
      name: `${ALERTS.budgetForecast} ${svc.name}: fires when the forecast month-end spend is 110% of the budget`,
      series: [{ series: s(METRIC.budgetForecastRatio), values: repeat(1.1, kf + 2) }],
      evalStep: kf,
      alertname: ALERTS.budgetForecast,
      exp: [expected(fc, 1.1)],
    }),
    simple({
      name: `${ALERTS.budgetForecast} ${svc.name}: does not fire when the forecast is exactly the budget`,
      series: [{ series: s(METRIC.budgetForecastRatio), values: repeat(1, kf + 2) }],
      evalStep: kf,
      alertname: ALERTS.budgetForecast,
      exp: [],
    }),
    simple({
      name: `${ALERTS.capacity} ${svc.name}: fires when the ${planning} scenario reaches limits.max in ${plain(soon / 86_400)} days`,
      series: [{ series: s(METRIC.capacityExhaustionSeconds, { scenario: planning }), values: repeat(soon, kc + 2) }],
      evalStep: kc,
      alertname: ALERTS.capacity,
      exp: [expected(cap, soon, { service: svc.name, scenario: planning })],
    }),
    simple({
      name: `${ALERTS.capacity} ${svc.name}: does not fire when limits.max is reached in exactly ${plain(policy.alerts.capacity_warning_months)} months`,
      series: [
        { series: s(METRIC.capacityExhaustionSeconds, { scenario: planning }), values: repeat(horizon, kc + 2) },
      ],
      evalStep: kc,
      alertname: ALERTS.capacity,
      exp: [],
    }),
  ];
  if (other) {
    cases.push(
      simple({
        name: `${ALERTS.capacity} ${svc.name}: does not fire for the ${other.name} scenario, which is not the planning scenario`,
        series: [
          { series: s(METRIC.capacityExhaustionSeconds, { scenario: other.name }), values: repeat(soon, kc + 2) },
        ],
        evalStep: kc,
        alertname: ALERTS.capacity,
        exp: [],
      })
    );
  }
  return cases;
}

/** The one alert an exporter-wide rule fires (the i-th rule named `alert` of the exporter's group). */
type Once = (alert: string, value: number, seriesLabels?: Record<string, string>, i?: number) => ExpAlert[];

/** Per service: an input missing after it was read, and failing scaler actions. */
function serviceHealthTests(policy: Policy, svc: Service, rules: AlertingRule[]): TestCase[] {
  const staleAfter = policy.refresh.stale_after;
  const ks = steps(staleAfter);
  const signal = svc.signals[0].name;
  const inputUp = `${METRIC.inputUp}{service=${JSON.stringify(svc.name)},signal=${JSON.stringify(signal)}}`;
  const lastSuccess = `${METRIC.inputLastSuccessTimestampSeconds}{service=${JSON.stringify(svc.name)},signal=${JSON.stringify(signal)}}`;
  const history = `${METRIC.inputUp}{service=${JSON.stringify(svc.name)},signal="history"}`;
  const failures = `${METRIC.scalerActionsTotal}{action="scale_out",result="failure",service=${JSON.stringify(svc.name)}}`;
  const window = steps(ALERT_TIMING.scalerFailureWindowSeconds);
  return [
    simple({
      name: `${ALERTS.inputMissing} ${svc.name}: fires when input ${signal}, read before, has been missing for ${promDuration(staleAfter)}`,
      series: [{ series: inputUp, values: [1, ...repeat(0, ks + 2)] }],
      evalStep: ks + 1,
      alertname: ALERTS.inputMissing,
      exp: [expected(rule(rules, ALERTS.inputMissing), 0, { service: svc.name, signal })],
    }),
    simple({
      name: `${ALERTS.inputMissing} ${svc.name}: fires after an exporter restart for input ${signal}, read last before the restart (its last success is still published)`,
      series: [
        { series: inputUp, values: repeat(0, ks + 2) },
        { series: lastSuccess, values: repeat(0, ks + 2) },
      ],
      evalStep: ks,
      alertname: ALERTS.inputMissing,
      exp: [expected(rule(rules, ALERTS.inputMissing), 0, { service: svc.name, signal })],
    }),
    simple({
      name: `${ALERTS.inputMissing} ${svc.name}: does not fire for an input that was never read (a history on a fresh Prometheus), however long`,
      series: [{ series: history, values: repeat(0, 3 * ks) }],
      evalStep: 3 * ks - 1,
      alertname: ALERTS.inputMissing,
      exp: [],
    }),
    simple({
      name: `${ALERTS.inputMissing} ${svc.name}: does not fire while input ${signal} is read`,
      series: [{ series: inputUp, values: repeat(1, ks + 2) }],
      evalStep: ks,
      alertname: ALERTS.inputMissing,
      exp: [],
    }),
    simple({
      name: `${ALERTS.scalerFailing} ${svc.name}: fires when a scale_out action failed in the last ${promDuration(ALERT_TIMING.scalerFailureWindowSeconds)}`,
      series: [{ series: failures, values: [...repeat(0, window + 1), ...repeat(1, 2)] }],
      evalStep: window + 1,
      alertname: ALERTS.scalerFailing,
      exp: [
        expected(rule(rules, ALERTS.scalerFailing), 1, { action: 'scale_out', result: 'failure', service: svc.name }),
      ],
    }),
    simple({
      name: `${ALERTS.scalerFailing} ${svc.name}: does not fire when no action failed in the last ${promDuration(ALERT_TIMING.scalerFailureWindowSeconds)}`,
      series: [{ series: failures, values: repeat(3, window + 3) }],
      evalStep: window + 1,
      alertname: ALERTS.scalerFailing,
      exp: [],
    }),
  ];
}

/** The exporter's last signals or history refresh is too old. */
function staleTests(policy: Policy, once: Once): TestCase[] {
  const cadence = (name: 'signals' | 'history', age: number, index: number) => ({
    name,
    age,
    step: Math.floor(age / I) + 1,
    index,
  });
  const signals = cadence('signals', policy.refresh.stale_after, 0);
  const history = cadence('history', ALERT_TIMING.historyStaleRefits * policy.refresh.history_interval, 1);
  type Cadence = typeof signals;
  /** One case: the last-success timestamp of the cadence as `values`, evaluated at `evalStep`. */
  type Values = Simple['series'][number]['values'];
  const stale = (c: Cadence, name: string, values: Values, evalStep: number, exp: ExpAlert[]) =>
    simple({
      name: `${ALERTS.stale}: ${name}`,
      series: [{ series: `${METRIC.lastRefreshSuccessTimestampSeconds}{cadence="${c.name}"}`, values }],
      evalStep,
      alertname: ALERTS.stale,
      exp,
    });
  const frozen = (c: Cadence) => repeat(0, c.step + 2);
  const fires = (c: Cadence) =>
    stale(
      c,
      `fires once, not per service or fleet, when the last ${c.name} refresh is more than ${promDuration(c.age)} old`,
      frozen(c),
      c.step,
      once(ALERTS.stale, c.step * I, { cadence: c.name }, c.index)
    );
  const quiet = (c: Cadence, name: string, values: Values, evalStep: number) =>
    stale(c, `does not fire ${name}`, values, evalStep, []);
  return [
    fires(signals),
    quiet(signals, 'while the signals refresh succeeds every minute', `0+${I}x${signals.step + 2}`, signals.step),
    fires(history),
    quiet(history, `when the last history refresh is exactly ${promDuration(history.age)} old`, frozen(history), history.step - 1),
  ];
}

/** The exporter down or absent, and the policy reload failing. */
function exporterTests(policy: Policy, once: Once): TestCase[] {
  const job = policy.alerts.exporter_job;
  const staleAfter = policy.refresh.stale_after;
  const ks = steps(staleAfter);
  const up = `up{instance="127.0.0.1:9778",job=${JSON.stringify(job)}}`;
  return [
    simple({
      name: `${ALERTS.exporterDown}: fires once, not per service or fleet, when the exporter has been down for ${promDuration(staleAfter)}`,
      series: [{ series: up, values: repeat(0, ks + 2) }],
      evalStep: ks,
      alertname: ALERTS.exporterDown,
      exp: once(ALERTS.exporterDown, 0, { instance: '127.0.0.1:9778', job }),
    }),
    simple({
      name: `${ALERTS.exporterDown}: does not fire while the exporter is up`,
      series: [{ series: up, values: repeat(1, ks + 2) }],
      evalStep: ks,
      alertname: ALERTS.exporterDown,
      exp: [],
    }),
    simple({
      name: `${ALERTS.exporterAbsent}: fires once, not per service or fleet, when Prometheus has no target for job ${job}`,
      series: [{ series: `up{instance="127.0.0.1:9100",job="node"}`, values: repeat(1, ks + 2) }],
      evalStep: ks,
      alertname: ALERTS.exporterAbsent,
      exp: once(ALERTS.exporterAbsent, 1, { job }),
    }),
    simple({
      name: `${ALERTS.exporterAbsent}: does not fire while job ${job} has a target`,
      series: [{ series: up, values: repeat(1, ks + 2) }],
      evalStep: ks,
      alertname: ALERTS.exporterAbsent,
      exp: [],
    }),
    simple({
      name: `${ALERTS.configReload}: fires once, not per service or fleet, when the last policy reload failed`,
      series: [{ series: METRIC.configLastReloadSuccessful, values: repeat(0, 3) }],
      evalStep: 1,
      alertname: ALERTS.configReload,
      exp: once(ALERTS.configReload, 0),
    }),
    simple({
      name: `${ALERTS.configReload}: does not fire when the last policy reload succeeded`,
      series: [{ series: METRIC.configLastReloadSuccessful, values: repeat(1, 3) }],
      evalStep: 1,
      alertname: ALERTS.configReload,
      exp: [],
    }),
  ];
}

/**
 * Per service: its inputs and scaler actions. Exporter-wide (stale refresh, exporter down or absent,
 * config reload): one rule for the policy, so each case expects exactly one alert (promtool fails
 * on any other alert that fires), whatever the number of services and fleets.
 */
export function healthTests(policy: Policy): TestCase[] {
  const exporter = exporterGroup(policy).rules.filter(isAlert);
  const once: Once = (alert, value, seriesLabels = {}, i = 0) => [
    expected(rule(exporter, alert, i), value, seriesLabels),
  ];
  return [
    ...policy.services.flatMap((svc) =>
      serviceHealthTests(policy, svc, healthGroup(policy, svc).rules.filter(isAlert))
    ),
    ...staleTests(policy, once),
    ...exporterTests(policy, once),
  ];
}

export function testFiles(policy: Policy): Record<RuleFileKind, TestFile> {
  const file = (kind: RuleFileKind, tests: TestCase[]): TestFile => ({
    rule_files: [`../${kind}.rules.yml`],
    evaluation_interval: promDuration(I),
    tests,
  });
  return {
    scaling: file(
      ALERT_CLASS.scaling,
      policy.services.flatMap((s) => scalingTests(policy, s))
    ),
    budget: file(
      ALERT_CLASS.budget,
      policy.services.flatMap((s) => budgetTests(policy, s))
    ),
    health: file(ALERT_CLASS.health, healthTests(policy)),
  };
}
