import type { PrometheusConfig, Service } from '../config/schema.js';
import type { ServiceInputs } from '../model/plan.js';
import type { HistoryReading, Source } from './source.js';

/** Reads a service's inputs from Prometheus's HTTP API. (Being built: issue 3.) */
export class PrometheusSource implements Source {
  readonly kind = 'prometheus' as const;
  constructor(readonly config: PrometheusConfig) {}
  async readInputs(_svc: Service, _now: number): Promise<ServiceInputs> {
    throw new Error('the Prometheus source is not implemented yet');
  }
  async readHistory(_svc: Service, _now: number): Promise<HistoryReading> {
    return { ok: false, reason: 'the Prometheus source is not implemented yet' };
  }
}
