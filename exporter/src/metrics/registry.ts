import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CATALOGUE, FLEET_LABEL, METRIC, SERIES_DETAILS, type MetricName } from '@headroom/contract';
import { OPENMETRICS_CONTENT_TYPE, toOpenMetrics } from './openmetrics.js';
import { inputSeries, serviceSeries, type InputHealth, type Series, type ServiceSnapshot } from './series.js';
import { countSeries, describeTrim, detailOf, PROCESS_SERIES, trimFor, type TrimDecision } from './budget.js';

import { QUERIES_SENT } from '../sources/prometheus-client.js';

export type { InputHealth, ServiceSnapshot } from './series.js';

/** A service whose refresh threw (a bug, not missing data): its input health stays published. */
export interface ServiceFailure {
  service: string;
  /** Unix seconds of the failed refresh. */
  at: number;
  error: string;
  inputs: InputHealth[];
  fleet?: string;
}

export type Cadence = 'signals' | 'history';

/** What publish needs from the policy and where it says what it trimmed. */
export interface PublishOptions {
  /** The policy's series_budget (default: DEFAULT_SERIES_PER_SERVICE per service). */
  seriesBudget?: number;
  /** Told once each time the trimming changes (a log line). */
  onTrim?: (message: string, trim: TrimDecision) => void;
}

/** Metrics about the process itself, not per service: never reset by a refresh. */
const PROCESS_METRICS = new Set<MetricName>([
  METRIC.buildInfo,
  METRIC.refreshDurationSeconds,
  METRIC.lastRefreshSuccessTimestampSeconds,
  METRIC.configLastReloadSuccessful,
  METRIC.configLastReloadSuccessTimestampSeconds,
]);

function readQueriesSent(this: Counter<string>): void {
  this.reset();
  for (const [endpoint, n] of QUERIES_SENT) this.inc({ endpoint }, n);
}

/**
 * The catalogue as prom-client gauges without collect callbacks: a refresh resets and sets every
 * per-service series at once (so series of removed services, resources or models disappear), and a
 * scrape only serializes what is there. Nothing here computes; values come from the plans.
 */
export class HeadroomMetrics {
  /** Headroom's own metrics (the catalogue and the scaler's): what `promtool check metrics` lints. */
  readonly registry: Registry;
  /** prom-client's default process_* and nodejs_* metrics, served beside them on /metrics. Kept
   * apart because three of prom-client's gauges end in _total, which promtool's lint rejects. */
  readonly runtime = new Registry();
  private readonly gauges = new Map<MetricName, Gauge<string>>();
  private readonly counters = new Map<MetricName, Counter<string>>();
  /** The detail groups the last publish dropped (null before the first). */
  private lastDropped: string | null = null;

  constructor(version: string, registry = new Registry()) {
    this.registry = registry;
    collectDefaultMetrics({ register: this.runtime });
    for (const spec of CATALOGUE) {
      const opts = {
        name: spec.name,
        help: spec.help,
        labelNames: labelNames(spec.labels),
        registers: [registry],
        // The Prometheus client counts its requests process-wide; a scrape reads the count.
        collect: spec.name === METRIC.prometheusQueriesTotal ? readQueriesSent : undefined,
      };
      if (spec.type === 'counter') this.counters.set(spec.name, new Counter(opts));
      else this.gauges.set(spec.name, new Gauge(opts));
    }
    this.g(METRIC.buildInfo).set({ version }, 1);
  }

  /** The /metrics body: both registries, as Prometheus text (0.0.4) or OpenMetrics 1.0.0. */
  async exposition(openMetrics: boolean): Promise<{ contentType: string; text: string }> {
    const merged = Registry.merge([this.registry, this.runtime]);
    const text = await merged.metrics();
    return openMetrics
      ? { contentType: OPENMETRICS_CONTENT_TYPE, text: toOpenMetrics(text) }
      : { contentType: merged.contentType, text };
  }

  private g(name: MetricName): Gauge<string> {
    return this.gauges.get(name)!;
  }

  setReload(ok: boolean, at: number): void {
    this.g(METRIC.configLastReloadSuccessful).set(ok ? 1 : 0);
    if (ok) this.g(METRIC.configLastReloadSuccessTimestampSeconds).set(at);
  }

  setRefresh(cadence: Cadence, durationSeconds: number, completedAt: number): void {
    this.g(METRIC.refreshDurationSeconds).set({ cadence }, durationSeconds);
    this.g(METRIC.lastRefreshSuccessTimestampSeconds).set({ cadence }, completedAt);
  }

  /**
   * Replace every per-service series with the ones of `services`, trimmed to the series budget.
   * Synchronous: a scrape sees all or nothing.
   */
  publish(
    services: readonly ServiceSnapshot[],
    failures: readonly ServiceFailure[] = [],
    opts: PublishOptions = {}
  ): TrimDecision {
    const perService = [
      ...services.map(serviceSeries),
      ...failures.map((f) => inputSeries(f.service, f.inputs, f.fleet)),
    ];
    const trim = trimFor(
      opts.seriesBudget,
      perService.map((s) => countSeries(s)),
      PROCESS_SERIES
    );
    const dropped = new Set<string>(trim.dropped.map((d) => d.detail));
    for (const [name, gauge] of this.gauges) if (!PROCESS_METRICS.has(name)) gauge.reset();
    for (const series of perService) {
      const kept = series.filter((s) => !dropped.has(detailOf(s) ?? ''));
      for (const s of kept) this.g(s.name).set(s.labels, s.value);
      if (series.length > 0) this.g(METRIC.series).set(ownLabels(series[0]), kept.length + 1);
    }
    this.g(METRIC.seriesBudget).set(trim.budget);
    for (const { detail } of SERIES_DETAILS)
      this.g(METRIC.seriesDropped).set({ detail }, trim.dropped.find((d) => d.detail === detail)?.series ?? 0);
    const key = trim.dropped.map((d) => d.detail).join(',');
    if (key !== this.lastDropped) opts.onTrim?.(describeTrim(trim), trim);
    this.lastDropped = key;
    return trim;
  }

  /** One more refresh of `service` failed (counters are never reset by publish). */
  countPlanError(service: string): void {
    this.counters.get(METRIC.planErrorsTotal)!.inc({ service });
  }
}

/** Per-service metrics also carry the fleet label (set only for fleet services). */
const labelNames = (labels: readonly string[]): string[] =>
  labels.includes('service') && !labels.includes(FLEET_LABEL) ? [...labels, FLEET_LABEL] : [...labels];

/** The service (and fleet) labels of a series: those of its headroom_series gauge. */
function ownLabels(s: Series): Record<string, string | number> {
  const { service } = s.labels;
  return FLEET_LABEL in s.labels ? { service, [FLEET_LABEL]: s.labels[FLEET_LABEL] } : { service };
}
