/**
 * The floor of the fleet render benchmark, drawn by the host page in the same Chromium run: one pass
 * over the same data frames (each series' service label and value) and a bare table of the same
 * number of rows and columns, with no ranking, no styles and no Grafana components. What any fleet
 * list over these frames costs at least; the fleet view's figure is compared with it.
 */
import React, { useLayoutEffect } from 'react';
import type { DataFrame } from '@grafana/data';

import { markRenderEnd, markRenderStart } from '../../src/perf';

export const FLOOR_RENDER_MEASURE = 'headroom-floor-render';

const COLUMNS = 6;

export function FloorTable({ frames, rows }: { frames: DataFrame[]; rows: number }) {
  markRenderStart(FLOOR_RENDER_MEASURE);
  useLayoutEffect(() => markRenderEnd(FLOOR_RENDER_MEASURE));
  const byService = new Map<string, number[]>();
  for (const frame of frames) {
    const field = frame.fields[1];
    const service = field?.labels?.service;
    if (service) {
      const values = byService.get(service) ?? [];
      values.push(Number(field.values[0]));
      byService.set(service, values);
    }
  }
  const shown = [...byService].slice(0, rows);
  return (
    <table data-testid="floor-table">
      <tbody>
        {shown.map(([service, values]) => (
          <tr key={service}>
            <td>{service}</td>
            {Array.from({ length: COLUMNS - 1 }, (_, i) => (
              <td key={i}>{String(values[i] ?? '')}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
