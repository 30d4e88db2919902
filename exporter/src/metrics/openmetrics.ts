/**
 * Prometheus text format (0.0.4) → OpenMetrics 1.0.0, for /metrics content negotiation. Pure text
 * in, text out. prom-client can render OpenMetrics itself, but doing so renames the counters it
 * shares with every other registry (it strips `_total` from the metric objects in place), which
 * would break the next text-format scrape; converting the text avoids touching the metrics.
 *
 * The differences that matter for what prom-client renders (https://prometheus.io/docs/specs/om/open_metrics_spec/):
 * a counter family is named without `_total` in HELP/TYPE while its samples keep `_total`, and the
 * exposition ends with `# EOF`. Gauges and histograms are written the same way in both.
 */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export function toOpenMetrics(text: string): string {
  const lines = text.split('\n');
  const counters = new Set<string>();
  for (const l of lines) {
    const m = /^# TYPE (\S+) counter$/.exec(l);
    if (m) counters.add(m[1]);
  }
  const family = (name: string) => name.replace(/_total$/, '');
  const out: string[] = [];
  for (const l of lines) {
    if (l === '') continue;
    const meta = /^# (HELP|TYPE) (\S+)(.*)$/.exec(l);
    if (meta) {
      out.push(counters.has(meta[2]) ? `# ${meta[1]} ${family(meta[2])}${meta[3]}` : l);
      continue;
    }
    const name = /^[^\s{]+/.exec(l)?.[0] ?? '';
    // A counter named without the suffix still needs it on its samples.
    out.push(counters.has(name) && !name.endsWith('_total') ? `${name}_total${l.slice(name.length)}` : l);
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}
