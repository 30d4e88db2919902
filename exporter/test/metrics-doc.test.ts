import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, SCALER_CATALOGUE } from '@headroom/contract';
import { METRICS_DOC_PATH, renderMetricsDoc } from '../src/metrics/doc.js';
import { ROOT } from './helpers.js';

describe('the metric catalogue', () => {
  it('matches docs/metrics.md (regenerate with `npx headroom metrics-doc --out docs/metrics.md`)', () => {
    expect(readFileSync(path.join(ROOT, METRICS_DOC_PATH), 'utf8')).toBe(renderMetricsDoc());
  });

  it('declares every metric once, with the labels docs/CONTRACTS.md promises', () => {
    const contracts = readFileSync(path.join(ROOT, 'docs/CONTRACTS.md'), 'utf8');
    const promised = new Map<string, string[]>();
    for (const m of contracts.matchAll(/^\| `(headroom_[a-z_]+)`(?: \([a-z]+\))? \|\s*((?:[^|\\]|\\.)*?)\s*\|/gm)) {
      promised.set(m[1], m[2].trim() === '' ? [] : m[2].split(',').map((l) => l.trim().replace(/=.*$/, '')));
    }
    expect(new Set(CATALOGUE.map((m) => m.name)).size).toBe(CATALOGUE.length);
    for (const m of CATALOGUE) expect([m.name, [...m.labels]]).toEqual([m.name, promised.get(m.name)]);
    const exporterMetrics = [...promised.keys()].filter((n) => !n.startsWith('headroom_scaler_'));
    expect(CATALOGUE.map((m) => m.name).sort()).toEqual(exporterMetrics.sort());
  });

  it("declares the scaler's metrics with the labels docs/CONTRACTS.md promises", () => {
    const contracts = readFileSync(path.join(ROOT, 'docs/CONTRACTS.md'), 'utf8');
    for (const m of SCALER_CATALOGUE) expect(contracts, m.name).toContain(`\`${m.name}\``);
  });
});
