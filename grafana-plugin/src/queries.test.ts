import { EXPECTED_METRICS, METRICS, panelTargets, QUERIES } from './queries';

describe('queries', () => {
  it('query every metric of the data contract, none twice in one view', () => {
    expect([...new Set(Object.values(EXPECTED_METRICS).flat())].sort()).toEqual(Object.values(METRICS).sort());
    for (const metrics of Object.values(EXPECTED_METRICS)) {
      expect(new Set(metrics).size).toBe(metrics.length);
    }
  });

  it.each([
    ['plan', [METRICS.instances]],
    ['headroom', ['headroom_resource_utilization_ratio']],
    [
      'decisions',
      [
        METRICS.decisionTimestamp,
        METRICS.decisionCurrent,
        METRICS.decisionTarget,
        METRICS.instances,
        METRICS.recommendedInstances,
      ],
    ],
  ] as const)('make the %s view read over the time range exactly %p', (view, ranged) => {
    const range = QUERIES[view].filter((query) => query.range).map((query) => query.expr.split('{')[0]);
    expect(range).toEqual(ranged);
    expect(QUERIES[view].every((query) => query.range !== query.instant)).toBe(true);
  });

  it('ask for the final recommendation only, not each basis', () => {
    expect(QUERIES.decisions.find((query) => query.refId === 'E')?.expr).toBe(
      'headroom_recommended_instances{service=~"$service",basis="final"}'
    );
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
