/**
 * How the panel reads Grafana's standard field options (unit, decimals, thresholds, data links) for
 * the values it shows. Each series keeps the field Grafana built for it, with the panel's defaults and
 * overrides applied, so a per-resource override (Fields with labels resource=memory → Unit: bytes)
 * works as in Grafana's own panels.
 */
import {
  DataLink,
  Field,
  formattedValueToString,
  getValueFormat,
  ThresholdsConfig,
  ThresholdsMode,
} from '@grafana/data';

import { DEFAULT_CURRENCY } from './types';

/**
 * Field-config defaults. Thresholds: a lone base step means "draw the policy's warning and critical
 * thresholds" (the exporter publishes them, and the alerts fire on them); any further step set in the
 * panel's Thresholds option replaces them for display. No default data link: the dashboard knows where
 * its decisions are (the provisioned one links to its decisions panel).
 */
export const DEFAULT_FIELD_CONFIG: { thresholds: ThresholdsConfig; links: DataLink[] } = {
  thresholds: { mode: ThresholdsMode.Percentage, steps: [{ value: -Infinity, color: 'green' }] },
  links: [],
};

/**
 * The policy's signal units (exporter/src/config/schema.ts) as Grafana unit ids, so absolute values
 * print the way the rest of the dashboard prints them.
 */
const POLICY_UNITS: Record<string, string> = {
  percent: 'percent',
  ratio: 'percentunit',
  count: 'short',
  seconds: 's',
  milliseconds: 'ms',
  bytes: 'bytes',
  requests_per_second: 'reqps',
  users: 'suffix: users',
  sessions: 'suffix: sessions',
};

export function grafanaUnit(policyUnit: string | undefined): string {
  if (!policyUnit) {
    return 'short';
  }
  return POLICY_UNITS[policyUnit] ?? `suffix: ${policyUnit.replace(/_/g, ' ')}`;
}

/** A unit the user picked in the field config (or an override), else undefined. */
export function configuredUnit(field: Field | undefined): string | undefined {
  const unit = field?.config.unit;
  return unit && unit !== 'none' ? unit : undefined;
}

export function formatWithUnit(value: number | undefined, unit: string, decimals?: number): string {
  if (value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  const places = decimals ?? (Math.abs(value) >= 100 ? 0 : 1);
  return formattedValueToString(getValueFormat(unit)(value, places)).replace(/\s+/g, ' ').trim();
}

/** `currencyEUR` (Grafana's currency units) or `currency:EUR` → "EUR"; anything else: the default. */
export function currencyOfUnit(unit: string | undefined): string {
  const code = unit?.match(/^currency:?\s*([A-Za-z]{3})$/)?.[1];
  return code ? code.toUpperCase() : DEFAULT_CURRENCY;
}

export interface Mark {
  /** Position as a share of the per-instance limit. */
  ratio: number;
  color: string;
  label: string;
}

/**
 * The marks of one resource, all as shares of its per-instance limit: the policy's warning and
 * critical thresholds, or, when the panel's Thresholds option has steps of its own, those (percentage
 * mode: % of the limit; absolute mode: in the resource's unit, which needs the limit).
 */
export function resourceMarks(
  policy: { warning?: number; critical?: number; limit?: number },
  thresholds: ThresholdsConfig | undefined,
  colorOf: (name: string) => string
): { source: 'policy' | 'panel'; base: string; marks: Mark[] } {
  const steps = thresholds?.steps ?? [];
  const base = colorOf(steps[0]?.color ?? 'green');
  if (steps.length > 1) {
    const toRatio = (value: number) =>
      thresholds?.mode === ThresholdsMode.Absolute ? (policy.limit ? value / policy.limit : undefined) : value / 100;
    const marks = steps.slice(1).flatMap((step) => {
      const ratio = toRatio(step.value);
      return ratio === undefined
        ? []
        : [{ ratio, color: colorOf(step.color), label: step.state ?? `${Math.round(ratio * 100)}%` }];
    });
    return { source: 'panel', base, marks };
  }
  const marks: Mark[] = [];
  if (policy.warning !== undefined) {
    marks.push({ ratio: policy.warning, color: colorOf('orange'), label: 'warning' });
  }
  if (policy.critical !== undefined) {
    marks.push({ ratio: policy.critical, color: colorOf('red'), label: 'critical' });
  }
  return { source: 'policy', base, marks };
}

/** Colour of a utilization (share of the limit): the colour of the highest mark it reached. */
export function colorAt(ratio: number | undefined, base: string, marks: Mark[]): string {
  if (ratio === undefined) {
    return base;
  }
  let color = base;
  for (const mark of [...marks].sort((a, b) => a.ratio - b.ratio)) {
    if (ratio >= mark.ratio) {
      color = mark.color;
    }
  }
  return color;
}
