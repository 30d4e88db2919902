/**
 * /metrics conventions of an exporter: prom-client's default process_* and nodejs_* metrics beside
 * Headroom's own, and content negotiation between the Prometheus text format (0.0.4) and
 * OpenMetrics 1.0.0, checked by a real Prometheus (2.42 asks for OpenMetrics first) scraping it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY } from './helpers.js';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { startPrometheus, waitForTargets, type Running } from './support/processes.js';
import { captureLogger } from './support/serve.js';
import { toOpenMetrics } from '../src/metrics/openmetrics.js';

let serve: ServeHandle;
let prom: Running;

beforeAll(async () => {
  serve = await startServe({
    configFile: EXAMPLE_POLICY,
    listen: '127.0.0.1:0',
    logger: captureLogger().logger,
    version: 'test',
    scalerFactory: null,
  });
  prom = await startPrometheus({
    config: `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: headroom\n    static_configs: [{ targets: ['127.0.0.1:${serve.port}'] }]\n`,
  });
  await waitForTargets(prom, 1);
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  await serve?.close();
});

const get = (accept?: string) => fetch(`${serve.url}/metrics`, { headers: accept ? { accept } : {} });

describe('GET /metrics content negotiation', () => {
  it.each([
    { name: 'no Accept header', accept: undefined, type: 'text/plain; charset=utf-8; version=0.0.4' },
    { name: 'Accept: text/plain', accept: 'text/plain', type: 'text/plain; charset=utf-8; version=0.0.4' },
    {
      name: 'Accept: application/openmetrics-text',
      accept: 'application/openmetrics-text; version=1.0.0',
      type: 'application/openmetrics-text; charset=utf-8; version=1.0.0',
    },
    {
      name: "Prometheus 2.42's Accept header",
      accept:
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      type: 'application/openmetrics-text; charset=utf-8; version=1.0.0',
    },
    {
      name: 'OpenMetrics ranked below text',
      accept: 'application/openmetrics-text;q=0.2, text/plain;q=0.9',
      type: 'text/plain; charset=utf-8; version=0.0.4',
    },
  ])('answers $name with $type', async ({ accept, type }) => {
    const res = await get(accept);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    const text = await res.text();
    expect(text.trimEnd().endsWith('# EOF')).toBe(type.startsWith('application/openmetrics-text'));
  });

  it('names counters without _total in OpenMetrics TYPE lines and keeps _total on their samples', async () => {
    const text = await (await get('application/openmetrics-text')).text();
    expect(text).toContain('# TYPE process_cpu_seconds counter');
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
  });

  it('leaves the text format intact after an OpenMetrics scrape (no counter renamed in place)', async () => {
    await get('application/openmetrics-text');
    const text = await (await get('text/plain')).text();
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toMatch(/^# TYPE headroom_\w+_total counter$/m);
  });
});

describe('toOpenMetrics', () => {
  it.each([
    {
      name: 'renames a counter family and keeps its samples',
      text: '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 3\n',
      om: '# HELP a A.\n# TYPE a counter\na_total{x="1"} 3\n# EOF\n',
    },
    {
      name: 'adds _total to the samples of a counter named without it',
      text: '# TYPE b counter\nb 1\n',
      om: '# TYPE b counter\nb_total 1\n# EOF\n',
    },
    {
      name: 'leaves gauges and histograms as they are',
      text: '# TYPE g gauge\ng 2\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 0.5\nh_count 1\n',
      om: '# TYPE g gauge\ng 2\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 0.5\nh_count 1\n# EOF\n',
    },
  ])('$name', ({ text, om }) => expect(toOpenMetrics(text)).toBe(om));
});

describe('default process and Node.js metrics', () => {
  it.each([
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'process_start_time_seconds',
    'nodejs_eventloop_lag_seconds',
    'nodejs_heap_size_used_bytes',
    'nodejs_version_info',
  ])('serves %s beside headroom_build_info', async (name) => {
    const text = await (await get()).text();
    expect(text.split('\n').filter((l) => l.startsWith(name)).length, name).toBeGreaterThan(0);
    expect(text).toMatch(/^headroom_build_info\{version="test"\} 1$/m);
  });

  it('keeps them out of the registry that promtool lints (Headroom metrics only)', async () => {
    const own = await serve.metrics.registry.metrics();
    expect(own).not.toMatch(/^(process|nodejs)_/m);
    expect(own).toMatch(/^headroom_build_info/m);
  });

  it('is scraped by a real Prometheus (OpenMetrics negotiated) with both kinds of series', async () => {
    const q = async (query: string) => {
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
        data: { result: unknown[] };
      };
      return r.data.result.length;
    };
    expect(await q('up{job="headroom"} == 1')).toBe(1);
    expect(await q('process_resident_memory_bytes{job="headroom"}')).toBe(1);
    expect(await q('headroom_build_info{job="headroom"}')).toBe(1);
    expect(await q('scrape_samples_scraped{job="headroom"} > 0')).toBe(1);
  });
});
