/** Display helpers shared by the views. */

/** One formatter for every count: toLocaleString builds a new one per call (40 calls per fleet render). */
const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(value: number | undefined): string {
  return value === undefined ? '—' : COUNT.format(Math.round(value));
}

export function formatPercent(ratio: number | undefined): string {
  return ratio === undefined ? '—' : `${Math.round(ratio * 100)}%`;
}

/** Money in the policy's currency (ISO code); unknown codes fall back to "1,234 XYZ". */
export function formatMoney(value: number | undefined, currency: string, compact = false): string {
  if (value === undefined) {
    return '—';
  }
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: currency || 'USD',
      minimumFractionDigits: 0,
      maximumFractionDigits: compact ? 1 : 0,
      notation: compact ? 'compact' : 'standard',
    }).format(value);
  } catch {
    const number = new Intl.NumberFormat('en-US', {
      maximumFractionDigits: 0,
      notation: compact ? 'compact' : 'standard',
    });
    return `${number.format(value)} ${currency}`;
  }
}

export function formatCompact(value: number): string {
  return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Average Gregorian month, as the exporter counts horizons. */
const MONTH = 30.436875 * DAY;

/** "never", "now", "45 min", "5 h", "14 d", "4 mo". */
export function formatTimeLeft(seconds: number | undefined): string {
  if (seconds === undefined) {
    return '—';
  }
  if (!Number.isFinite(seconds)) {
    return 'never';
  }
  if (seconds <= 0) {
    return 'now';
  }
  if (seconds < HOUR) {
    return `${Math.max(1, Math.round(seconds / MINUTE))} min`;
  }
  if (seconds < 2 * DAY) {
    return `${Math.round(seconds / HOUR)} h`;
  }
  if (seconds < 60 * DAY) {
    return `${Math.round(seconds / DAY)} d`;
  }
  return `${Math.round(seconds / MONTH)} mo`;
}

export function formatHorizon(months: number): string {
  return months === 0 ? 'now' : `${months} mo`;
}

/** "scale_out" → "scale out" */
export function humanize(name: string): string {
  return name.replace(/_/g, ' ');
}
