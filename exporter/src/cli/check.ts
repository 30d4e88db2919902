import type { Command } from 'commander';
import { ConfigError, loadPolicyWithWarnings } from '../config/load.js';
import type { Fleet, FleetOverride, Policy } from '../config/schema.js';
import { describeTrim } from '../metrics/budget.js';
import { expectedCount } from '../metrics/expected.js';
import { checkDiscoveredName, fleetService } from '../fleet/expand.js';
import { createSource } from '../sources/index.js';
import { promDuration } from '../format.js';
import { DEFAULT_CONFIG, type Io } from './common.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const NAMES_SHOWN = 5;

/** What `check` knows of a fleet's services: the names its discovery returns now, or why it does not know them. */
export type FleetServices =
  { known: true; names: string[]; rejected: string[]; from: string } | { known: false; why: string };

/**
 * The series /metrics will carry for the policy (at most: absent values are not published): per
 * explicit service, per fleet service times the services discovered, and the trimming. A fleet whose
 * services are known counts each of them (its overrides applied); one that is not counts its
 * template once. Without series_budget every service is trimmed to DEFAULT_SERIES_PER_SERVICE,
 * whatever the number discovered.
 */
export function seriesReport(policy: Policy, discovered: ReadonlyMap<string, FleetServices> = new Map()): string {
  const known = (f: Fleet) => {
    const found = discovered.get(f.name);
    return found?.known && found.names.length > 0 ? found.names : null;
  };
  const fleetServices = policy.fleets.map((f) => (known(f) ?? [f.name]).map((name) => fleetService(f, name)));
  const { services, trim } = expectedCount({ ...policy, services: [...policy.services, ...fleetServices.flat()] });
  const explicit = services.slice(0, policy.services.length);
  const per = explicit.map((s) => `${s.name} ${s.series}`).join(', ');
  const counted = policy.fleets.map((f, i) =>
    known(f)
      ? `the ${plural(fleetServices[i].length, 'service')} of fleet ${f.name} discovered now`
      : `one service of fleet ${f.name}`
  );
  const lines = [
    `series: at most ${trim.published} on /metrics (${[per || 'no explicit service', 'process-wide included', ...counted].join('; ')}):`,
    `  ${describeTrim(trim)}`,
  ];
  let at = policy.services.length;
  policy.fleets.forEach((fleet, i) => {
    const mine = services.slice(at, (at += fleetServices[i].length));
    const each = Math.max(...mine.map((s) => s.series));
    const total = known(fleet)
      ? ` = at most ${mine.reduce((n, s) => n + s.series, 0)} for the ${plural(mine.length, 'service')} discovered now`
      : ' (services: discovered at run time)';
    const note = policy.series_budget === undefined ? '' : ' (series_budget trims more as more are discovered)';
    lines.push(`  fleet ${fleet.name}: at most ${each} per service × services discovered${total}${note}`);
  });
  return lines.join('\n');
}

/** The leaf paths an override sets: `scaling.limits.max`, `capacity.resources[cpu].warning` (named entries by name). */
export function overridePaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) {
    const key = (e: unknown) =>
      e && typeof e === 'object'
        ? ((e as { name?: unknown; signal?: unknown }).name ?? (e as { signal?: unknown }).signal)
        : undefined;
    if (value.length === 0 || value.some((e) => typeof key(e) !== 'string')) return [prefix];
    return value.flatMap((e) => {
      const { name: _n, signal: _s, ...rest } = e as Record<string, unknown>;
      const at = `${prefix}[${String(key(e))}]`;
      return Object.keys(rest).length ? overridePaths(rest, at) : [at];
    });
  }
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => overridePaths(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

function describeOverride(o: FleetOverride): string {
  const { match, match_regex, ...set } = o;
  const who = match !== undefined ? match : `/${match_regex}/`;
  return `${who} (${overridePaths(set).join(', ') || 'nothing'})`;
}

const listNames = (names: readonly string[]) =>
  names.length <= NAMES_SHOWN
    ? names.join(', ')
    : `${names.slice(0, NAMES_SHOWN).join(', ')} and ${names.length - NAMES_SHOWN} more`;

function describeServices(found: FleetServices): string {
  if (!found.known) return `discovered at run time (${found.why})`;
  const rejected = found.rejected.length ? `; ${plural(found.rejected.length, 'label value')} rejected` : '';
  if (found.names.length === 0) return `none discovered now (${found.from}${rejected})`;
  return `${found.names.length} discovered now (${listNames(found.names)}; ${found.from}${rejected})`;
}

/** A fleet as `check` prints it: the label and the template, the overrides, and the services found. */
export function fleetReport(fleet: Fleet, found: FleetServices): string[] {
  const t = fleet.template;
  const scaleIn = t.scaling.scale_in;
  const template = [
    `signals ${t.signals.map((s) => s.name).join(', ')}`,
    `scale-out ${t.scaling.scale_out.map((s) => s.name).join(', ') || 'none'}`,
    ...(scaleIn ? [`scale-in on ${scaleIn.conditions.map((c) => c.signal).join(', ')}`] : []),
    `limits ${t.scaling.limits.min}..${t.scaling.limits.max}`,
  ];
  return [
    `fleet ${fleet.name}: a service per value of label "${fleet.label}" (retired after ${promDuration(fleet.retire_after)} missing)`,
    `  instances (discovery): ${t.instances.query}`,
    `  template: ${template.join('; ')}`,
    `  overrides (in order, a later one wins): ${fleet.overrides.map(describeOverride).join('; ') || 'none'}`,
    `  services: ${describeServices(found)}`,
  ];
}

/**
 * The services each fleet's discovery returns now, with the names the exporter would reject left
 * out. The demo source discovers without I/O; a Prometheus is asked only with `--discover`.
 */
export async function discoverFleets(policy: Policy, ask: boolean, now: number): Promise<Map<string, FleetServices>> {
  const out = new Map<string, FleetServices>();
  if (policy.fleets.length === 0) return out;
  if (policy.prometheus && !ask) {
    const why = `check asks no Prometheus; --discover asks ${policy.prometheus.url}`;
    for (const f of policy.fleets) out.set(f.name, { known: false, why });
    return out;
  }
  const source = await createSource(policy);
  const from = policy.prometheus ? `asked ${policy.prometheus.url}` : "demo source: the overrides' match names";
  const explicit = new Set(policy.services.map((s) => s.name));
  const owner = new Map<string, string>();
  for (const fleet of policy.fleets) {
    const d = await source.discover(fleet, now).catch((e: Error) => ({ ok: false as const, reason: e.message }));
    if (!d.ok) {
      out.set(fleet.name, { known: false, why: `discovery failed: ${d.reason}` });
      continue;
    }
    const ok = (n: string) => checkDiscoveredName(n, { explicit, owner }, fleet.name).ok;
    const names = d.names.filter(ok);
    for (const n of names) owner.set(n, fleet.name);
    out.set(fleet.name, { known: true, names, rejected: d.names.filter((n) => !names.includes(n)), from });
  }
  return out;
}

function headline(file: string, p: Policy, warnings: readonly string[]): string {
  const triggers = plural(
    p.services.reduce((n, s) => n + s.scaling.scale_out.length, 0),
    'scale-out trigger'
  );
  const services = p.fleets.length
    ? `${p.services.length ? `${plural(p.services.length, 'explicit service')} with ${triggers}` : 'no explicit service'}, ${plural(p.fleets.length, 'fleet')} (${p.fleets.map((f) => f.name).join(', ')})`
    : `${plural(p.services.length, 'service')}, ${triggers}`;
  const warned = warnings.length ? `, ${plural(warnings.length, 'warning')}` : '';
  return `${file}: OK (${services}, source: ${p.prometheus ? p.prometheus.url : 'built-in demo'}${warned})`;
}

export function registerCheck(program: Command, io: Io): void {
  program
    .command('check')
    .description(
      'validate a policy file and print its fleets and the series /metrics will carry; exit 0 when valid (warnings on stderr), 2 with every problem named otherwise'
    )
    .argument('[file]', 'policy file', DEFAULT_CONFIG)
    .option('--discover', "ask the policy's Prometheus which services each fleet has now (else no network call)")
    .action(async (file: string, opts: { discover?: boolean }) => {
      let checked;
      try {
        checked = loadPolicyWithWarnings(file);
      } catch (e) {
        // Errors and warnings of the same pass are printed together.
        if (e instanceof ConfigError && e.warnings.length > 0)
          throw new ConfigError(e.file, [...e.problems, ...e.warnings]);
        throw e;
      }
      const { policy: p, warnings } = checked;
      for (const w of warnings) io.stderr(`${w}\n`);
      const discovered = await discoverFleets(p, opts.discover === true, Date.now() / 1000);
      io.stdout(`${headline(file, p, warnings)}\n`);
      for (const f of p.fleets) io.stdout(`${fleetReport(f, discovered.get(f.name)!).join('\n')}\n`);
      io.stdout(`${seriesReport(p, discovered)}\n`);
    });
}
