/**
 * How a fleet override patches its template (pure, on plain documents): objects merge deeply;
 * lists of objects with a `name` (signals, scale_out, schedules, resources, scenarios) merge by
 * name (an entry patches the template's entry of that name, a new name is appended);
 * `scale_in.conditions` merge by `signal`; any other list (load-test columns, horizons) replaces.
 */
type Doc = Record<string, unknown>;

const isDoc = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The key a list's entries are matched by, or null when the list is replaced whole. */
function idKey(key: string | undefined, base: unknown[], patch: unknown[]): string | null {
  const id = key === 'conditions' ? 'signal' : 'name';
  const keyed = (xs: unknown[]) => xs.every((x) => isDoc(x) && typeof x[id] === 'string');
  return patch.length > 0 && keyed(base) && keyed(patch) ? id : null;
}

function mergeList(base: unknown[], patch: unknown[], id: string): unknown[] {
  const out = [...base];
  for (const entry of patch as Doc[]) {
    const at = out.findIndex((x) => (x as Doc)[id] === entry[id]);
    if (at >= 0) out[at] = mergeDocs(out[at], entry);
    else out.push(entry);
  }
  return out;
}

/** `patch` over `base`; neither is modified. */
export function mergeDocs(base: unknown, patch: unknown, key?: string): unknown {
  if (patch === undefined) return base;
  if (Array.isArray(base) && Array.isArray(patch)) {
    const id = idKey(key, base, patch);
    return id ? mergeList(base, patch, id) : patch;
  }
  if (!isDoc(base) || !isDoc(patch)) return patch;
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = mergeDocs(base[k], v, k);
  return out;
}

/** The parts of a service an override may patch. */
export const OVERRIDABLE = ['scaling', 'cost', 'capacity'] as const;

/** A template (a service document without name) with the overrides' blocks merged in, in order. */
export function applyOverrides(template: unknown, overrides: readonly unknown[]): unknown {
  let out = template;
  for (const o of overrides) {
    if (!isDoc(o)) continue;
    const patch: Doc = {};
    for (const k of OVERRIDABLE) if (o[k] !== undefined) patch[k] = o[k];
    out = mergeDocs(out, patch);
  }
  return out;
}
