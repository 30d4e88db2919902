import { METRICS } from '../queries';
import { buildFleet, exhaustionSeconds, FleetRow, rankFleet, serviceLink, topOf } from './fleet';
import { Series } from './frames';

const DAY = 86400;

function s(metric: string, labels: Record<string, string>, value: number): Series {
  return { metric, labels, times: [0], values: [value] };
}

/** The series the exporter publishes for a service whose inputs were all read. */
function healthy(
  service: string,
  { headroom = [0.5, 0.3], capacity, budget }: { headroom?: number[]; capacity?: number; budget?: number } = {}
): Series[] {
  const out = [
    s(METRICS.instances, { service }, 4),
    s(METRICS.limitInstances, { service, limit: 'max' }, 20),
    s(METRICS.budgetMonthly, { service }, 1000),
    s(METRICS.budgetForecast, { service }, 400),
    ...headroom.map((h, i) => s(METRICS.headroom, { service, resource: ['cpu', 'memory', 'sessions'][i] }, h)),
  ];
  if (capacity !== undefined) {
    out.push(s(METRICS.capacityExhaustion, { service, scenario: 'moderate' }, capacity));
  }
  if (budget !== undefined) {
    out.push(s(METRICS.budgetExhaustion, { service, scenario: 'moderate' }, budget));
  }
  return out;
}

const row = (service: string, patch: Partial<FleetRow>): FleetRow => ({
  service,
  missing: false,
  missingReasons: [],
  ...patch,
});

describe('buildFleet', () => {
  it('takes the tightest resource as the service headroom', () => {
    const [r] = buildFleet(healthy('api', { headroom: [0.5, 0.1, 0.3], capacity: 10 * DAY }), []).rows;
    expect(r).toMatchObject({ service: 'api', headroom: 0.1, resource: 'memory', missing: false, instances: 4 });
    expect(r.maxInstances).toBe(20);
  });

  it.each([
    {
      name: 'an absent exhaustion series means never when the family came back for another service',
      series: [...healthy('a', { capacity: 5 * DAY, budget: 9 * DAY }), ...healthy('b')],
      service: 'b',
      expected: { capacitySeconds: Infinity, budgetSeconds: Infinity },
    },
    {
      name: 'an absent exhaustion family means unknown (the query did not answer)',
      series: healthy('b'),
      service: 'b',
      expected: { capacitySeconds: undefined, budgetSeconds: undefined },
    },
    {
      name: 'a published time is kept as it is',
      series: healthy('a', { capacity: 5 * DAY, budget: 9 * DAY }),
      service: 'a',
      expected: { capacitySeconds: 5 * DAY, budgetSeconds: 9 * DAY },
    },
  ])('$name', ({ series, service, expected }) => {
    const r = buildFleet(series, []).rows.find((x) => x.service === service)!;
    expect({ capacitySeconds: r.capacitySeconds, budgetSeconds: r.budgetSeconds }).toEqual(expected);
  });

  it.each([
    {
      name: 'an input the exporter could not read',
      series: [...healthy('a', { capacity: DAY }), s(METRICS.inputUp, { service: 'a', signal: 'cpu' }, 0)],
      wanted: [],
      reasons: ['cpu'],
    },
    {
      name: 'no instance count and no headroom (every input missing)',
      series: [
        ...healthy('b', { capacity: DAY }),
        s(METRICS.budgetMonthly, { service: 'a' }, 500),
        s(METRICS.inputUp, { service: 'a', signal: 'instances' }, 0),
        s(METRICS.inputUp, { service: 'a', signal: 'cpu' }, 0),
      ],
      wanted: [],
      reasons: ['cpu', 'instances', 'headroom'],
    },
    {
      name: 'a service the selection names that has no series at all',
      series: healthy('b', { capacity: DAY }),
      wanted: ['a', 'b'],
      reasons: ['instances', 'headroom'],
    },
  ])('marks a service missing for $name, never healthy', ({ series, wanted, reasons }) => {
    const r = buildFleet(series, wanted).rows.find((x) => x.service === 'a')!;
    expect(r.missing).toBe(true);
    expect(r.missingReasons).toEqual(reasons);
    // Nothing about it is "never": a missing service has no time left, not an infinite one.
    expect(r.capacitySeconds).toBeUndefined();
    expect(r.budgetSeconds).toBeUndefined();
  });

  it('keeps only the services the selection names', () => {
    const model = buildFleet([...healthy('a'), ...healthy('b'), ...healthy('c')], ['a', 'c']);
    expect(model.rows.map((r) => r.service).sort()).toEqual(['a', 'c']);
  });

  it('sums spend and budgets, and counts the services whose spend is unknown instead of adding 0', () => {
    const series = [
      ...healthy('a'),
      ...healthy('b'),
      s(METRICS.budgetMonthly, { service: 'c' }, 250),
      s(METRICS.inputUp, { service: 'c', signal: 'spend' }, 0),
    ];
    expect(buildFleet(series, []).totals).toEqual({
      services: 3,
      missing: 1,
      spend: 800,
      spendUnknown: 1,
      budget: 2250,
    });
  });
});

describe('rankFleet', () => {
  const rows = [
    row('ok-roomy', { headroom: 0.6, capacitySeconds: Infinity, budgetSeconds: Infinity }),
    row('tight', { headroom: 0.05, capacitySeconds: 200 * DAY, budgetSeconds: Infinity }),
    row('soon', { headroom: 0.4, capacitySeconds: 90 * DAY, budgetSeconds: 12 * DAY }),
    row('gone', { missing: true, missingReasons: ['instances'] }),
    row('tied-b', { headroom: 0.3, capacitySeconds: 40 * DAY }),
    row('tied-a', { headroom: 0.3, capacitySeconds: 40 * DAY }),
    row('no-budget', { headroom: 0.3, capacitySeconds: 30 * DAY }),
  ];
  it.each([
    {
      sort: 'headroom' as const,
      order: ['gone', 'tight', 'no-budget', 'tied-a', 'tied-b', 'soon', 'ok-roomy'],
    },
    {
      sort: 'exhaustion' as const,
      order: ['gone', 'soon', 'no-budget', 'tied-a', 'tied-b', 'tight', 'ok-roomy'],
    },
    { sort: 'name' as const, order: ['gone', 'no-budget', 'ok-roomy', 'soon', 'tied-a', 'tied-b', 'tight'] },
  ])('ranks by $sort with missing services first (except by name)', ({ sort, order }) => {
    expect(rankFleet(rows, sort).map((r) => r.service)).toEqual(order);
  });

  it('puts rows with unknown figures after every known one', () => {
    const ranked = rankFleet([row('unknown', {}), row('known', { headroom: 0.9, capacitySeconds: DAY })], 'exhaustion');
    expect(ranked.map((r) => r.service)).toEqual(['known', 'unknown']);
  });
});

describe('exhaustionSeconds', () => {
  it.each([
    { capacitySeconds: 5, budgetSeconds: 9, expected: 5 },
    { capacitySeconds: Infinity, budgetSeconds: 9, expected: 9 },
    { capacitySeconds: Infinity, budgetSeconds: Infinity, expected: Infinity },
    { capacitySeconds: undefined, budgetSeconds: 7, expected: 7 },
    { capacitySeconds: undefined, budgetSeconds: undefined, expected: undefined },
  ])('is $expected for capacity $capacitySeconds and budget $budgetSeconds', ({ expected, ...times }) => {
    expect(exhaustionSeconds(row('x', times))).toBe(expected);
  });
});

describe('topOf', () => {
  const many = Array.from({ length: 1000 }, (_, i) => row(`svc_${i}`, {}));
  it.each([
    { total: 3, topN: 20, shown: 3, more: 0 },
    { total: 100, topN: 20, shown: 20, more: 80 },
    { total: 1000, topN: 20, shown: 20, more: 980 },
    { total: 1000, topN: 0, shown: 1, more: 999 },
  ])('shows $shown of $total and counts $more more for top $topN', ({ total, topN, shown, more }) => {
    const top = topOf(many.slice(0, total), topN);
    expect({ shown: top.shown.length, more: top.more }).toEqual({ shown, more });
  });
});

describe('serviceLink', () => {
  it.each([
    { template: '?var-service={service}', service: 'api', expected: '?var-service=api' },
    {
      template: '/d/x/?var-service={service}&from=1',
      service: 'a b/c',
      expected: '/d/x/?var-service=a%20b%2Fc&from=1',
    },
  ])('links $service through $template', ({ template, service, expected }) => {
    expect(serviceLink(template, service)).toBe(expected);
  });
});
