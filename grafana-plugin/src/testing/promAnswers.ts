/**
 * Test support: a recorded fleet fixture (scripts/record-fleet.mjs: a real Prometheus's answers to
 * the fleet view's queries) as the data frames Grafana's Prometheus data source makes of instant
 * queries: one frame per series, a Time field and a number field carrying the labels, the query's
 * refId and its executed expression.
 */
import { DataFrame, FieldType, toDataFrame } from '@grafana/data';

import { toNumber } from '../data/frames';

export type Labels = Record<string, string>;

export interface FleetFixture {
  recorded: string;
  services: number;
  /** Names of the services whose exporter had none of their inputs. */
  missing: string[];
  answers: Array<{ refId: string; expr: string; series: Array<[Labels, string]> }>;
}

export function fleetFrames(fixture: FleetFixture, time = Date.parse(fixture.recorded)): DataFrame[] {
  return fixture.answers.flatMap(({ refId, expr, series }) =>
    series.map(([labels, value]) =>
      toDataFrame({
        refId,
        meta: { type: 'numeric-multi', typeVersion: [0, 1], executedQueryString: `Expr: ${expr}` },
        fields: [
          { name: 'Time', type: FieldType.time, config: {}, values: [time] },
          {
            name: labels.__name__ ?? 'Value',
            type: FieldType.number,
            config: {},
            labels,
            values: [toNumber(value) ?? null],
          },
        ],
      })
    )
  );
}
