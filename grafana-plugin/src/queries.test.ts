import { EXPECTED_METRICS, METRICS, panelTargets, QUERIES } from './queries';

describe('queries', () => {
  it('query every metric of the data contract exactly once across the three views', () => {
    const queried = Object.values(EXPECTED_METRICS).flat().sort();
    expect(queried).toEqual(Object.values(METRICS).sort());
  });

  it.each([
    ['plan', ['A']],
    ['headroom', []],
    ['decisions', ['A', 'B', 'C']],
  ] as const)('make the %s view read range queries for %p only', (view, ranged) => {
    for (const query of QUERIES[view]) {
      const range = (ranged as readonly string[]).includes(query.refId);
      expect([query.refId, query.range, query.instant]).toEqual([query.refId, range, !range]);
    }
  });

  it('build dashboard targets with the Prometheus data source variable', () => {
    expect(panelTargets('decisions')[0]).toEqual({
      refId: 'A',
      expr: 'headroom_scaler_last_decision_timestamp_seconds{service=~"$service"}',
      instant: false,
      range: true,
      format: 'time_series',
      datasource: { type: 'prometheus', uid: '${datasource}' },
    });
  });
});
