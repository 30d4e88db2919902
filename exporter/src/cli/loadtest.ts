/**
 * `headroom loadtest import <file...>`: Locust stats history or k6 results → load steps → the
 * thresholds of model/loadtest.ts, printed, and optionally written into a policy's
 * `capacity.loadtest` block (that block only; every other byte of the file, comments included, stays).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isMap, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { ConfigError, loadPolicy } from '../config/load.js';
import type { LoadTestCurve, Policy, Service } from '../config/schema.js';
import { serviceSchema } from '../config/schema.js';
import { analyzeLoadTest } from '../model/loadtest.js';
import {
  curveOfSteps,
  LoadTestFileError,
  parseLoadTestFile,
  type ImportedRun,
  type LoadStep,
} from '../model/loadtest-import.js';
import { clientOptions, PrometheusClient } from '../sources/prometheus-client.js';
import { DEFAULT_CONFIG, parseFormat, UsageError, type Io } from './common.js';

interface ImportOptions {
  config?: string;
  service?: string;
  prometheus?: string;
  cpuQuery?: string;
  memoryQuery?: string;
  write?: string;
  format: string;
}

const FORMAT_NAMES = {
  'locust-stats-history': 'Locust stats history',
  'k6-json': 'k6 JSON output',
  'k6-summary-export': 'k6 summary export',
} as const;

function readRuns(files: string[]): ImportedRun[] {
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return parseLoadTestFile(file, text);
  });
}

/** The query of the service's signal for a resource named `resource` (or a signal of that name). */
function signalQuery(service: Service | undefined, resource: 'cpu' | 'memory'): string | undefined {
  if (!service) return undefined;
  const signalName = service.capacity.resources.find((r) => r.name === resource)?.signal ?? resource;
  return service.signals.find((s) => s.name === signalName)?.query;
}

/** Mean of `query` over each step's window; a step without samples is an error, never a default. */
async function measure(client: PrometheusClient, query: string, what: string, steps: LoadStep[]): Promise<number[]> {
  const out: number[] = [];
  for (const s of steps) {
    if (s.start === undefined || s.end === undefined)
      throw new UsageError(
        `${what}: the ${s.users}-user step has no time window (a k6 summary export); import k6 --out json output to measure ${what}`
      );
    const r = await client.range(query, s.start, s.end, 1);
    if (!r.ok) throw new UsageError(`${what}: query ${query} over the ${s.users}-user step failed: ${r.reason}`);
    if (r.series.length !== 1)
      throw new UsageError(
        `${what}: query ${query} over the ${s.users}-user step returned ${r.series.length} series, expected one (aggregate it, e.g. avg(...))`
      );
    const pts = r.series[0].points;
    if (pts.length === 0)
      throw new UsageError(
        `${what}: no samples of ${query} between ${s.start} and ${s.end} (${s.users} users): missing, not imported`
      );
    out.push(pts.reduce((a, p) => a + p.v, 0) / pts.length);
  }
  return out;
}

function pickService(policy: Policy | undefined, name: string | undefined): Service | undefined {
  if (!policy) return undefined;
  if (name === undefined) return policy.services[0];
  const s = policy.services.find((x) => x.name === name);
  if (!s)
    throw new UsageError(`--service: expected one of ${policy.services.map((x) => x.name).join(', ')}, got "${name}"`);
  return s;
}

const defaultCriteria = (): LoadTestCurve['criteria'] =>
  serviceSchema.shape.capacity.shape.loadtest
    .unwrap()
    .parse({ users: [1, 2], response_time_ms: [0, 0], error_percent: [0, 0], throughput_rps: [0, 0] }).criteria;

async function addResources(
  steps: LoadStep[],
  o: ImportOptions,
  policy: Policy | undefined,
  service: Service | undefined
): Promise<void> {
  const configured = policy?.prometheus;
  if (!o.prometheus && !configured) return;
  // --prometheus is a bare URL; the policy's block brings its auth, headers and TLS settings.
  const client = new PrometheusClient(
    o.prometheus
      ? { url: o.prometheus, timeoutSeconds: configured?.timeout ?? 10, concurrency: 1 }
      : clientOptions(configured!)
  );
  const cpuQuery = o.cpuQuery ?? signalQuery(service, 'cpu');
  const memoryQuery = o.memoryQuery ?? signalQuery(service, 'memory');
  if (!cpuQuery)
    throw new UsageError(
      '--cpu-query: a Prometheus is configured but no CPU query is known (give --cpu-query or a service with a cpu signal)'
    );
  const cpu = await measure(client, cpuQuery, 'cpu', steps);
  steps.forEach((s, i) => (s.cpuPercent = cpu[i]));
  if (memoryQuery) {
    const mem = await measure(client, memoryQuery, 'memory', steps);
    steps.forEach((s, i) => (s.memoryPercent = mem[i]));
  }
}

const list = (xs: readonly number[]) => `[${xs.join(', ')}]`;
/** The measurement keys of a loadtest block, in the order they are written. */
const MEASUREMENT_KEYS = [
  'users',
  'response_time_ms',
  'cpu_percent',
  'memory_percent',
  'error_percent',
  'throughput_rps',
] as const satisfies readonly (keyof LoadTestCurve)[];

/** The YAML lines of a loadtest block (keys at `indent`), measurement keys only. */
export function renderLoadtestKeys(curve: LoadTestCurve, indent: string, source: string): string[] {
  const rows = MEASUREMENT_KEYS.flatMap((k) => (curve[k] === undefined ? [] : [[k, curve[k]] as const]));
  return [
    `${indent}# imported by \`headroom loadtest import\` from ${source}; p95 response time, error % and throughput from the file${curve.cpu_percent ? ', CPU/memory from Prometheus over each step' : ''}`,
    ...rows.map(([k, v]) => `${indent}${`${k}:`.padEnd(18)}${list(v)}`),
  ];
}

/**
 * `text` with services[name].capacity.loadtest replaced by `curve`'s measurements. The block's
 * `criteria` (the user's settings, not measurements) is kept verbatim.
 */
export function replaceLoadtestBlock(
  file: string,
  text: string,
  serviceName: string,
  curve: LoadTestCurve,
  source: string
): string {
  const doc = parseDocument(text, { keepSourceTokens: true });
  const services = doc.get('services', true);
  if (!isSeq(services)) throw new UsageError(`${file}: services: expected a list`);
  const svc = services.items.find((s) => isMap(s) && s.get('name') === serviceName) as YAMLMap | undefined;
  if (!svc) throw new UsageError(`${file}: services: no service named "${serviceName}"`);
  const capacity = svc.get('capacity', true);
  if (!isMap(capacity))
    throw new UsageError(`${file}: services[${services.items.indexOf(svc)}].capacity: expected a mapping`);
  const pair = capacity.items.find((p) => (p.key as { value?: unknown })?.value === 'loadtest') as
    Pair<{ range: number[] }, YAMLMap> | undefined;
  const keyStart = pair?.key.range[0];
  const valueEnd = pair?.value?.range?.[1];
  if (!pair || keyStart === undefined || valueEnd === undefined || !isMap(pair.value)) {
    throw new UsageError(
      `${file}: services[${services.items.indexOf(svc)}].capacity.loadtest: expected an existing block mapping to replace`
    );
  }
  const lineStart = text.lastIndexOf('\n', keyStart) + 1;
  const indent = `${' '.repeat(keyStart - lineStart)}  `;
  const criteria = pair.value.items.find((p) => (p.key as { value?: unknown })?.value === 'criteria') as
    Pair<{ range: number[] }, { range: number[] }> | undefined;
  const criteriaText = criteria?.value?.range
    ? [`${indent}${text.slice(criteria.key.range[0], criteria.value.range[1]).trimEnd()}`]
    : [];
  const block = ['loadtest:', ...renderLoadtestKeys(curve, indent, source), ...criteriaText].join('\n');
  // A block node's range may include the line break after it; the text from that break on stays.
  let end = valueEnd;
  while (end > keyStart && /\s/.test(text[end - 1])) end--;
  return `${text.slice(0, keyStart)}${block}${text.slice(end)}`;
}

function writePolicy(file: string, serviceName: string, curve: LoadTestCurve, source: string): void {
  const next = replaceLoadtestBlock(file, readFileSync(file, 'utf8'), serviceName, curve, source);
  const tmp = `${file}.headroom-tmp`;
  writeFileSync(tmp, next);
  try {
    loadPolicy(tmp);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new UsageError(
        `${file}: the imported block does not validate, file left unchanged:\n${e.problems.map((p) => `  ${p}`).join('\n')}`
      );
    throw e;
  }
  renameSync(tmp, file);
}

function renderText(runs: ImportedRun[], files: string[], curve: LoadTestCurve): string {
  const t = analyzeLoadTest(curve);
  const out = [
    `Load test: ${files.map((f, i) => `${f} (${FORMAT_NAMES[runs[i].format]})`).join(', ')}: ${curve.users.length} steps`,
  ];
  out.push('  users   p95 ms  errors %     req/s    cpu %  memory %');
  curve.users.forEach((u, i) => {
    const cells = [
      u,
      curve.response_time_ms[i],
      curve.error_percent[i].toFixed(2),
      curve.throughput_rps[i],
      curve.cpu_percent?.[i] ?? 'n/a',
      curve.memory_percent?.[i] ?? 'n/a',
    ];
    out.push(`  ${cells.map((c, j) => String(c).padStart(j === 0 ? 5 : 8)).join(' ')}`);
  });
  for (const n of runs.flatMap((r) => r.notes)) out.push(`  note: ${n}`);
  if (!curve.cpu_percent)
    out.push('  note: CPU not measured (no Prometheus): the warning threshold uses response time only');
  out.push('');
  out.push(
    `Thresholds (concurrent users per instance): optimal ${t.optimal} · warning ${t.warning} · critical ${t.critical} · maximum ${t.maximum}`
  );
  out.push(`Triggers: scale out at ${t.scaleOut} · scale in at ${t.scaleIn} · emergency at ${t.emergency}`);
  out.push('');
  out.push('capacity.loadtest:');
  out.push(...renderLoadtestKeys(curve, '  ', files.join(', ')));
  return `${out.join('\n')}\n`;
}

async function runImport(files: string[], o: ImportOptions, io: Io): Promise<void> {
  const format = parseFormat(o.format);
  const configFile = o.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  const policy = configFile ? loadPolicy(configFile) : undefined;
  const service = pickService(policy, o.service);
  const runs = readRuns(files);
  const steps = runs.flatMap((r) => r.steps).sort((a, b) => a.users - b.users);
  const dup = steps.find((s, i) => i > 0 && steps[i - 1].users === s.users);
  if (dup)
    throw new UsageError(
      `${files.join(', ')}: ${dup.users} users appear in more than one file; expected one step per user count`
    );
  await addResources(steps, o, policy, service);
  const curve = curveOfSteps(files.join(', '), steps, service?.capacity.loadtest?.criteria ?? defaultCriteria());
  if (o.write) {
    const target = o.service ?? loadPolicy(o.write).services[0].name;
    writePolicy(o.write, target, curve, files.join(', '));
  }
  if (format === 'json')
    io.stdout(
      `${JSON.stringify({ steps, loadtest: curve, thresholds: analyzeLoadTest(curve), notes: runs.flatMap((r) => r.notes) }, null, 2)}\n`
    );
  else io.stdout(renderText(runs, files, curve) + (o.write ? `\nwrote capacity.loadtest of ${o.write}\n` : ''));
}

export function register(program: Command, io: Io): void {
  const lt = program.command('loadtest').description('load-test results from Locust and k6');
  lt.command('import')
    .description(
      'read Locust --csv-full-history stats history or k6 JSON/summary-export files, print the thresholds, optionally write capacity.loadtest'
    )
    .argument(
      '<files...>',
      'PREFIX_stats_history.csv (Locust), k6 --out json=FILE output, or k6 --summary-export files (one per load level)'
    )
    .option(
      '-c, --config <file>',
      `policy: criteria, Prometheus and the service's cpu/memory queries (default ${DEFAULT_CONFIG} when present)`
    )
    .option('--service <name>', 'service of the policy whose criteria and queries apply (default: the first)')
    .option(
      '--prometheus <url>',
      "Prometheus to read CPU and memory from over each step's window (default: the policy's)"
    )
    .option('--cpu-query <promql>', "CPU % of one instance (default: the service's cpu signal)")
    .option('--memory-query <promql>', "memory % of one instance (default: the service's memory signal)")
    .option('--write <policy>', "replace that policy's capacity.loadtest block (other lines and comments stay)")
    .option('--format <format>', 'text or json', 'text')
    .action(async (files: string[], o: ImportOptions) => {
      try {
        await runImport(files, o, io);
      } catch (e) {
        if (e instanceof LoadTestFileError) throw new UsageError(e.message);
        throw e;
      }
    });
}
