/**
 * How Headroom writes numbers, money and durations as text: CLI reports, decision reasons, generated
 * rules and dashboards. One module, so that a figure reads the same wherever it appears.
 * (Prometheus' own template functions, which promtool tests must match, are in alerts/format.ts.)
 */

/** Grouped, with exactly `digits` decimals (en-US): 1234.5 → "1,235"; with 2 digits "1,234.50". */
export const fixed = (v: number, digits = 0): string =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Grouped, with at most `digits` decimals: 1234.5 → "1,234.5", 2 → "2". */
export const upTo = (v: number, digits = 2): string => v.toLocaleString('en-US', { maximumFractionDigits: digits });

/** An integer as it is, anything else with two decimals (decision reasons): 70 → "70", 70.333 → "70.33". */
export const brief = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** A number as written in a policy (no float noise): 0.8 → "0.8", 70 → "70". */
export function plain(v: number): string {
  return String(Number(v.toPrecision(12)));
}

/** A ratio as a percentage for prose: 0.8 → "80%". */
export function percent(v: number): string {
  return `${plain(v * 100)}%`;
}

/** A ratio as a percentage in a report, one decimal: 0.8123 → "81.2%"; null → "n/a". */
export const ratioPercent = (v: number | null): string => (v === null ? 'n/a' : `${fixed(v * 100, 1)}%`);

/** An amount of money: "$1,234.50" in USD, "EUR 1,234.50" in any other currency. */
export const money = (v: number, currency: string): string =>
  `${currency === 'USD' ? '$' : `${currency} `}${fixed(v, 2)}`;

/** Seconds as a Prometheus duration: 300 → "5m", 5400 → "1h30m", 0 → "0s". */
export function promDuration(seconds: number): string {
  let ms = Math.round(seconds * 1000);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (ms >= size) {
      out += `${Math.floor(ms / size)}${unit}`;
      ms %= size;
    }
  }
  return out;
}

/** Seconds in the largest one unit that divides them (how Grafana writes intervals): 3600 → "1h", 5400 → "90m", 45 → "45s". */
export function unitDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** A length of time for prose, in whole days, hours or minutes: "3 d" from two days, "5 h" from two hours, else "45 min". */
export const roughDuration = (seconds: number): string =>
  seconds >= 2 * 86_400
    ? `${fixed(seconds / 86_400)} d`
    : seconds >= 2 * 3600
      ? `${fixed(seconds / 3600)} h`
      : `${fixed(seconds / 60)} min`;

/** How a type is named in an error, on either side of "got": `expected an object, got an array`. */
export const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

/** A type name (zod's, JSON Schema's) as TYPE_WORDS says it; another name as it is. */
export const typeWord = (type: string): string => TYPE_WORDS[type] ?? type;

/**
 * How a value read from outside (a policy file, a webhook body) is named after "got" in an error, one
 * wording for both: `nothing` (absent), `null`, a string quoted (cut at 80 characters), a number or
 * boolean as it is, and TYPE_WORDS' `an array`, `an object` (the JSON Schema's words; YAML's lists
 * and mappings are arrays and objects there).
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return typeWord('array');
  if (typeof v === 'object') return typeWord('object');
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  return String(v);
}
