/**
 * Local time of a time zone in PromQL, which only knows UTC (hour(), minute() and friends have no
 * time-zone argument in Prometheus 2.x).
 *
 * A zone is read from the tz database through Intl: its standard and daylight offsets and the
 * rule of its two yearly changes, each as "the n-th (or last) weekday W of month M at UTC time S",
 * inferred from the changes of REFERENCE_YEARS and kept only when it reproduces every one of them
 * (the EU, US, Australian and most other rules are of this form). A zone that changes irregularly
 * (by decree, by the lunar calendar) is reported unsupported, with the reason.
 *
 * The PromQL then computes, from UTC fields only, whether daylight time is in force, and the local
 * minute of the day. Being a rule and not a table, it holds in any year, including 1970, where
 * promtool's unit tests run.
 */

/** Years whose changes the inferred rule must reproduce (a fixed range, so the output is deterministic). */
export const REFERENCE_YEARS = { from: 2025, to: 2035 } as const;

/** One yearly change, on the zone's standard time (UTC + standard offset, all year). */
export interface Transition {
  /** 1..12 */
  month: number;
  /** 0 = Sunday … 6 = Saturday (PromQL's day_of_week()). */
  weekday: number;
  /** 1..4 for the n-th such weekday of the month, or 'last'. */
  week: number | 'last';
  /** Minute of the day, in standard time, at which the change happens. */
  minute: number;
}

export interface ZoneRule {
  zone: string;
  /** Minutes east of UTC outside daylight time. */
  standard: number;
  /** Present when the zone has daylight time. */
  daylight?: { offset: number; start: Transition; end: Transition };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Minutes east of UTC at a unix second. */
export function offsetAt(zone: string, unix: number): number {
  let f = formatters.get(zone);
  if (!f) formatters.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })));
  const name = f.formatToParts(new Date(unix * 1000)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

const DAY = 86_400;

/** Unix seconds of every offset change in a year, to the minute. */
function changesIn(zone: string, year: number): number[] {
  const out: number[] = [];
  const end = Date.UTC(year + 1, 0, 1) / 1000;
  for (let t = Date.UTC(year, 0, 1) / 1000; t < end; t += DAY) {
    if (offsetAt(zone, t) === offsetAt(zone, t + DAY)) continue;
    let lo = t;
    let hi = t + DAY;
    while (hi - lo > 60) {
      const mid = lo + Math.floor((hi - lo) / 120) * 60;
      if (offsetAt(zone, mid) === offsetAt(zone, t)) lo = mid;
      else hi = mid;
    }
    out.push(hi);
  }
  return out;
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The instant of a transition in a year (unix seconds), for a zone `standard` minutes east of UTC. */
export function transitionIn(tr: Transition, year: number, standard: number): number {
  const first = new Date(Date.UTC(year, tr.month - 1, 1)).getUTCDay();
  let day = 1 + ((tr.weekday - first + 7) % 7);
  if (tr.week === 'last') while (day + 7 <= daysInMonth(year, tr.month)) day += 7;
  else day += 7 * (tr.week - 1);
  return Date.UTC(year, tr.month - 1, day) / 1000 + tr.minute * 60 - standard * 60;
}

/** The rules a change at `t` could follow: n-th weekday, and "last" when it is the last one. */
function candidates(t: number, standard: number): Transition[] {
  const d = new Date((t + standard * 60) * 1000);
  const base = { month: d.getUTCMonth() + 1, weekday: d.getUTCDay(), minute: d.getUTCHours() * 60 + d.getUTCMinutes() };
  const day = d.getUTCDate();
  const out: Transition[] = [];
  if (day <= 28) out.push({ ...base, week: Math.ceil(day / 7) });
  if (day + 7 > daysInMonth(d.getUTCFullYear(), base.month)) out.push({ ...base, week: 'last' });
  return out;
}

const rules = new Map<string, ZoneRule | string>();
/** The zone's rule, or why it cannot be written as one (memoized: inferring it reads ~8,000 instants). */
export function zoneRule(zone: string): ZoneRule | string {
  let r = rules.get(zone);
  if (r === undefined) rules.set(zone, (r = inferZoneRule(zone)));
  return r;
}

function inferZoneRule(zone: string): ZoneRule | string {
  const years = Array.from(
    { length: REFERENCE_YEARS.to - REFERENCE_YEARS.from + 1 },
    (_, i) => REFERENCE_YEARS.from + i
  );
  const changes = years.map((y) => changesIn(zone, y));
  const jan = (y: number) => offsetAt(zone, Date.UTC(y, 0, 1) / 1000);
  const jul = (y: number) => offsetAt(zone, Date.UTC(y, 6, 1) / 1000);
  if (changes.every((c) => c.length === 0)) {
    const offsets = new Set(years.map(jan));
    if (offsets.size === 1) return { zone, standard: jan(years[0]) };
    return `time zone ${zone} changes its offset between years`;
  }
  if (!changes.every((c) => c.length === 2))
    return `time zone ${zone} does not change its offset exactly twice every year from ${REFERENCE_YEARS.from} to ${REFERENCE_YEARS.to}`;
  const standard = Math.min(jan(years[0]), jul(years[0]));
  const daylight = Math.max(jan(years[0]), jul(years[0]));
  if (!years.every((y) => Math.min(jan(y), jul(y)) === standard && Math.max(jan(y), jul(y)) === daylight))
    return `time zone ${zone} changes its offsets between years`;
  // The change into daylight time is the one after which the offset is the larger.
  const [a, b] = changes[0];
  const startsFirst = offsetAt(zone, a) === daylight;
  const pick = (which: 0 | 1) =>
    candidates(changes[0][which], standard).find((tr) =>
      years.every((y, i) => transitionIn(tr, y, standard) === changes[i][which])
    );
  const first = pick(0);
  const second = pick(1);
  if (!first || !second || a >= b)
    return `time zone ${zone} changes on dates that are not "the n-th or last weekday of a month"`;
  return {
    zone,
    standard,
    daylight: { offset: daylight, start: startsFirst ? first : second, end: startsFirst ? second : first },
  };
}

/** PromQL, 0 or 1: whether `time()` is at or after the transition in its year; `f(fn)` calls a date function on standard time. */
function afterPromQL(tr: Transition, f: (fn: string) => string): string {
  const since = `((${f('day_of_week')} - ${tr.weekday} + 7) % 7)`;
  const lo = tr.week === 'last' ? `(${f('days_in_month')} - 6)` : String(7 * tr.week - 6);
  const later = tr.week === 'last' ? '' : ` + (${f('day_of_month')} > bool ${7 * tr.week})`;
  const onOrAfter = `(${f('day_of_month')} - ${since} >= bool ${lo})`;
  const sameDayLater = `clamp_max((${since} > bool 0)${later} + (${f('hour')} * 60 + ${f('minute')} >= bool ${tr.minute}), 1)`;
  return `((${f('month')} > bool ${tr.month}) + (${f('month')} == bool ${tr.month}) * ${onOrAfter} * ${sameDayLater})`;
}

/** PromQL: the zone's offset from UTC in minutes at `time()`. */
export function offsetPromQL(rule: ZoneRule): string {
  if (!rule.daylight) return `vector(${rule.standard})`;
  const { start, end, offset } = rule.daylight;
  const f = (fn: string) => `${fn}(vector(time() + ${rule.standard * 60}))`;
  // Northern hemisphere: daylight between start and end of the same year; southern: outside them.
  const [s, e] = [afterPromQL(start, f), afterPromQL(end, f)];
  const inDaylight = start.month < end.month ? `${s} * (1 - ${e})` : `clamp_max(${s} + (1 - ${e}), 1)`;
  return `(${rule.standard} + ${offset - rule.standard} * ${inDaylight})`;
}

/** PromQL: the local minute of the day (0..1439) at `time()`. */
export function localMinutePromQL(rule: ZoneRule): string {
  return `((hour() * 60 + minute() + ${offsetPromQL(rule)} + 1440) % 1440)`;
}

/** The same computation in TypeScript, to check the rule against Intl (tests) and to place test cases. */
export function offsetByRule(rule: ZoneRule, unix: number): number {
  if (!rule.daylight) return rule.standard;
  const year = new Date((unix + rule.standard * 60) * 1000).getUTCFullYear();
  const { start, end, offset } = rule.daylight;
  const afterStart = unix >= transitionIn(start, year, rule.standard);
  const afterEnd = unix >= transitionIn(end, year, rule.standard);
  const dst = start.month < end.month ? afterStart && !afterEnd : afterStart || !afterEnd;
  return dst ? offset : rule.standard;
}
