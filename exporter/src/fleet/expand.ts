/**
 * A fleet's services: the template, the overrides that match a name merged in (fleet/merge.ts),
 * the name, and the fleet it comes from. README "Fleets".
 */
import { serviceSchema, type Fleet, type FleetOverride, type Service } from '../config/schema.js';
import { formatPath } from '../config/paths.js';
import { applyOverrides } from './merge.js';

/**
 * A discovered name is a label value from outside: a letter or digit, then up to 127 letters,
 * digits and `_ . : -` (what deployment, job and namespace names use; nothing PromQL would have to
 * escape). FLEET.md §1.
 */
export const DISCOVERED_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** An override's match_regex, anchored like Prometheus' =~. Throws on an invalid expression. */
export function overrideRegex(source: string): RegExp {
  return new RegExp(`^(?:${source})$`);
}

export function overrideMatches(o: FleetOverride, name: string): boolean {
  if (o.match !== undefined) return o.match === name;
  return o.match_regex !== undefined && overrideRegex(o.match_regex).test(name);
}

/** The overrides of `fleet` that apply to service `name`, in order (later wins). */
export function overridesFor(fleet: Fleet, name: string): FleetOverride[] {
  return fleet.overrides.filter((o) => overrideMatches(o, name));
}

/** A fleet service that cannot be built (a combination of overrides that is not a valid service). */
export class FleetServiceError extends Error {}

/** Services already built, per fleet (a reload makes new Fleet objects) and name: stable objects, so caches keyed by the service hold. */
const built = new WeakMap<Fleet, Map<string, Service>>();
/** Merged templates per fleet and combination of overrides (most services share none or one). */
const merged = new WeakMap<Fleet, Map<string, Omit<Service, 'name'>>>();

function mergedTemplate(fleet: Fleet, name: string): Omit<Service, 'name'> {
  const which = fleet.overrides.flatMap((o, i) => (overrideMatches(o, name) ? [i] : []));
  if (which.length === 0) return fleet.template;
  let byKey = merged.get(fleet);
  if (!byKey) merged.set(fleet, (byKey = new Map()));
  const key = which.join(',');
  const hit = byKey.get(key);
  if (hit) return hit;
  const doc = applyOverrides(
    fleet.template,
    which.map((i) => fleet.overrides[i])
  );
  // The template's parsed form is valid input again (durations are seconds), so one parse checks and fills the merge.
  const r = serviceSchema.omit({ name: true }).safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new FleetServiceError(
      `fleets.${fleet.name}: overrides ${which.join(', ')} together do not make a valid service: ${formatPath(i.path)}: ${i.message}`
    );
  }
  byKey.set(key, r.data);
  return r.data;
}

/** The service `name` of `fleet`: template + matching overrides + name + fleet ref. Throws FleetServiceError. */
export function fleetService(fleet: Fleet, name: string): Service {
  let byName = built.get(fleet);
  if (!byName) built.set(fleet, (byName = new Map()));
  const hit = byName.get(name);
  if (hit) return hit;
  const svc: Service = { ...mergedTemplate(fleet, name), name, fleet: { name: fleet.name, label: fleet.label } };
  byName.set(name, svc);
  return svc;
}

/** The actuator of a fleet service from its overrides (the last that names one), if any. */
export function fleetActuator(fleet: Fleet, name: string): FleetOverride['actuator'] {
  return overridesFor(fleet, name).reduce<FleetOverride['actuator']>((a, o) => o.actuator ?? a, undefined);
}

export type NameCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a discovered label value may name a service of `fleet`: the pattern, and no clash with
 * an explicit service (the explicit one wins) or a service another fleet already owns.
 */
export function checkDiscoveredName(
  name: string,
  taken: { explicit: ReadonlySet<string>; owner: ReadonlyMap<string, string> },
  fleet: string
): NameCheck {
  if (!DISCOVERED_NAME.test(name))
    return {
      ok: false,
      reason: `label value ${JSON.stringify(name.slice(0, 200))} is not a service name (expected ${DISCOVERED_NAME.source})`,
    };
  if (taken.explicit.has(name))
    return { ok: false, reason: `"${name}" is an explicit service of the policy, which wins over fleet ${fleet}` };
  const owner = taken.owner.get(name);
  if (owner !== undefined && owner !== fleet)
    return { ok: false, reason: `"${name}" is already a service of fleet ${owner}` };
  return { ok: true };
}
