/**
 * Checks across fields of headroom.yml (references, order of thresholds, schedules within limits).
 *
 * They read the raw document, not zod's output, so that they run even when another part of the
 * file is malformed: a zod refinement only runs once every field it covers has parsed, which is
 * why `check` used to print three errors and, once they were fixed, a fourth. Each check looks only
 * at the fields it needs and skips silently what is malformed (the schema reports that).
 */
import { DEFAULTS } from './defaults.js';

export type Severity = 'error' | 'warning';
export interface Problem {
  severity: Severity;
  path: (string | number)[];
  /** "expected …" for errors; a sentence for warnings. */
  message: string;
  input: unknown;
}

export type Raw = Record<string, unknown>;
export const obj = (v: unknown): Raw | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined;
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const names = (v: unknown): string[] =>
  list(v).flatMap((x) => (str(obj(x)?.name) !== undefined ? [str(obj(x)?.name)!] : []));

export class Collector {
  readonly problems: Problem[] = [];
  error(path: (string | number)[], message: string, input: unknown) {
    this.problems.push({ severity: 'error', path, message, input });
  }
  warning(path: (string | number)[], message: string, input: unknown) {
    this.problems.push({ severity: 'warning', path, message, input });
  }
  dupes(items: unknown, path: (string | number)[]) {
    const seen = new Set<string>();
    list(items).forEach((x, i) => {
      const n = str(obj(x)?.name);
      if (n === undefined) return;
      if (seen.has(n)) this.error([...path, i, 'name'], 'expected a unique name', n);
      seen.add(n);
    });
  }
}

/** Every cross-field problem of a raw policy document. */
export function semanticProblems(doc: unknown): Problem[] {
  const c = new Collector();
  const root = obj(doc);
  if (!root) return [];
  c.dupes(root.services, ['services']);
  if (list(root.services).length === 0 && list(root.fleets).length === 0 && obj(root))
    c.error(
      ['services'],
      'expected at least one service in "services" or one fleet in "fleets" (a policy plans something)',
      root.services
    );
  const services = list(root.services);
  services.forEach((s, i) => {
    const svc = obj(s);
    if (svc) checkService(c, svc, ['services', i]);
  });
  const serviceNames = new Set(names(root.services));
  for (const key of Object.keys(obj(obj(root.scaler)?.actuators) ?? {})) {
    if (Array.isArray(root.services) && !serviceNames.has(key))
      c.error(
        ['scaler', 'actuators', key],
        'expected the name of an explicit service (a fleet service takes its actuator from fleets[].overrides[].actuator)',
        key
      );
  }
  return c.problems;
}

export function checkService(c: Collector, svc: Raw, at: (string | number)[]) {
  const signals = names(svc.signals);
  const known = new Set(signals);
  const ref = (path: (string | number)[], sig: unknown) => {
    if (Array.isArray(svc.signals) && typeof sig === 'string' && !known.has(sig)) {
      c.error([...at, ...path], `expected the name of a signal of this service (${signals.join(', ')})`, sig);
    }
  };
  const scaling = obj(svc.scaling) ?? {};
  const capacity = obj(svc.capacity) ?? {};
  list(scaling.scale_out).forEach((t, i) => ref(['scaling', 'scale_out', i, 'signal'], obj(t)?.signal));
  list(obj(scaling.scale_in)?.conditions).forEach((x, i) =>
    ref(['scaling', 'scale_in', 'conditions', i, 'signal'], obj(x)?.signal)
  );
  list(capacity.resources).forEach((r, i) => ref(['capacity', 'resources', i, 'signal'], obj(r)?.signal));
  if (capacity.users_signal !== undefined) ref(['capacity', 'users_signal'], capacity.users_signal);
  c.dupes(svc.signals, [...at, 'signals']);
  c.dupes(scaling.scale_out, [...at, 'scaling', 'scale_out']);
  c.dupes(scaling.schedules, [...at, 'scaling', 'schedules']);
  checkKind(c, capacity, [...at, 'capacity']);
  if (obj(capacity.requests)) ref(['capacity', 'requests', 'signal'], obj(capacity.requests)!.signal);
  if (obj(capacity.queue)) {
    ref(['capacity', 'queue', 'depth_signal'], obj(capacity.queue)!.depth_signal);
    if (obj(capacity.queue)!.arrival_signal !== undefined)
      ref(['capacity', 'queue', 'arrival_signal'], obj(capacity.queue)!.arrival_signal);
  }
  checkResources(c, capacity, [...at, 'capacity']);
  checkLoadTest(c, obj(capacity.loadtest), [...at, 'capacity', 'loadtest']);
  checkTriggers(c, scaling, capacity, [...at, 'scaling']);
  checkLimitsAndSchedules(c, scaling, [...at, 'scaling']);
  checkGrowthAndCost(c, svc, at);
}

/** What each capacity kind needs (and nothing more). */
const KIND_NEEDS: Record<string, string[]> = {
  sessions: ['scaling_factors', 'loadtest'],
  requests: ['requests'],
  queue: ['queue'],
  utilization: [],
};

function checkKind(c: Collector, capacity: Raw, at: (string | number)[]) {
  const kind = capacity.kind ?? 'sessions';
  if (typeof kind !== 'string' || !(kind in KIND_NEEDS)) return;
  for (const key of KIND_NEEDS[kind]) {
    if (capacity[key] === undefined)
      c.error(
        [...at, key],
        `expected ${key} for capacity.kind ${kind} (or a kind that does not need it: ${Object.keys(KIND_NEEDS)
          .filter((k) => !KIND_NEEDS[k].includes(key))
          .join(', ')})`,
        undefined
      );
  }
}

/** warning < critical <= limit, per resource. */
function checkResources(c: Collector, capacity: Raw, at: (string | number)[]) {
  list(capacity.resources).forEach((x, i) => {
    const r = obj(x) ?? {};
    const [limit, warning, critical] = [num(r.limit), num(r.warning), num(r.critical)];
    if (warning !== undefined && critical !== undefined && warning >= critical) {
      c.error(
        [...at, 'resources', i, 'warning'],
        `expected below critical (${critical}): thresholds go warning < critical <= limit`,
        warning
      );
    }
    if (critical !== undefined && limit !== undefined && critical > limit) {
      c.error(
        [...at, 'resources', i, 'critical'],
        `expected at most limit (${limit}): thresholds go warning < critical <= limit`,
        critical
      );
    }
  });
}

function checkLoadTest(c: Collector, lt: Raw | undefined, at: (string | number)[]) {
  if (!lt) return;
  const users = list(lt.users);
  for (const key of ['response_time_ms', 'cpu_percent', 'memory_percent', 'error_percent', 'throughput_rps']) {
    if (Array.isArray(lt[key]) && Array.isArray(lt.users) && (lt[key] as unknown[]).length !== users.length) {
      c.error([...at, key], `expected ${users.length} values (one per entry of users)`, (lt[key] as unknown[]).length);
    }
  }
  for (let i = 1; i < users.length; i++) {
    const [a, b] = [num(users[i - 1]), num(users[i])];
    if (a !== undefined && b !== undefined && b <= a)
      c.error([...at, 'users', i], 'expected users in increasing order', b);
  }
  const crit = obj(lt.criteria) ?? {};
  const d = DEFAULTS.loadtest;
  const warnMs = num(crit.warning_response_ms) ?? d.warningResponseMs;
  const critMs = num(crit.critical_response_ms) ?? d.criticalResponseMs;
  if (warnMs >= critMs)
    c.error([...at, 'criteria', 'critical_response_ms'], `expected above warning_response_ms (${warnMs})`, critMs);
  const critErr = num(crit.critical_error_percent) ?? d.criticalErrorPercent;
  const maxErr = num(crit.maximum_error_percent) ?? d.maximumErrorPercent;
  if (critErr > maxErr)
    c.error(
      [...at, 'criteria', 'maximum_error_percent'],
      `expected at least critical_error_percent (${critErr})`,
      maxErr
    );
}

/** A trigger must be able to fire before an instance is past its capacity, and scale-in must sit below scale-out. */
function checkTriggers(c: Collector, scaling: Raw, capacity: Raw, at: (string | number)[]) {
  const resources = list(capacity.resources).map((r) => obj(r) ?? {});
  list(scaling.scale_out).forEach((x, i) => {
    const t = obj(x) ?? {};
    const above = num(t.above);
    if (above === undefined) return;
    for (const r of resources.filter((r) => r.signal === t.signal)) {
      const [limit, critical] = [num(r.limit), num(r.critical)];
      if (limit !== undefined && above >= limit) {
        c.error(
          [...at, 'scale_out', i, 'above'],
          `expected below the limit of resource ${String(r.name)} (${limit}): a trigger at or above the limit fires only once instances are past capacity`,
          above
        );
      } else if (critical !== undefined && above > critical) {
        c.warning(
          [...at, 'scale_out', i, 'above'],
          `${above} is above the critical threshold of resource ${String(r.name)} (${critical}): the fleet scales out only after it is critical`,
          above
        );
      }
    }
    const target = num(t.target);
    if (target !== undefined && target >= above) {
      c.warning(
        [...at, 'scale_out', i, 'target'],
        `target ${target} is not below above (${above}): the proportional target never adds more than step`,
        target
      );
    }
  });
  list(obj(scaling.scale_in)?.conditions).forEach((x, j) => {
    const cond = obj(x) ?? {};
    const below = num(cond.below);
    if (below === undefined) return;
    for (const t of list(scaling.scale_out).map((t) => obj(t) ?? {})) {
      const above = num(t.above);
      if (t.signal === cond.signal && above !== undefined && below >= above) {
        c.error(
          [...at, 'scale_in', 'conditions', j, 'below'],
          `expected below the scale-out threshold of trigger ${String(t.name)} (${above}), or the fleet flaps between them`,
          below
        );
      }
    }
  });
}

function checkLimitsAndSchedules(c: Collector, scaling: Raw, at: (string | number)[]) {
  const limits = obj(scaling.limits) ?? {};
  const [min, max] = [num(limits.min), num(limits.max)];
  if (min !== undefined && max !== undefined && min > max)
    c.error([...at, 'limits'], 'expected limits.min <= limits.max', limits);
  list(scaling.schedules).forEach((x, i) => {
    const s = obj(x) ?? {};
    const [desired, sMin] = [num(s.desired), num(s.min)];
    if (desired === undefined) return;
    if (max !== undefined && desired > max)
      c.error([...at, 'schedules', i, 'desired'], `expected at most limits.max (${max})`, desired);
    if (min !== undefined && desired < min) {
      c.error(
        [...at, 'schedules', i, 'desired'],
        `expected at least limits.min (${min}): the fleet never runs fewer, so the schedule would never act`,
        desired
      );
    }
    if (sMin !== undefined && sMin > desired)
      c.error([...at, 'schedules', i, 'min'], `expected min <= desired (${desired})`, sMin);
  });
}

function checkGrowthAndCost(c: Collector, svc: Raw, at: (string | number)[]) {
  const growth = obj(svc.growth);
  if (growth && Array.isArray(growth.scenarios)) {
    c.dupes(growth.scenarios, [...at, 'growth', 'scenarios']);
    const scenarios = names(growth.scenarios);
    const planning = growth.planning_scenario ?? DEFAULTS.growth.planningScenario;
    if (typeof planning === 'string' && !scenarios.includes(planning)) {
      c.error(
        [...at, 'growth', 'planning_scenario'],
        `expected one of the scenarios (${scenarios.join(', ')})`,
        planning
      );
    }
  }
  const cost = obj(svc.cost);
  if (cost && cost.projection_pricing === 'resources' && cost.resources === undefined) {
    c.error([...at, 'cost', 'resources'], 'expected resource prices when projection_pricing is "resources"', undefined);
  }
}
