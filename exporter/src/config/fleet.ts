/**
 * Checks of `fleets` (README "Fleets"): each template is checked as a service (semantic.ts), and
 * each override merged into its template must be a valid service too. The merge's problems that
 * the template alone does not have are reported at the override (`fleets[0].overrides[1].…`).
 */
import type { z } from 'zod';
import { applyOverrides } from '../fleet/merge.js';
import { DISCOVERED_NAME, overrideRegex } from '../fleet/expand.js';
import { serviceSchema } from './schema.js';
import { checkService, Collector, list, obj, type Problem, type Raw } from './semantic.js';

type Path = (string | number)[];
const untemplated = () => serviceSchema.omit({ name: true });

/**
 * The override's own path for a path of the merged service: list indices are translated to the
 * override's entry of the same name (or signal); an entry that only the template has keeps its index.
 */
function overridePath(override: unknown, merged: unknown, path: readonly PropertyKey[]): Path {
  const out: Path = [];
  let [o, m] = [override, merged];
  for (const step of path) {
    if (typeof step === 'number' && Array.isArray(m) && Array.isArray(o)) {
      const entry = obj(m[step]);
      const id = entry && (typeof entry.name === 'string' ? 'name' : 'signal');
      const at = id ? o.findIndex((x) => obj(x)?.[id] === entry![id]) : -1;
      out.push(at >= 0 ? at : step);
      [o, m] = [at >= 0 ? o[at] : undefined, m[step]];
    } else {
      out.push(step as string | number);
      [o, m] = [obj(o)?.[String(step)], Array.isArray(m) ? m[step as number] : obj(m)?.[String(step)]];
    }
  }
  return out;
}

const issueKey = (i: { path: readonly PropertyKey[]; message: string }) =>
  JSON.stringify([i.path.map(String), i.message]);

function semanticOf(svc: Raw): Problem[] {
  const c = new Collector();
  checkService(c, svc, []);
  return c.problems;
}

/** The schema issues of every override merged into its template, rebased to the override's path. */
export function fleetIssues(doc: unknown): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  list(obj(doc)?.fleets).forEach((f, i) => {
    const template = obj(obj(f)?.template);
    if (!template) return;
    const base = untemplated().safeParse(template);
    const known = new Set(base.success ? [] : base.error.issues.map(issueKey));
    list(obj(f)?.overrides).forEach((o, j) => {
      const merged = applyOverrides(template, [o]);
      const r = untemplated().safeParse(merged, { reportInput: true });
      if (r.success) return;
      for (const issue of r.error.issues.filter((x) => !known.has(issueKey(x))))
        out.push({ ...issue, path: ['fleets', i, 'overrides', j, ...overridePath(o, merged, issue.path)] });
    });
  });
  return out;
}

function checkOverrideMatch(c: Collector, o: Raw, at: Path) {
  if (typeof o.match === 'string' && !DISCOVERED_NAME.test(o.match))
    c.error([...at, 'match'], `expected a service name (${DISCOVERED_NAME.source})`, o.match);
  if (typeof o.match_regex === 'string') {
    try {
      overrideRegex(o.match_regex);
    } catch (e) {
      c.error([...at, 'match_regex'], `expected a regular expression (${(e as Error).message})`, o.match_regex);
    }
  }
}

/** Cross-field problems of the fleets: templates as services, overrides merged into them. */
export function fleetProblems(doc: unknown): Problem[] {
  const c = new Collector();
  const root = obj(doc) ?? {};
  c.dupes(root.fleets, ['fleets']);
  list(root.fleets).forEach((f, i) => {
    const fleet = obj(f);
    const template = obj(fleet?.template);
    if (!fleet || !template) return;
    checkService(c, template, ['fleets', i, 'template']);
    const known = new Set(semanticOf(template).map(issueKey));
    list(fleet.overrides).forEach((x, j) => {
      const o = obj(x);
      if (!o) return;
      const at: Path = ['fleets', i, 'overrides', j];
      checkOverrideMatch(c, o, at);
      const merged = applyOverrides(template, [o]);
      for (const p of semanticOf(obj(merged)!).filter((p) => !known.has(issueKey(p))))
        c.problems.push({ ...p, path: [...at, ...overridePath(o, merged, p.path)] });
    });
  });
  return c.problems;
}
