/** Minimal linear/log scales and tick generation for the SVG charts. */

export interface Scale {
  (value: number): number;
  ticks: number[];
  kind: 'linear' | 'log';
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const fraction = raw / power;
  // d3-array's thresholds: round the raw step to 1, 2, 5 or 10 at the geometric midpoints.
  const nice = fraction >= Math.sqrt(50) ? 10 : fraction >= Math.sqrt(10) ? 5 : fraction >= Math.sqrt(2) ? 2 : 1;
  return nice * power;
}

export function linearScale(max: number, rangeFrom: number, rangeTo: number, tickCount = 4): Scale {
  const step = niceStep(max > 0 ? max : 1, tickCount);
  const top = Math.max(step, Math.ceil((max > 0 ? max : 1) / step) * step);
  const scale = ((value: number) => rangeFrom + (value / top) * (rangeTo - rangeFrom)) as Scale;
  scale.ticks = [];
  for (let t = 0; t <= top + step / 2; t += step) {
    scale.ticks.push(Number(t.toPrecision(12)));
  }
  scale.kind = 'linear';
  return scale;
}

export function logScale(min: number, max: number, rangeFrom: number, rangeTo: number): Scale {
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(min, 1e-9))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(max, lo * 10))));
  const scale = ((value: number) => {
    const clamped = Math.max(value, lo);
    return (
      rangeFrom + ((Math.log10(clamped) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (rangeTo - rangeFrom)
    );
  }) as Scale;
  const decades = Math.round(Math.log10(hi / lo));
  const multipliers = decades <= 2 ? [1, 2, 5] : [1];
  scale.ticks = [];
  for (let power = lo; power <= hi * 1.0001; power *= 10) {
    for (const m of multipliers) {
      const t = Number((power * m).toPrecision(12));
      if (t <= hi * 1.0001) {
        scale.ticks.push(t);
      }
    }
  }
  scale.kind = 'log';
  return scale;
}

/** `auto` picks log when the values span more than a factor of 30 (compound growth over a year). */
export function chooseScale(
  kind: 'auto' | 'linear' | 'log',
  values: number[],
  rangeFrom: number,
  rangeTo: number
): Scale {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const max = positive.length ? Math.max(...positive) : 1;
  const min = positive.length ? Math.min(...positive) : 1;
  const useLog = kind === 'log' || (kind === 'auto' && max / min > 30);
  return useLog ? logScale(min, max, rangeFrom, rangeTo) : linearScale(max, rangeFrom, rangeTo);
}

/**
 * Moves labels apart vertically so none is closer than `gap` px to the next (end-of-line labels of
 * converging scenarios, and the max/budget line label, would otherwise overprint).
 */
export function spreadLabels<T extends { y: number }>(
  labels: T[],
  gap: number,
  top: number,
  bottom: number
): Array<T & { labelY: number }> {
  const sorted = [...labels].sort((a, b) => a.y - b.y).map((label) => ({ ...label, labelY: label.y }));
  for (let i = 1; i < sorted.length; i++) {
    sorted[i].labelY = Math.max(sorted[i].labelY, sorted[i - 1].labelY + gap);
  }
  const overflow = sorted.length ? sorted[sorted.length - 1].labelY - bottom : 0;
  if (overflow > 0) {
    sorted[sorted.length - 1].labelY -= overflow;
    for (let i = sorted.length - 2; i >= 0; i--) {
      sorted[i].labelY = Math.min(sorted[i].labelY, sorted[i + 1].labelY - gap);
    }
  }
  for (const label of sorted) {
    label.labelY = Math.max(top, label.labelY);
  }
  return sorted;
}

/** Keeps the ticks whose labels (about `minSpacing` px wide) do not run into the previous one. */
export function thinTicks<T>(ticks: T[], position: (tick: T) => number, minSpacing: number): T[] {
  const kept: T[] = [];
  for (const tick of ticks) {
    if (kept.length === 0 || position(tick) - position(kept[kept.length - 1]) >= minSpacing) {
      kept.push(tick);
    }
  }
  return kept;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  ...[1, 2, 5, 10, 15, 30].map((n) => n * SECOND),
  ...[1, 2, 5, 10, 15, 30].map((n) => n * MINUTE),
  ...[1, 2, 3, 6, 12].map((n) => n * HOUR),
  ...[1, 2, 7, 14, 30, 90, 365].map((n) => n * DAY),
];

/**
 * Time-axis ticks at round times (whole seconds, minutes, hours or days, at most `maxTicks + 1`) and
 * the label format that tells them apart: a 5-minute range gets a tick per minute labelled HH:mm, not
 * six ticks 50 s apart that print the same minute twice.
 */
export function timeTicks(from: number, to: number, maxTicks: number): { ticks: number[]; format: string } {
  const span = Math.max(1, to - from);
  const step = TIME_STEPS.find((s) => span / s <= Math.max(1, maxTicks)) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    ticks.push(t);
  }
  const format = step < MINUTE ? 'HH:mm:ss' : step >= DAY ? 'MM-DD' : span > 2 * DAY ? 'MM-DD HH:mm' : 'HH:mm';
  return { ticks, format };
}
