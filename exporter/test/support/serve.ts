/** Helpers for the `headroom serve` tests: captured logs, parsed scrapes, policy variants. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import yaml from 'js-yaml';
import { EXAMPLE_POLICY } from '../helpers.js';
import { exec, tempDir } from './processes.js';

export interface CapturedLogger {
  logger: Logger;
  lines: () => { level: number; msg: string; [k: string]: unknown }[];
  text: () => string;
}

export function captureLogger(level = 'debug'): CapturedLogger {
  const raw: string[] = [];
  const logger = pino({ level }, { write: (s: string) => void raw.push(s) });
  return {
    logger,
    lines: () => raw.map((l) => JSON.parse(l)),
    /** The messages, one per line (structured fields are in lines()). */
    text: () => raw.map((l) => JSON.parse(l).msg as string).join('\n'),
  };
}

/** `name{a="1",b="2"}` → value, labels sorted by name. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metric line: ${line}`);
    out.set(
      seriesKey(
        m[1],
        Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]))
      ),
      Number(m[3])
    );
  }
  return out;
}

export function seriesKey(name: string, labels: Record<string, string | number> = {}): string {
  const l = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(',');
  return l ? `${name}{${l}}` : name;
}

/** The example policy, changed by `mutate` (on the parsed YAML document), written to `dir`. */
export function writePolicy(dir: string, mutate: (doc: any) => void, name = 'headroom.yml'): string {
  const doc = yaml.load(readFileSync(EXAMPLE_POLICY, 'utf8')) as any;
  mutate(doc);
  const file = path.join(dir, name);
  writeFileSync(file, yaml.dump(doc));
  return file;
}

export async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

export async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`${url}/metrics: HTTP ${res.status}`);
  return parseMetrics(await res.text());
}

/**
 * processes.ts backfill() with wide blocks: promtool's default 2 h blocks make 60 days of history
 * 720 blocks and ~30 s of work; one block per 62 days takes well under a second.
 */
export async function backfillWide(text: string): Promise<string> {
  const dir = tempDir('backfill');
  const input = path.join(dir, 'input.om');
  writeFileSync(input, `${text.trimEnd()}\n# EOF\n`);
  const storage = path.join(dir, 'data');
  await exec('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=1488h', input, storage], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return storage;
}
