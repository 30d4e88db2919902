import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CATALOGUE, FLEET_LABEL, METRIC, SERIES_DETAILS, type MetricName } from '@headroom/contract';
import { OPENMETRICS_CONTENT_TYPE, toOpenMetrics } from './openmetrics.js';
import { labelKey, ServiceGauge } from './service-gauge.js';
import {
  emitInputs,
  emitService,
  present,
  serviceLabels,
  type Add,
  type InputHealth,
  type Labels,
  type ServiceSnapshot,
  type Wants,
} from './series.js';
import {
  describeTrim,
  droppedWhole,
  PROCESS_SERIES,
  seriesCounter,
  seriesDetail,
  trimFor,
  type SeriesCount,
  type TrimDecision,
} from './budget.js';

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
  /** The gauges of per-service series (labelled by service), which only publish writes. */
  private readonly perService = new Map<MetricName, ServiceGauge>();
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
      else if (isPerService(spec.name, spec.labels)) {
        const gauge = new ServiceGauge(opts);
        this.gauges.set(spec.name, gauge);
        this.perService.set(spec.name, gauge);
      } else this.gauges.set(spec.name, new Gauge(opts));
    }
    this.g(METRIC.buildInfo).set({ version }, 1);
  }

  /** The /metrics body: both registries, as Prometheus text (0.0.4) or OpenMetrics 1.0.0. */
  async exposition(openMetrics: boolean): Promise<{ contentType: string; text: string }> {
    const merged = Registry.merge([this.registry, this.runtime]);
    // What merged.metrics() writes, with the per-service gauges' blocks formatted once per refresh.
    const blocks = await Promise.all(
      merged
        .getMetricsAsArray()
        .map((m) => (m instanceof ServiceGauge ? m.text() : merged.getSingleMetricAsString(m.name)))
    );
    const text = `${blocks.join('\n\n')}\n`;
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

  /** Services awaiting their first history fit; set with every publish (which resets it). */
  setHistoryPending(services: number): void {
    this.g(METRIC.historyPendingServices).set(services);
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
    // Each service's series are produced twice (counted, then published) rather than held all at once:
    // at 1,000 services most of them are trimmed, and none lives beyond its service's turn.
    const emitters = [
      ...services.map((s) => emitter(serviceLabels(s.plan.service, s.fleet?.name), (add, w) => emitService(add, s, w))),
      ...failures.map((f) => emitter(serviceLabels(f.service, f.fleet), (add) => emitInputs(add, f.inputs))),
    ];
    const counts = emitters.map((e) => countEmitted(e.emit));
    const trim = trimFor(opts.seriesBudget, counts, PROCESS_SERIES);
    const dropped = new Set<string>(trim.dropped.map((d) => d.detail));
    const wants: Wants = (...names) => names.some((n) => !droppedWhole(n, dropped));
    for (const [name, gauge] of this.gauges) if (!PROCESS_METRICS.has(name)) gauge.reset();
    emitters.forEach((e, i) => {
      let kept = 0;
      e.emit((name, labels, v) => {
        if (!present(v) || dropped.has(seriesDetail(name, labels) ?? '')) return;
        this.put(name, e.key, e.labels, labels, v);
        kept++;
      }, wants);
      if (total(counts[i]) > 1) this.put(METRIC.series, e.key, e.labels, {}, kept + 1);
    });
    this.g(METRIC.seriesBudget).set(trim.budget);
    for (const { detail } of SERIES_DETAILS)
      this.g(METRIC.seriesDropped).set({ detail }, trim.dropped.find((d) => d.detail === detail)?.series ?? 0);
    const key = trim.dropped.map((d) => d.detail).join(',');
    if (key !== this.lastDropped) opts.onTrim?.(describeTrim(trim), trim);
    this.lastDropped = key;
    return trim;
  }

  /** One series of a service: through its ServiceGauge (a gauge without the service label, if any, as prom-client sets it). */
  private put(name: MetricName, key: string, service: Labels, own: Labels, v: number): void {
    const gauge = this.perService.get(name);
    if (gauge) gauge.put(key, service, own, v);
    else this.g(name).set({ ...service, ...own }, v);
  }

  /** One more refresh of `service` failed (counters are never reset by publish). */
  countPlanError(service: string): void {
    this.counters.get(METRIC.planErrorsTotal)!.inc({ service });
  }
}

/** A gauge of per-service series: labelled by service, written by publish only (the process-wide ones are set apart). */
const isPerService = (name: MetricName, labels: readonly string[]): boolean =>
  labels.includes('service') && !PROCESS_METRICS.has(name);

/** Per-service metrics also carry the fleet label (set only for fleet services). */
const labelNames = (labels: readonly string[]): string[] =>
  labels.includes('service') && !labels.includes(FLEET_LABEL) ? [...labels, FLEET_LABEL] : [...labels];

/** The series of one service, produced on demand. */
interface Emitter {
  labels: Labels;
  /** labelKey of its labels. */
  key: string;
  emit: (add: Add, wants?: Wants) => void;
}

const emitter = (labels: Labels, emit: Emitter['emit']): Emitter => ({ labels, key: labelKey(labels), emit });

/** Series counted, the headroom_series gauge included. */
const total = (c: SeriesCount) => [...c.details.values()].reduce((n, k) => n + k, c.core);

/** The counts of the series `emit` produces (absent values are not series). */
function countEmitted(emit: (add: Add) => void): SeriesCount {
  const c = seriesCounter();
  emit((name, labels, v) => {
    if (present(v)) c.count(name, labels);
  });
  return c.result;
}
