import type { Policy } from '../config/schema.js';
import { DemoSource } from './demo.js';
import type { Source } from './source.js';

/** The source a policy names: its Prometheus, or the built-in demo workload when it names none. */
export async function createSource(policy: Policy): Promise<Source> {
  if (!policy.prometheus) return new DemoSource();
  const { PrometheusSource } = await import('./prometheus.js');
  return new PrometheusSource(policy.prometheus, undefined, { maxSampleAge: policy.refresh.max_sample_age });
}
