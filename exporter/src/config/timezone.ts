/**
 * Time-zone names as the exporter's clock (cron-parser, luxon) and `headroom rules` read them: any
 * name Intl accepts. A misspelt name is caught here, before a cron evaluation throws on it.
 */

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

let zones: string[] | null = null;
const knownZones = (): string[] => (zones ??= ['UTC', ...Intl.supportedValuesOf('timeZone')]);

/** Levenshtein distance, case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[y.length];
}

/**
 * The known zone closest to a misspelt name, or null when none is close. "Close" is at most a
 * third of the name's length in edits (Berln → Berlin is 1), so unrelated names are not offered.
 */
export function closestTimeZone(name: string): string | null {
  let best: { zone: string; d: number } | null = null;
  for (const zone of knownZones()) {
    const d = distance(name, zone);
    if (!best || d < best.d) best = { zone, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.zone : null;
}

export function timeZoneProblem(name: string): string | null {
  if (isTimeZone(name)) return null;
  const close = closestTimeZone(name);
  return `expected an IANA time zone name such as "UTC" or "Europe/Berlin"${close ? ` (did you mean ${close}?)` : ''}`;
}
