/** Shared helpers of the benchmarks: medians, CPU time, policies with many services. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePolicy } from '../exporter/src/config/load.js';
import type { Policy } from '../exporter/src/config/schema.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** CPU milliseconds (user + system) of this process spent in fn. */
export async function cpuMs(fn: () => unknown | Promise<unknown>): Promise<number> {
  const a = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(a);
  return (d.user + d.system) / 1000;
}

export async function wallMs(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** The example policy with its service copied n times (svc_0 … svc_{n-1}). */
export function policyWithServices(n: number): Policy {
  const base = parsePolicy(readFileSync(path.join(ROOT, 'headroom.yml'), 'utf8'));
  const svc = base.services[0];
  return { ...base, services: Array.from({ length: n }, (_, i) => ({ ...svc, name: `svc_${i}` })) };
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  floor?: number;
  ratio?: number;
  goal?: string;
  met?: boolean;
}

export function table(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    `${round(f.value)} ${f.unit}`,
    f.floor === undefined ? '' : `${round(f.floor)} ${f.unit}`,
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`,
    f.goal ?? '',
    f.met === undefined ? '' : f.met ? 'yes' : 'NO',
  ]);
  const head = ['figure', 'value', 'floor', 'ratio', 'goal', 'met'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  return [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function round(v: number): string {
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
