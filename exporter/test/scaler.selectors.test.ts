import { it, expect } from 'vitest';
import { vectorSelectors } from '../src/sources/selectors.js';
it.each([
  [
    'avg(100 * (1 - rate(node_cpu_seconds_total{job="terminal",mode="idle"}[1m])))',
    ['node_cpu_seconds_total{job="terminal",mode="idle"}'],
  ],
  [
    '1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="terminal"}[5m])))',
    ['http_request_duration_seconds_bucket{job="terminal"}'],
  ],
  [
    '100 * sum(rate(http_requests_total{job="terminal",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="terminal"}[5m]))',
    ['http_requests_total{job="terminal",code=~"5.."}', 'http_requests_total{job="terminal"}'],
  ],
  ['count(up{job="terminal"} == 1)', ['up{job="terminal"}']],
  ['avg(test_cpu_percent)', ['test_cpu_percent']],
  ['a / on(instance) group_left(x) b offset 5m', ['a', 'b']],
  ['{__name__="m",a="}"}', ['{__name__="m",a="}"}']],
  ['vector(1)', []],
])('%s', (q, want) => expect(vectorSelectors(q)).toEqual(want));
