/**
 * The floor: a bare prom-client registry holding exactly the series of a Headroom scrape (same
 * names, labels and values), built from the exposition text.
 */
import { Gauge, Registry } from 'prom-client';

interface Family {
  help: string;
  labels: Set<string>;
  samples: { labels: Record<string, string>; value: number }[];
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const fam = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { help: name, labels: new Set(), samples: [] }));
    return f;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const i = rest.indexOf(' ');
      fam(rest.slice(0, i)).help = rest.slice(i + 1);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const [, k, v] of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    const f = fam(m[1]);
    for (const k of Object.keys(labels)) f.labels.add(k);
    f.samples.push({ labels, value: Number(m[4]) });
  }
  return families;
}

/** Counts samples (series) in an exposition text. */
export function countSeries(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) if (line !== '' && !line.startsWith('#')) n++;
  return n;
}

export function bareRegistry(text: string): Registry {
  const registry = new Registry();
  for (const [name, f] of parseExposition(text)) {
    const g = new Gauge({ name, help: f.help, labelNames: [...f.labels], registers: [registry] });
    for (const s of f.samples) g.set(s.labels, s.value);
  }
  return registry;
}
