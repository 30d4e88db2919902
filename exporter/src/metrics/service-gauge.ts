/**
 * A per-service gauge whose series a refresh replaces all at once (HeadroomMetrics.publish). At
 * 1,000 services a refresh publishes over 100,000 series: prom-client's `set` validates, sorts and
 * hashes the labels and allocates an entry for each, every refresh, and every scrape formats every
 * label again. Here a series that was already published keeps its entry (only its value changes)
 * and its formatted name and labels, and the gauge's text is formatted once per refresh, not once
 * per scrape. The text is what prom-client's Registry writes for the same series, byte for byte.
 */
import { Gauge, type GaugeConfiguration } from 'prom-client';
import type { Labels } from './series.js';

interface Entry {
  labels: Labels;
  value: number;
  /** The series' name and labels as exposed (`name{a="x",b="y"}`), formatted on the first scrape. */
  name?: string;
  /** The series' whole line and the value it was formatted with (most values stay the same from one refresh to the next). */
  line?: string;
  lineValue?: number;
}

const escapeString = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabelValue = (v: string | number) => (typeof v === 'string' ? escapeString(v).replace(/"/g, '\\"') : v);

/** A value as prom-client writes it. */
const valueText = (v: number) => (Number.isNaN(v) ? 'Nan' : Number.isFinite(v) ? `${v}` : v < 0 ? '-Inf' : '+Inf');

/** The exposed name and labels of a series, as prom-client's Registry formats them. */
function seriesLine(name: string, labels: Labels): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

/** The identity of a series' labels (names and values, in their order: the same code writes them in the same order). */
export function labelKey(labels: Labels): string {
  let key = '';
  for (const k in labels) key += `${k}\u0001${labels[k]}\u0002`;
  return key;
}

export class ServiceGauge extends Gauge<string> {
  /** The series published since the last reset, in the order they were put. */
  private entries = new Map<string, Entry>();
  /** The series before the last reset: an entry put again with the same labels is reused. */
  private previous = new Map<string, Entry>();
  private block: string | null = null;
  private readonly metric: string;
  private readonly helpText: string;
  private readonly allowed: ReadonlySet<string>;

  constructor(config: GaugeConfiguration<string>) {
    super(config);
    this.metric = config.name;
    this.helpText = config.help;
    this.allowed = new Set(config.labelNames ?? []);
  }

  /** Starts a new set of series: they are put again, those not put disappear. */
  override reset(): void {
    super.reset();
    // Called by prom-client's constructor before this class's fields are initialized.
    this.previous = this.entries ?? new Map();
    this.entries = new Map();
    this.block = null;
  }

  /**
   * Sets one series: `prefix` (the service's labels) then `own`. Like `set`, a series put twice
   * keeps its first place and its last value. A label not declared for the metric throws.
   */
  put(serviceKey: string, prefix: Labels, own: Labels, value: number): void {
    const key = serviceKey + labelKey(own);
    const entry = this.entries.get(key) ?? this.previous.get(key);
    if (entry) {
      entry.value = value;
      this.entries.set(key, entry);
    } else this.entries.set(key, { labels: this.checked({ ...prefix, ...own }), value });
    this.block = null;
  }

  private checked(labels: Labels): Labels {
    for (const k in labels)
      if (!this.allowed.has(k))
        throw new Error(`${this.metric}: label "${k}" is not one of its labels (${[...this.allowed].join(', ')})`);
    return labels;
  }

  /** Series are put by publish only: prom-client's own writes would bypass the entries. */
  override set(..._: unknown[]): never {
    throw new Error(`${this.metric}: per-service series are published with put(), not set()`);
  }

  override inc(..._: unknown[]): never {
    throw new Error(`${this.metric}: per-service series are published with put(), not inc()`);
  }

  override dec(..._: unknown[]): never {
    throw new Error(`${this.metric}: per-service series are published with put(), not dec()`);
  }

  /** The values for prom-client's Registry (registry.metrics(), getSingleMetricAsString). */
  override async get() {
    return {
      ...(await super.get()),
      values: [...this.entries.values()].map(({ labels, value }) => ({ labels, value })),
    };
  }

  /** The gauge's block of the exposition, as prom-client's Registry.getMetricsAsString writes it. */
  text(): string {
    if (this.block !== null) return this.block;
    const name = escapeString(this.metric);
    const lines = [`# HELP ${name} ${escapeString(this.helpText)}`, `# TYPE ${name} gauge`];
    for (const e of this.entries.values()) {
      if (e.line === undefined || !Object.is(e.lineValue, e.value)) {
        e.name ??= seriesLine(this.metric, e.labels);
        e.line = `${e.name} ${valueText(e.value)}`;
        e.lineValue = e.value;
      }
      lines.push(e.line);
    }
    this.block = lines.join('\n');
    return this.block;
  }
}
